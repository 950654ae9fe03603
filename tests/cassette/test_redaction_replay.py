"""Redacted cassettes replay as recorded: the file names what it redacted, replay reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap
from keap_adapter.testing._cassette import Cassette, CassetteError
from keap_adapter.testing._redact import SECRET_HEADERS

# REST and XML-RPC spell the same person differently; redact both spellings.
NAME_FIELDS = ["FirstName", "LastName", "family_name", "given_name"]


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "redacted.json"


def people(client: ka.KeapClient) -> list[Any]:
    """Create, read back and list contacts whose names must not reach the file."""
    ada = client.contacts.create(
        ka.NewContact(given_name="Adaline", family_name="Lovelace", email="ada@example.com")
    )
    client.contacts.create(ka.NewContact(given_name="Bobbington", email="bob@example.com"))
    return [ada, client.contacts.get(ada.id), list(client.contacts.list(page_size=1))]


def record(path: Path, backend: BackendName, **options: Any) -> tuple[FakeKeap, list[Any]]:
    fake = FakeKeap()
    with (
        Cassette(path, "once", real_transport=fake.transport, **options) as cassette,
        ka.KeapClient(backend, fake.api_key, transport=cassette.transport) as client,
    ):
        return fake, people(client)


def replay(path: Path, backend: BackendName, mode: str = "none", **options: Any) -> Cassette:
    with (
        Cassette(path, mode, **options) as cassette,
        ka.KeapClient(backend, "KeapAK-replay-key", transport=cassette.transport) as client,
    ):
        people(client)
    return cassette


def test_a_redacted_recording_replays_without_naming_the_fields_again(
    path: Path, backend: BackendName
) -> None:
    record(path, backend, redact_fields=NAME_FIELDS)
    cassette = replay(path, backend)  # no redact_fields: the file says which
    assert cassette.all_played
    assert cassette.redact_fields == frozenset(NAME_FIELDS)
    data = path.read_bytes()
    for value in (b"Adaline", b"Lovelace", b"Bobbington"):
        assert value not in data
    assert b"<REDACTED>" in data


def test_the_file_says_what_it_redacted(path: Path, backend: BackendName) -> None:
    record(path, backend, redact_fields=["given_name", "FirstName"], placeholder="[gone]")
    redacted = json.loads(path.read_text())["redacted"]
    assert redacted == {
        "fields": ["FirstName", "given_name"],
        "headers": sorted(SECRET_HEADERS),
        "placeholder": "[gone]",
    }
    assert replay(path, backend).all_played  # the placeholder comes from the file too


def test_a_file_without_a_redacted_entry_still_loads_and_replays(
    path: Path, backend: BackendName
) -> None:
    record(path, backend)
    data = json.loads(path.read_text())
    del data["redacted"]  # as written before the entry existed
    path.write_text(json.dumps(data))
    cassette = replay(path, backend)
    assert cassette.all_played
    assert cassette.redact_fields == frozenset()


@pytest.mark.parametrize("mode", ["none", "once"])
def test_more_fields_on_replay_rewrite_the_file_redacted(
    path: Path, backend: BackendName, mode: str
) -> None:
    record(path, backend, redact_fields=["given_name", "FirstName"])
    assert b"Lovelace" in path.read_bytes()
    cassette = replay(path, backend, mode, redact_fields=["family_name", "LastName"])
    assert cassette.all_played  # the loaded recordings are redacted with the union too
    assert cassette.redact_fields == {"given_name", "FirstName", "family_name", "LastName"}
    # What the test saw and what the file holds agree: the value is gone from the file too.
    assert b"Lovelace" not in path.read_bytes()
    fields = json.loads(path.read_text())["redacted"]["fields"]
    assert fields == ["FirstName", "LastName", "family_name", "given_name"]
    assert replay(path, backend).all_played


def test_a_new_episode_saves_the_union_and_redacts_the_old_recordings(
    path: Path, backend: BackendName
) -> None:
    fake, _ = record(path, backend, redact_fields=["given_name", "FirstName"])
    with (
        Cassette(
            path,
            "new_episodes",
            real_transport=fake.transport,
            redact_fields=["family_name", "LastName"],
        ) as cassette,
        ka.KeapClient(backend, fake.api_key, transport=cassette.transport) as client,
    ):
        people(client)
        client.tags.create("Newsletter")  # something new, so the file is saved
    data = path.read_bytes()
    assert b"Lovelace" not in data
    fields = json.loads(data)["redacted"]["fields"]
    assert fields == ["FirstName", "LastName", "family_name", "given_name"]


def test_rerecording_keeps_the_files_fields_redacted(path: Path, backend: BackendName) -> None:
    record(path, backend, redact_fields=NAME_FIELDS)
    fake = FakeKeap()
    with (
        Cassette(path, "all", real_transport=fake.transport) as cassette,
        ka.KeapClient(backend, fake.api_key, transport=cassette.transport) as client,
    ):
        people(client)
    assert b"Adaline" not in path.read_bytes()
    assert replay(path, backend).all_played


def test_a_different_placeholder_on_replay_is_a_clear_error(
    path: Path, backend: BackendName
) -> None:
    record(path, backend, redact_fields=["given_name"], placeholder="[gone]")
    with pytest.raises(CassetteError, match=r"placeholder '\[gone\]'.*'<REDACTED>'"):
        Cassette(path, placeholder="<REDACTED>")
    assert Cassette(path, placeholder="[gone]").redact_fields == {"given_name"}


@pytest.mark.parametrize(
    "entry",
    [[], {"fields": "given_name"}, {"fields": [1]}, {"fields": [], "placeholder": 3}],
)
def test_a_malformed_redacted_entry_is_refused_naming_the_file(path: Path, entry: Any) -> None:
    path.write_text(json.dumps({"format": 1, "interactions": [], "redacted": entry}))
    with pytest.raises(CassetteError, match="redacted"):
        Cassette(path)


def test_xmlrpc_envelope_names_are_not_field_names(path: Path) -> None:
    # "method" or "result" as a redacted field must mask struct members of that name, never
    # the XML-RPC method name or the whole result (which would make every call look alike).
    record(path, "xmlrpc", redact_fields=["method", "result", "params", "FirstName"])
    interactions = json.loads(path.read_text())["interactions"]
    methods = {i["request"]["xmlrpc"]["method"] for i in interactions}
    assert "ContactService.add" in methods
    assert all(i["response"]["xmlrpc"].get("result") != "<REDACTED>" for i in interactions)
    assert replay(path, "xmlrpc").all_played


def test_a_bare_string_of_fields_is_refused(path: Path) -> None:
    # frozenset("email") would redact every "e", "m", "a", "i" and "l" key instead.
    with pytest.raises(TypeError, match="a list of names"):
        Cassette(path, redact_fields="email")


def test_an_empty_placeholder_is_refused(path: Path) -> None:
    # It would erase values without a trace, and the file could not be read back.
    with pytest.raises(ValueError, match="placeholder"):
        Cassette(path, placeholder="")


def test_requests_told_apart_only_by_redacted_values_carry_a_note(
    path: Path, backend: BackendName
) -> None:
    fake = FakeKeap()
    with (
        Cassette(
            path, "once", real_transport=fake.transport, redact_fields=["email", "Email"]
        ) as cassette,
        ka.KeapClient(backend, fake.api_key, transport=cassette.transport) as client,
    ):
        for email in ("alice@example.com", "bob@example.com"):
            client.contacts.create(ka.NewContact(email=email))
        list(client.contacts.list())
        list(client.contacts.list())  # the same request twice: nothing to note
    interactions = json.loads(path.read_text())["interactions"]
    notes = {index: i["note"] for index, i in enumerate(interactions) if "note" in i}
    assert notes
    assert max(notes) < len(interactions) - 2  # not on the repeated listing
    for index, note in notes.items():
        assert "redacted" in note
        assert "recorded order" in note
        first = int(note.split("#", 1)[1].split()[0].rstrip(",:;)"))
        assert first < index
    # What the note warns of: replay cannot tell the addresses apart, so carol gets bob's answer.
    with (
        Cassette(path) as cassette,
        ka.KeapClient(backend, "KeapAK-replay-key", transport=cassette.transport) as client,
    ):
        bob = client.contacts.create(ka.NewContact(email="bob@example.com"))
        carol = client.contacts.create(ka.NewContact(email="carol@example.com"))
    assert (bob.id, carol.id) == (1, 2)
