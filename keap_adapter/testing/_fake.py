"""FakeKeap: one in-memory Keap app answering both REST v2 and XML-RPC.

The store (``_fake_store``) holds every record once, in canonical form; each protocol face
converts to and from it, so a contact written over XML-RPC reads back over REST and the
other way round. Everything runs under one lock, because :meth:`FakeKeap.serve` answers
from several threads.
"""

from __future__ import annotations

import hmac
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

from ..pacing import Limits
from . import _fake_rest, _fake_xmlrpc
from ._fake_oauth import AUTHORIZE_PATH, CALLBACK_PATH, TOKEN_PATH, FakeOAuth
from ._fake_quota import Gateway
from ._fake_store import Store
from ._serve import (
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_BODY,
    DEFAULT_THREADS,
    FakeServer,
)

__all__ = ["Failure", "FakeKeap", "Store"]

DEFAULT_API_KEY = "fake-keap-api-key"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class Failure:
    """An injected failure, answered instead of the next ``times`` matching requests.

    ``path`` limits it to requests whose URL path contains it, or XML-RPC calls whose
    methodName equals it. ``fault`` makes an XML-RPC request get that fault string instead
    of an error body (its code is looked up from the bracketed tag, else ``fault_code``).
    """

    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    fault: str | None = None
    fault_code: int | None = None

    def matches(self, url_path: str, method_name: str | None) -> bool:
        """Whether this failure applies to a request with this path (and XML-RPC method)."""
        return self.path is None or self.path in url_path or self.path == method_name


class FakeKeap:
    """An embedded, in-memory Keap app served over REST v2 and XML-RPC.

    Use ``fake.transport`` with ``httpx.Client``/``httpx.AsyncClient``, or
    ``with fake.serve() as server`` for clients that open their own sockets. Every request is
    recorded in ``fake.requests``; ``fake.now`` is the clock stamped on records.

    Answers carry Keap's quota headers. Without ``limits`` they announce a plan no test
    reaches (clients learn it and do not pace); with ``limits`` (``pacing.Limits()`` for
    Keap's documented PAT limits) the fake announces and enforces them, answering 429 as
    Keap's gateway does; ``fake.throttled`` counts those answers.
    """

    def __init__(self, api_key: str = DEFAULT_API_KEY, *, limits: Limits | None = None) -> None:
        self.api_key = api_key
        self.now: Callable[[], datetime] = _utc_now
        self.store = Store(self._clock)
        self.requests: list[httpx.Request] = []
        self.failures: list[Failure] = []
        self.transport = httpx.MockTransport(self.handle)
        self._lock = threading.RLock()
        self.gateway = Gateway(limits, self._clock)
        self.oauth = FakeOAuth(self._clock)
        self._request_ids = itertools.count(1)

    def _clock(self) -> datetime:
        # Looked up on every call, so a test may swap ``fake.now`` at any time.
        return self.now()

    def add_custom_field(self, name: str, field_type: str = "TEXT") -> int:
        """Register a contact custom field (REST ``field_name``, XML-RPC ``_name``); its id."""
        with self._lock:
            return self.store.add_custom_field(name, field_type)

    def set_email_status(self, email: str, status: str) -> None:
        """Give an address a REST v2 status only its owner can give it (``CONFIRMED``,
        ``LIST_UNSUBSCRIBE``...): what a test needs that no API call can do."""
        with self._lock:
            self.store.set_email_status(email, status)

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        path: str | None = None,
        fault: str | None = None,
        fault_code: int | None = None,
    ) -> Failure:
        """Answer the next ``times`` matching requests with this failure; they take no effect."""
        if times < 1:
            raise ValueError("times must be at least 1")
        failure = Failure(status, times, dict(headers or {}), path, fault, fault_code)
        with self._lock:
            self.failures.append(failure)
        return failure

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        idle_timeout: int = DEFAULT_IDLE_TIMEOUT,
        threads: int = DEFAULT_THREADS,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    ) -> FakeServer:
        """Serve this fake over loopback HTTP in a background thread (a context manager).

        Needs the ``serve`` extra (waitress); see :class:`FakeServer` for the limits:
        bodies over ``max_body`` bytes get 413, connections idle for ``idle_timeout``
        seconds are closed, ``threads`` answer, ``connection_limit`` connections are held.
        """
        return FakeServer(
            self.handle,
            host,
            port,
            max_body=max_body,
            idle_timeout=idle_timeout,
            threads=threads,
            connection_limit=connection_limit,
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, in process; the httpx ``MockTransport`` handler."""
        with self._lock:
            _ensure_read(request)
            self.requests.append(request)
            response = self.gateway.admit() or self._respond(request)
            response.headers.setdefault("x-request-id", f"fake-{next(self._request_ids):08d}")
            for name, value in self.gateway.headers().items():
                response.headers.setdefault(name, value)
            return response

    @property
    def throttled(self) -> int:
        """How many requests the fake refused with 429 for being over its ``limits``."""
        return self.gateway.refused

    def _respond(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith((TOKEN_PATH, AUTHORIZE_PATH, CALLBACK_PATH)):
            return self.oauth.handle(request)
        if "/rest/v2/" in path:
            failure = self._take_failure(path, None)
            if failure is not None:
                return _fake_rest.failure_response(failure)
            if not self._rest_authenticated(request):
                return _fake_rest.error_response(401, "Invalid API key")
            return _fake_rest.handle(self.store, request, path.split("/rest/v2/", 1)[1])
        if path.rstrip("/").endswith(("/xmlrpc/v1", "/xmlrpc")):
            return self._xmlrpc(request)
        return _fake_rest.error_response(404, f"No route for {request.method} {path}")

    def _xmlrpc(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return _fake_rest.error_response(405, "XML-RPC takes POST only")
        call = _fake_xmlrpc.parse(request.content)
        failure = self._take_failure(request.url.path, call.method)
        if failure is not None:
            if failure.fault is not None:
                return _fake_xmlrpc.fault_response(failure)
            return _fake_rest.failure_response(failure)
        header_ok = self._rest_authenticated(request)  # XML-RPC takes the same headers
        return _fake_xmlrpc.handle(self.store, call, self.api_key, header_ok=header_ok)

    def _take_failure(self, url_path: str, method_name: str | None) -> Failure | None:
        failure = next((f for f in self.failures if f.matches(url_path, method_name)), None)
        if failure is not None:
            failure.times -= 1
            if failure.times == 0:
                self.failures.remove(failure)
        return failure

    def _rest_authenticated(self, request: httpx.Request) -> bool:
        given = request.headers.get("X-Keap-API-Key")
        auth = request.headers.get("Authorization", "")
        if given is None and auth.startswith("Bearer "):
            given = auth[len("Bearer ") :]
            if self.oauth.accepts(given):  # an OAuth2 access token (Keap's REST and XML-RPC)
                return True
        return given is not None and _same_secret(given, self.api_key)


def _ensure_read(request: httpx.Request) -> None:
    # MockTransport reads the body before calling us; a hand-built request may not be.
    try:
        _ = request.content
    except httpx.RequestNotRead:
        request.read()


def _same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
