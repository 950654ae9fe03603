"""Shared helpers of the hostile tests: failures to inject, a transport that injects one,
every facade operation with the request it hinges on, and the outcome each failure should
end in.

A cell of the fault matrix is one operation on one backend against one failure. The world
it runs in (two contacts, two tags, two categories, a custom field) is written straight into
a fresh :class:`FakeKeap` store; the operation then runs through an :class:`Injector`, which
hands the operation's *key request* (its write, or its main read) to the failure once and
passes every other request, retries included, through to the fake.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import socket
import threading
import time
import xmlrpc.client
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap

BACKENDS: tuple[BackendName, ...] = ("rest", "xmlrpc")
CAP = 64 * 1024
"""``max_response_size`` of every matrix client: each real answer fits, a padded one not."""
DRIP_DEADLINE = 0.02
"""``call_deadline`` of the clients a dripping answer is sent to (seconds)."""

# ------------------------------------------------------------------------------ outcomes

# Short codes for the printed matrix, most specific class first.
ERROR_CODES: tuple[tuple[type[ka.KeapError], str], ...] = (
    (ka.ResponseTooLargeError, "TL"),
    (ka.TransportError, "T"),
    (ka.QuotaExhaustedError, "Q"),
    (ka.RateLimitError, "RL"),
    (ka.RedirectError, "R"),
    (ka.AuthenticationError, "A"),
    (ka.PermissionDeniedError, "P"),
    (ka.NotFoundError, "N"),
    (ka.BadRequestError, "B"),
    (ka.ConflictError, "C"),
    (ka.ServerError, "S"),
    (ka.ResponseValidationError, "V"),
    (ka.ConfigurationError, "CFG"),
    (ka.KeapError, "K"),
)
LEGEND = (
    "ok = success; * = after at least one retry; TL ResponseTooLarge, T Transport, "
    "RL RateLimit, R Redirect, A Authentication, P PermissionDenied, N NotFound, "
    "B BadRequest, C Conflict, S Server, V ResponseValidation; RAW = a non-keap_adapter "
    "exception escaped; ! = a known library defect (strict xfail); ? = not what the rule says"
)


def code(error: type[BaseException] | BaseException) -> str:
    """The short code of an error (class or instance); ``RAW`` if it is not ours."""
    cls = error if isinstance(error, type) else type(error)
    for known, short in ERROR_CODES:
        if issubclass(cls, known):
            return short
    return "RAW"


def outcome(result: Any, error: BaseException | None, retried: bool) -> str:
    """``ok`` or an error code, ``*`` when the client retried on the way. A bulk result is
    the outcome of its first item (the one the failure hits)."""
    mark = "*" if retried else ""
    if error is not None:
        return code(error) + mark
    if isinstance(result, list) and result and isinstance(result[0], ka.BulkItem):
        first = result[0]
        return ("ok" if first.ok else code(first.error or Exception())) + mark
    return "ok" + mark


# -------------------------------------------------------------------------------- faults

Rule = Literal["harmless", "retried", "if_idempotent", "final", "body"]
Act = Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True)
class Server:
    """What a failure may do with the request it strikes: ``act`` lets the fake apply it
    (and records that), ``fake`` is the fake itself (its own ``fail`` for XML-RPC faults)."""

    fake: FakeKeap
    act: Act


Strike = Callable[[httpx.Request, Server], httpx.Response]


@dataclass(frozen=True)
class Fault:
    """One failure: how it strikes a request, and the rule its outcome follows.

    ``rule``: ``harmless`` (the answer is usable: ok), ``retried`` (every call retries it:
    ok*), ``if_idempotent`` (ok* if the key request may be resent, else ``errors``),
    ``final`` (never retried: ``errors``), ``body`` (a 200 whose body is bad: ``errors``
    where the operation reads that body, ok where it does not).
    ``acted``: whether the fake applied the request before the failure.
    """

    name: str
    title: str
    group: str
    strike: Strike
    rule: Rule
    errors: Mapping[str, type[ka.KeapError]] = field(default_factory=dict)
    acted: bool = False
    backends: tuple[BackendName, ...] = BACKENDS
    sleeps: tuple[float, ...] | None = None  # the waits asked for, when they are known
    deadline: float | None = None  # the call_deadline this failure needs


def both(cls: type[ka.KeapError]) -> dict[str, type[ka.KeapError]]:
    return {"rest": cls, "xmlrpc": cls}


def answer(
    status: int,
    body: bytes = b"",
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
) -> Strike:
    """A failure answered by a gateway in front of Keap: the request never reached it."""

    def strike(request: httpx.Request, server: Server) -> httpx.Response:
        return httpx.Response(
            status, content=body, headers={"content-type": content_type, **(headers or {})}
        )

    return strike


def after_acting(status: int, body: bytes, content_type: str) -> Strike:
    """Keap applied the request, then a gateway answered this instead of its answer."""

    def strike(request: httpx.Request, server: Server) -> httpx.Response:
        server.act(request)
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return strike


def raising(error: Callable[[httpx.Request], Exception], *, acted: bool) -> Strike:
    """The connection fails, before the request reached Keap or after Keap applied it."""

    def strike(request: httpx.Request, server: Server) -> httpx.Response:
        if acted:
            server.act(request)
        raise error(request)

    return strike


def _headers_of(real: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in real.headers.multi_items() if k.lower() != "content-length"]


def mangled(change: Callable[[httpx.Request, httpx.Response], tuple[bytes, str | None]]) -> Strike:
    """Keap applied the request; its answer arrives changed (a 200 with another body or
    content type)."""

    def strike(request: httpx.Request, server: Server) -> httpx.Response:
        real = server.act(request)
        body, content_type = change(request, real)
        headers = _headers_of(real)
        if content_type is not None:
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers.append(("content-type", content_type))
        return httpx.Response(200, headers=headers, content=body)

    return strike


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives in two halves, as from a socket: after ``pause`` seconds, or
    cut off by ``error`` after the first half (for the sync and the async client)."""

    def __init__(self, body: bytes, pause: float = 0.0, error: Exception | None = None) -> None:
        self.body, self.pause, self.error = body, pause, error

    def __iter__(self) -> Iterator[bytes]:
        half = len(self.body) // 2
        yield self.body[:half]
        if self.error is not None:
            raise self.error
        time.sleep(self.pause)
        yield self.body[half:]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        half = len(self.body) // 2
        yield self.body[:half]
        if self.error is not None:
            raise self.error
        await asyncio.sleep(self.pause)
        yield self.body[half:]


