"""README claims that code can check."""

from __future__ import annotations

from pathlib import Path

from keap_adapter.migration._columns import columns_markdown
from keap_adapter.migration._methods import METHODS, markdown_table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_migration_table_is_the_method_map() -> None:
    assert markdown_table() in README
    assert len(METHODS) == markdown_table().count("\n") - 2


def test_the_two_commands_are_there() -> None:
    assert "keap-adapter demo" in README
    assert "scripts/check" in README


def test_the_column_table_is_the_field_table() -> None:
    assert columns_markdown() in README
    assert "`Username` | none:" in columns_markdown()


def test_the_install_line_is_shown() -> None:
    assert "legacy.install(ka.KeapClient(" in README
