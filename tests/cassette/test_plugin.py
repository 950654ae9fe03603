"""The pytest plugin: ``keap_cassette`` records once, replays offline, blocks the network.

The inner pytest runs in a subprocess: an in-process run swaps modules (httpcore) under httpx.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from keap_adapter.testing import FakeKeap
from keap_adapter.testing._pytest_plugin import block_network

TEST_FILE = """
import os
import keap_adapter as ka

def test_signup(keap_cassette):
    base = os.environ["FAKE_BASE_URL"]
    with ka.KeapClient("{backend}", "KeapAK-plugin-test-key-0000000000000000000000",
                       base_url=base, transport=keap_cassette.transport) as client:
        contact = client.contacts.upsert(ka.NewContact(email="signup@example.com")).contact
        tag = client.tags.create("Newsletter")
        client.tags.apply(tag.id, [contact.id])
        assert [t.name for t in client.contacts.tags(contact.id)] == ["Newsletter"]
"""


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
def test_record_once_then_replay_with_the_server_gone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    pytester.makepyfile(test_signup=TEST_FILE.format(backend=backend))
    fake = FakeKeap(api_key="KeapAK-plugin-test-key-0000000000000000000000")
    with fake.serve() as server:
        monkeypatch.setenv("FAKE_BASE_URL", f"{server.url}/crm")
        pytester.runpytest_subprocess("--keap-record-mode=once").assert_outcomes(passed=1)
    cassette = pytester.path / "fixtures" / "test_signup" / "test_signup.json"
    assert cassette.is_file()
    assert "KeapAK-plugin" not in cassette.read_text()
    # the server is gone: only the cassette can answer now
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_replay_without_a_recording_fails_and_names_the_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_signup=TEST_FILE.format(backend="rest"))
    monkeypatch.setenv("FAKE_BASE_URL", "http://127.0.0.1:9/crm")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*CassetteMiss*no recorded interaction matches GET /crm/rest/v2/contacts*"]
    )


def test_block_network_refuses_everything_but_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    reached: list[Any] = []

    def fake_connect(_sock: socket.socket, address: Any) -> None:
        reached.append(address)

    monkeypatch.setattr(socket.socket, "connect", fake_connect)  # nothing really connects
    block_network(monkeypatch)
    with socket.socket() as sock:
        with pytest.raises(OSError, match="network blocked"):
            sock.connect(("192.0.2.10", 443))
        sock.connect(("127.0.0.1", 8080))
    assert reached == [("127.0.0.1", 8080)]


def test_same_named_tests_in_two_classes_get_two_cassettes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_names="""
        def check(keap_cassette):
            assert keap_cassette.path.name == "test_x.json"
            assert keap_cassette.path.parent.name in ("TestA", "TestB")
            assert keap_cassette.path.parent.parent.name == "test_names"

        class TestA:
            def test_x(self, keap_cassette):
                check(keap_cassette)

        class TestB:
            def test_x(self, keap_cassette):
                check(keap_cassette)
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=2)


def test_parameters_that_clean_to_the_same_name_get_different_cassettes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_ids="""
        import pytest

        SEEN = set()

        @pytest.mark.parametrize("email", ["a+b@example.com", "a/b@example.com", "a b@example.com"])
        def test_x(keap_cassette, email):
            assert keap_cassette.path not in SEEN
            SEEN.add(keap_cassette.path)

        def test_plain(keap_cassette):
            assert keap_cassette.path.name == "test_plain.json"
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=4)
