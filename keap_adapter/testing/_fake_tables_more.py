"""FakeKeap's other XML-RPC tables and services over its store: ContactGroupCategory, the
custom field tables (DataFormField, DataFormTab, DataFormGroup), ``addCustomField`` /
``updateCustomField`` and APIEmailService; and :func:`table`, every table by name.

Keap's rules (columns, faults, matching, paging, signatures) are the shared server rules;
what is here is how each reads and writes the canonical store, and the fake's own reading
of Keap's type names and status codes (kept apart from the codec's, on purpose).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._xmlrpc_server._faults import invalid, no_table, not_found
from .._xmlrpc_server._schema import (
    CATEGORY_SCHEMA,
    FIELD_SCHEMA,
    GROUP_SCHEMA,
    TAB_SCHEMA,
    category_changes,
    category_row,
)
from .._xmlrpc_server._surroundings import (
    DOUBLE_OPT_IN,
    NOT_MARKETABLE,
    SINGLE_OPT_IN,
    Surroundings,
)
from .._xmlrpc_server._table import Table
from ._fake_store import InUse
from ._fake_tables import ASSIGNMENTS, CONTACT, TAGS, unique_names

if TYPE_CHECKING:
    from ._fake_store import Store

Row = dict[str, Any]

# DataFormField.DataType numbers of the REST field types (community-sourced list; Keap's
# XML-RPC docs name the types but not their numbers).
DATA_TYPES = {
    "PHONE_NUMBER": 1, "SOCIAL_SECURITY_NUMBER": 2, "CURRENCY": 3, "PERCENT": 4, "STATE": 5,
    "YES_NO": 6, "YEAR": 7, "MONTH": 8, "DAY_OF_WEEK": 9, "NAME": 10, "DECIMAL_NUMBER": 11,
    "WHOLE_NUMBER": 12, "DATE": 13, "DATE_TIME": 14, "TEXT": 15, "TEXT_AREA": 16,
    "LIST_BOX": 17, "WEBSITE": 18, "EMAIL": 19, "RADIO": 20, "DROPDOWN": 21, "USER": 22,
    "DRILLDOWN": 23,
}  # fmt: skip
# addCustomField's dataType names (Keap's DataService docs) -> the REST field type each
# makes. "Select" is the drop-down REST calls DROPDOWN.
ADD_TYPES = {
    "Phone": "PHONE_NUMBER", "SSN": "SOCIAL_SECURITY_NUMBER", "Currency": "CURRENCY",
    "Percent": "PERCENT", "State": "STATE", "YesNo": "YES_NO", "Year": "YEAR", "Month": "MONTH",
    "DayOfWeek": "DAY_OF_WEEK", "Name": "NAME", "DecimalNumber": "DECIMAL_NUMBER",
    "WholeNumber": "WHOLE_NUMBER", "Date": "DATE", "DateTime": "DATE_TIME", "Text": "TEXT",
    "TextArea": "TEXT_AREA", "ListBox": "LIST_BOX", "Website": "WEBSITE", "Email": "EMAIL",
    "Radio": "RADIO", "Select": "DROPDOWN", "User": "USER", "Drilldown": "DRILLDOWN",
}  # fmt: skip
# REST v2 status -> getOptStatus's answer (Keap's APIEmailService docs: 0 opted out or not
# marketable, 1 single opt-in, 2 double opt-in); an unengaged but marketable address is 1.
OPT_CODES = {
    "SINGLE_OPT_IN": SINGLE_OPT_IN,
    "UNENGAGED_MARKETABLE": SINGLE_OPT_IN,
    "DOUBLE_OPT_IN": DOUBLE_OPT_IN,
    "CONFIRMED": DOUBLE_OPT_IN,
}


# ContactGroupCategory (tag categories)


def _category_rows(store: Store, _query: Row, _touched: frozenset[str]) -> list[Row]:
    return [category_row(c["id"], c["name"], c["description"]) for c in store.all_categories()]


def _add_category(store: Store, struct: Row) -> int:
    changes = category_changes(struct)
    with unique_names():
        return int(store.create_category(changes["name"], changes.get("description"))["id"])


def _update_category(store: Store, record_id: int, struct: Row) -> bool:
    if record_id not in store.categories:
        return False
    with unique_names():
        store.update_category(record_id, category_changes(struct))
    return True


def _delete_category(store: Store, record_id: int) -> bool:
    """Refused while tags belong to the category (see ``Store.delete_category``); code 12,
    a refusal no client retries, as for a taken name."""
    try:
        return store.delete_category(record_id)
    except InUse:
        raise invalid(
            f"Tag category {record_id} still has tags; move or delete them first"
        ) from None


CATEGORIES: Table[Store] = Table(
    CATEGORY_SCHEMA,
    _category_rows,
    add=_add_category,
    update=_update_category,
    delete=_delete_category,
)


# DataFormField, DataFormTab, DataFormGroup (read-only; FormId -1 marks contact ones)


def _field_row(meta: Row) -> Row:
    row = {
        "Id": meta["id"], "Name": meta["name"], "Label": meta["label"], "FormId": -1,
        "GroupId": meta["group_id"], "DataType": DATA_TYPES.get(meta["field_type"]),
        "Values": "\n".join(o["label"] for o in meta["options"]),  # one option a line
    }  # fmt: skip
    return {k: v for k, v in row.items() if v not in (None, "")}


def _field_rows(store: Store, _query: Row, _touched: frozenset[str]) -> list[Row]:
    return [_field_row(store.custom_fields[f]) for f in sorted(store.custom_fields)]


def _tab_rows(store: Store, _query: Row, _touched: frozenset[str]) -> list[Row]:
    return [
        {"Id": t["id"], "FormId": -1, "TabName": t["name"]}
        for t in sorted(store.field_tabs.values(), key=lambda t: int(t["id"]))
    ]


def _group_rows(store: Store, _query: Row, _touched: frozenset[str]) -> list[Row]:
    return [
        {"Id": g["id"], "TabId": g["tab_id"], "Name": g["name"]}
        for g in sorted(store.field_groups.values(), key=lambda g: int(g["id"]))
    ]


FIELDS: Table[Store] = Table(FIELD_SCHEMA, _field_rows)
TABS: Table[Store] = Table(TAB_SCHEMA, _tab_rows)
GROUPS: Table[Store] = Table(GROUP_SCHEMA, _group_rows)


# addCustomField / updateCustomField / APIEmailService


def _add_field(store: Store, context: str, label: str, data_type: str, group_id: int) -> int:
    if context != "Contact":
        raise invalid(f"FakeKeap keeps Contact custom fields only, not {context}")
    if group_id not in store.field_groups:
        raise not_found()
    return int(store.create_field(label, ADD_TYPES[data_type], (), group_id)["id"])


def _update_field(store: Store, field_id: int, values: Row) -> bool:
    options = None
    if "Values" in values:
        options = [v.strip() for v in values["Values"].splitlines() if v.strip()]
    return store.change_field(field_id, label=values.get("Label"), options=options)


def _opt_status(store: Store, email: str) -> int:
    status = store.email_status(email)
    return OPT_CODES.get(status["status"], NOT_MARKETABLE) if status else NOT_MARKETABLE


SURROUNDINGS: Surroundings[Store] = Surroundings(
    add_field=_add_field,
    update_field=_update_field,
    opt_status=_opt_status,
    opt_in=lambda store, email, reason: bool(store.opt_in(email, reason)["opted_in"]),
    opt_out=lambda store, email, reason: not store.opt_out(email, reason)["opted_in"],
)


TABLES = {t.name: t for t in (CONTACT, TAGS, ASSIGNMENTS, CATEGORIES, FIELDS, TABS, GROUPS)}


def table(name: str) -> Table[Store]:
    """The table called ``name``; fault NoTableFound if the fake has none."""
    found = TABLES.get(name)
    if found is None:
        raise no_table(name)
    return found
