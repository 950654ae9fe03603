"""The context every shim table runs in: one proxy's facade client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._exceptions import NotFoundError
from ._values import exact_id

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

    def forget_custom_fields(self) -> None:
        """Read the custom field names again next time (a field was just added)."""
        self._custom = None


def rows_by_id(ctx: Context, query: Row, load: Callable[[Context, int], Row]) -> list[Row] | None:
    """For a query naming one ``Id`` exactly, that row (or none) with one load; else ``None``."""
    wanted = exact_id(query["Id"]) if "Id" in query else None
    if wanted is None:
        return None
    try:
        return [load(ctx, wanted)] if wanted > 0 else []
    except NotFoundError:
        return []
