"""FakeKeap's XML-RPC tables over its store: Contact, ContactGroup and ContactGroupAssign,
each a :class:`~keap_adapter._xmlrpc_server._table.Table` of callables (tag categories and
custom field definitions are ``_fake_tables_more``).

Keap's rules (which columns may be written, faults, matching, paging) are the shared
server rules; what is here is only how each table reads and writes the canonical store.
The Contact columns come from the fake's own table (``_fake_columns``), never the codec's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from .._xmlrpc_server._faults import not_found
from .._xmlrpc_server._schema import (
    ASSIGN_JOINED,
    ASSIGN_SCHEMA,
    CONTACT_SCHEMA,
    TAG_SCHEMA,
    category_name_taken,
    name_taken,
    tag_changes,
    tag_row,
)
from .._xmlrpc_server._services import Contacts
from .._xmlrpc_server._table import Table
from .._xmlrpc_server._values import contact_values
from ._fake_columns import COLUMNS, DATE_COLUMNS, INT_COLUMNS, contact_row, contact_writes
from ._fake_dates import midnight, to_eastern
from ._fake_store import NameTaken

if TYPE_CHECKING:
    from ._fake_store import Store

Row = dict[str, Any]


# Contact


def contact_struct(contact: Row) -> Row:
    """A canonical contact as Keap's full ``Contact`` struct, empty fields left out.

    Date custom fields go out as ``dateTime`` (Eastern), as Keap sends them.
    """
    custom = {k: _custom_wire(v) for k, v in (contact.get("custom_fields") or {}).items()}
    return contact_row(contact, custom)


def _custom_wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_eastern(value) if value.tzinfo else value
    return midnight(value) if isinstance(value, date) else value


def _contact_fields(store: Store) -> set[str]:
    return {*COLUMNS, *(f"_{f['name']}" for f in store.custom_fields.values())}


def _contact_rows(store: Store, _query: Row, _touched: frozenset[str]) -> list[Row]:
    return [contact_struct(c) for c in store.all_contacts()]


def _load_contact(store: Store, record_id: int) -> Row | None:
    contact = store.contact(record_id)
    return contact_struct(contact) if contact is not None else None


def _add_contact(store: Store, struct: Row) -> int:
    return int(store.create_contact(contact_writes({}, struct))["id"])


def _update_contact(store: Store, record_id: int, struct: Row) -> bool:
    current = store.contact(record_id)
    if current is None:
        return False
    store.update_contact(record_id, contact_writes(current, struct))
    return True


def _upsert_contact(store: Store, struct: Row, dup_check: str) -> int:
    match = store.find_duplicate(contact_writes({}, struct), dup_check)
    if match is None:
        return _add_contact(store, struct)
    _update_contact(store, match, struct)
    return match


def _group(store: Store, contact_id: int, tag_id: int, apply: bool) -> bool:
    if contact_id not in store.contacts or tag_id not in store.tags:
        raise not_found()
    (store.apply if apply else store.remove)(contact_id, tag_id)
    return True


# Keap's Contact rules, with the date and id columns of the fake's own column table.
_CONTACT_SCHEMA = replace(
    CONTACT_SCHEMA, accept=partial(contact_values, dates=DATE_COLUMNS, ints=INT_COLUMNS)
)
CONTACT: Table[Store] = Table(
    _CONTACT_SCHEMA,
    _contact_rows,
    fields=_contact_fields,
    load=_load_contact,
    add=_add_contact,
    update=_update_contact,
    delete=lambda store, record_id: store.delete_contact(record_id),
)
CONTACTS: Contacts[Store] = Contacts(
    table=CONTACT,
    by_email=lambda store, _email: _contact_rows(store, {}, frozenset()),
    upsert=_upsert_contact,
    group=_group,
)


# ContactGroup (tags)


@contextmanager
def unique_names() -> Iterator[None]:
    """The store refuses a name another tag (or category) has; XML-RPC answers with a fault."""
    try:
        yield
    except NameTaken as exc:
        taken = category_name_taken if exc.kind == "tag category" else name_taken
        raise taken(exc.name) from None


def _tag_rows(store: Store, _query: Row, _touched: frozenset[str]) -> list[Row]:
    return [
        tag_row(t["id"], t["name"], t["description"], t["category_id"]) for t in store.all_tags()
    ]


def _add_tag(store: Store, struct: Row) -> int:
    with unique_names():
        return int(store.create_tag(**tag_changes(struct))["id"])


def _update_tag(store: Store, record_id: int, struct: Row) -> bool:
    if record_id not in store.tags:
        return False
    with unique_names():
        store.update_tag(record_id, tag_changes(struct))
    return True


TAGS: Table[Store] = Table(
    TAG_SCHEMA, _tag_rows, add=_add_tag, update=_update_tag, delete=lambda s, i: s.delete_tag(i)
)


# ContactGroupAssign (one read-only row per applied tag, joined with contact columns)


def _assign_rows(store: Store, _query: Row, _touched: frozenset[str]) -> list[Row]:
    rows = []
    for contact_id, tag_id, applied in store.assignments():
        contact = CONTACT.record(store, contact_id)
        row = {
            "ContactId": contact_id,
            "GroupId": tag_id,
            "ContactGroup": store.tags[tag_id]["name"],
        }
        row["DateCreated"] = to_eastern(applied)
        rows.append(row | {j: contact[c] for j, c in ASSIGN_JOINED.items() if c in contact})
    return rows


ASSIGNMENTS: Table[Store] = Table(ASSIGN_SCHEMA, _assign_rows)
