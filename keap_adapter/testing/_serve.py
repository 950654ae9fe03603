"""Serve a request handler (FakeKeap.handle) over loopback HTTP, for clients that open sockets.

The official SDK (urllib3) and ``xmlrpc.client.ServerProxy`` cannot take an httpx transport,
so they talk to the fake through a real, loopback-only socket served from a background thread.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

from .._config import is_loopback

Handle = Callable[[httpx.Request], httpx.Response]
# Hop-by-hop or recomputed headers: the server writes its own.
_SKIPPED = frozenset({"content-length", "transfer-encoding", "connection"})


def _check_loopback(host: str) -> None:
    if not is_loopback(host):
        raise ValueError(f"FakeKeap serves on loopback only, not on {host!r}")


class _Server(ThreadingHTTPServer):
    """Tracks open connections so that closing the server ends their threads too."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, host: str, port: int, handle: Handle) -> None:
        self.handle_request_ = handle
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{self.server_port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Wake every handler blocked on a kept-alive connection, so it can finish."""
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):  # already closed by the client
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, *_args: Any) -> None:
        # A client that hangs up mid-answer is not an error worth a traceback on stderr.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as urllib3 and http.client expect
    # Headers and body go out in separate writes; without this, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = httpx.Request(
            self.command,
            self.server.base_url + self.path,
            headers=list(self.headers.items()),
            content=body,
        )
        response = self.server.handle_request_(request)
        self.send_response(response.status_code)
        for raw_name, raw_value in response.headers.raw:  # raw keeps the names' case
            name = raw_name.decode("latin-1")
            if name.lower() not in _SKIPPED:
                self.send_header(name, raw_value.decode("latin-1"))
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, *_args: Any) -> None:
        # Tests read fake.requests; a line per request on stderr is noise.
        return


class FakeServer:
    """A handler served on a loopback port from a background thread; a context manager.

    ``url`` is the base, e.g. ``http://127.0.0.1:54321``; append ``/crm/rest/v2/...`` or
    ``/crm/xmlrpc/v1``. ``close()`` (or leaving the ``with`` block) stops it.
    """

    def __init__(self, handle: Handle, host: str = "127.0.0.1", port: int = 0) -> None:
        _check_loopback(host)
        self._httpd = _Server(host, port, handle)
        self.url = self._httpd.base_url
        # A short poll keeps close() quick; shutdown() waits for the loop to notice.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name="FakeKeap-server", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving, end open connections and join every thread."""
        self._httpd.shutdown()
        self._httpd.drop_connections()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
