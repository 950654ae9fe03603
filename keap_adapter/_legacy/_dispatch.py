"""One XML-RPC call -> its handler, chosen from tables rather than if-chains.

Coverage comes from the migration method map: every row marked ``shim`` gets a handler
(the shared DataService handler bound to its table, the shared ContactService handler over
the shim's contacts, or the shared custom field and APIEmailService handlers over the
shim's surroundings), so the shim, the call-site audit and the README cannot disagree about
what is translated.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from .._xmlrpc_server._services import CONTACT_SERVICE, DATA_SERVICE
from .._xmlrpc_server._signatures import SIGNATURES, split_call
from .._xmlrpc_server._surroundings import SURROUNDINGS_SERVICE
from .._xmlrpc_server._table import Table
from ..migration._methods import METHODS, LegacyMethod
from ._contacts import CONTACT, CONTACTS
from ._faults import not_translated, read_only_table
from ._surroundings import CATEGORIES, FIELDS, SURROUNDINGS
from ._table import Context
from ._tags import ASSIGNMENTS, TAGS
from ._values import plain

Handler = Callable[[Context, tuple[Any, ...]], Any]
TABLES: dict[str, Table[Context]] = {
    t.name: t for t in (CONTACT, TAGS, ASSIGNMENTS, CATEGORIES, FIELDS)
}
_WRITES = ("DataService.add", "DataService.update", "DataService.delete")


def _handler(row: LegacyMethod) -> Handler:
    if row.table is not None:
        return partial(DATA_SERVICE[row.method], TABLES[row.table])
    if row.method in CONTACT_SERVICE:
        return partial(CONTACT_SERVICE[row.method], CONTACTS)
    return partial(SURROUNDINGS_SERVICE[row.method], SURROUNDINGS)


HANDLERS: dict[tuple[str, str | None], Handler] = {
    (row.method, row.table): _handler(row) for row in METHODS if row.shim
}


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
    _key, table, args = split_call(method, tuple(plain(p) for p in params))
    return _route(method, table)(ctx, args)
