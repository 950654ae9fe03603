"""The pytest plugin (entry point ``pytest11``): the ``keap_cassette`` fixture and its options.

Each test gets a cassette named after it, ``fixtures/<test module>/<test name>.json`` (a name
too long for a file keeps its start and ends with a hash: see :func:`cassette_name`). The
mode comes from ``--keap-record-mode`` (default ``none``: replay only, and the network is
blocked for the test, loopback excepted). Fields to redact come from the
``keap_redact_fields`` ini option and ``@pytest.mark.keap_cassette(redact_fields=[...])``.

pytest loads this module in every session of everyone who installed the package, so it
imports only the standard library and pytest: the cassette (httpx, lxml) is imported when a
test first asks for the fixture.
"""

from __future__ import annotations

import hashlib
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._cassette import Cassette

# The same as _cassette.MODES (a test pins it): importing that module here would import httpx.
MODES = ("none", "once", "new_episodes", "all")
MARKER = "keap_cassette"
# The longest file name ext4, XFS, btrfs and APFS take, in bytes (NAME_MAX); a longer test
# name keeps its first KEPT_BYTES, then a hash (see cassette_name), well within it.
NAME_MAX = 255
KEPT_BYTES = 150
MARKER_HELP = (
    "keap_cassette(redact_fields=[...]): JSON keys / XML-RPC struct members that this test's "
    "keap_cassette also redacts (added to the keap_redact_fields ini option)"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--keap-record-mode`` and the ``keap_cassette_dir`` / ``keap_record_mode`` /
    ``keap_redact_fields`` ini settings."""
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
    parser.addini(
        "keap_redact_fields",
        "JSON keys / XML-RPC struct members every keap_cassette redacts, one per line",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``keap_cassette`` marker, so ``--strict-markers`` accepts it."""
    config.addinivalue_line("markers", MARKER_HELP)


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
    return root.joinpath(*parts, *scope[:-1], cassette_name(request.node.name))


def cassette_name(test_name: str) -> str:
    """The file name of a test's cassette: its name, cleaned, shortened if too long.

    ``test_x[a+b]`` becomes ``test_x-a-b-<hash>.json`` (cleaning can make two names one: a+b,
    a/b, a b; the hash of the test name keeps them apart). A name too long for a file
    (:data:`NAME_MAX` bytes, ``File name too long``) keeps a readable start and ends with a
    longer hash of the whole test name: stable from run to run, different for two names
    that differ only at the end.
    """
    base = re.sub(r"\[(.*)\]$", r"-\1", test_name)  # test_x[rest] -> test_x-rest
    name = re.sub(r"[^\w.-]+", "-", base).strip("-")
    digest = hashlib.sha256(test_name.encode("utf-8", "surrogatepass")).hexdigest()
    if name != base:
        name += "-" + digest[:8]
    if len(f"{name}.json".encode("utf-8", "surrogatepass")) > NAME_MAX:
        kept = name.encode("utf-8", "surrogatepass")[:KEPT_BYTES].decode("utf-8", "ignore")
        name = f"{kept.rstrip('-')}-{digest[:16]}"
    return f"{name}.json"


def redact_fields(request: pytest.FixtureRequest) -> set[str]:
    """The ``keap_redact_fields`` ini names plus those of every ``keap_cassette`` marker."""
    fields = {str(name) for name in request.config.getini("keap_redact_fields")}
    for mark in request.node.iter_markers(MARKER):  # the test's, its class's, its module's
        fields |= _marker_fields(mark)
    return fields


def _marker_fields(mark: pytest.Mark) -> set[str]:
    if mark.args or set(mark.kwargs) - {"redact_fields"}:
        given = ", ".join([*map(repr, mark.args), *mark.kwargs])
        pytest.fail(f"{MARKER} takes only redact_fields=[...], not {given}", pytrace=False)
    names = mark.kwargs.get("redact_fields", ())
    # A bare string would be read letter by letter: refuse it rather than redact "e", "m"...
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        pytest.fail(
            f"{MARKER}: redact_fields must be a list of names, not {names!r}", pytrace=False
        )
    return set(names)


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


def cassette_class() -> type[Cassette]:
    """:class:`~keap_adapter.testing.Cassette`, imported on first use (it brings httpx)."""
    from ._cassette import Cassette  # noqa: PLC0415 - keep plugin import light

    return Cassette


@pytest.fixture
def keap_cassette(
    request: pytest.FixtureRequest, keap_record_mode: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cassette]:
    """A :class:`~keap_adapter.testing.Cassette` named after the test; use its ``.transport``."""
    fields = redact_fields(request)
    if keap_record_mode == "none":
        block_network(monkeypatch)
    path = cassette_path(request)
    with cassette_class()(path, keap_record_mode, redact_fields=fields) as cassette:
        yield cassette
