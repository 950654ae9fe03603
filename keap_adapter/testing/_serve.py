"""Serve a request handler (FakeKeap.handle) over loopback HTTP, for clients that open sockets.

The official SDK (urllib3) and ``xmlrpc.client.ServerProxy`` cannot take an httpx transport,
so they talk to the fake through a real, loopback-only socket served from a background thread.

The fake is a WSGI application (``_wsgi``) served by waitress
(https://docs.pylonsproject.org/projects/waitress/), the optional ``serve`` extra: its
parser answers malformed requests with 400 and reads chunked bodies (RFC 9112 sections 6
and 7.1), caps body size (``max_request_body_size``), closes idle connections
(``channel_timeout``), and answers from a fixed pool of threads while one event loop holds
every socket, so idle connections cost no thread. waitress is imported only here, when a
server starts: the in-process ``fake.transport`` needs nothing beyond httpx.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from .._config import is_loopback
from ._wsgi import DEFAULT_MAX_BODY, Handle, WsgiApp

__all__ = [
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_THREADS",
    "FakeServer",
    "Handle",
]

DEFAULT_IDLE_TIMEOUT = 60
"""Seconds a connection may sit without a request in progress before it is closed.

Above the keep-alive expiry of the pools that talk to the fake (httpx's is 5 s); urllib3
and ``xmlrpc.client`` reconnect when the server has closed an idle connection."""

DEFAULT_THREADS = 4
"""Threads answering requests. The fake answers one request at a time under its lock, so
more would only wait on it; sockets are held by the event loop, not by these threads."""

DEFAULT_CONNECTION_LIMIT = 100
"""Open connections held at once; further clients wait in the listen backlog."""

INSTALL_HINT = "pip install 'keap-adapter[serve]'"


class _Trigger(Protocol):
    def pull_trigger(self, thunk: Callable[[], None] | None = None) -> None: ...


class _TaskDispatcher(Protocol):
    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool: ...


class _Waitress(Protocol):
    """The part of a ``waitress.server.TcpWSGIServer`` this module uses."""

    trigger: _Trigger
    task_dispatcher: _TaskDispatcher

    def run(self) -> None: ...


class _Closable(Protocol):
    def close(self) -> None: ...


def _check_loopback(host: str) -> None:
    if not is_loopback(host):
        raise ValueError(f"FakeKeap serves on loopback only, not on {host!r}")


def _create_server() -> Callable[..., Any]:
    """waitress's ``create_server``, or an error saying which extra to install."""
    try:
        module = importlib.import_module("waitress.server")
    except ImportError as exc:
        raise ModuleNotFoundError(
            f"serving FakeKeap over HTTP needs waitress: {INSTALL_HINT} "
            "(fake.transport works without it)",
            name="waitress",
        ) from exc
    create: Callable[..., Any] = module.create_server
    return create


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; bind errors (port in use...) surface as OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As http.server did: a port left in TIME_WAIT by a previous run can be reused.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # One address only: waitress given a name that resolves to both 127.0.0.1 and ::1
        # would bind each to its own port 0, and ``url`` could name only one of them.
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class FakeServer:
    """A handler served on a loopback port from a background thread; a context manager.

    ``url`` is the base, e.g. ``http://127.0.0.1:54321``; append ``/crm/rest/v2/...`` or
    ``/crm/xmlrpc/v1``. ``close()`` (or leaving the ``with`` block) stops it.

    Served by waitress (the ``serve`` extra): malformed requests get 400, bodies over
    ``max_body`` bytes get 413 before they are read, a connection idle for ``idle_timeout``
    seconds (whole seconds, at least 1) is closed, ``threads`` threads answer requests and at
    most ``connection_limit`` connections are held open at once.
    """

    def __init__(
        self,
        handle: Handle,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        idle_timeout: int = DEFAULT_IDLE_TIMEOUT,
        threads: int = DEFAULT_THREADS,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    ) -> None:
        _check_loopback(host)
        if max_body < 0 or idle_timeout < 1 or threads < 1 or connection_limit < 1:
            raise ValueError("max_body must be >= 0; idle_timeout, threads and limit >= 1")
        create_server = _create_server()
        sock = _listen(host, port)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{sock.getsockname()[1]}"
        self._map: dict[int, _Closable] = {}
        try:
            self._server: _Waitress = create_server(
                WsgiApp(handle, self.url, max_body),
                map=self._map,
                sockets=[sock],
                threads=threads,
                connection_limit=connection_limit,
                # waitress answers 413 when Content-Length >= this, or once a chunked body
                # reaches it: + 1 lets a body of exactly max_body bytes through.
                max_request_body_size=max_body + 1,
                channel_timeout=idle_timeout,
                # How often waitress looks for idle connections: a few times per timeout.
                cleanup_interval=max(1, idle_timeout // 4),
                # poll() has no FD_SETSIZE (1024) ceiling, unlike select().
                asyncore_use_poll=True,
                ident="FakeKeap",
            )
        except BaseException:
            sock.close()
            raise
        self._closed = False
        self._close_lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._server.run, name="FakeKeap-server", daemon=True
        )
        self._thread.start()

    def _close_sockets(self) -> None:
        """Close the listening socket, the wake-up pipe and every connection."""
        for dispatcher in list(self._map.values()):
            with contextlib.suppress(OSError):  # already closed by the peer
                dispatcher.close()
        self._map.clear()  # an empty map ends waitress's loop

    def close(self) -> None:
        """Stop serving and end open connections; safe to call twice.

        Joins the event loop's thread, and waits (up to 5 s) for the answering threads to
        finish the requests they hold and leave waitress's pool.
        """
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        if self._thread.is_alive():
            # The loop owns the sockets: close them from its own thread, woken by the trigger.
            with contextlib.suppress(OSError):
                self._server.trigger.pull_trigger(self._close_sockets)
            # The trigger wakes the loop at once; the bound only keeps close() from hanging
            # should the loop be stuck, in which case the sockets are closed from here.
            self._thread.join(timeout=10)
        self._close_sockets()  # whatever a loop that had already stopped left open
        self._server.task_dispatcher.shutdown()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
