"""``keap-adapter record``: a recorded scenario replays to the same result, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.cli import main
from keap_adapter.testing import Cassette, CassetteMiss
from keap_adapter.testing._scenarios import SCENARIOS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


def replay(path: Path, backend: BackendName, name: str) -> dict[str, object]:
    with (
        Cassette(path, "none") as cassette,
        ka.KeapClient(backend, "replay-needs-no-key", transport=cassette.transport) as client,
    ):
        result = SCENARIOS[name](client, "fake")
        assert cassette.all_played, "the replay skipped recorded calls"
    return result


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_record_then_replay_gives_the_same_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, backend: BackendName
) -> None:
    assert main(["record", name, "--backend", backend, "--fake", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    path = tmp_path / f"{name}-{backend}.json"
    assert printed["cassette"] == str(path)
    assert printed["interactions"] > 3
    assert replay(path, backend, name) == printed["result"]
    assert "fake-keap-api-key" not in path.read_text()


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_committed_scenario_fixtures_replay(name: str, backend: BackendName) -> None:
    result = replay(FIXTURES / f"{name}-{backend}.json", backend, name)
    expected = {
        "contacts": {"deleted": True, "upsert_created": False, "listed": ["Upserted"]},
        "tags": {"applied_ok": True, "tagged": ["alan", "grace"]},
        "form": {"created": [True, False], "same_contact": True},
    }[name]
    assert {k: result[k] for k in expected} == expected


def test_a_changed_request_fails_loudly_and_names_the_difference() -> None:
    path = FIXTURES / "contacts-rest.json"
    with (
        Cassette(path, "none") as cassette,
        ka.KeapClient("rest", "KeapAK-test-key-0001", transport=cassette.transport) as client,
        pytest.raises(CassetteMiss) as caught,
    ):
        client.contacts.create(
            ka.NewContact(
                given_name="Bob", family_name="Scenario", email="keap-adapter-ada-fake@example.com"
            )
        )
    message = str(caught.value)
    assert "POST /crm/rest/v2/contacts" in message
    assert "body.given_name: 'Bob' != 'Ada'" in message


def test_recording_a_real_account_needs_a_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KEAP_API_KEY", raising=False)
    assert main(["record", "form", "--backend", "rest", "--out", str(tmp_path)]) == 2
    assert "KEAP_API_KEY" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
