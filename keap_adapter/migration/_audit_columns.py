"""Which columns a call names literally, and which of them the legacy shim cannot translate.

A call site the shim runs can still fail on a column: ``ContactService.add(key,
{"Username": ...})`` reaches the shim, which answers ``[NotTranslated]`` because the facade
has no such field. The audit reads the columns a call spells out (struct keys, selected
fields, ``orderBy``, ``findByField``'s field, queryData keys) and calls such a site
``partial``. So is a struct writing a column REST v2 only reads (``backends._fields.READ_ONLY``:
``AccountId``, ``DateCreated``...), and a call the shim refuses whole, said as a rule in
parentheses: a new contact no one can reach, ``addCustomField`` outside the Contact context.
Columns held in variables are not seen, so ``covered`` means "no literal column is known to
fail", not a promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..backends._fields import ADDRESSES, CONTACT_FIELDS, EMAILS, PHONES, READ_ONLY
from ._audit_model import Verdict
from ._methods import LegacyMethod

Role = Literal["struct", "fields", "query", "field", "value", "order", "context"] | None


@dataclass(frozen=True)
class Names:
    """A literal list of column names, or the string keys of a literal struct.

    ``inexact`` are the keys whose literal value is no one id (``{"GroupId": "%"}``): a value
    the audit cannot read is taken for an id, as code that passes ids in variables means.
    """

    names: tuple[str, ...]
    inexact: frozenset[str] = frozenset()


def exact_id(value: object) -> bool:
    """Whether a literal names one record, as the shim reads a condition: ``5`` or ``"5"``."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


Arg = str | Names | None
"""What the audit could read of one argument: a string, literal names, or nothing."""

# The parameters after the key (and after the table, for DataService), per Keap's XML-RPC
# documentation (https://developer.infusionsoft.com/docs/xml-rpc/, ContactService and
# DataService): which of them name columns. A ContactService method's (or addCustomField's)
# arity is its length, which tells a call with the key from one without (wrappers that add
# the key themselves).
ROLES: dict[str, tuple[Role, ...]] = {
    "ContactService.add": ("struct",),
    "ContactService.addWithDupCheck": ("struct", None),
    "ContactService.update": (None, "struct"),
    "ContactService.load": (None, "fields"),
    "ContactService.findByEmail": (None, "fields"),
    "DataService.add": ("struct",),
    "DataService.update": (None, "struct"),
    "DataService.load": (None, "fields"),
    "DataService.query": (None, None, "query", "fields", "order"),
    "DataService.count": ("query",),
    "DataService.findByField": (None, None, "field", "value", "fields"),
    "DataService.addCustomField": ("context", None, None, None),
}

# The tag tables' columns as the legacy shim serves them (keap_adapter/_legacy/_tags.py),
# kept here as data so the audit does not import the shim. ContactGroupAssign.DateCreated
# (when the tag was applied) is left out on purpose: the shim answers it only for a query by
# tag (one GroupId, no ContactId), as the facade reads applied times per tag, and answers
# [NotTranslated] for it otherwise; ``_served_here`` says when.
TAG_COLUMNS: dict[str, frozenset[str]] = {
    "ContactGroup": frozenset({"Id", "GroupName", "GroupDescription", "GroupCategoryId"}),
    "ContactGroupAssign": frozenset(
        {
            "ContactId", "GroupId", "ContactGroup", "Contact.FirstName", "Contact.LastName",
            "Contact.Email", "Contact.Company",
        }
    ),
    "ContactGroupCategory": frozenset({"Id", "CategoryName", "CategoryDescription"}),
    "DataFormField": frozenset({"Id", "Name", "Label", "DataType", "Values", "FormId"}),
}  # fmt: skip
# The Contact columns the facade reads and writes; read at import, so it follows the field
# table as that grows. Custom fields (``_Name``) are assumed translatable: the shim looks
# them up in the account at run time.
_CONTACT = frozenset(CONTACT_FIELDS)


def translatable(table: str, column: str) -> bool:
    """Whether the shim serves ``column`` of ``table`` (``Contact`` for ContactService)."""
    if table == "Contact":
        return column in _CONTACT or (column.startswith("_") and len(column) > 1)
    return column in TAG_COLUMNS.get(table, frozenset())


