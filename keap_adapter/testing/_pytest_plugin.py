"""The pytest plugin (entry point ``pytest11``): the ``keap_cassette`` fixture and its options.

Each test gets a cassette named after it, ``fixtures/<test module>/<test name>.json``. The
mode comes from ``--keap-record-mode`` (default ``none``: replay only, and the network is
blocked for the test, loopback excepted).
"""

from __future__ import annotations

import hashlib
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._cassette import MODES


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--keap-record-mode`` and the ``keap_cassette_dir`` ini setting."""
    group = parser.getgroup("keap-adapter", "Keap record/replay")
    group.addoption(
        "--keap-record-mode",
        choices=MODES,
        default=None,
        help="cassette mode for keap_cassette: none (replay only, the default), once, "
        "new_episodes, all (re-record)",
    )
    parser.addini("keap_cassette_dir", "where keap_cassette files live", default="fixtures")
    parser.addini("keap_record_mode", "default cassette mode", default="none")


@pytest.fixture
def keap_record_mode(request: pytest.FixtureRequest) -> str:
    """The cassette mode of this run."""
    option = request.config.getoption("--keap-record-mode")
    return str(option or request.config.getini("keap_record_mode") or "none")


def cassette_path(request: pytest.FixtureRequest) -> Path:
    """``<rootdir>/<keap_cassette_dir>/<test file path>/[<class>/]<test name>.json``.

    The path follows the test's node id (without a leading ``tests/``), so tests of the same
    name in two classes or two folders never share a cassette.
    """
    root = request.config.rootpath / str(request.config.getini("keap_cassette_dir"))
    file, *scope = request.node.nodeid.split("::")
    parts = list(Path(file).with_suffix("").parts)
    if parts[:1] in (["tests"], ["test"]):
        parts = parts[1:]
    base = re.sub(r"\[(.*)\]$", r"-\1", request.node.name)  # test_x[rest] -> test_x-rest
    name = re.sub(r"[^\w.-]+", "-", base).strip("-")
    if name != base:  # cleaning can make two names one (a+b, a/b, a b): keep them apart
        name += "-" + hashlib.sha256(request.node.name.encode()).hexdigest()[:8]
    return root.joinpath(*parts, *scope[:-1], f"{name}.json")


def block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every socket connection that is not to loopback, for the rest of the test."""
    original = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if not _loopback(str(host)):
            raise OSError(f"keap_adapter: network blocked in replay mode (connect to {host!r})")
        original(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def _loopback(host: str) -> bool:
    from keap_adapter._config import is_loopback  # noqa: PLC0415 - keep plugin import light

    return is_loopback(host) or host.startswith("/")  # a Unix socket path is local too


@pytest.fixture
def keap_cassette(
    request: pytest.FixtureRequest, keap_record_mode: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A :class:`~keap_adapter.testing.Cassette` named after the test; use its ``.transport``."""
    from keap_adapter.testing import Cassette  # noqa: PLC0415

    if keap_record_mode == "none":
        block_network(monkeypatch)
    with Cassette(cassette_path(request), keap_record_mode) as cassette:
        yield cassette
