"""What the CLI tests share: the fake account's key and running a command for its JSON."""

from __future__ import annotations

import json

import pytest

from keap_adapter.cli import main

FAKE_KEY = "KeapAK-fake-cli-key-not-real-000000000000"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> object:
    """Run ``keap-adapter ARGV``, check its exit status, and return the JSON it printed."""
    assert main(list(argv)) == status
    captured = capsys.readouterr()
    assert FAKE_KEY not in captured.out and FAKE_KEY not in captured.err
    return json.loads(captured.out)


def stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What the last command wrote to stderr, line by line (the key never among it)."""
    err = capsys.readouterr().err
    assert FAKE_KEY not in err
    return err.splitlines()
