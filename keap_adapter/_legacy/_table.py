"""What every translated table provides, and the context its operations run in."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..backends._fields import CONTACT_FIELDS
from ._faults import no_field, unmodelled_field

if TYPE_CHECKING:
    from .._client import KeapClient

Row = dict[str, Any]


@dataclass
class Context:
    """One proxy's client, and the custom contact fields it found (read once)."""

    client: KeapClient
    server_filters: bool = True
    _custom: frozenset[str] | None = field(default=None, repr=False)

    def custom_fields(self) -> frozenset[str]:
        """Custom contact field names with Keap's ``_`` prefix (read once, then cached)."""
        if self._custom is None:
            names = self.client.contacts.custom_field_names()
            self._custom = frozenset(f"_{n}" for n in names)
        return self._custom


def contact_fields(ctx: Context) -> frozenset[str]:
    """Every Contact field the shim reads and writes (custom ones with ``_``)."""
    return frozenset(CONTACT_FIELDS) | ctx.custom_fields()


@dataclass(frozen=True)
class Table:
    """One XML-RPC table as facade calls.

    ``rows`` answers a query: the table's rows that may match ``queryData`` (a superset is
    fine, every row is matched again), in the table's own ascending order; it is also told
    which fields the caller touches, so joined columns are read only when asked for.
    An operation left ``None`` is one the table does not allow. ``unmodelled`` names real
    Keap fields the facade does not model: they fault ``[NotTranslated]``, not
    ``[NoFieldFound]``, since the field exists in Keap.
    """

    name: str
    fields: Callable[[Context], Collection[str]]
    rows: Callable[[Context, Row, frozenset[str]], list[Row]]
    load: Callable[[Context, int], Row] | None = None
    add: Callable[[Context, Row], int] | None = None
    update: Callable[[Context, int, Row], None] | None = None
    delete: Callable[[Context, int], None] | None = None
    unmodelled: frozenset[str] = frozenset()

    def check(self, ctx: Context, names: Collection[Any]) -> None:
        """Fault ``[NoFieldFound]`` on the first name this table does not have."""
        known = self.fields(ctx)
        for name in names:
            if isinstance(name, str) and name in known:
                continue
            if name in self.unmodelled:
                raise unmodelled_field(self.name, name)
            raise no_field(self.name, name)
