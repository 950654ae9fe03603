"""A real redis-server on loopback, started and stopped by the tests themselves.

``redis_url`` is a session fixture: a free port, no persistence (nothing written to disk),
stopped when the session ends. Without the ``redis-server`` binary the tests that need it
are skipped (``scripts/check`` installs it, so CI never skips them).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import IO

import pytest

STARTUP_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def _start(binary: str, port: int, log: IO[bytes], *extra: str) -> subprocess.Popen[bytes]:
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", *extra]
    args += ["--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"]
    # A file, not a pipe: a pipe nobody reads could fill and stall the server.
    server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _answers_ping(port):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            log.seek(0)
            said = log.read().decode(errors="replace")
            raise RuntimeError(f"redis-server did not start on port {port}: {said}")
        time.sleep(0.02)
    return server


@contextlib.contextmanager
def own_server(*extra: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A redis-server of the caller's own (a test may stop it): its port and process."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/check installs it)")
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        server = _start(binary, port, log, *extra)
        try:
            yield port, server
        finally:
            _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``redis://127.0.0.1:PORT/0`` of a redis-server this session started."""
    with own_server() as (port, _server):
        yield f"redis://127.0.0.1:{port}/0"