def dripping(request: httpx.Request, server: Server) -> httpx.Response:
    """Keap applied the request; its answer drips in slower than the whole-call deadline
    (an empty one: its headers never finish, which the deadline ends as a read timeout)."""
    real = server.act(request)
    if not real.content:
        time.sleep(DRIP_DEADLINE * 1.5)
        raise httpx.ReadTimeout("the whole-call deadline passed", request=request)
    stream = _Pieces(real.content, pause=DRIP_DEADLINE * 1.5)
    return httpx.Response(real.status_code, headers=_headers_of(real), stream=stream)


def cut_short(request: httpx.Request, server: Server) -> httpx.Response:
    """Keap applied the request; the connection closes halfway through its answer (what
    httpcore reports for a body shorter than its Content-Length)."""
    real = server.act(request)
    error = httpx.RemoteProtocolError(
        "peer closed connection without sending complete message body", request=request
    )
    if not real.content:
        raise error
    return httpx.Response(
        real.status_code, headers=_headers_of(real), stream=_Pieces(real.content, error=error)
    )


def corrupt_gzip(request: httpx.Request, server: Server) -> httpx.Response:
    """Keap applied the request; its answer says ``Content-Encoding: gzip`` but is not gzip
    (a proxy that mangled it), streamed as from a socket."""
    real = server.act(request)
    headers = [(k, v) for k, v in _headers_of(real) if k.lower() != "content-encoding"]
    headers.append(("content-encoding", "gzip"))
    return httpx.Response(200, headers=headers, stream=_Pieces(b"this is not gzip " * 4))


def _xmlrpc_method(request: httpx.Request) -> tuple[str | None, tuple[Any, ...]]:
    if "/xmlrpc" not in request.url.path:
        return None, ()
    params, method = xmlrpc.client.loads(request.content, use_builtin_types=True)
    return method, params


def fault(text: str, code_: int | None = None) -> Strike:
    """An XML-RPC fault answered by the fake itself (``FakeKeap.fail``): nothing applied."""

    def strike(request: httpx.Request, server: Server) -> httpx.Response:
        method, _ = _xmlrpc_method(request)
        server.fake.fail(200, fault=text, fault_code=code_, path=method)
        return server.fake.transport.handle_request(request)

    return strike


GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
PORTAL_HTML = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Sign in to the '
    b"network</title></head><body><form action='/login'><input name='user'></form></body></html>"
)
THROTTLE_BODY = b'{"code": "429", "message": "Quota Exceeded", "status": "Request Throttled"}'
SWAPPED_TYPES = {"application/json": "text/html; charset=utf-8", "text/xml": "application/json"}


