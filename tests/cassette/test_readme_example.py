"""The README's "testing your integration" example runs as written: it records from wherever
``KEAP_BASE_URL`` points (here a fake served on loopback), then replays offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from keap_adapter.testing import FakeKeap
from keap_adapter.testing._redact import Redactor

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
DUMMY_KEY = "KeapAK-readme-dummy-key-0000000000000000000000"


def readme_example() -> str:
    block = re.search(r"```python\n(# tests/test_signup\.py\n.*?)```", README, re.S)
    assert block is not None, "the README lost its pytest example"
    return block.group(1)


def cassettes(root: Path) -> list[Path]:
    return sorted((root / "fixtures" / "test_signup").glob("*.json"))


def test_the_readme_example_records_from_keap_base_url_then_replays_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.mkdir("tests").joinpath("test_signup.py").write_text(readme_example())
    quiet = ("-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
    fake = FakeKeap(api_key=DUMMY_KEY)
    with fake.serve() as server:
        monkeypatch.setenv("KEAP_BASE_URL", f"{server.url}/crm")
        monkeypatch.setenv("KEAP_API_KEY", DUMMY_KEY)
        pytester.runpytest_subprocess(*quiet, "--keap-record-mode=once").assert_outcomes(passed=2)
    assert fake.requests, "the example did not record from KEAP_BASE_URL"
    names = [path.name for path in cassettes(pytester.path)]
    assert names == [
        "test_signup_tags_the_contact-rest.json",
        "test_signup_tags_the_contact-xmlrpc.json",
    ]
    for path in cassettes(pytester.path):
        assert DUMMY_KEY not in path.read_text()
        assert json.loads(path.read_text())["interactions"]
    # A later run, as on CI: no key, no URL, the server gone, the network blocked (mode none).
    monkeypatch.delenv("KEAP_BASE_URL")
    monkeypatch.delenv("KEAP_API_KEY")
    pytester.runpytest_subprocess(*quiet).assert_outcomes(passed=2)


def test_the_readme_shows_the_redacted_entry_as_written() -> None:
    block = re.search(r"```json\n(\"redacted\": .*?)\n```", README, re.S)
    assert block is not None, "the README lost its redacted entry example"
    shown = json.loads("{" + block.group(1) + "}")["redacted"]
    assert shown == Redactor(fields={"given_name"}).entry()
