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

Two defences are this module's own, in subclasses of waitress's request parser and
channel (one per connection), which its channel and server take as the class attributes
``parser_class`` and ``channel_class``:

* A request framed twice, by Content-Length and by Transfer-Encoding (or with any
  Transfer-Encoding in an HTTP version but 1.1, such as 1.0), gets 400 and
  ``Connection: close``; waitress then drops what followed it on that connection, so a
  request smuggled in its body is never answered (RFC 9112 sections 6.1 and 6.3). waitress
  itself reads the chunks, ignores the Content-Length and keeps the connection.
* A request must arrive whole, headers and body, within ``request_timeout`` seconds of its
  first byte (a connection's first request, of the connection being accepted); else the
  connection is closed. waitress has no such deadline: its ``channel_timeout`` counts from
  the last byte received, so clients sending a byte now and then (slowloris) could hold
  every one of the ``connection_limit`` connections for ever.

What it does not defend against: a slow client that reconnects holds a slot again for up
to ``request_timeout`` seconds each time (though clients already in the listen backlog are
accepted before its new connection), and one that keeps ``connection_limit`` connections
busy with complete requests, or idle between them (up to ``idle_timeout`` seconds each),
holds every slot while later clients wait in the backlog. The fake is for tests, on
loopback only; it is not a hardened public server.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from .._config import is_loopback
from ._wsgi import DEFAULT_MAX_BODY, Handle, WsgiApp

__all__ = [
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_THREADS",
    "FakeServer",
    "Handle",
]

DEFAULT_IDLE_TIMEOUT = 60
"""Seconds a connection may sit without a request in progress before it is closed.

Above the keep-alive expiry of the pools that talk to the fake (httpx's is 5 s); urllib3
and ``xmlrpc.client`` reconnect when the server has closed an idle connection."""

DEFAULT_REQUEST_TIMEOUT = 5.0
"""Seconds a connection has to deliver a whole request (headers and body) from its first
byte, or its first request from being accepted. Clients on loopback send a request in
well under a millisecond; the deadline is for those that never finish one."""

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
    channel_class: Callable[..., Any]

    def run(self) -> None: ...


class _Closable(Protocol):
    def close(self) -> None: ...


_FRAMED_TWICE = "Content-Length and Transfer-Encoding together (RFC 9112 section 6.3)"
_TE_NOT_1_1 = "Transfer-Encoding in a request not in HTTP/1.1 (RFC 9112 section 6.1)"


def _waitress_classes() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """A channel class with this module's two defences, and waitress's ``create_server``.

    Defined when a server starts, as waitress is imported only then (and looked up each
    time, so that a missing waitress is said each time). The classes are waitress's own with
    a method or two extended; see the module's docstring.
    """
    create_server = _create_server()
    parser_module = importlib.import_module("waitress.parser")
    base_parser: Any = parser_module.HTTPRequestParser
    base_channel: Any = importlib.import_module("waitress.channel").HTTPChannel
    parsing_error: type[Exception] = parser_module.ParsingError

    class Parser(base_parser):  # type: ignore[misc]  # waitress has no type hints
        """waitress's parser, refusing a request whose framing is ambiguous."""

        def parse_header(self, header_plus: bytes) -> None:
            # waitress turns a ParsingError into a 400 error task, which closes the
            # connection after answering and discards the requests read behind it.
            super().parse_header(header_plus)
            # For HTTP/1.1 waitress has popped Transfer-Encoding (and set ``chunked``);
            # Content-Length is left as sent until a chunked body has been read.
            if self.chunked and "CONTENT_LENGTH" in self.headers:
                why = _FRAMED_TWICE
            elif self.version != "1.1" and "TRANSFER_ENCODING" in self.headers:
                why = _TE_NOT_1_1  # which waitress ignores, reading by Content-Length
            else:
                return
            # The answer is built from the request's headers: without this, an HTTP/1.0
            # "Connection: keep-alive" would be echoed next to waitress's "close".
            self.headers["CONNECTION"] = "close"
            raise parsing_error(why)

    class Channel(base_channel):  # type: ignore[misc]
        """waitress's channel, with a parser as above and a deadline for each request.

        ``_began`` is when the request being read began (for a new connection, when it was
        accepted), or None between requests, where waitress's ``channel_timeout`` governs.
        waitress's event loop asks every channel ``writable()`` at least once a second
        (``asyncore_loop_timeout``), which is where the deadline is checked; a channel
        that says ``will_close`` is closed by waitress in that same loop.
        """

        parser_class = Parser
        will_close: bool  # waitress's, declared for mypy
        request: Any
        requests: list[Any]

        def __init__(self, *args: Any, request_timeout: float, **kwargs: Any) -> None:
            self._request_timeout = request_timeout
            self._began: float | None = time.monotonic()
            super().__init__(*args, **kwargs)

        def received(self, data: bytes) -> bool:
            if self.request is None and self._began is None:
                self._began = time.monotonic()
            done: bool = super().received(data)
            if self.request is None:  # all requests complete: none being read
                self._began = None
            return done

        def writable(self) -> bool:
            began = self._began
            if (
                began is not None
                and not self.requests  # none being answered: all of the delay is the client's
                and not self.will_close
                and time.monotonic() - began > self._request_timeout
            ):
                self.will_close = True
            return bool(super().writable())

    return Channel, create_server


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
    most ``connection_limit`` connections are held open at once. A request framed by both
    Content-Length and Transfer-Encoding gets 400 and its connection is closed. A connection
    whose request has not arrived whole ``request_timeout`` seconds after its first byte (the
    first request: after the connection was accepted) is closed, checked about once a
    second. The module's docstring says what these do not defend against.
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
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        _check_loopback(host)
        if max_body < 0 or idle_timeout < 1 or threads < 1 or connection_limit < 1:
            raise ValueError("max_body must be >= 0; idle_timeout, threads and limit >= 1")
        if not request_timeout > 0:  # also refuses NaN
            raise ValueError("request_timeout must be > 0")
        channel_class, create_server = _waitress_classes()
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
        # Read by the server when it accepts a connection; none is accepted before run().
        self._server.channel_class = functools.partial(
            channel_class, request_timeout=request_timeout
        )
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
