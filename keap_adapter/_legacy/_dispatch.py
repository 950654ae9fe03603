"""One XML-RPC call -> its handler, chosen from tables rather than if-chains.

Coverage comes from the migration method map: every row marked ``shim`` gets a handler
(a ``ContactService`` function, or a generic ``DataService`` one bound to its table), so
the shim, the call-site audit and the README cannot disagree about what is translated.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ..backends._xmlrpc_signatures import SIGNATURES, check_signature
from ..migration._methods import METHODS, LegacyMethod
from . import _contacts as contacts
from ._faults import not_translated, read_only_table
from ._table import Context, Row, Table
from ._tags import ASSIGNMENTS, TAGS
from ._values import check_paging, ordered, page_of, pick, pick_all, plain, row_matches

Handler = Callable[[Context, tuple[Any, ...]], Any]
TABLES: dict[str, Table] = {t.name: t for t in (contacts.CONTACT, TAGS, ASSIGNMENTS)}
_WRITES = ("DataService.add", "DataService.update", "DataService.delete")

# ------------------------------------------------------------- DataService, per table


def _touched(*groups: Any) -> frozenset[str]:
    return frozenset(name for group in groups for name in group if isinstance(name, str) and name)


def _matching(table: Table, ctx: Context, query: Row, touched: frozenset[str]) -> list[Row]:
    return [row for row in table.rows(ctx, query, touched) if row_matches(row, query)]


def _add(table: Table, ctx: Context, args: tuple[Any, ...]) -> int:
    assert table.add is not None  # handlers exist only for operations the table allows
    return table.add(ctx, args[0])


def _load(table: Table, ctx: Context, args: tuple[Any, ...]) -> Row:
    record_id, fields = args
    table.check(ctx, fields)
    assert table.load is not None
    return pick(table.load(ctx, record_id), fields)


def _update(table: Table, ctx: Context, args: tuple[Any, ...]) -> int:
    record_id, struct = args
    assert table.update is not None
    table.update(ctx, record_id, struct)
    return int(record_id)


def _delete(table: Table, ctx: Context, args: tuple[Any, ...]) -> bool:
    assert table.delete is not None
    table.delete(ctx, args[0])
    return True


def _query(table: Table, ctx: Context, args: tuple[Any, ...]) -> list[Row]:
    """Checks in Keap's order: fields and orderBy, queryData, then limit and page."""
    limit, page, query, fields, *order = args
    order_by, ascending = [*order, "", False][:2]
    table.check(ctx, [*fields, *([order_by] if order_by else [])])
    table.check(ctx, list(query))
    check_paging(limit, page)
    rows = _matching(table, ctx, query, _touched(fields, query, [order_by]))
    return pick_all(page_of(ordered(rows, order_by, ascending), limit, page), fields)


def _count(table: Table, ctx: Context, args: tuple[Any, ...]) -> int:
    (query,) = args
    table.check(ctx, list(query))
    return len(_matching(table, ctx, query, _touched(query)))


def _find_by_field(table: Table, ctx: Context, args: tuple[Any, ...]) -> list[Row]:
    """Like a query on one field, but in the table's own (ascending) order, as Keap does."""
    limit, page, field, value, fields = args
    table.check(ctx, fields)
    table.check(ctx, [field])
    check_paging(limit, page)
    rows = _matching(table, ctx, {field: value}, _touched(fields, [field]))
    return pick_all(page_of(rows, limit, page), fields)


_DATA: dict[str, Callable[[Table, Context, tuple[Any, ...]], Any]] = {
    "DataService.add": _add,
    "DataService.load": _load,
    "DataService.update": _update,
    "DataService.delete": _delete,
    "DataService.query": _query,
    "DataService.count": _count,
    "DataService.findByField": _find_by_field,
}
_SERVICE: dict[str, Handler] = {
    "ContactService.add": contacts.cs_add,
    "ContactService.addWithDupCheck": contacts.cs_add_with_dup_check,
    "ContactService.load": contacts.cs_load,
    "ContactService.update": contacts.cs_update,
    "ContactService.findByEmail": contacts.cs_find_by_email,
    "ContactService.addToGroup": contacts.cs_add_to_group,
    "ContactService.removeFromGroup": contacts.cs_remove_from_group,
}


def _handler(row: LegacyMethod) -> Handler:
    if row.table is None:
        return _SERVICE[row.method]
    return partial(_DATA[row.method], TABLES[row.table])


HANDLERS: dict[tuple[str, str | None], Handler] = {
    (row.method, row.table): _handler(row) for row in METHODS if row.shim
}


# --------------------------------------------------------------------------- dispatch


def _route(method: str, table: str | None) -> Handler:
    handler = HANDLERS.get((method, table))
    if handler is not None:
        return handler
    if table in TABLES and method in _WRITES:
        raise read_only_table(method, table)
    raise not_translated(method, table)


def call(ctx: Context, method: str, params: tuple[Any, ...]) -> Any:
    """Run one XML-RPC call through the facade; Keap's answer, or a ``Fault``.

    The first parameter is the API key, which the client already holds: it must be there
    (Keap's signatures need it) and is otherwise ignored.
    """
    if method not in SIGNATURES:
        raise not_translated(method)
    wire = tuple(plain(p) for p in params)
    check_signature(method, wire)
    table = wire[1] if method.startswith("DataService.") else None
    args = wire[2:] if table is not None else wire[1:]
    return _route(method, table)(ctx, args)