def untranslatable(method: str, table: str | None, params: Sequence[Arg]) -> tuple[str, ...]:
    """The columns ``params`` name literally that the shim cannot translate, in order.

    ``params`` are the call's arguments after the key (and the table): positions with no
    role, or arguments the audit could not read, name nothing.
    """
    roles = ROLES.get(method, ())
    args = dict(zip(roles, params, strict=False))  # each role comes once per method
    named = [(role, name) for role, arg in args.items() for name in _names(role, arg)]
    served = _served_here(table, args)
    writes_contact = _writes_contact(method, table)
    failing = [
        name
        for role, name in named
        if (name not in served and not translatable(table or "Contact", name))
        or (role == "struct" and writes_contact and name in READ_ONLY)
    ]
    rules = [*_unreachable(method, table, args), *_context(args)]
    return tuple(dict.fromkeys([*failing, *rules]))


def _writes_contact(method: str, table: str | None) -> bool:
    """The call's struct is written to a contact (``READ_ONLY`` columns are refused there)."""
    return method.startswith("ContactService.") or table == "Contact"


def _served_here(table: str | None, args: dict[Role, Arg]) -> frozenset[str]:
    """Columns the shim serves for this call's shape only: ContactGroupAssign.DateCreated
    for a query by tag (``keap_adapter/_legacy/_tags.assign_rows``)."""
    if table != "ContactGroupAssign":
        return frozenset()
    query, field, value = args.get("query"), args.get("field"), args.get("value")
    if isinstance(query, Names):
        keys = set(query.names) - query.inexact  # the conditions naming one id
        by_tag = "GroupId" in keys and "ContactId" not in keys
    else:  # findByField(field, value): a value the audit cannot read is taken for an id
        by_tag = field == "GroupId" and (value is None or exact_id(value))
    return frozenset({"DateCreated"}) if by_tag else frozenset()


# A new contact needs an email, phone or address on REST v2, so the shim refuses a literal
# struct naming none (XML-RPC accepted it); addWithDupCheck matches on Email, so needs it.
NO_WAY_TO_REACH = "(no Email, Phone or address column: REST v2 needs one to create a contact)"
NO_EMAIL = "(no Email column: the duplicate check matches on it)"
_REACHABLE = frozenset(
    {*EMAILS.values(), *PHONES.values(), *(c for cols in ADDRESSES.values() for c in cols)}
)


def other_context(context: str) -> str:
    """The rule addCustomField breaks outside the Contact context (the shim refuses it)."""
    return f"(addCustomField's context is {context}: the facade makes Contact custom fields only)"


def _context(args: dict[Role, Arg]) -> tuple[str, ...]:
    context = args.get("context")
    return (other_context(context),) if isinstance(context, str) and context != "Contact" else ()


def _unreachable(method: str, table: str | None, args: dict[Role, Arg]) -> tuple[str, ...]:
    creates = method in ("ContactService.add", "ContactService.addWithDupCheck") or (
        method == "DataService.add" and table == "Contact"
    )
    struct = args.get("struct")
    if not creates or not isinstance(struct, Names):
        return ()
    if method == "ContactService.addWithDupCheck":
        return () if "Email" in struct.names else (NO_EMAIL,)
    return () if _REACHABLE & set(struct.names) else (NO_WAY_TO_REACH,)


def verdict(row: LegacyMethod | None, columns: Sequence[str]) -> Verdict:
    """``not covered`` without a shim row, ``partial`` with untranslatable columns."""
    if row is None or not row.shim:
        return "not covered"
    return "partial" if columns else "covered"


def arity(method: str) -> int | None:
    """How many parameters a method with no table takes after the key, if the audit knows."""
    roles = ROLES.get(method)
    known = method.startswith("ContactService.") or method == "DataService.addCustomField"
    return len(roles) if roles is not None and known else None


def _names(role: Role, arg: Arg) -> tuple[str, ...]:
    if role in ("struct", "fields", "query") and isinstance(arg, Names):
        return arg.names
    if role in ("field", "order") and isinstance(arg, str) and arg:
        return (arg,)
    return ()
