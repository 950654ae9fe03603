"""The keap-adapter command: the demo, the fake server, and account commands (on a served fake)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import httpx
import pytest

from keap_adapter.cli import main
from keap_adapter.testing import FakeKeap

from .helpers import FAKE_KEY, run_json


def test_demo_runs_both_backends_and_they_agree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "[  rest] upsert: contact 1 created" in out
    assert "[xmlrpc] upsert: contact 1 matched by email and updated" in out
    table = out.split("Read back through both backends:")[1]
    assert table.count(" yes") == 7 and " NO" not in table
    assert "Both backends agree." in out


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
def test_account_commands_print_json(
    account: FakeKeap, capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    b = ["--backend", backend]
    created = run_json(
        capsys, "contacts", "create", "--given-name", "Ada", "--email", "ada@example.com", *b
    )
    assert isinstance(created, dict) and created["given_name"] == "Ada"
    cid = str(created["id"])
    assert run_json(capsys, "contacts", "get", cid, *b) == created
    found = run_json(capsys, "contacts", "find", "ada@example.com", *b)
    assert isinstance(found, list)
    assert [c["id"] for c in found] == [created["id"]]
    tag = run_json(capsys, "tags", "create", "Lead", "--description", "web", *b)
    assert isinstance(tag, dict) and tag["name"] == "Lead"
    applied = run_json(capsys, "tags", "apply", str(tag["id"]), cid, *b)
    assert applied == {
        "tag_id": tag["id"],
        "outcomes": {cid: "SUCCESS"},
        "messages": {},
        "ok": True,
        "reported": True,
    }
    assert run_json(capsys, "tags", "list", "--name", "Lead", *b) == [tag]
    removed = run_json(capsys, "tags", "remove", str(tag["id"]), cid, *b)
    # REST v2's removeTags answers 204 and says nothing per contact: the CLI says so.
    said = "UNREPORTED" if backend == "rest" else "SUCCESS"
    assert removed == {
        "tag_id": tag["id"],
        "outcomes": {cid: said},
        "messages": {},
        "ok": True,
        "reported": backend == "xmlrpc",
    }
    assert run_json(capsys, "contacts", "get", cid, *b)["tag_ids"] == []  # type: ignore[index]


def test_a_refusal_exits_1_with_the_typed_error(
    account: FakeKeap, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["contacts", "get", "999"]) == 1
    err = capsys.readouterr().err
    assert "NotFoundError" in err and "contacts.get" in err and FAKE_KEY not in err


def test_missing_key_exits_2_before_any_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KEAP_API_KEY", raising=False)
    assert main(["contacts", "get", "1"]) == 2
    assert "KEAP_API_KEY is not set" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_both_protocols_on_loopback() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "keap_adapter",
        "serve",
        "--port",
        str(port),
        "--api-key",
        FAKE_KEY,
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env) as proc:
        try:
            _talk_to(proc, port)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _talk_to(proc: subprocess.Popen[str], port: int) -> None:
    assert proc.stdout is not None
    assert f"127.0.0.1:{port}" in proc.stdout.readline()  # it says where it listens
    base = f"http://127.0.0.1:{port}/crm"
    deadline = time.monotonic() + 10
    while True:
        try:
            rest = httpx.get(f"{base}/rest/v2/tags", headers={"X-Keap-API-Key": FAKE_KEY})
            break
        except httpx.ConnectError:
            assert time.monotonic() < deadline, "the fake server did not start"
            time.sleep(0.05)
    assert rest.status_code == 200 and rest.json()["tags"] == []
    with xmlrpc.client.ServerProxy(f"{base}/xmlrpc/v1") as proxy:
        assert proxy.DataService.count(FAKE_KEY, "Contact", {"Id": "%"}) == 0


LEGACY_APP = Path(__file__).resolve().parents[1] / "migration" / "legacy_app"


def test_audit_prints_call_sites_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(LEGACY_APP)]) == 0
    out = capsys.readouterr().out
    assert "crm_sync.py:20:18" in out
    assert "ContactService.merge" in out and "POST /rest/v2/contacts:merge" in out
    assert "70.5%" in out


def test_audit_json_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(LEGACY_APP), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["calls"]) == 44
    assert {c["method"] for c in report["calls"]} >= {"ContactService.add", "DataService.query"}


def test_audit_of_a_missing_path_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "/no/such/place"]) == 2
    assert capsys.readouterr().err == "keap-adapter: no such file or directory: /no/such/place\n"


def test_compare_on_the_fake_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--fake", "--sample", "3"]) == 0
    out = capsys.readouterr().out
    assert "XML-RPC (control)" in out and "REST v2 (candidate)" in out
    assert "3 contacts compared: 3 match" in out


def test_compare_against_an_account_on_loopback(
    account: FakeKeap, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b"):
        assert (
            main(["contacts", "create", "--given-name", name, "--email", f"{name}@example.com"])
            == 0
        )
    capsys.readouterr()
    assert main(["compare", "--contacts", "1,2,99"]) == 1  # 99 is on neither side
    out = capsys.readouterr().out
    assert "2 match" in out and "missing" in out


def test_compare_needs_ids_or_a_sample(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["compare", "--fake"])
    assert caught.value.code == 2
