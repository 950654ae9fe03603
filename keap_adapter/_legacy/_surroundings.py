"""The ``ContactGroupCategory`` and ``DataFormField`` tables, ``addCustomField`` and
``APIEmailService`` as facade calls (``client.tags.categories``,
``client.contacts.custom_fields``, ``client.contacts.email_status`` / ``opt_in`` /
``opt_out``).

Columns, write rules and the methods' checks are the shared server rules
(``_xmlrpc_server``); what is here is only how each reads and writes through the facade.
The DataType numbers and dataType names are the XML-RPC codec's tables read backwards:
the shim is client-side translation, so it shares the codec's reading of Keap.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast
from xmlrpc.client import Fault

from .._account_models import CustomField, EmailStatus, FieldType
from .._models import TagCategory
from .._xmlrpc_server import _surroundings as opt
from .._xmlrpc_server._faults import invalid, no_field
from .._xmlrpc_server._schema import CATEGORY_SCHEMA, FIELD_SCHEMA, category_changes, category_row
from .._xmlrpc_server._surroundings import Surroundings
from .._xmlrpc_server._table import Table
from .._xmlrpc_server._values import empty
from ..backends._xmlrpc_more import ADD_TYPES, DATA_TYPES
from ._faults import not_translated, unmodelled_field
from ._table import Context, Row, rows_by_id

# ------------------------------------------------------------------ ContactGroupCategory


def _category_row(category: TagCategory) -> Row:
    return category_row(category.id, category.name, category.description)


def _add_category(ctx: Context, struct: Row) -> int:
    """``tags.categories.create`` (a taken name is a ``ConflictError``, fault 12)."""
    changes = category_changes(struct)
    categories = ctx.client.tags.categories
    return categories.create(changes["name"], description=changes.get("description")).id


def _update_category(ctx: Context, category_id: int, struct: Row) -> bool:
    """``tags.categories.update`` with only the named columns (empty clears)."""
    changes = category_changes(struct)
    if changes:
        ctx.client.tags.categories.update(category_id, changes)
    else:  # nothing to write, but Keap still says whether the category exists
        ctx.client.tags.categories.get(category_id)
    return True


def _load_category(ctx: Context, category_id: int) -> Row:
    return _category_row(ctx.client.tags.categories.get(category_id))


def _delete_category(ctx: Context, category_id: int) -> bool:
    ctx.client.tags.categories.delete(category_id)
    return True


def _category_rows(ctx: Context, query: Row, _touched: frozenset[str]) -> list[Row]:
    """The categories a query may match, by ascending id (one load for an exact ``Id``);
    the facade lists them all and the shared rules match here."""
    one = rows_by_id(ctx, query, _load_category)
    if one is not None:
        return one
    return [_category_row(c) for c in ctx.client.tags.categories.list()]


CATEGORIES: Table[Context] = Table(
    CATEGORY_SCHEMA,
    _category_rows,
    load=_load_category,
    add=_add_category,
    update=_update_category,
    delete=_delete_category,
)


# ------------------------------------------------------------------------ DataFormField

_NUMBERS = {field_type: number for number, field_type in DATA_TYPES.items()}
_GROUP = (
    "the facade does not read a custom field's group; in REST v2: group_id in "
    "GET /rest/v2/contacts/model"
)


def _field_row(field: CustomField) -> Row:
    row = {
        "Id": field.id, "Name": field.name, "Label": field.label, "FormId": -1,
        "DataType": _NUMBERS.get(field.field_type), "Values": "\n".join(field.options),
    }  # fmt: skip
    return {k: v for k, v in row.items() if not empty(v)}


def _field_rows(ctx: Context, _query: Row, _touched: frozenset[str]) -> list[Row]:
    """Every contact custom field (FormId -1), by ascending id."""
    return [_field_row(f) for f in ctx.client.contacts.custom_fields.list()]


def _load_field(ctx: Context, field_id: int) -> Row | None:
    return next((r for r in _field_rows(ctx, {}, frozenset()) if r["Id"] == field_id), None)


def _unknown_field(table: str, name: object) -> Fault:
    """``GroupId`` is Keap's, but not in the facade: ``[NotTranslated]``, not missing."""
    if name == "GroupId":
        return unmodelled_field(table, "GroupId", _GROUP)
    return no_field(table, name)


# Keap's DataFormField columns less GroupId, which every call naming it faults on.
_FIELD_SCHEMA = replace(
    FIELD_SCHEMA, columns=FIELD_SCHEMA.columns - {"GroupId"}, unknown=_unknown_field
)
FIELDS: Table[Context] = Table(_FIELD_SCHEMA, _field_rows, load=_load_field)


# -------------------------------------------------- addCustomField and APIEmailService

_FIELD_TYPE = {name: cast("FieldType", field_type) for field_type, name in ADD_TYPES.items()}


def _add_field(ctx: Context, context: str, label: str, data_type: str, _group_id: int) -> int:
    """``custom_fields.create`` without options (addCustomField takes none). The group is
    not passed on: the facade creates in REST v2's default, the Custom Fields tab."""
    if context != "Contact":
        why = f"the facade has Contact custom fields only, not {context}"
        raise not_translated("DataService.addCustomField", why=why)
    made = ctx.client.contacts.custom_fields.create(label, _FIELD_TYPE[data_type])
    ctx.forget_custom_fields()  # so ``_Name`` of the new field is known at once
    return made.id


def _update_field(_ctx: Context, _field_id: int, _values: Row) -> bool:
    # Never reached: updateCustomField has no row marked ``shim`` in the method map.
    raise not_translated("DataService.updateCustomField")


def opt_code(status: EmailStatus) -> int:
    """getOptStatus's answer: 0 not opted in, 2 double opt-in (or confirmed), else 1."""
    if not status.opted_in:
        return opt.NOT_MARKETABLE
    return (
        opt.DOUBLE_OPT_IN if status.status in ("DOUBLE_OPT_IN", "CONFIRMED") else opt.SINGLE_OPT_IN
    )


def _opt_status(ctx: Context, email: str) -> int:
    """An address the facade refuses as malformed is on no contact: never opted in."""
    try:
        return opt_code(ctx.client.contacts.email_status(email))
    except ValueError:
        return opt.NOT_MARKETABLE


# Keap's XML-RPC takes an empty reason; REST v2 requires one (UpdateEmailAddress.reason).
NO_REASON = "No reason given (legacy XML-RPC call)"


def _set_opt_in(ctx: Context, email: str, reason: str, opted_in: bool) -> bool:
    """Whether the address now has the status asked for. An empty reason gets a stated
    placeholder, so an unsubscribe is never lost; an address or reason the facade refuses
    (malformed, too long) faults ``[InvalidParameter]`` rather than answering a quiet False
    that legacy code would not check."""
    contacts = ctx.client.contacts
    why = reason if reason.strip() else NO_REASON
    try:
        status = contacts.opt_in(email, why) if opted_in else contacts.opt_out(email, why)
    except ValueError as exc:
        raise invalid(f"{'optIn' if opted_in else 'optOut'}: {exc}".splitlines()[0]) from None
    return status.opted_in is opted_in


SURROUNDINGS: Surroundings[Context] = Surroundings(
    add_field=_add_field,
    update_field=_update_field,
    opt_status=_opt_status,
    opt_in=lambda ctx, email, reason: _set_opt_in(ctx, email, reason, opted_in=True),
    opt_out=lambda ctx, email, reason: _set_opt_in(ctx, email, reason, opted_in=False),
)
