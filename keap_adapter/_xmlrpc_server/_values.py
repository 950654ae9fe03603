"""Keap's DataService value rules: query matching, ordering, paging, selected fields, inputs.

From Keap's DataService docs: ``%`` is the wildcard, matching ignores case and ``~null~``
matches an empty field; ``limit`` is at most 1000 and ``page`` counts from 0; an answer
holds only the requested fields that have a value (the recorded 2015 answers in
``tests/data/xmlrpc-live-2015.json`` leave empty fields out).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from ._faults import invalid

Row = dict[str, Any]
NULL = "~null~"
MAX_LIMIT = 1000
# With no orderBy Keap answered in ascending Id order; only ``orderBy="Id", ascending=False``
# came back descending (nateleavitt/infusionsoft VCR cassettes ``data_query.yml`` and
# ``data_query_order_by.yml``, recorded from Keap in 2015: tests/data/xmlrpc-live-2015.json,
# interactions 21 and 22).
DEFAULT_ORDER_BY = "Id"
# UNCONFIRMED: which way an orderBy given without ``ascending`` sorts. Keap's docs do not
# say and no recording shows it; ascending, like the default order, until one does.
ORDER_BY_ASCENDING = True
_DATE_FORMATS = ("%Y%m%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def empty(value: Any) -> bool:
    """Whether a field value counts as empty (Keap leaves such fields out)."""
    return value is None or value == ""


def holds_nil(value: Any) -> bool:
    """Whether a value holds ``None`` anywhere: XML-RPC without extensions has no nil."""
    if isinstance(value, dict):
        return any(holds_nil(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_nil(v) for v in value)
    return value is None


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


def order_of(order: Sequence[Any]) -> tuple[str, bool]:
    """The (column, ascending) of DataService.query's optional ``orderBy``, ``ascending``."""
    column = order[0] if order and order[0] else ""
    if len(order) > 1:
        return column or DEFAULT_ORDER_BY, bool(order[1])
    return column or DEFAULT_ORDER_BY, ORDER_BY_ASCENDING if column else True


def _sort_key(value: Any) -> tuple[int, Any]:
    # Empty first, then numbers, dates and text: one comparable key for mixed columns.
    if empty(value):
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, datetime):
        return (2, value)
    return (3, str(value).lower())


def ordered(rows: list[Row], column: str, ascending: bool) -> list[Row]:
    """Rows sorted by ``column``. The sort is stable, so rows with equal keys (or a table
    without that column, like ContactGroupAssign without ``Id``) keep the table's order."""
    return sorted(rows, key=lambda row: _sort_key(row.get(column)), reverse=not ascending)


def check_paging(limit: int, page: int) -> None:
    """Keap's ``limit`` (1..1000) and 0-based ``page`` bounds, faulting as Keap does."""
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


def contact_values(
    struct: Row, *, dates: Collection[str] = ("Birthday",), ints: Collection[str] = ()
) -> Row:
    """A Contact struct to write, as Keap's columns keep it; a fault for what it refuses.

    Which columns hold dates and ids is each server's own column table (``dates``,
    ``ints``): the fake keeps its own and the shim the facade's, so the two can disagree
    where one of them is wrong.
    """
    return {name: _contact_value(name, value, dates, ints) for name, value in struct.items()}


def _contact_value(name: str, value: Any, dates: Collection[str], ints: Collection[str]) -> Any:
    if name in dates:
        return _date(name, value)
    if name in ints:
        return _record_id(name, value)
    if name.startswith("_") or isinstance(value, str):
        return value
    if type(value) in (int, float):  # Keap stores numbers given for text columns as text
        return str(value)
    raise invalid(f"Invalid value for Contact.{name}")


def _record_id(name: str, value: Any) -> int:
    # An id column takes an int, and 0 is Keap's "none" (as GroupCategoryId 0); its Java
    # side takes no "7" for 7, as for ContactGroup.GroupCategoryId.
    if type(value) is not int or value < 0:
        raise invalid(f"Invalid value for Contact.{name}")
    return value


def _date(name: str, value: Any) -> Any:
    if isinstance(value, datetime) or value == "":
        return value
    for form in _DATE_FORMATS if isinstance(value, str) else ():
        try:
            return datetime.strptime(value, form)
        except ValueError:
            continue
    raise invalid(f"Invalid date for Contact.{name}: {value!r}")
