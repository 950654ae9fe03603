"""Keap's XML-RPC value rules: query matching, ordering, paging, selected fields, inputs.

These are the semantics of keap-api.md 4.3: ``%`` is a wildcard anywhere in a value,
matching is case-insensitive, ``~null~`` matches an empty field, the default order is
descending by ``Id``, ``limit`` is 1..1000 and ``page`` is 0-based.
"""

from __future__ import annotations

import re
import xmlrpc.client
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from ._faults import invalid, not_found

Row = dict[str, Any]
NULL = "~null~"
MAX_LIMIT = 1000
_WIRE_DATE = "%Y%m%dT%H:%M:%S"


def plain(value: Any) -> Any:
    """An input value as the wire would carry it (what Keap's server then sees).

    ``xmlrpc.client.DateTime`` becomes a naive datetime; an aware datetime loses its zone,
    as the stdlib marshaller writes only the wall time. Structs and arrays are walked.
    """
    if isinstance(value, xmlrpc.client.DateTime):
        return datetime.strptime(value.value, _WIRE_DATE)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def empty(value: Any) -> bool:
    """Whether a field value counts as empty (Keap leaves such fields out)."""
    return value is None or value == ""


def value_matches(actual: Any, wanted: Any) -> bool:
    """One queryData condition: ``%`` wildcards, case-insensitive, ``~null~`` for empty."""
    if wanted == NULL or empty(actual):
        return empty(actual) and wanted in (NULL, "")
    if isinstance(wanted, str) and "%" in wanted:
        pattern = ".*".join(re.escape(part) for part in wanted.split("%"))
        return re.fullmatch(pattern, _text(actual), re.IGNORECASE | re.DOTALL) is not None
    return _text(actual).lower() == _text(wanted).lower()


def row_matches(row: Row, query: Row) -> bool:
    """Whether a row meets every condition of ``queryData``."""
    return all(value_matches(row.get(name), wanted) for name, wanted in query.items())


def _sort_key(value: Any) -> tuple[int, Any]:
    # Empty first, then numbers, dates and text: one comparable key for mixed columns.
    if empty(value):
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, datetime):
        return (2, value)
    return (3, str(value).lower())


def ordered(rows: list[Row], order_by: str, ascending: bool) -> list[Row]:
    """Rows sorted by ``order_by`` (``Id`` when empty); descending unless ``ascending``.

    The sort is stable, so rows with equal keys keep the table's own (ascending) order.
    """
    column = order_by or "Id"
    return sorted(rows, key=lambda row: _sort_key(row.get(column)), reverse=not ascending)


def check_paging(limit: int, page: int) -> None:
    """Keap's ``limit`` and ``page`` bounds, faulting as Keap does."""
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid(f"Limit must be between 1 and {MAX_LIMIT}, was {limit}")
    if page < 0:
        raise invalid(f"Page must not be negative, was {page}")


def page_of(rows: list[Row], limit: int, page: int) -> list[Row]:
    """The 0-based ``page`` of ``limit`` rows."""
    return rows[page * limit : (page + 1) * limit]


def pick(row: Row, fields: Iterable[Any]) -> Row:
    """Only the requested fields that have a value, as Keap answers."""
    return {f: row[f] for f in fields if f in row and not empty(row[f])}


def pick_all(rows: Sequence[Row], fields: Iterable[Any]) -> list[Row]:
    """:func:`pick` on every row."""
    wanted = list(fields)
    return [pick(row, wanted) for row in rows]


def exact_id(value: Any) -> int | None:
    """An id a condition names exactly (``5`` or ``"5"``), else ``None`` (a wildcard...)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def prefix_filter(value: Any) -> str | None:
    """A condition the facade's server-side filters can take: exact, or trailing ``%``.

    Returns the facade form (a trailing ``*`` is a prefix), or ``None`` when the condition
    must be matched here instead (inner ``%``, ``~null~``, characters the REST filter
    language reserves...). Filtering server-side only narrows the rows read; every row is
    still matched here, so the answer never depends on the server's matching rules.
    """
    if not isinstance(value, str) or value in ("", NULL) or any(c in value for c in "*;="):
        return None
    stem = value[:-1] if value.endswith("%") else value
    if not stem or "%" in stem:
        return None
    return stem + "*" if stem != value else stem


def positive_id(value: int) -> int:
    """A record id; Keap has no record with an id below 1, so that is ``[RecordNotFound]``."""
    if value < 1:
        raise not_found()
    return value


def legacy_types(value: Any) -> Any:
    """An answer as ``ServerProxy(..., use_builtin_types=False)`` gives it: ``DateTime``
    for dates, ``Binary`` for bytes."""
    if isinstance(value, datetime):
        return xmlrpc.client.DateTime(value)
    if isinstance(value, bytes):
        return xmlrpc.client.Binary(value)
    if isinstance(value, dict):
        return {k: legacy_types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [legacy_types(v) for v in value]
    return value
