"""The README's "testing your integration" example runs as written (replayed offline)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import keap_adapter as ka
from keap_adapter.testing import Cassette, FakeKeap

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def readme_example() -> str:
    block = re.search(r"```python\n(# tests/test_signup\.py\n.*?)```", README, re.S)
    assert block is not None, "the README lost its pytest example"
    return block.group(1)


def record_like_a_real_account(path: Path, backend: ka.BackendName, source: str) -> None:
    """Record the example's own calls from the fake (paths match; hosts are not stored)."""
    namespace: dict[str, object] = {}
    exec(compile(source, "test_signup.py", "exec"), namespace)  # the README's own code
    fake = FakeKeap(api_key="KeapAK-recording-key-0000000000000000000000")
    with (
        Cassette(path, "all", real_transport=fake.transport) as cassette,
        ka.KeapClient(backend, fake.api_key, transport=cassette.transport) as client,
    ):
        handle = namespace["handle_signup"]
        assert callable(handle)
        contact = handle(client, "signup@example.com")
        client.contacts.tags(contact.id)


def test_the_readme_pytest_example_replays_offline(pytester: pytest.Pytester) -> None:
    source = readme_example()
    tests = pytester.mkdir("tests")
    (tests / "test_signup.py").write_text(source)
    backends: tuple[ka.BackendName, ...] = ("rest", "xmlrpc")
    for backend in backends:
        path = (
            pytester.path
            / "fixtures"
            / "test_signup"
            / f"test_signup_tags_the_contact-{backend}.json"
        )
        record_like_a_real_account(path, backend, source)
        assert "KeapAK-recording" not in path.read_text()
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"
    )
    result.assert_outcomes(passed=2)
