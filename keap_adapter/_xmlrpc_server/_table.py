"""One of Keap's XML-RPC tables: its :class:`Schema` (Keap's rules) over some storage.

A storage ``S`` is whatever a table reads and writes: the fake's in-memory ``Store``, or
the shim's ``Context`` (a facade client). A :class:`Table` is a schema plus the storage's
callables; every check Keap makes (unknown and read-only columns, value types, required
columns, an add that sets nothing, ids below 1) is made here, once, before one runs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from xmlrpc.client import Fault

from ._faults import denied, invalid, no_field, no_fields, not_found, read_only
from ._values import empty, row_matches

S = TypeVar("S")
Row = dict[str, Any]


def _as_given(struct: Row) -> Row:
    return struct


@dataclass(frozen=True)
class Schema:
    """What Keap decides about one table, whoever stores it.

    ``columns`` are the fixed ones (a storage adds its own, e.g. custom ``_Name`` fields,
    or all of them for Contact); ``read_only`` columns a write may not name; ``required``
    ones an add must set; ``accept(struct)`` gives a struct as the columns keep it, or a
    fault for a value refused; ``unknown(table, name)`` is the fault for a missing column.
    """

    name: str
    columns: frozenset[str] = frozenset()
    read_only: frozenset[str] = frozenset({"Id"})
    required: frozenset[str] = frozenset()
    accept: Callable[[Row], Row] = _as_given
    unknown: Callable[[str, Any], Fault] = no_field


@dataclass(frozen=True)
class Table(Generic[S]):
    """One table's :class:`Schema` over storage ``S``; an operation left ``None`` is one
    Keap refuses.

    - ``rows(s, query, touched)``: rows that may match ``query`` (a superset is fine: each
      is matched again), in the table's own ascending order; ``touched`` names every column
      the call mentions, so costly joined columns are read only when asked for.
    - ``fields(s)``: the storage's columns, added to the schema's fixed ones.
    - ``load(s, id)``: the full row, or ``None`` (or a not-found error) when there is none;
      left ``None``, a row is found by scanning ``rows``.
    - ``add(s, struct)``: insert a checked struct; the new id.
    - ``update(s, id, struct)``, ``delete(s, id)``: ``False`` when there is no such record.
    """

    schema: Schema
    rows: Callable[[S, Row, frozenset[str]], list[Row]]
    fields: Callable[[S], Collection[str]] | None = None
    load: Callable[[S, int], Row | None] | None = None
    add: Callable[[S, Row], int] | None = None
    update: Callable[[S, int, Row], bool] | None = None
    delete: Callable[[S, int], bool] | None = None

    @property
    def name(self) -> str:
        """The table's name, as calls give it."""
        return self.schema.name

    def check(self, storage: S, names: Collection[Any]) -> None:
        """Fault on the first name that is not one of this table's columns."""
        known = self.schema.columns
        if self.fields is not None:
            known = known | frozenset(self.fields(storage))
        for name in names:
            if not isinstance(name, str) or name not in known:
                raise self.schema.unknown(self.name, name)

    def writes(self, storage: S, struct: Row) -> Row:
        """A struct to write, checked as Keap checks it, its values as the columns keep them."""
        self.check(storage, list(struct))
        for name in struct:
            if name in self.schema.read_only:
                raise read_only(self.name, name)
        return self.schema.accept(struct)

    def new_record(self, storage: S, struct: Row) -> Row:
        """:meth:`writes` for an add: it must set some column, and every required one."""
        values = self.writes(storage, struct)
        if all(empty(v) for v in values.values()):
            raise no_fields(self.name)
        missing = sorted(self.schema.required - {k for k, v in values.items() if not empty(v)})
        if missing:
            raise invalid(f"{missing[0]} is required")
        return values

    def record(self, storage: S, record_id: int) -> Row:
        """The full row with this id; fault ``[RecordNotFound]`` if there is none."""
        row = None
        if record_id >= 1:  # Keap has no record with an id below 1
            row = self._find(storage, record_id)
        if row is None:
            raise not_found()
        return row

    def _find(self, storage: S, record_id: int) -> Row | None:
        if self.load is not None:
            return self.load(storage, record_id)
        rows = self.rows(storage, {"Id": record_id}, frozenset({"Id"}))
        return next((r for r in rows if row_matches(r, {"Id": record_id})), None)

    def denied(self, operation: str) -> Fault:
        """Keap's refusal of an operation on this table."""
        return denied(self.name, operation)
