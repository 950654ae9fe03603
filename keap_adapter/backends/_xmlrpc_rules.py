"""Keap's XML-RPC data rules, written once for the fake (which answers by them) and the
legacy shim (which must answer as Keap would): faults, query matching, ordering, paging,
selected fields and what a Contact column accepts (keap-api.md 4.3-4.6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from xmlrpc.client import Fault

from ._xmlrpc_ops import FAULT_CODE_NAMES

Row = dict[str, Any]
NULL = "~null~"
MAX_LIMIT = 1000
FAULT_CODES: dict[str, int] = {name: code for code, name in FAULT_CODE_NAMES.items()}
_DATE_FORMATS = ("%Y%m%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def fault(tag: str, message: str) -> Fault:
    """A Keap fault: the code of ``tag`` and the bracketed faultString."""
    return Fault(FAULT_CODES[tag], f"[{tag}]{message}")


def empty(value: Any) -> bool:
    """Whether a field value counts as empty (Keap leaves such fields out)."""
    return value is None or value == ""


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


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
    """Keap's ``limit`` (1..1000) and 0-based ``page`` bounds, faulting as Keap does."""
    if not 1 <= limit <= MAX_LIMIT:
        raise fault("InvalidParameter", f"Limit must be between 1 and {MAX_LIMIT}, was {limit}")
    if page < 0:
        raise fault("InvalidParameter", f"Page must not be negative, was {page}")


def page_of(rows: list[Row], limit: int, page: int) -> list[Row]:
    """The 0-based ``page`` of ``limit`` rows."""
    return rows[page * limit : (page + 1) * limit]


def pick(row: Row, fields: Iterable[Any]) -> Row:
    """Only the requested fields that have a value, as Keap answers."""
    return {f: row[f] for f in fields if f in row and not empty(row[f])}


def column_value(name: str, value: Any) -> Any:
    """A value written to a Contact column as Keap keeps it; a fault for what it refuses."""
    if name == "Birthday":
        return _birthday(value)
    if name.startswith("_") or isinstance(value, str):
        return value
    if type(value) in (int, float):  # Keap stores numbers given for text columns as text
        return str(value)
    raise fault("InvalidParameter", f"Invalid value for Contact.{name}")


def _birthday(value: Any) -> Any:
    if isinstance(value, datetime) or value == "":
        return value
    for form in _DATE_FORMATS if isinstance(value, str) else ():
        try:
            return datetime.strptime(value, form)
        except ValueError:
            continue
    raise fault("InvalidParameter", f"Invalid date for Contact.Birthday: {value!r}")
