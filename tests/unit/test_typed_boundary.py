"""The public boundary is typed: options are spelt out, so a typo fails type checking."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from mypy import api as mypy_api

import keap_adapter as ka


@pytest.mark.parametrize("cls", [ka.KeapClient, ka.AsyncKeapClient])
def test_client_options_are_spelt_out(cls: type) -> None:
    params = inspect.signature(cls).parameters.values()
    assert not [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
    with pytest.raises(TypeError, match="timout"):
        cls("rest", "KeapAK-test-key-0001", timout=3)


def test_both_clients_take_the_same_options() -> None:
    sync = inspect.signature(ka.KeapClient).parameters
    async_ = inspect.signature(ka.AsyncKeapClient).parameters
    assert list(sync) == list(async_)


def test_a_misspelt_option_or_match_fails_type_checking(tmp_path: Path) -> None:
    snippet = tmp_path / "user_code.py"
    snippet.write_text(
        "import keap_adapter as ka\n"
        "c = ka.KeapClient('rest', 'k', timout=3)\n"
        "c.contacts.upsert(ka.NewContact(email='a@b.co'), match='phone')\n"
        "ka.KeapClient.from_env(pagesize=5)\n"
    )
    out, _err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--follow-imports=silent", str(snippet)]
    )
    assert status == 1
    assert 'Unexpected keyword argument "timout"' in out
    assert 'Argument "match" to "upsert"' in out
    assert '"pagesize"' in out


@pytest.mark.parametrize(
    "options",
    [
        {"page_size": True},
        {"page_size": 2.5},
        {"timeout": "30"},
        {"timeout": None},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"max_retries": 2.5},
        {"tag_chunk_size": 0.5},
    ],
)
def test_option_types_are_checked_before_anything_is_sent(options: dict[str, object]) -> None:
    with pytest.raises(ka.ConfigurationError):
        ka.KeapClient("rest", "KeapAK-test-key-0001", **options)  # type: ignore[arg-type]
