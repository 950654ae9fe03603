"""FakeKeap's XML-RPC tables: Contact, ContactGroup, ContactGroupAssign, DataFormField.

Each table reads and writes the shared canonical store. The Contact table converts with
``backends._fields.to_struct`` / ``from_struct``, so both faces share one field mapping.
Rows are full structs with empty fields left out, as Keap leaves them out.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..backends._fields import (
    CONTACT_FIELDS,
    READ_ONLY,
    WRITABLE,
    aware_to_eastern,
    from_struct,
    full_struct,
    typed_custom,
)
from ..backends._xmlrpc_rules import column_value, fault

if TYPE_CHECKING:
    from ._fake import Store

Row = dict[str, Any]
# DataFormField.DataType numbers of the REST field types (community-sourced list).
DATA_TYPES = {
    "PHONE_NUMBER": 1, "SOCIAL_SECURITY_NUMBER": 2, "CURRENCY": 3, "PERCENT": 4, "STATE": 5,
    "YES_NO": 6, "YEAR": 7, "MONTH": 8, "DAY_OF_WEEK": 9, "NAME": 10, "DECIMAL_NUMBER": 11,
    "WHOLE_NUMBER": 12, "DATE": 13, "DATE_TIME": 14, "TEXT": 15, "TEXT_AREA": 16,
    "LIST_BOX": 17, "WEBSITE": 18, "EMAIL": 19, "RADIO": 20, "DROPDOWN": 21, "USER": 22,
    "DRILLDOWN": 23,
}  # fmt: skip


def _not_found() -> xmlrpc.client.Fault:
    return fault("RecordNotFound", "Record was not found")


@dataclass(frozen=True)
class Table:
    """One table over the store; an operation left ``None`` is refused with NoTableAccess."""

    name: str
    fields: Callable[[Store], set[str]]
    rows: Callable[[Store], list[Row]]
    find: Callable[[Store, int], Row | None] | None = None
    insert: Callable[[Store, Row], int] | None = None
    change: Callable[[Store, int, Row], None] | None = None
    remove: Callable[[Store, int], bool] | None = None
    read_only: frozenset[str] = frozenset({"Id"})

    def check_fields(self, store: Store, names: Iterable[Any]) -> None:
        """Fault NoFieldFound on the first name this table does not have."""
        known = self.fields(store)
        for name in names:
            if not isinstance(name, str) or name not in known:
                raise fault("NoFieldFound", f"No field found: {self.name}.{name}")

    def check_writes(self, store: Store, struct: Row) -> None:
        """Fault on unknown or read-only fields in a struct to write."""
        self.check_fields(store, struct)
        for name in struct:
            if name in self.read_only:
                raise fault("NoFieldAccess", f"Field is read-only: {self.name}.{name}")

    def load(self, store: Store, record_id: int) -> Row:
        """The full row with this Id; fault RecordNotFound if there is none."""
        if self.find is not None:
            row = self.find(store, record_id)
        else:
            row = next((r for r in self.rows(store) if r.get("Id") == record_id), None)
        if row is None:
            raise _not_found()
        return row

    def add(self, store: Store, struct: Row) -> int:
        """Insert a record; its new Id."""
        if self.insert is None:
            raise self._denied("add")
        self.check_writes(store, struct)
        return self.insert(store, struct)

    def update(self, store: Store, record_id: int, struct: Row) -> None:
        """Write ``struct`` over an existing record."""
        if self.change is None:
            raise self._denied("update")
        self.load(store, record_id)
        self.check_writes(store, struct)
        self.change(store, record_id, struct)

    def delete(self, store: Store, record_id: int) -> None:
        """Delete a record; fault RecordNotFound if there is none."""
        if self.remove is None:
            raise self._denied("delete")
        if not self.remove(store, record_id):
            raise _not_found()

    def _denied(self, operation: str) -> xmlrpc.client.Fault:
        return fault("NoTableAccess", f"Access denied to table {self.name} for {operation}")


# Contact


def contact_struct(contact: Row, store: Store) -> Row:
    """A canonical contact as a full ``Contact`` struct, empty fields left out.

    Date custom fields go out as ``dateTime`` as Keap sends them, even when a REST write
    stored them as text.
    """
    types = {f["name"]: f["field_type"] for f in store.custom_fields.values()}
    custom = contact.get("custom_fields") or {}
    typed = {k: typed_custom(v, types.get(k, "")) for k, v in custom.items()}
    return full_struct({**contact, "custom_fields": typed})


def contact_writes(store: Store, record_id: int | None, struct: Row) -> Row:
    """Every writable canonical field after writing ``struct`` over the record (or a new one).

    The merge happens at struct level, so a struct naming only ``Phone2`` leaves the other
    phone slots alone, as Keap does; an empty string clears a field.
    """
    CONTACT.check_writes(store, struct)
    base = CONTACT.load(store, record_id) if record_id is not None else {}
    base = {k: v for k, v in base.items() if k not in READ_ONLY}
    merged = from_struct(base | {k: column_value(k, v) for k, v in struct.items()})
    return {k: merged.get(k) for k in WRITABLE}


def _contact_fields(store: Store) -> set[str]:
    return {*CONTACT_FIELDS, *(f"_{f['name']}" for f in store.custom_fields.values())}


def _find_contact(store: Store, record_id: int) -> Row | None:
    contact = store.contact(record_id)
    return contact_struct(contact, store) if contact is not None else None


def _insert_contact(store: Store, struct: Row) -> int:
    return int(store.create_contact(contact_writes(store, None, struct))["id"])


def _change_contact(store: Store, record_id: int, struct: Row) -> None:
    store.update_contact(record_id, contact_writes(store, record_id, struct))


CONTACT = Table(
    name="Contact",
    fields=_contact_fields,
    rows=lambda store: [contact_struct(c, store) for c in store.all_contacts()],
    find=_find_contact,
    insert=_insert_contact,
    change=_change_contact,
    remove=lambda store, record_id: store.delete_contact(record_id),
    read_only=frozenset(READ_ONLY),
)


# ContactGroup (tags)

_TAG_COLUMNS = {
    "GroupName": "name",
    "GroupDescription": "description",
    "GroupCategoryId": "category_id",
}


def _tag_row(tag: Row) -> Row:
    row = {"Id": tag["id"], **{x: tag.get(c) for x, c in _TAG_COLUMNS.items()}}
    return {k: v for k, v in row.items() if v not in (None, "")}


def _tag_changes(struct: Row) -> Row:
    for name, value in struct.items():
        wanted = int if name == "GroupCategoryId" else str
        if type(value) is not wanted:
            raise fault("InvalidParameter", f"Invalid value for ContactGroup.{name}")
    return {_TAG_COLUMNS[k]: v if v != "" else None for k, v in struct.items()}


def _insert_tag(store: Store, struct: Row) -> int:
    changes = _tag_changes(struct)
    if not changes.get("name"):
        raise fault("InvalidParameter", "GroupName is required")
    return int(store.create_tag(**changes)["id"])


TAGS = Table(
    name="ContactGroup",
    fields=lambda _store: {"Id", *_TAG_COLUMNS},
    rows=lambda store: [_tag_row(t) for t in store.all_tags()],
    insert=_insert_tag,
    change=lambda store, record_id, struct: store.update_tag(record_id, _tag_changes(struct)),
    remove=lambda store, record_id: store.delete_tag(record_id),
)


# ContactGroupAssign (one read-only row per applied tag, joined with contact columns)

_JOINED = {
    "Contact.FirstName": "FirstName",
    "Contact.LastName": "LastName",
    "Contact.Email": "Email",
    "Contact.Company": "Company",
}


def _assign_rows(store: Store) -> list[Row]:
    rows = []
    for contact_id, tag_id, applied in store.assignments():
        contact = CONTACT.load(store, contact_id)
        row = {
            "ContactId": contact_id,
            "GroupId": tag_id,
            "ContactGroup": store.tags[tag_id]["name"],
        }
        row["DateCreated"] = aware_to_eastern(applied)
        rows.append(row | {j: contact[c] for j, c in _JOINED.items() if c in contact})
    return rows


ASSIGNMENTS = Table(
    name="ContactGroupAssign",
    fields=lambda _store: {"ContactId", "GroupId", "ContactGroup", "DateCreated", *_JOINED},
    rows=_assign_rows,
)


# DataFormField (custom field metadata; FormId -1 marks contact fields)


def _field_rows(store: Store) -> list[Row]:
    rows = []
    for meta in sorted(store.custom_fields.values(), key=lambda f: int(f["id"])):
        row = {"Id": meta["id"], "Name": meta["name"], "Label": meta["label"], "FormId": -1}
        if meta["field_type"] in DATA_TYPES:
            row["DataType"] = DATA_TYPES[meta["field_type"]]
        rows.append(row)
    return rows


FIELDS = Table(
    name="DataFormField",
    fields=lambda _store: {"Id", "Name", "Label", "DataType", "FormId"},
    rows=_field_rows,
)

TABLES = {t.name: t for t in (CONTACT, TAGS, ASSIGNMENTS, FIELDS)}


def table(name: str) -> Table:
    """The table called ``name``; fault NoTableFound if the fake has none."""
    found = TABLES.get(name)
    if found is None:
        raise fault("NoTableFound", f"No table found: {name}")
    return found
