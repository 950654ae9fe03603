"""The Contact column map as a README table: every XML-RPC ``Contact`` column, the REST v2
field that carries it, and, for the few REST v2 cannot carry, what to use instead.

Generated from the one field table both codecs use (``backends/_fields.py``), so the README
cannot drift from what the library does (tests/unit/test_readme.py checks it).
"""

from __future__ import annotations

from ..backends._fields import (
    _SLOT_COLUMNS,
    DATES,
    IDS,
    READ_ONLY,
    SCALARS,
    UNMODELLED,
)

__all__ = ["column_rows", "columns_markdown"]

_REST_NAMES = {"company_name": "company.company_name", "company_id": "company.id"}


def column_rows() -> list[tuple[str, str]]:
    """(XML-RPC column, REST v2 field) for every column the facade reads or writes."""
    rows = [(col, _REST_NAMES.get(name, name)) for name, col in {**SCALARS, **IDS, **DATES}.items()]
    for name, slots in _SLOT_COLUMNS.items():
        for slot, pairs in slots.items():  # one row per slot: its columns, then their parts
            columns = ", ".join(f"`{col}`" for col, _part in pairs)
            parts = ", ".join(part for _col, part in pairs)
            rows.append((columns.strip("`"), f"{name}[{slot}]: {parts}"))
    rows += [(col, f"{name} (read-only)") for col, name in READ_ONLY.items()]
    return rows


def columns_markdown() -> str:
    """The README's column table: one line per column, then the unmodelled ones."""
    lines = ["| XML-RPC `Contact` column | REST v2 / facade field |", "|---|---|"]
    lines += [f"| `{col}` | `{field}` |" for col, field in column_rows()]
    lines += [f"| `{col}` | none: {why} |" for col, why in UNMODELLED.items()]
    return "\n".join(lines)
