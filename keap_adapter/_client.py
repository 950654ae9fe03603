"""``KeapClient`` and ``AsyncKeapClient``: settings, the httpx client, and the flow drivers.

The drivers are the only sync/async duplication in the library: each primes a backend's
flow, sends every request it yields (with auth headers and the retry policy), and sends
the response back in, or throws the typed error in, until the flow returns.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import os
import sys
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import httpx

from . import __version__, _body, _log_redaction
from ._bulk import CONCURRENCY, arun_parts
from ._config import (
    DEFAULT_BASE_URL,
    KEY_PLACEHOLDER,
    MAX_RESPONSE_SIZE,
    BackendName,
    Settings,
    settings_from_env,
)
from ._deadline import DeadlineBackend, with_deadlines
from ._deadline import attempt as deadline_for_thread
from ._exceptions import (
    AuthenticationError,
    ConfigurationError,
    KeapError,
    NotFoundError,
    QuotaExhaustedError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    TransportError,
)
from ._resources import AsyncContacts, AsyncTags, Contacts, Tags
from ._retry import RetryPolicy
from ._secrets import redact_bytes
from ._serial import AsyncKeyedLocks, KeyedLocks
from .backends._base import Backend, Call, Flow, Page
from .backends.rest import RestBackend
from .pacing import DOCUMENTED, BaseLimiter, Limiter, Limits, Slot
from .pacing import read as read_quota_headers

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._operations import Listing, Op
    from .auth import OAuth2

T = TypeVar("T")
Item = TypeVar("Item")
PageFlow = Callable[[str | None], Flow[Page[Item]]]
logger = logging.getLogger("keap_adapter")
ClientT = TypeVar("ClientT", bound="_BaseClient")
# Options that configure the client object rather than its settings.
_CLIENT_ONLY = ("transport", "sleep", "retry_policy", "limits", "limiter")


XMLRPC_SHUTDOWN = (
    "Keap's XML-RPC API shuts down on 2026-12-31; switch to backend='rest' "
    "(keap_adapter.migration and the README's 'Migrating from XML-RPC' show how)"
)


@functools.cache
def _warn_xmlrpc_shutdown() -> None:
    # Cached: once per process, however many clients are made.
    warnings.warn(XMLRPC_SHUTDOWN, DeprecationWarning, stacklevel=_outside_package())


def _outside_package() -> int:
    """The ``stacklevel`` of the first caller outside keap_adapter (the user's line)."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def make_backend(settings: Settings) -> Backend:
    """The codec for ``settings.backend``."""
    if settings.backend == "rest":
        return RestBackend(url=settings.rest_url, tag_chunk_size=settings.tag_chunk_size)
    _warn_xmlrpc_shutdown()
    from .backends.xmlrpc import XmlRpcBackend  # noqa: PLC0415 - only XML-RPC users pay for it

    key_param: str = settings.api_key if settings.key_in_body else KEY_PLACEHOLDER
    return XmlRpcBackend(
        url=settings.xmlrpc_endpoint, key_param=key_param, page_size=settings.page_size
    )


class _EnvOptions(TypedDict, total=False):
    """Keyword options ``from_env`` accepts (each wins over the environment)."""

    backend: BackendName
    api_key: str
    base_url: str
    xmlrpc_url: str | None
    timeout: float
    max_retries: int
    tag_chunk_size: int
    page_size: int
    call_deadline: float | None
    max_response_size: int
    retry_policy: RetryPolicy | None
    limits: Limits | None
    limiter: BaseLimiter | None
    auth: OAuth2 | None
    transport: Any
    sleep: Any


def _settings(
    backend: BackendName, api_key: str | None, settings: Settings | None, **options: Any
) -> Settings:
    if settings is not None:
        return settings
    return Settings(backend=backend, api_key=api_key or "", **options)


class _BaseClient:
    """What both clients share: settings, backend, headers, outcome handling, logging."""

    def __init__(
        self,
        settings: Settings,
        retry_policy: RetryPolicy | None,
        limits: Limits | None = DOCUMENTED,
        limiter: BaseLimiter | None = None,
    ) -> None:
        self._settings = settings
        _log_redaction.watch(self._secrets)  # no log line of httpx/httpcore shows them
        self._backend = make_backend(self._settings)
        self._policy = retry_policy or RetryPolicy(max_retries=self._settings.max_retries)
        self._limiter = _limiter(limits, limiter)
        self._owned_auth: OAuth2 | None = None
        # The same on every request: normalised once, not rebuilt per call.
        self._sent_headers = httpx.Headers(self._headers())

    @classmethod
    def from_env(
        cls: type[ClientT], env: Mapping[str, str] | None = None, **options: Unpack[_EnvOptions]
    ) -> ClientT:
        """A client from ``KEAP_API_KEY``, ``KEAP_BACKEND`` (default ``rest``),
        ``KEAP_BASE_URL`` and ``KEAP_XMLRPC_URL``; keyword options win. Without a key,
        ``KEAP_CLIENT_ID`` selects OAuth2 (``OAuth2.from_env``), closed with the client."""
        given: dict[str, Any] = dict(options)
        client_opts = {k: given.pop(k) for k in _CLIENT_ONLY if k in given}
        settings = settings_from_env(env, **given)
        client = cls(settings=settings, **client_opts)
        if "auth" not in given:
            client._owned_auth = settings.auth  # made here: this client closes it
        return client

    @property
    def backend(self) -> BackendName:
        """``"rest"`` or ``"xmlrpc"``."""
        return self._settings.backend

    @property
    def page_size(self) -> int:
        """The default page size of listings."""
        return self._settings.page_size

    @property
    def limiter(self) -> BaseLimiter | None:
        """What paces this client's requests (``None`` when made with ``limits=None``)."""
        return self._limiter

    @property
    def endpoint(self) -> str:
        """Where requests go: the REST v2 base, or the XML-RPC endpoint."""
        return self._settings.rest_url if self.backend == "rest" else self._settings.xmlrpc_endpoint

    def __repr__(self) -> str:
        return f"{type(self).__name__}(backend={self.backend!r}, url={self.endpoint!r})"

    def _headers(self) -> dict[str, str]:
        agent = f"keap-adapter/{__version__} ({self.backend})"
        common = {"User-Agent": agent, "Accept-Encoding": _body.ACCEPT_ENCODING}
        if self._settings.key_in_body or self._settings.auth is not None:
            return common  # OAuth2's Bearer header is set per attempt (tokens rotate)
        return {**common, "X-Keap-API-Key": self._settings.api_key}

    def _secrets(self) -> tuple[str, ...]:
        """What no error or log line may show: the key, or OAuth2's secret and tokens."""
        auth = self._settings.auth
        return auth.secrets() if auth is not None else (self._settings.api_key,)

    def _bearer(self, call: Call, token: str) -> str:
        call.request.headers["Authorization"] = f"Bearer {token}"
        return token

    def _auth_failed(self, error: KeapError, call: Call) -> KeapError:
        """An OAuth2 refresh's error, naming the operation that needed the token."""
        error.redact(*self._secrets())
        return _located(error, call, self.backend)

    def _outcome(
        self, call: Call, response: httpx.Response | None, exc: Exception | None, started: float
    ) -> KeapError | httpx.Response:
        """The response, or the error this attempt ended in, logged with the key redacted."""
        result: KeapError | httpx.Response
        if response is None:
            result = TransportError(
                f"{type(exc).__name__}: {exc}", operation=call.operation, backend=self.backend
            )
        else:
            result = self._backend.error_for(call, _scrubbed(response, self._secrets())) or response
            if isinstance(result, RateLimitError):
                result = _spent_quota(result, response) or result
        if isinstance(result, KeapError):
            result.redact(*self._secrets())
        logger.debug(
            "%s backend=%s %s %s -> %s in %.1f ms%s",
            call.operation,
            self.backend,
            call.request.method,
            call.request.url.path,
            response.status_code if response is not None else type(exc).__name__,
            (time.perf_counter() - started) * 1000,
            f" ({type(result).__name__})" if isinstance(result, KeapError) else "",
        )
        return result

    def _reader(self, response: httpx.Response, end: float) -> _body.Reader:
        return _body.Reader(
            response, self._settings.max_response_size, end, self._settings.deadline
        )

    @staticmethod
    def _next_cursor(page: Page[Any], seen: set[str], call_op: str) -> str | None:
        if page.next_cursor is not None and page.next_cursor in seen:
            # A server that hands back an earlier cursor would make us loop forever.
            raise ResponseValidationError(
                "the next page token repeats an earlier one", operation=call_op
            )
        if page.next_cursor is not None:
            seen.add(page.next_cursor)
        return page.next_cursor


def _limiter(limits: Limits | None, limiter: BaseLimiter | None) -> BaseLimiter | None:
    """The client's limiter: the one given, else one of its own (``limits=None``: none)."""
    if limiter is not None:
        if limits is not DOCUMENTED:
            raise ConfigurationError("give limits= or limiter=, not both (a limiter has its own)")
        if not isinstance(limiter, BaseLimiter):
            raise ConfigurationError(f"limiter must be a pacing.BaseLimiter, not {limiter!r}")
        return limiter
    if limits is None:
        return None
    if not isinstance(limits, Limits):
        raise ConfigurationError(f"limits must be a pacing.Limits or None, not {limits!r}")
    # DOCUMENTED is the default: the documented limits, which announced ones replace;
    # any other Limits the user gave is a ceiling.
    return Limiter(None if limits is DOCUMENTED else limits)


def _spent_quota(error: RateLimitError, response: httpx.Response) -> QuotaExhaustedError | None:
    """A 429 (or throttle fault) whose headers say the daily quota is spent: not retried."""
    announced = read_quota_headers(response.headers.multi_items())
    if announced.day_left is None or announced.day_left > 0:
        return None
    resets_at = announced.reset_after(time.time())  # an absurd expiry is not believed
    return QuotaExhaustedError(
        f"{error.message} (the daily quota is spent; it resets at {resets_at.isoformat()})",
        resets_at=resets_at,
        operation=error.operation,
        backend=error.backend,
        status_code=error.status_code,
        fault_code=error.fault_code,
        fault_tag=error.fault_tag,
        request_id=error.request_id,
    )


def _located(error: KeapError, call: Call, backend: str) -> KeapError:
    """A limiter's error, naming the operation that was refused before it was sent."""
    error.operation, error.backend = call.operation, backend
    error.args = (str(error),)
    return error


def _scrubbed(response: httpx.Response, secrets: tuple[str, ...]) -> httpx.Response:
    """An error answer with the secrets gone from its body before a backend quotes and cuts
    it (a cut could leave a piece of a secret too short to recognise afterwards)."""
    secrets = tuple(s for s in secrets if s)
    if response.status_code < 300 or not secrets:
        return response  # faults are quoted whole, and KeapError.redact covers them
    content = redact_bytes(response.content, list(secrets))
    if content is response.content:
        return response
    return httpx.Response(
        response.status_code,
        # the body is decoded already: no coding or length of the original may stay
        headers=[
            (k, v)
            for k, v in response.headers.items()
            if k not in ("content-length", "content-encoding")
        ],
        content=content,
        request=response.request,
    )


# Deletes: a retry that finds nothing to delete after an attempt whose answer was lost.
_DELETES = frozenset({"contacts.delete", "tags.delete", "tags.categories.delete"})


def _raise_if_gone(error: KeapError, call: Call) -> None:
    """A delete retried after a lost answer that finds nothing to delete most likely deleted
    it the first time: say the outcome is unknown (``TransportError``, not retried), not
    ``NotFoundError`` (which would claim the record never existed)."""
    if not (isinstance(error, NotFoundError) and call.operation in _DELETES):
        return
    raise TransportError(
        "an earlier attempt's answer was lost and the retry found nothing to delete: "
        "the delete most likely took effect (outcome unknown)",
        operation=error.operation,
        backend=error.backend,
    ) from None


def _headers_of(response: httpx.Response | None) -> list[tuple[str, str]] | None:
    return None if response is None else response.headers.multi_items()


def _sent(exc: Exception | None) -> bool:
    """False when the request surely never left (so even a create may be resent)."""
    return not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: the client sends prebuilt requests, which never carry
    the jar's cookies, so storing Keap's ``Set-Cookie`` answers is pure cost (about 80 us a
    call on the development VM; ``bench/run.py`` shows the per-call figures)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing."""


_HTTP_TRANSPORT = httpx.HTTPTransport  # the class, as imported (tests may patch the name)


def _deadlined(transport: httpx.BaseTransport | None) -> httpx.BaseTransport:
    """The sync transport, its socket reads held to the whole-call deadline: the library's
    own, or the user's ``httpx.HTTPTransport`` (a custom CA or proxy), wrapped once however
    many clients share it. Any other transport keeps only the per-read ``timeout`` while the
    headers come (see :class:`KeapClient`)."""
    transport = httpx.HTTPTransport() if transport is None else transport
    if isinstance(transport, _HTTP_TRANSPORT):
        pool = getattr(transport, "_pool", None)
        if not isinstance(getattr(pool, "_network_backend", None), DeadlineBackend):
            with_deadlines(transport)
    return transport


class _Http(httpx.Client):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cookies = _NoCookies()


class _AsyncHttp(httpx.AsyncClient):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cookies = _NoCookies()


class KeapClient(_BaseClient):
    """The synchronous client. ``client.contacts`` and ``client.tags`` hold the operations.

    Each attempt must end within its deadline (``call_deadline``, by default three times
    ``timeout``), down to each socket read: on the client's own transport and on an
    ``httpx.HTTPTransport`` you pass as ``transport=`` (for a custom CA or a proxy). Any other
    transport (a mock, a cassette, your own class) keeps the deadline on the answer's body
    only; until the status line and headers have come, only ``timeout`` bounds each read.
    """

    def __init__(
        self,
        backend: BackendName = "rest",
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        xmlrpc_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        tag_chunk_size: int = 100,
        page_size: int = 1000,
        call_deadline: float | None = None,
        max_response_size: int = MAX_RESPONSE_SIZE,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = DOCUMENTED,
        limiter: BaseLimiter | None = None,
        auth: OAuth2 | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(
            _settings(
                backend,
                api_key,
                settings,
                base_url=base_url,
                xmlrpc_url=xmlrpc_url,
                timeout=timeout,
                max_retries=max_retries,
                tag_chunk_size=tag_chunk_size,
                page_size=page_size,
                call_deadline=call_deadline,
                max_response_size=max_response_size,
                auth=auth,
            ),
            retry_policy,
            limits,
            limiter,
        )
        self._sleep = sleep
        self._serial = KeyedLocks()
        self._http = _Http(transport=_deadlined(transport), timeout=self._settings.timeout)
        self.contacts = Contacts(self)
        self.tags = Tags(self)

    def run(self, flow: Flow[T]) -> T:
        """Drive a backend flow to its result (the one sync driver)."""
        try:
            call = next(flow)
            while True:
                try:
                    response = self._send(call)
                except KeapError as error:
                    call = flow.throw(error)
                else:
                    call = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except KeapError as error:  # raised by the flow itself: it may quote the answer
            error.redact(*self._secrets())
            raise

    def _send(self, call: Call) -> httpx.Response:
        call.request.headers.update(self._sent_headers)
        uncertain = False  # an earlier attempt may have taken effect (its answer was lost)
        bearer, refused = self._token(call), False
        for attempt in itertools.count():
            slot = self._pace(call)
            started, response, exc = time.perf_counter(), None, None
            try:
                response = self._fetch(call)
            except (httpx.TransportError, httpx.DecodingError) as caught:  # body not decodable
                exc = caught
            finally:
                self._release(slot, response)
            outcome = self._outcome(call, response, exc, started)
            if not isinstance(outcome, KeapError):
                return outcome
            if bearer and not refused and isinstance(outcome, AuthenticationError):
                bearer, refused = self._refused(call, bearer), True  # refresh, once
                continue
            if uncertain:
                _raise_if_gone(outcome, call)
            delay = self._policy.delay(
                outcome, attempt=attempt, idempotent=call.idempotent, sent=_sent(exc)
            )
            if delay is None:
                raise outcome
            uncertain = uncertain or not isinstance(outcome, RateLimitError)
            self._sleep(delay)
            bearer = bearer and self._token(call)
        raise AssertionError("unreachable")  # pragma: no cover

    def _token(self, call: Call) -> str:
        """OAuth2: a usable access token on the request (refreshed if due); else ``""``."""
        auth = self._settings.auth
        if auth is None:
            return ""
        try:
            return self._bearer(call, auth.access_token())
        except KeapError as error:
            raise self._auth_failed(error, call) from None

    def _refused(self, call: Call, bearer: str) -> str:
        """Keap answered 401 to ``bearer``: refresh (single-flight) and put the new token on."""
        assert self._settings.auth is not None
        try:
            return self._bearer(call, self._settings.auth.refused(bearer))
        except KeapError as error:
            raise self._auth_failed(error, call) from None

    def _fetch(self, call: Call) -> httpx.Response:
        """One attempt: send, then read the answer within the size cap and the deadline."""
        limit = self._settings.deadline
        end = time.monotonic() + limit
        try:
            with deadline_for_thread(end):
                streamed = self._http.send(call.request, stream=True)
                try:
                    return _body.read(streamed, self._reader(streamed, end))
                finally:
                    streamed.close()
        except httpx.TimeoutException:
            if time.monotonic() < end:
                raise  # one read's own timeout
            raise _body.deadline_passed(limit) from None
        except ResponseTooLargeError as error:
            raise _located(error, call, self.backend) from None

    def _pace(self, call: Call) -> Slot | None:
        if self._limiter is None:
            return None
        try:
            return self._limiter.acquire()
        except KeapError as error:  # a spent quota, or a shared limiter out of reach
            raise _located(error, call, self.backend) from None

    def _release(self, slot: Slot | None, response: httpx.Response | None) -> None:
        if slot is not None and self._limiter is not None:
            try:
                self._limiter.release(slot, _headers_of(response))
            except Exception:
                logger.warning("the limiter could not record an answer", exc_info=True)

    def _operate(self, op: Op[T]) -> T:
        if op.serial is None:
            return self.run(op.flow(self._backend))
        with self._serial.hold(op.serial):
            return self.run(op.flow(self._backend))

    def _list(self, listing: Listing[Item]) -> Iterator[Item]:
        return self.paginate(lambda cur: listing.page(self._backend, cur), listing.name)

    def paginate(self, page_flow: PageFlow[Item], operation: str) -> Iterator[Item]:
        """Every item of a listing, fetching pages lazily as the iterator advances."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.run(page_flow(cursor))
            yield from page.items
            if (cursor := self._next_cursor(page, seen, operation)) is None:
                return

    def close(self) -> None:
        """Close the connection pool (and an OAuth2 that ``from_env`` made)."""
        self._http.close()
        if self._owned_auth is not None:
            self._owned_auth.close()

    def __enter__(self) -> KeapClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncKeapClient(_BaseClient):
    """The asyncio client: the same surface as :class:`KeapClient`, awaitable."""

    def __init__(
        self,
        backend: BackendName = "rest",
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        xmlrpc_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        tag_chunk_size: int = 100,
        page_size: int = 1000,
        call_deadline: float | None = None,
        max_response_size: int = MAX_RESPONSE_SIZE,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = DOCUMENTED,
        limiter: BaseLimiter | None = None,
        auth: OAuth2 | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(
            _settings(
                backend,
                api_key,
                settings,
                base_url=base_url,
                xmlrpc_url=xmlrpc_url,
                timeout=timeout,
                max_retries=max_retries,
                tag_chunk_size=tag_chunk_size,
                page_size=page_size,
                call_deadline=call_deadline,
                max_response_size=max_response_size,
                auth=auth,
            ),
            retry_policy,
            limits,
            limiter,
        )
        self._sleep = sleep
        self._serial = AsyncKeyedLocks()
        self._http = _AsyncHttp(transport=transport, timeout=self._settings.timeout)
        self.contacts = AsyncContacts(self)
        self.tags = AsyncTags(self)

    async def run(self, flow: Flow[T]) -> T:
        """Drive a backend flow to its result (the one async driver)."""
        try:
            call = next(flow)
            while True:
                try:
                    response = await self._send(call)
                except KeapError as error:
                    call = flow.throw(error)
                else:
                    call = flow.send(response)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except KeapError as error:  # raised by the flow itself: it may quote the answer
            error.redact(*self._secrets())
            raise

    async def _send(self, call: Call) -> httpx.Response:
        call.request.headers.update(self._sent_headers)
        uncertain = False  # an earlier attempt may have taken effect (its answer was lost)
        bearer, refused = await self._token(call), False
        for attempt in itertools.count():
            slot = await self._pace(call)
            started, response, exc = time.perf_counter(), None, None
            try:
                response = await self._fetch(call)
            except (httpx.TransportError, httpx.DecodingError) as caught:  # body not decodable
                exc = caught
            finally:
                await self._release(slot, response)
            outcome = self._outcome(call, response, exc, started)
            if not isinstance(outcome, KeapError):
                return outcome
            if bearer and not refused and isinstance(outcome, AuthenticationError):
                bearer, refused = await self._refused(call, bearer), True  # refresh, once
                continue
            if uncertain:
                _raise_if_gone(outcome, call)
            delay = self._policy.delay(
                outcome, attempt=attempt, idempotent=call.idempotent, sent=_sent(exc)
            )
            if delay is None:
                raise outcome
            uncertain = uncertain or not isinstance(outcome, RateLimitError)
            await self._sleep(delay)
            bearer = bearer and await self._token(call)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _token(self, call: Call) -> str:
        """OAuth2: a usable access token on the request (refreshed if due); else ``""``."""
        auth = self._settings.auth
        if auth is None:
            return ""
        try:
            return self._bearer(call, await auth.aaccess_token())
        except KeapError as error:
            raise self._auth_failed(error, call) from None

    async def _refused(self, call: Call, bearer: str) -> str:
        """Keap answered 401 to ``bearer``: refresh (single-flight) and put the new token on."""
        assert self._settings.auth is not None
        try:
            return self._bearer(call, await self._settings.auth.arefused(bearer))
        except KeapError as error:
            raise self._auth_failed(error, call) from None

    async def _fetch(self, call: Call) -> httpx.Response:
        """One attempt: send, then read the answer within the size cap and the deadline."""
        limit = self._settings.deadline
        end = time.monotonic() + limit
        try:
            return await asyncio.wait_for(self._fetch_whole(call, end), timeout=limit)
        except asyncio.TimeoutError:
            raise _body.deadline_passed(limit) from None
        except ResponseTooLargeError as error:
            raise _located(error, call, self.backend) from None

    async def _fetch_whole(self, call: Call, end: float) -> httpx.Response:
        streamed = await self._http.send(call.request, stream=True)
        try:
            return await _body.aread(streamed, self._reader(streamed, end))
        finally:
            await streamed.aclose()

    async def _pace(self, call: Call) -> Slot | None:
        if self._limiter is None:
            return None
        try:
            return await self._limiter.aacquire()
        except KeapError as error:  # a spent quota, or a shared limiter out of reach
            raise _located(error, call, self.backend) from None

    async def _release(self, slot: Slot | None, response: httpx.Response | None) -> None:
        if slot is not None and self._limiter is not None:
            try:
                await self._limiter.arelease(slot, _headers_of(response))
            except Exception:
                logger.warning("the limiter could not record an answer", exc_info=True)

    async def _operate(self, op: Op[T]) -> T:
        parts = op.parts(self._backend) if op.parts is not None else None
        if parts is not None:  # one call per contact: run them side by side, paced
            return await arun_parts(self, parts, CONCURRENCY)
        if op.serial is None:
            return await self.run(op.flow(self._backend))
        async with self._serial.hold(op.serial):
            return await self.run(op.flow(self._backend))

    def _list(self, listing: Listing[Item]) -> AsyncIterator[Item]:
        return self.paginate(lambda cur: listing.page(self._backend, cur), listing.name)

    async def paginate(self, page_flow: PageFlow[Item], operation: str) -> AsyncIterator[Item]:
        """Every item of a listing, fetching pages lazily as the iterator advances."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.run(page_flow(cursor))
            for item in page.items:
                yield item
            if (cursor := self._next_cursor(page, seen, operation)) is None:
                return

    async def aclose(self) -> None:
        """Close the connection pool (and an OAuth2 that ``from_env`` made)."""
        await self._http.aclose()
        if self._owned_auth is not None:
            self._owned_auth.close()

    async def __aenter__(self) -> AsyncKeapClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
