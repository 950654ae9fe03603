"""A throwaway redis-server on loopback for the shared-limiter benchmark: a free port, no
persistence, stopped when the block ends (as ``tests/pacing/redis_server.py`` starts one)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

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
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """``redis://127.0.0.1:PORT/0`` of a redis-server started here, or ``None`` when the
    ``redis-server`` binary is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = _free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"]
    with tempfile.TemporaryFile() as log:
        # A file, not a pipe: a pipe nobody reads could fill and stall the server.
        server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _answers_ping(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    said = log.read().decode(errors="replace")
                    raise RuntimeError(f"redis-server did not start on port {port}: {said}")
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
