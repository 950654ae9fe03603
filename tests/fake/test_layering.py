"""Which side of the wire imports what: read from the source, so a wrong import fails here.

- Keap's server rules (``keap_adapter._xmlrpc_server``) import neither the fake nor the shim.
- The fake never imports the codec's field mapping (``backends._fields``), nor any other
  codec module (the DataType numbers of ``backends._xmlrpc_more``, the JSON shapes of
  ``backends._rest_json``...): it keeps its own table of Keap's columns, types and codes, so
  the two can catch each other's mistakes.
- ``migration`` uses the shim's public face only, never its machinery (``_legacy``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "keap_adapter"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, as a dotted name inside ``keap_adapter``."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def _sources(*patterns: str) -> list[Path]:
    return sorted(path for pattern in patterns for path in PACKAGE.glob(pattern))


@pytest.mark.parametrize("path", _sources("_xmlrpc_server/*.py"), ids=lambda p: p.name)
def test_the_server_rules_import_neither_the_fake_nor_the_shim(path: Path) -> None:
    forbidden = ("keap_adapter.testing", "keap_adapter._legacy", "keap_adapter.legacy")
    assert not [m for m in _imports(path) if m.startswith(forbidden)]


@pytest.mark.parametrize("path", _sources("testing/_fake*.py"), ids=lambda p: p.name)
def test_the_fake_keeps_its_own_columns(path: Path) -> None:
    assert not [m for m in _imports(path) if m.startswith("keap_adapter.backends")]


@pytest.mark.parametrize("path", _sources("migration/*.py"), ids=lambda p: p.name)
def test_migration_does_not_reach_into_the_shim(path: Path) -> None:
    assert not [m for m in _imports(path) if m.startswith("keap_adapter._legacy")]


def test_the_import_reader_sees_relative_imports() -> None:
    found = _imports(PACKAGE / "testing" / "_fake_tables.py")
    assert "keap_adapter._xmlrpc_server._table.Table" in found
    assert "keap_adapter.testing._fake_columns" in found
