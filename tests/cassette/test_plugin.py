"""The pytest plugin: ``keap_cassette`` records once, replays offline, blocks the network.

The inner pytest runs in a subprocess: an in-process run swaps modules (httpcore) under httpx.
"""

from __future__ import annotations

import json
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


# ------------------------------------------------------------------ fields to redact

MARKED_FILE = """
import os
import pytest
import keap_adapter as ka

@pytest.mark.keap_cassette(redact_fields=["given_name"])
def test_marked(keap_cassette):
    assert keap_cassette.redact_fields == {"given_name"}
    with ka.KeapClient("rest", "KeapAK-plugin-test-key-0000000000000000000000",
                       base_url=os.environ["FAKE_BASE_URL"],
                       transport=keap_cassette.transport) as client:
        client.contacts.create(ka.NewContact(
            given_name="Adaline", family_name="Lovelace", email="ada@example.com"))

def test_unmarked(keap_cassette):
    assert keap_cassette.redact_fields == set()
"""


def test_the_marker_names_fields_to_redact_and_replay_reads_them_back(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_marked=MARKED_FILE)
    fake = FakeKeap(api_key="KeapAK-plugin-test-key-0000000000000000000000")
    with fake.serve() as server:
        monkeypatch.setenv("FAKE_BASE_URL", f"{server.url}/crm")
        result = pytester.runpytest_subprocess("--strict-markers", "--keap-record-mode=once")
        result.assert_outcomes(passed=2)
    data = (pytester.path / "fixtures" / "test_marked" / "test_marked.json").read_text()
    assert "Adaline" not in data
    assert "Lovelace" in data  # only the named field is redacted
    assert json.loads(data)["redacted"]["fields"] == ["given_name"]
    pytester.runpytest_subprocess("--strict-markers").assert_outcomes(passed=2)


def test_the_ini_option_names_fields_for_every_cassette(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nkeap_redact_fields =\n    given_name\n    FirstName\n")
    pytester.makepyfile(
        test_ini="""
        import pytest

        def test_ini_only(keap_cassette):
            assert keap_cassette.redact_fields == {"given_name", "FirstName"}

        @pytest.mark.keap_cassette(redact_fields=("email",))
        class TestMarked:
            @pytest.mark.keap_cassette(redact_fields=["Email"])
            def test_ini_and_markers(self, keap_cassette):
                assert keap_cassette.redact_fields == {"given_name", "FirstName", "email", "Email"}
        """
    )
    pytester.runpytest_subprocess("--strict-markers").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("marker", "complaint"),
    [
        ('keap_cassette(redact=["email"])', "*keap_cassette takes only redact_fields=*redact*"),
        ('keap_cassette("email")', "*keap_cassette takes only redact_fields=*"),
        ('keap_cassette(redact_fields="email")', "*redact_fields must be a list of names*"),
    ],
)
def test_a_misused_marker_fails_the_test_saying_why(
    pytester: pytest.Pytester, marker: str, complaint: str
) -> None:
    pytester.makepyfile(
        test_bad=f"""
        import pytest

        @pytest.mark.{marker}
        def test_x(keap_cassette):
            pass
        """
    )
    result = pytester.runpytest_subprocess("--strict-markers")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([complaint])