def _truncated(request: httpx.Request, real: httpx.Response) -> tuple[bytes, None]:
    return real.content[: len(real.content) // 2], None


def _padded(request: httpx.Request, real: httpx.Response) -> tuple[bytes, None]:
    # Trailing white space is valid after JSON and after an XML root: only the cap objects.
    return real.content + b" " * (CAP + 1), None


def _malformed(request: httpx.Request, real: httpx.Response) -> tuple[bytes, None]:
    if "/xmlrpc" in request.url.path:
        return b"<?xml version='1.0'?>\n<methodResponse><params><param><value><struct>", None
    return b'{"id": "1", "given_name": "Ad', None


def _empty(request: httpx.Request, real: httpx.Response) -> tuple[bytes, None]:
    return b"", None


def _portal(request: httpx.Request, real: httpx.Response) -> tuple[bytes, str]:
    return PORTAL_HTML, "text/html; charset=utf-8"


def _wrong_shape(request: httpx.Request, real: httpx.Response) -> tuple[bytes, None]:
    if "/xmlrpc" in request.url.path:
        return xmlrpc.client.dumps(("unexpected",), methodresponse=True).encode(), None
    return b'["unexpected", 1, null]', None


def _swapped(request: httpx.Request, real: httpx.Response) -> tuple[bytes, str]:
    given = real.headers.get("content-type", "application/json").split(";")[0].strip()
    return real.content, SWAPPED_TYPES.get(given, "application/octet-stream")


def _reset_before(request: httpx.Request) -> Exception:
    return httpx.RemoteProtocolError("Server disconnected without sending a response.")


def _reset_after(request: httpx.Request) -> Exception:
    return httpx.ReadError("[Errno 104] Connection reset by peer")


def _connect_timeout(request: httpx.Request) -> Exception:
    return httpx.ConnectTimeout("timed out")


def _read_timeout(request: httpx.Request) -> Exception:
    return httpx.ReadTimeout("The read operation timed out")


XMLRPC_ONLY: tuple[BackendName, ...] = ("xmlrpc",)
THROTTLE = "com.infusionsoft.throttle.ThrottlingException: Maximum number of threads throttled"
S, T, V = ka.ServerError, ka.TransportError, ka.ResponseValidationError
# What a 200 whose body cannot be read ends in: REST reads it as a misfit answer, XML-RPC as
# an unreadable one (both documented meanings; see the report).
UNREADABLE = {"rest": V, "xmlrpc": T}

FAULTS: tuple[Fault, ...] = (
    # HTTP statuses from a gateway, or Keap refusing before doing anything
    Fault("429", "429, no Retry-After", "status", answer(429, THROTTLE_BODY), "retried",
          both(ka.RateLimitError), sleeps=(0.5,)),
    Fault("429ra", "429, Retry-After: 7", "status",
          answer(429, THROTTLE_BODY, headers={"Retry-After": "7"}), "retried",
          both(ka.RateLimitError), sleeps=(7.0,)),
    Fault("500", "500 JSON error", "status",
          answer(500, b'{"code": 500, "message": "Internal error", "status": "INTERNAL"}'),
          "final", both(S)),
    Fault("502h", "502 with an HTML body", "status", answer(502, GATEWAY_HTML, "text/html"),
          "if_idempotent", both(S)),
    Fault("503", "503 text/plain", "status", answer(503, b"Service Unavailable", "text/plain"),
          "if_idempotent", both(S)),
    Fault("504", "504, never reached Keap", "status", answer(504, b"", "text/html"),
          "if_idempotent", both(S)),
    Fault("504>", "504 after Keap applied it", "status",
          after_acting(504, b"Gateway Timeout", "text/plain"), "if_idempotent", both(S),
          acted=True),
    Fault("302", "302 to https://elsewhere.example", "status",
          answer(302, b"", "text/html", {"Location": "https://elsewhere.example/steal"}),
          "final", both(ka.RedirectError)),
    Fault("400", "400", "status", answer(400, b'{"message": "bad"}'), "final",
          both(ka.BadRequestError)),
    Fault("401", "401", "status", answer(401, b'{"message": "Invalid key"}'), "final",
          both(ka.AuthenticationError)),
    Fault("403", "403", "status", answer(403, b'{"message": "Forbidden"}'), "final",
          both(ka.PermissionDeniedError)),
    Fault("404", "404", "status", answer(404, b'{"message": "Not found"}'), "final",
          both(ka.NotFoundError)),
    Fault("409", "409", "status", answer(409, b'{"message": "Conflict"}'), "final",
          both(ka.ConflictError)),
    # the connection
    Fault("rst<", "reset before Keap acted (RemoteProtocolError)", "connection",
          raising(_reset_before, acted=False), "if_idempotent", both(T)),
    Fault("rst>", "reset after Keap acted (ReadError)", "connection",
          raising(_reset_after, acted=True), "if_idempotent", both(T), acted=True),
    Fault("cto", "connect timeout", "connection", raising(_connect_timeout, acted=False),
          "retried", both(T)),
    Fault("rto", "read timeout after Keap acted", "connection",
          raising(_read_timeout, acted=True), "if_idempotent", both(T), acted=True),
    Fault("drip", "answer dripped past the whole-call deadline", "connection", dripping,
          "if_idempotent", both(T), acted=True, deadline=DRIP_DEADLINE),
    Fault("cut", "connection closed halfway through the body", "connection", cut_short,
          "if_idempotent", both(T), acted=True),
    # the answer's body (Keap applied the request)
    Fault("trunc", "200, body cut in half", "body", mangled(_truncated), "body", UNREADABLE,
          acted=True),
    Fault("huge", "200, body over max_response_size", "body", mangled(_padded), "final",
          both(ka.ResponseTooLargeError), acted=True),
    Fault("malf", "200, malformed JSON / XML", "body", mangled(_malformed), "body", UNREADABLE,
          acted=True),
    Fault("empty", "200, empty body", "body", mangled(_empty), "body", UNREADABLE, acted=True),
    Fault("html", "200, text/html sign-in page", "body", mangled(_portal), "body", UNREADABLE,
          acted=True),
    Fault("shape", "200, well-formed but the wrong shape", "body", mangled(_wrong_shape),
          "body", both(V), acted=True),
    Fault("ctype", "200, real body, wrong content type", "body", mangled(_swapped),
          "harmless", acted=True),
    Fault("gzip", "200, Content-Encoding: gzip, body not gzip", "body", corrupt_gzip,
          "if_idempotent", both(T), acted=True),
    # XML-RPC faults (HTTP 200), answered by the fake without applying anything
    Fault("InvKey", "[InvalidKey]", "fault", fault("[InvalidKey] Invalid Key"), "final",
          both(ka.AuthenticationError), backends=XMLRPC_ONLY),
    Fault("NoRec", "[RecordNotFound]", "fault",
          fault("[RecordNotFound] Unable to locate record"), "final", both(ka.NotFoundError),
          backends=XMLRPC_ONLY),
    Fault("NoTbl", "[NoTableAccess]", "fault", fault("[NoTableAccess] No table access"),
          "final", both(ka.PermissionDeniedError), backends=XMLRPC_ONLY),
    Fault("NoFld", "[NoFieldAccess]", "fault", fault("[NoFieldAccess] No field access"),
          "final", both(ka.PermissionDeniedError), backends=XMLRPC_ONLY),
    Fault("NoAcc", "[NoAccess]", "fault", fault("[NoAccess] Access denied"), "final",
          both(ka.PermissionDeniedError), backends=XMLRPC_ONLY),
    Fault("InvPar", "[InvalidParameter]", "fault", fault("[InvalidParameter] Bad parameter"),
          "final", both(ka.BadRequestError), backends=XMLRPC_ONLY),
    Fault("NoFFnd", "[NoFieldFound]", "fault", fault("[NoFieldFound] No field found: Foo"),
          "final", both(ka.BadRequestError), backends=XMLRPC_ONLY),
    Fault("Dup", "[DuplicateRecord] (no such tag in Keap's list: unclassified)", "fault",
          fault("[DuplicateRecord] Record already exists"), "final", both(S),
          backends=XMLRPC_ONLY),
    Fault("InvCfg", "[InvalidConfig] (transient)", "fault",
          fault("[InvalidConfig] Database is loading"), "if_idempotent", both(S),
          backends=XMLRPC_ONLY),
    Fault("DbErr", "[DatabaseError]", "fault", fault("[DatabaseError] Error in database"),
          "final", both(S), backends=XMLRPC_ONLY),
    Fault("Thrtl", "ThrottlingException (code 0)", "fault", fault(THROTTLE), "retried",
          both(ka.RateLimitError), backends=XMLRPC_ONLY, sleeps=(0.5,)),
    Fault("code2", "fault code 2, no tag", "fault", fault("Invalid key supplied", 2), "final",
          both(ka.AuthenticationError), backends=XMLRPC_ONLY),
    Fault("NPE", "code 0 java.lang.NullPointerException", "fault",
          fault("java.lang.NullPointerException"), "final", both(S), backends=XMLRPC_ONLY),
)  # fmt: skip
FAULTS_BY_NAME = {f.name: f for f in FAULTS}
GROUPS = ("status", "connection", "body", "fault")

# ------------------------------------------------------------------------- the injector


class Injector(httpx.BaseTransport):
    """Wraps ``fake.transport``: passes requests through, except the ``nth`` one ``target``
    picks, which ``fault`` strikes once; what follows (retries included) passes through.

    ``sent`` holds every request the client sent; ``applied`` those the fake applied (the
    ones passed through, and the struck one when the failure came after Keap acted).
    """

    def __init__(
        self,
        fake: FakeKeap,
        fault: Fault | None,
        target: Callable[[httpx.Request], bool] = lambda request: True,
        nth: int = 1,
    ) -> None:
        self.fake, self.fault, self.target, self.nth = fake, fault, target, nth
        self.sent: list[httpx.Request] = []
        self.applied: list[httpx.Request] = []
        self.struck: httpx.Request | None = None
        self._matched = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        if self.fault is not None and self.struck is None and self.target(request):
            self._matched += 1
            if self._matched == self.nth:
                self.struck = request
                return self.fault.strike(request, Server(self.fake, self._act))
        return self._act(request)

    def _act(self, request: httpx.Request) -> httpx.Response:
        response = self.fake.transport.handle_request(request)
        self.applied.append(request)
        return response


class AsyncInjector(httpx.AsyncBaseTransport):
    """:class:`Injector` for the async client (the fake answers synchronously)."""

    def __init__(self, inner: Injector) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.inner.handle_request(request)


# A request that creates a record: never safe to send twice.
_CREATING_PATHS = re.compile(
    r"/rest/v2/(contacts|tags|tags/categories|contacts/model/customFields)$"
)
_CREATING_METHODS = frozenset({
    "ContactService.add", "ContactService.addWithDupCheck", "DataService.add",
    "DataService.addCustomField",
})  # fmt: skip


def creating(request: httpx.Request) -> bool:
    """Whether ``request`` creates a record (a REST POST to a collection, an XML-RPC add)."""
    if "/xmlrpc" in request.url.path:
        return _xmlrpc_method(request)[0] in _CREATING_METHODS
    return request.method == "POST" and bool(_CREATING_PATHS.search(request.url.path))


def resent_creates(requests: Sequence[httpx.Request]) -> list[str]:
    """The creating requests among ``requests`` that were applied more than once."""
    seen: set[tuple[str, str, bytes]] = set()
    twice = []
    for request in requests:
        if not creating(request):
            continue
        key = (request.method, str(request.url), request.content)
        if key in seen:
            twice.append(f"{request.method} {request.url.path}")
        seen.add(key)
    return twice


# ---------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class World:
    """The records each cell starts with."""

    ada: int
    bob: int
    vip: int  # applied to ada
    spare: int
    group: int
    other_group: int


def build_world(fake: FakeKeap) -> World:
    """Write the cell's starting records straight into the fake's store (no requests)."""
    store = fake.store
    fake.add_custom_field("Favorite")
    ada = store.create_contact({
        "given_name": "Ada", "family_name": "Lovelace",
        "email_addresses": [{"field": "EMAIL1", "email": "ada@example.com"}],
        "custom_fields": {"Favorite": "tea"},
    })["id"]  # fmt: skip
    bob = store.create_contact({
        "given_name": "Bob", "email_addresses": [{"field": "EMAIL1", "email": "bob@example.com"}],
    })["id"]  # fmt: skip
    vip, spare = store.create_tag("Vip")["id"], store.create_tag("Spare")["id"]
    store.apply(ada, vip)
    group = store.create_category("Group")["id"]
    other_group = store.create_category("Other group")["id"]
    return World(ada, bob, vip, spare, group, other_group)


KINDS = ("contacts", "tags", "categories", "fields")


def counts(fake: FakeKeap) -> dict[str, int]:
    """How many records of each kind the fake holds."""
    store = fake.store
    return {
        "contacts": len(store.contacts),
        "tags": len(store.tags),
        "categories": len(store.categories),
        "fields": len(store.custom_fields),
    }


# ------------------------------------------------------------------------ the operations

Matcher = Callable[[httpx.Request], bool]


def rest(method: str, path: str) -> Matcher:
    """Matches REST requests of ``method`` whose path after ``/rest/v2/`` is ``path`` (a
    regular expression)."""
    pattern = re.compile(path)

    def match(request: httpx.Request) -> bool:
        tail = request.url.path.partition("/rest/v2/")[2]
        return request.method == method and bool(pattern.fullmatch(tail))

    return match


def xml(method: str, table: str | None = None) -> Matcher:
    """Matches XML-RPC calls of ``method`` (on ``table``, for DataService calls)."""

    def match(request: httpx.Request) -> bool:
        name, params = _xmlrpc_method(request)
        return name == method and (table is None or (len(params) > 1 and params[1] == table))

    return match


@dataclass(frozen=True)
class Op:
    """One facade operation as a matrix row.

    ``key`` picks, per backend, the request a failure strikes: the write for writes, the
    main read for reads. ``idempotent`` is whether that request may be resent. ``effect``
    is what a success changes in the store (per kind); ``first`` how much of it the first
    item of a bulk call is (the item the failure hits). ``absorbs`` lists, per backend, the
    errors the operation's own flow turns into a result; ``unread`` the backends that never
    read the key request's body, ``unchecked`` those that read but do not check its value.
    ``run`` returns what the facade method returns (a listing's iterator is read whole by
    :func:`run_cell`), so one table serves the sync and the async client.
    """

    name: str
    run: Callable[[Any, World], Any]  # a KeapClient or an AsyncKeapClient
    key: Mapping[str, Matcher]
    idempotent: bool = True
    effect: Mapping[str, int] = field(default_factory=dict)
    first: Mapping[str, int] | None = None
    absorbs: Mapping[str, tuple[type[ka.KeapError], ...]] = field(default_factory=dict)
    unread: frozenset[str] = frozenset()
    unchecked: frozenset[str] = frozenset()

    @property
    def bulk(self) -> bool:
        return self.first is not None


def _new(email: str, given: str) -> ka.NewContact:
    return ka.NewContact(given_name=given, email=email, custom_fields={"Favorite": "jam"})


CONTACT = r"contacts/\d+"
TAG = r"tags/\d+"
CATEGORY = r"tags/categories/\d+"
STATUS = r"emailAddresses/[^/]+/status"
NOT_FOUND = (ka.NotFoundError,)

OPS: tuple[Op, ...] = (
    Op("contacts.create", lambda c, w: c.contacts.create(_new("cy@example.com", "Cy")),
       {"rest": rest("POST", "contacts"), "xmlrpc": xml("ContactService.add")},
       idempotent=False, effect={"contacts": 1}),
    Op("contacts.get", lambda c, w: c.contacts.get(w.ada),
       {"rest": rest("GET", CONTACT), "xmlrpc": xml("ContactService.load")}),
    Op("contacts.update",
       lambda c, w: c.contacts.update(
           w.ada, {"given_name": "Augusta", "custom_fields": {"Favorite": "coffee"}}),
       {"rest": rest("PATCH", CONTACT), "xmlrpc": xml("ContactService.update")}),
    Op("contacts.delete", lambda c, w: c.contacts.delete(w.bob),
       {"rest": rest("DELETE", CONTACT), "xmlrpc": xml("DataService.delete", "Contact")},
       effect={"contacts": -1}, unread=frozenset({"rest"}), unchecked=frozenset({"rest"})),
    Op("contacts.upsert",
       lambda c, w: c.contacts.upsert(ka.NewContact(email="dee@example.com", given_name="Dee")),
       {"rest": rest("POST", "contacts"), "xmlrpc": xml("ContactService.addWithDupCheck")},
       idempotent=False, effect={"contacts": 1}),
    Op("contacts.list", lambda c, w: c.contacts.list(page_size=1),
       {"rest": rest("GET", "contacts"), "xmlrpc": xml("DataService.query", "Contact")}),
    Op("contacts.find_by_email", lambda c, w: c.contacts.find_by_email("ada@example.com"),
       {"rest": rest("GET", "contacts"), "xmlrpc": xml("ContactService.findByEmail")}),
    Op("contacts.tags", lambda c, w: c.contacts.tags(w.ada),
       {"rest": rest("GET", CONTACT + "/tags"),
        "xmlrpc": xml("DataService.query", "ContactGroupAssign")}),
    Op("contacts.custom_field_names", lambda c, w: c.contacts.custom_field_names(),
       {"rest": rest("GET", "contacts/model"),
        "xmlrpc": xml("DataService.query", "DataFormField")}),
    Op("contacts.email_status", lambda c, w: c.contacts.email_status("ada@example.com"),
       {"rest": rest("GET", STATUS), "xmlrpc": xml("APIEmailService.getOptStatus")},
       absorbs={"rest": NOT_FOUND}),
    Op("contacts.opt_in", lambda c, w: c.contacts.opt_in("bob@example.com", "asked at the desk"),
       {"rest": rest("PATCH", STATUS), "xmlrpc": xml("APIEmailService.optIn")}),
    Op("contacts.opt_out", lambda c, w: c.contacts.opt_out("ada@example.com", "asked to stop"),
       {"rest": rest("PATCH", STATUS), "xmlrpc": xml("APIEmailService.optOut")}),
    Op("contacts.custom_fields.list", lambda c, w: c.contacts.custom_fields.list(),
       {"rest": rest("GET", "contacts/model"),
        "xmlrpc": xml("DataService.query", "DataFormField")}),
    Op("contacts.custom_fields.create",
       lambda c, w: c.contacts.custom_fields.create("Shoe size", "DROPDOWN", options=["S", "M"]),
       {"rest": rest("POST", "contacts/model/customFields"),
        "xmlrpc": xml("DataService.addCustomField")},
       idempotent=False, effect={"fields": 1}),
    Op("contacts.create_many",
       lambda c, w: c.contacts.create_many([_new("e@example.com", "E"), _new("f@x.org", "F")]),
       {"rest": rest("POST", "contacts"), "xmlrpc": xml("ContactService.add")},
       idempotent=False, effect={"contacts": 2}, first={"contacts": 1}),
    Op("contacts.update_many",
       lambda c, w: c.contacts.update_many([(w.ada, {"job_title": "Countess"}),
                                            (w.bob, {"job_title": "Builder"})]),
       {"rest": rest("PATCH", CONTACT), "xmlrpc": xml("ContactService.update")}, first={}),
    Op("contacts.upsert_many",
       lambda c, w: c.contacts.upsert_many([
           ka.NewContact(email="gus@example.com", given_name="Gus"),
           ka.NewContact(email="ada@example.com", family_name="King")]),
       {"rest": rest("POST", "contacts"), "xmlrpc": xml("ContactService.addWithDupCheck")},
       idempotent=False, effect={"contacts": 1}, first={"contacts": 1}),
    Op("tags.create", lambda c, w: c.tags.create("Fresh", description="new"),
       {"rest": rest("POST", "tags"), "xmlrpc": xml("DataService.add", "ContactGroup")},
       idempotent=False, effect={"tags": 1}),
    Op("tags.get", lambda c, w: c.tags.get(w.vip),
       {"rest": rest("GET", TAG), "xmlrpc": xml("DataService.load", "ContactGroup")}),
    Op("tags.update", lambda c, w: c.tags.update(w.vip, {"name": "Vip2", "description": "d"}),
       {"rest": rest("PATCH", TAG), "xmlrpc": xml("DataService.update", "ContactGroup")}),
    Op("tags.delete", lambda c, w: c.tags.delete(w.vip),
       {"rest": rest("DELETE", TAG), "xmlrpc": xml("DataService.delete", "ContactGroup")},
       effect={"tags": -1}, unread=frozenset({"rest"}), unchecked=frozenset({"rest"})),
    Op("tags.list", lambda c, w: c.tags.list(page_size=1),
       {"rest": rest("GET", "tags"), "xmlrpc": xml("DataService.query", "ContactGroup")}),
    Op("tags.apply", lambda c, w: c.tags.apply(w.spare, [w.ada, w.bob]),
       {"rest": rest("POST", TAG + "/contacts:applyTags"),
        "xmlrpc": xml("ContactService.addToGroup")},
       absorbs={"xmlrpc": NOT_FOUND}),
    Op("tags.remove", lambda c, w: c.tags.remove(w.vip, [w.ada]),
       {"rest": rest("POST", TAG + "/contacts:removeTags"),
        "xmlrpc": xml("ContactService.removeFromGroup")},
       absorbs={"xmlrpc": NOT_FOUND}, unread=frozenset({"rest"}), unchecked=frozenset({"rest"})),
    Op("tags.contacts", lambda c, w: c.tags.contacts(w.vip),
       {"rest": rest("GET", TAG + "/contacts"),
        "xmlrpc": xml("DataService.query", "ContactGroupAssign")}),
    Op("tags.categories.create", lambda c, w: c.tags.categories.create("Fresh group"),
       {"rest": rest("POST", "tags/categories"),
        "xmlrpc": xml("DataService.add", "ContactGroupCategory")},
       idempotent=False, effect={"categories": 1}),
    Op("tags.categories.get", lambda c, w: c.tags.categories.get(w.group),
       {"rest": rest("GET", CATEGORY), "xmlrpc": xml("DataService.load", "ContactGroupCategory")}),
    Op("tags.categories.update",
       lambda c, w: c.tags.categories.update(w.group, {"name": "Renamed", "description": "d"}),
       {"rest": rest("PATCH", CATEGORY),
        "xmlrpc": xml("DataService.update", "ContactGroupCategory")},
       unchecked=frozenset({"xmlrpc"})),
    Op("tags.categories.delete", lambda c, w: c.tags.categories.delete(w.group),
       {"rest": rest("DELETE", CATEGORY),
        "xmlrpc": xml("DataService.delete", "ContactGroupCategory")},
       effect={"categories": -1}, unread=frozenset({"rest"}), unchecked=frozenset({"rest"})),
    Op("tags.categories.list", lambda c, w: c.tags.categories.list(page_size=1),
       {"rest": rest("GET", "tags/categories"),
        "xmlrpc": xml("DataService.query", "ContactGroupCategory")}),
)  # fmt: skip
OPS_BY_NAME = {op.name: op for op in OPS}

# ------------------------------------------------------------------------ expectations


def expected(op: Op, backend: str, fault: Fault) -> str:
    """The outcome the rule of ``fault`` gives for ``op`` on ``backend``."""
    error = fault.errors.get(backend)
    if fault.rule == "harmless":
        return "ok"
    if fault.rule == "retried":
        return "ok*"
    if fault.rule == "if_idempotent":
        return "ok*" if op.idempotent else code(error or Exception)
    if fault.rule == "body":
        skipped = op.unread if fault.name != "shape" else op.unchecked
        return "ok" if backend in skipped else code(error or Exception)
    assert error is not None
    return "ok" if issubclass(error, op.absorbs.get(backend, ())) else code(error)


def expected_change(op: Op, fault: Fault, result: str) -> dict[str, int]:
    """What the store should have changed by: all of ``op.effect`` on success, or when the
    failure came after Keap acted; otherwise all but the struck item's (or single call's)."""
    if not result.startswith("ok") and not op.bulk and not fault.acted:
        return dict.fromkeys(KINDS, 0)
    if op.bulk and not result.startswith("ok") and not fault.acted:
        first = op.first or {}
        return {k: op.effect.get(k, 0) - first.get(k, 0) for k in KINDS}
    return {k: op.effect.get(k, 0) for k in KINDS}


@dataclass
class Cell:
    """One run of an operation under a failure, and what it left behind."""

    outcome: str
    error: BaseException | None
    result: Any
    sleeps: list[float]
    change: dict[str, int]
    injector: Injector
    bulk_rest: list[str] = field(default_factory=list)  # outcomes of bulk items after the first


def client_for(
    backend: BackendName, fake: FakeKeap, transport: httpx.BaseTransport, sleeps: list[float],
    deadline: float | None = None,
) -> ka.KeapClient:  # fmt: skip
    return ka.KeapClient(
        backend,
        fake.api_key,
        transport=transport,
        sleep=sleeps.append,
        limits=None,
        max_response_size=CAP,
        call_deadline=deadline,
        retry_policy=ka.RetryPolicy(max_retries=2, jitter=lambda cap: cap),
    )


def run_cell(
    op: Op,
    backend: BackendName,
    fault: Fault | None,
    target: Matcher | None = None,
    nth: int = 1,
    *,
    use_async: bool = False,
) -> Cell:
    """Run ``op`` on a fresh fake, ``fault`` striking the ``nth`` request ``target`` picks
    (the op's key request by default), on the sync client or the async one."""
    fake = FakeKeap()
    world = build_world(fake)
    before = counts(fake)
    injector = Injector(fake, fault, target or op.key[backend], nth)
    sleeps: list[float] = []
    deadline = fault.deadline if fault is not None else None
    if use_async:
        result, error = asyncio.run(
            _run_async(op, backend, fake, world, injector, sleeps, deadline)
        )
    else:
        result, error = _run_sync(op, backend, fake, world, injector, sleeps, deadline)
    after = counts(fake)
    change = {k: after[k] - before[k] for k in KINDS}
    cell = Cell(outcome(result, error, bool(sleeps)), error, result, sleeps, change, injector)
    if isinstance(result, list) and result and isinstance(result[0], ka.BulkItem):
        cell.bulk_rest = [
            "ok" if item.ok else code(item.error or Exception()) for item in result[1:]
        ]
    return cell


Ran = tuple[Any, "BaseException | None"]


def _run_sync(
    op: Op, backend: BackendName, fake: FakeKeap, world: World, injector: Injector,
    sleeps: list[float], deadline: float | None,
) -> Ran:  # fmt: skip
    with client_for(backend, fake, injector, sleeps, deadline) as client:
        try:
            result = op.run(client, world)
            return (list(result) if isinstance(result, Iterator) else result), None
        except Exception as exc:  # a raw exception is an outcome too: the matrix shows it
            return None, exc


async def _run_async(
    op: Op, backend: BackendName, fake: FakeKeap, world: World, injector: Injector,
    sleeps: list[float], deadline: float | None,
) -> Ran:  # fmt: skip
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with ka.AsyncKeapClient(
        backend,
        fake.api_key,
        transport=AsyncInjector(injector),
        sleep=sleep,
        limits=None,
        max_response_size=CAP,
        call_deadline=deadline,
        retry_policy=ka.RetryPolicy(max_retries=2, jitter=lambda cap: cap),
    ) as client:
        try:
            result = op.run(client, world)
            if inspect.isawaitable(result):
                result = await result
            elif isinstance(result, AsyncIterator):
                result = [item async for item in result]
            return result, None
        except Exception as exc:
            return None, exc


# ---------------------------------------------------------------------------- printing


def render(results: Mapping[tuple[str, str, str], str]) -> str:
    """The matrix: per backend and failure group, operations x failures -> outcome."""
    lines = ["", "FAULT MATRIX (operation x failure -> outcome)", LEGEND, ""]
    lines += [f"  {f.name:7} {f.title}" for f in FAULTS]
    labels = [*BACKENDS, *(f"{b} async" for b in BACKENDS)]  # async rows: "rest async"
    for backend in labels:
        for group in GROUPS:
            base = backend.split()[0]
            faults = [f for f in FAULTS if f.group == group and base in f.backends]
            faults = [f for f in faults if any((backend, op.name, f.name) in results for op in OPS)]
            if not faults:
                continue
            rows = [[results.get((backend, op.name, f.name), "") for f in faults] for op in OPS]
            widths = [
                1 + max(len(f.name), *(len(row[i]) for row in rows)) for i, f in enumerate(faults)
            ]
            lines.append("")
            lines.append(f"[{backend}] {group}")
            lines.append(
                f"{'operation':30}"
                + "".join(f"{f.name:>{w}}" for f, w in zip(faults, widths, strict=True))
            )
            for op, row in zip(OPS, rows, strict=True):
                lines.append(
                    f"{op.name:30}" + "".join(f"{c:>{w}}" for c, w in zip(row, widths, strict=True))
                )
    return "\n".join(lines)


# --------------------------------------------------------------------- a loopback drip


class LoopbackFake:
    """``fake.handle`` served over real loopback sockets (one request per connection,
    ``Connection: close``), where the first answer to a request ``drip`` picks is sent a
    byte every ``pause`` seconds after its headers. Use as a context manager; ``url`` is the
    base URL to give the client."""

    def __init__(self, fake: FakeKeap, drip: Matcher, pause: float = 0.02) -> None:
        self.fake, self.drip, self.pause = fake, drip, pause
        self.applied: list[httpx.Request] = []
        self.dripped: httpx.Request | None = None
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/crm"

    def __enter__(self) -> LoopbackFake:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = _read_request(conn)
                if request is None:
                    return
                response = self.fake.handle(request)
                with self._lock:
                    self.applied.append(request)
                    drip = self.dripped is None and self.drip(request)
                    if drip:
                        self.dripped = request
                head, body = _serialised(response)
                conn.sendall(head)
                if not drip:
                    conn.sendall(body)
                    return
                for i in range(len(body)):
                    if self._stop.is_set():
                        return
                    conn.sendall(body[i : i + 1])
                    time.sleep(self.pause)
            except OSError:
                return


def _read_request(conn: socket.socket) -> httpx.Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
    pairs = [(k.strip(), v.strip()) for k, v in headers]
    length = int(next((v for k, v in pairs if k.lower() == "content-length"), "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    host = next((v for k, v in pairs if k.lower() == "host"), "127.0.0.1")
    return httpx.Request(method, f"http://{host}{target}", headers=pairs, content=body)


def _serialised(response: httpx.Response) -> tuple[bytes, bytes]:
    body = response.content
    skip = {"content-length", "transfer-encoding", "connection", "content-encoding"}
    lines = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
    lines += [f"{k}: {v}" for k, v in response.headers.multi_items() if k.lower() not in skip]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1"), body


@contextmanager
def loopback(fake: FakeKeap, drip: Matcher, pause: float = 0.02) -> Iterator[LoopbackFake]:
    with LoopbackFake(fake, drip, pause) as server:
        yield server
