"""DataService and ContactService, written once over :class:`~._table.Table`.

Each handler takes its table (DataService) or :class:`Contacts` (ContactService), the
storage, and the parameters after the key and table, already checked against the method's
signature. Checks run in one order everywhere: selected fields and ``orderBy``, then
``queryData``, then ``limit`` and ``page``, then the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from ._faults import invalid, not_found
from ._schema import DUP_CHECK_TYPES, EMAIL_COLUMNS
from ._table import Row, S, Table
from ._values import check_paging, order_of, ordered, page_of, pick, pick_all, row_matches

Args = tuple[Any, ...]


def _touched(*groups: Any) -> frozenset[str]:
    return frozenset(name for group in groups for name in group if isinstance(name, str) and name)


def _matching(table: Table[S], storage: S, query: Row, touched: frozenset[str]) -> list[Row]:
    return [row for row in table.rows(storage, query, touched) if row_matches(row, query)]


def data_load(table: Table[S], storage: S, args: Args) -> Row:
    """``DataService.load(table, id, fields)``: the requested non-empty fields."""
    record_id, fields = args
    table.check(storage, fields)
    return pick(table.record(storage, record_id), fields)


def data_add(table: Table[S], storage: S, args: Args) -> int:
    """``DataService.add(table, struct)``: the new id."""
    if table.add is None:
        raise table.denied("add")
    return table.add(storage, table.new_record(storage, args[0]))


def data_update(table: Table[S], storage: S, args: Args) -> int:
    """``DataService.update(table, id, struct)``: the id; only the named columns change."""
    record_id, struct = args
    if table.update is None:
        raise table.denied("update")
    values = table.writes(storage, struct)
    if record_id < 1 or not table.update(storage, record_id, values):
        raise not_found()
    return int(record_id)


def data_delete(table: Table[S], storage: S, args: Args) -> bool:
    """``DataService.delete(table, id)``: ``True``."""
    (record_id,) = args
    if table.delete is None:
        raise table.denied("delete")
    if record_id < 1 or not table.delete(storage, record_id):
        raise not_found()
    return True


def data_query(table: Table[S], storage: S, args: Args) -> list[Row]:
    """``DataService.query(table, limit, page, queryData, fields[, orderBy[, ascending]])``."""
    limit, page, query, fields, *order = args
    column, ascending = order_of(order)
    table.check(storage, [*fields, *order[:1]] if order and order[0] else fields)
    table.check(storage, list(query))
    check_paging(limit, page)
    rows = _matching(table, storage, query, _touched(fields, query, [column]))
    return pick_all(page_of(ordered(rows, column, ascending), limit, page), fields)


def data_count(table: Table[S], storage: S, args: Args) -> int:
    """``DataService.count(table, queryData)``."""
    (query,) = args
    table.check(storage, list(query))
    return len(_matching(table, storage, query, _touched(query)))


def data_find_by_field(table: Table[S], storage: S, args: Args) -> list[Row]:
    """``DataService.findByField``: a query on one field, in the table's own ascending order."""
    limit, page, field, value, fields = args
    table.check(storage, fields)
    table.check(storage, [field])
    check_paging(limit, page)
    rows = _matching(table, storage, {field: value}, _touched(fields, [field]))
    return pick_all(page_of(rows, limit, page), fields)


DataMethod = Callable[[Table[Any], Any, Args], Any]
DATA_SERVICE: dict[str, DataMethod] = {
    "DataService.add": data_add,
    "DataService.load": data_load,
    "DataService.update": data_update,
    "DataService.delete": data_delete,
    "DataService.query": data_query,
    "DataService.count": data_count,
    "DataService.findByField": data_find_by_field,
}


@dataclass(frozen=True)
class Contacts(Generic[S]):
    """What ContactService needs beyond the Contact table, over storage ``S``.

    - ``by_email(s, email)``: contacts that may hold ``email`` in some slot (a superset
      is fine: each is matched again), as full Contact rows.
    - ``upsert(s, struct, dup_check)``: addWithDupCheck with a checked struct: update the
      match (only the named columns) or add; the contact's id.
    - ``group(s, contact_id, tag_id, apply)``: apply or remove a tag; fault
      ``[RecordNotFound]`` when either is missing.
    """

    table: Table[S]
    by_email: Callable[[S, str], list[Row]]
    upsert: Callable[[S, Row, str], int]
    group: Callable[[S, int, int, bool], bool]


def cs_add(contacts: Contacts[S], storage: S, args: Args) -> int:
    """``ContactService.add(struct)``: never deduplicated."""
    return data_add(contacts.table, storage, args)


def cs_add_with_dup_check(contacts: Contacts[S], storage: S, args: Args) -> int:
    """``ContactService.addWithDupCheck(struct, dupCheckType)``."""
    struct, dup_check = args
    if dup_check not in DUP_CHECK_TYPES:
        raise invalid(f"Invalid dupCheckType: {dup_check}")
    return contacts.upsert(storage, contacts.table.new_record(storage, struct), dup_check)


def cs_load(contacts: Contacts[S], storage: S, args: Args) -> Row:
    """``ContactService.load(id, fields)``."""
    return data_load(contacts.table, storage, args)


def cs_update(contacts: Contacts[S], storage: S, args: Args) -> int:
    """``ContactService.update(id, struct)``: the id."""
    return data_update(contacts.table, storage, args)


def cs_find_by_email(contacts: Contacts[S], storage: S, args: Args) -> list[Row]:
    """``ContactService.findByEmail(email, fields)``: every slot, ignoring case."""
    email, fields = args
    contacts.table.check(storage, fields)
    wanted = email.strip().lower()
    if not wanted:  # an empty address is on no contact, though empty slots compare equal
        return []
    found = [
        row for row in contacts.by_email(storage, email)
        if wanted in {str(row.get(column, "")).lower() for column in EMAIL_COLUMNS}
    ]  # fmt: skip
    return pick_all(found, fields)


def _group_change(apply: bool) -> Callable[[Contacts[Any], Any, Args], bool]:
    def method(contacts: Contacts[Any], storage: Any, args: Args) -> bool:
        contact_id, tag_id = args
        if contact_id < 1 or tag_id < 1:  # Keap has no record with an id below 1
            raise not_found()
        return contacts.group(storage, contact_id, tag_id, apply)

    return method


ContactMethod = Callable[[Contacts[Any], Any, Args], Any]
CONTACT_SERVICE: dict[str, ContactMethod] = {
    "ContactService.add": cs_add,
    "ContactService.addWithDupCheck": cs_add_with_dup_check,
    "ContactService.load": cs_load,
    "ContactService.update": cs_update,
    "ContactService.findByEmail": cs_find_by_email,
    "ContactService.addToGroup": _group_change(apply=True),
    "ContactService.removeFromGroup": _group_change(apply=False),
}
