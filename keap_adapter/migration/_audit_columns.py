"""Which columns a call names literally, and which of them the legacy shim cannot translate.

A call site the shim runs can still fail on a column: ``ContactService.add(key,
{"Username": ...})`` reaches the shim, which answers ``[NotTranslated]`` because the facade
has no such field. The audit reads the columns a call spells out (struct keys, selected
fields, ``orderBy``, ``findByField``'s field, queryData keys) and calls such a site
``partial``. Columns held in variables are not seen, so ``covered`` means "no literal column
is known to fail", not a promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..backends._fields import ADDRESSES, CONTACT_FIELDS, EMAILS, PHONES
from ._audit_model import Verdict
from ._methods import LegacyMethod

Role = Literal["struct", "fields", "query", "field", "order"] | None


@dataclass(frozen=True)
class Names:
    """A literal list of column names, or the string keys of a literal struct."""

    names: tuple[str, ...]


Arg = str | Names | None
"""What the audit could read of one argument: a string, literal names, or nothing."""

# The parameters after the key (and after the table, for DataService), per Keap's XML-RPC
# documentation (https://developer.infusionsoft.com/docs/xml-rpc/, ContactService and
# DataService): which of them name columns. A ContactService method's arity is its length,
# which tells a call with the key from one without (wrappers that add the key themselves).
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
    "DataService.findByField": (None, None, "field", None, "fields"),
}

# The tag tables' columns as the legacy shim serves them (keap_adapter/_legacy/_tags.py),
# kept here as data so the audit does not import the shim. ContactGroupAssign.DateCreated is
# left out on purpose: Keap has it (when the tag was applied), but the shim answers
# [NotTranslated] for it, because the facade does not read the applied time.
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
    named = [name for role, arg in zip(roles, params, strict=False) for name in _names(role, arg)]
    missing = _unreachable(method, table, roles, params)
    return tuple(dict.fromkeys([*(n for n in named if not translatable(table or "Contact", n)),
                                *missing]))  # fmt: skip


# A new contact needs an email, phone or address on REST v2, so the shim refuses a literal
# struct naming none (XML-RPC accepted it); addWithDupCheck matches on Email, so needs it.
NO_WAY_TO_REACH = "(no Email, Phone or address column: REST v2 needs one to create a contact)"
NO_EMAIL = "(no Email column: the duplicate check matches on it)"
_REACHABLE = frozenset(
    {*EMAILS.values(), *PHONES.values(), *(c for cols in ADDRESSES.values() for c in cols)}
)


def _unreachable(
    method: str, table: str | None, roles: Sequence[Role], params: Sequence[Arg]
) -> tuple[str, ...]:
    creates = method in ("ContactService.add", "ContactService.addWithDupCheck") or (
        method == "DataService.add" and table == "Contact"
    )
    struct = next((a for r, a in zip(roles, params, strict=False) if r == "struct"), None)
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


def contact_arity(method: str) -> int | None:
    """How many parameters a ContactService method takes after the key, if the audit knows."""
    roles = ROLES.get(method)
    return len(roles) if roles is not None and method.startswith("ContactService.") else None


def _names(role: Role, arg: Arg) -> tuple[str, ...]:
    if role in ("struct", "fields", "query") and isinstance(arg, Names):
        return arg.names
    if role in ("field", "order") and isinstance(arg, str) and arg:
        return (arg,)
    return ()
