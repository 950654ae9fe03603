"""The CLI as a person meets it: plain one-line messages, honest exit statuses, help for all."""

from __future__ import annotations

import argparse
import errno
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from keap_adapter.cli import build_parser, main
from keap_adapter.testing import FakeKeap

from .helpers import run_json, stderr_lines

NOTE = (
    "keap-adapter: note: Keap's XML-RPC API shuts down on 2026-12-31; "
    "use --backend rest (or KEAP_BACKEND=rest) instead"
)
ENV_VARS = (
    "KEAP_API_KEY",
    "KEAP_BACKEND",
    "KEAP_BASE_URL",
    "KEAP_XMLRPC_URL",
    "KEAP_CLIENT_ID",
    "KEAP_CLIENT_SECRET",
    "KEAP_TOKEN_FILE",
    "KEAP_TOKEN_URL",
    "KEAP_AUTHORIZE_URL",
    "KEAP_REDIRECT_URI",
)

# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("argv", "lines"),
    [
        (
            ["contacts", "create", "--email", "not-an-email"],
            ["email: 'not-an-email' is not a valid email address"],
        ),
        (
            ["contacts", "create", "--given-name", "x" * 50, "--email", "ada@example.com"],
            ["given_name: 50 characters, but Keap allows at most 40"],
        ),
        (
            ["contacts", "create", "--given-name", "x" * 41, "--email", "nope"],
            [
                "given_name: 41 characters, but Keap allows at most 40",
                "email: 'nope' is not a valid email address",
            ],
        ),
        (
            ["contacts", "create", "--given-name", "Ada"],
            ["a new contact needs at least one of email_addresses, phone_numbers or addresses"],
        ),
        (
            ["contacts", "create", "--phone", "1" * 41],
            ["phone_numbers: number of PHONE1 is 41 characters; Keap allows 40"],
        ),
        (["tags", "create", ""], ["a tag name must be a non-empty string"]),
        (["contacts", "get", "-5"], ["id must be a positive int up to 2147483647, not -5"]),
        (
            ["tags", "apply", "1", "0"],
            ["a contact id must be a positive int up to 2147483647, not 0"],
        ),
    ],
)
def test_bad_input_is_one_plain_line_per_field_and_exits_2(
    account: FakeKeap, capsys: pytest.CaptureFixture[str], argv: list[str], lines: list[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [f"keap-adapter: {line}" for line in lines]
    assert "pydantic" not in captured.err.lower()
    assert account.requests == []  # refused before anything was sent


def test_a_contact_can_be_created_with_a_phone_only(
    account: FakeKeap, capsys: pytest.CaptureFixture[str]
) -> None:
    created = run_json(capsys, "contacts", "create", "--phone", "+44 20 7946 0958")
    assert isinstance(created, dict)
    assert created["phone_numbers"][0]["number"] == "+44 20 7946 0958"


def test_a_refusal_is_one_line_naming_the_error(
    account: FakeKeap, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["contacts", "get", "999"]) == 1
    [line] = stderr_lines(capsys)
    assert line.startswith("keap-adapter: NotFoundError: contacts.get [rest]: ")


# ------------------------------------------------------------------ per-contact tag failures


@pytest.fixture
def tag_and_contact(account: FakeKeap, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """A tag id and a contact id on the account, as the CLI takes them."""
    contact = run_json(capsys, "contacts", "create", "--email", "ada@example.com")
    tag = run_json(capsys, "tags", "create", "Lead")
    assert isinstance(contact, dict) and isinstance(tag, dict)
    return str(tag["id"]), str(contact["id"])


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
def test_apply_with_a_missing_contact_prints_the_result_and_exits_1(
    tag_and_contact: tuple[str, str], capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    tag_id, cid = tag_and_contact
    assert main(["tags", "apply", tag_id, cid, "999", "--backend", backend]) == 1
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["outcomes"] == {cid: "SUCCESS", "999": "NOT_FOUND"}
    assert result["ok"] is False and result["reported"] is True
    assert captured.err.splitlines()[-1] == (
        f"keap-adapter: tag {tag_id} was not applied to 1 of 2 contacts: 999 NOT_FOUND"
    )


def test_remove_over_xmlrpc_with_a_missing_contact_exits_1(
    tag_and_contact: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    tag_id, cid = tag_and_contact
    result = run_json(capsys, "tags", "remove", tag_id, cid, "999", "--backend", "xmlrpc", status=1)
    assert isinstance(result, dict) and result["outcomes"]["999"] == "NOT_FOUND"


def test_remove_over_rest_says_keap_did_not_report_and_exits_0(
    tag_and_contact: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    tag_id, cid = tag_and_contact
    assert main(["tags", "remove", tag_id, cid, "999"]) == 0
    assert stderr_lines(capsys) == [
        "keap-adapter: note: Keap did not report an outcome for 2 of 2 contacts (UNREPORTED)"
    ]


def test_apply_to_a_missing_tag_exits_1(
    tag_and_contact: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, cid = tag_and_contact
    assert main(["tags", "apply", "999", cid]) == 1
    [line] = stderr_lines(capsys)
    assert line.startswith("keap-adapter: NotFoundError: tags.apply [rest]: ")


# ------------------------------------------------------------------ serve


def test_serve_on_a_busy_port_says_so_in_one_line_and_exits_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"keap-adapter: port {port} on 127.0.0.1 is in use; pick another with --port\n"
    )


def test_serve_on_a_port_it_may_not_use_says_why_and_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> NoReturn:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(FakeKeap, "serve", refuse)  # as for port 80 when not root
    assert main(["serve", "--port", "80"]) == 3
    assert capsys.readouterr().err == (
        "keap-adapter: cannot listen on port 80 on 127.0.0.1: Permission denied\n"
    )


def test_serve_refuses_a_port_that_is_no_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--port", "70000"])
    assert caught.value.code == 2
    assert "70000 is not a port number (0 to 65535)" in capsys.readouterr().err


@pytest.mark.parametrize("ids", ["1,x", ",,", "0,2"])
def test_compare_names_a_bad_id_list_in_plain_words(
    capsys: pytest.CaptureFixture[str], ids: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["compare", "--fake", "--contacts", ids])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"{ids!r} is not a comma-separated list of contact ids" in err
    assert "_id_list" not in err


# ------------------------------------------------------------------ the XML-RPC shutdown note


def _cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m keap_adapter ARGV`` in a new process, showing Python's default warnings."""
    cmd = [sys.executable, "-W", "default", "-m", "keap_adapter", *argv]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)


def _env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    return dict(os.environ)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_xmlrpc_use_is_one_plain_note_not_a_python_warning(
    account: FakeKeap, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "env":
        monkeypatch.setenv("KEAP_BACKEND", "xmlrpc")
    argv = ["tags", "list", *(["--backend", "xmlrpc"] if how == "flag" else [])]
    done = _cli(*argv, env=_env(monkeypatch))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert done.stderr.splitlines() == [NOTE]


def test_rest_use_prints_no_note(account: FakeKeap, monkeypatch: pytest.MonkeyPatch) -> None:
    done = _cli("tags", "list", env=_env(monkeypatch))
    assert (done.returncode, done.stderr) == (0, "")


def test_the_demo_stays_quiet_about_its_deliberate_xmlrpc_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done = _cli("demo", env=_env(monkeypatch))
    assert (done.returncode, done.stderr) == (0, "")


def test_the_note_is_printed_in_process_too(
    account: FakeKeap, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tags", "list", "--backend", "xmlrpc"]) == 0
    assert stderr_lines(capsys) == [NOTE]


# ------------------------------------------------------------------ help


def _parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser in the tree, with its full command (``keap-adapter tags apply``)."""
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_every_argument_has_help() -> None:
    missing = [
        f"{prog}: {action.dest}"
        for prog, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        and not (action.help and action.help.strip())
    ]
    assert missing == []


def test_every_command_has_help() -> None:
    missing = [
        f"{prog}: {choice.dest}"
        for prog, parser in _parsers(build_parser())
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
        if not (choice.help and choice.help.strip())
    ]
    assert missing == []


def test_each_commands_help_shows_each_options_help(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # so no help line is wrapped (or split at a hyphen)
    for _, parser in _parsers(build_parser()):
        text = " ".join(parser.format_help().split())  # the formatter wraps lines
        for action in parser._actions:
            assert action.help is not None
            assert " ".join((action.help % vars(action)).split()) in text, parser.prog


def test_the_top_level_help_describes_every_environment_variable_and_exit_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for name in ENV_VARS:
        assert f"\n  {name} " in out, name
    for status in ("0 ", "1 ", "2 ", "3 "):
        assert f"\n  {status}" in out


def test_only_serve_takes_a_key_on_the_command_line() -> None:
    # The key of a real account comes from KEAP_API_KEY only (the README says so);
    # serve's --api-key is the made-up key its fake accepts.
    takes_a_key = {
        prog
        for prog, parser in _parsers(build_parser())
        for action in parser._actions
        if any("key" in option for option in action.option_strings)
    }
    assert takes_a_key == {"keap-adapter serve"}


def test_the_readme_names_each_environment_variable_and_exit_status() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Command line\n", 1)[1].split("\n## ", 1)[0]
    for name in ENV_VARS:
        assert f"`{name}`" in section, name
    for status in ("0", "1", "2", "3"):
        assert f"\n- {status} when" in section or f"\n- {status} for" in section, status
