"""``OAuth2``: Keap's OAuth2 for an app that must never be babysat.

Access tokens live 24 hours and refresh tokens 45 days; every refresh returns a new refresh
token and kills the old one at once (Keap's OAuth2 guide; Keap staff on
community.keap.com, "How to get access token"). So this class:

- refreshes lazily: shortly before ``expires_at``, or once after a 401;
- rolls the refresh token over when it is older than 30 days, so an app used once a month
  never meets the 45-day expiry (the age Keap staff suggest);
- refreshes single-flight: an in-process lock for threads and tasks, the store's lock for
  processes, and a fresh read of the store under it, so whoever comes second uses the
  tokens the first one saved instead of spending the dead refresh token;
- saves the new tokens before using them, so a crash after a refresh cannot lose them.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import httpx

from .. import _body
from .._config import check_url
from .._deadline import attempt as deadline_for_thread
from .._deadline import with_deadlines
from .._exceptions import AuthenticationError, ConfigurationError, KeapError, TransportError
from . import _protocol
from ._stores import FileTokenStore, TokenStore
from ._tokens import Tokens, utc_now

__all__ = ["OAuth2"]

logger = logging.getLogger("keap_adapter.auth")

REFRESH_MARGIN = timedelta(minutes=5)
ROLLOVER_AFTER = timedelta(days=30)
# Keap's refresh tokens die 45 days after they are issued (Keap staff, community.keap.com).
REFRESH_TOKEN_LIFETIME = timedelta(days=45)
TOKEN_FILE = "keap-tokens.json"  # noqa: S105 - a file name: where from_env keeps tokens
_MAX_ANSWER = 64 * 1024  # a token answer is a few hundred bytes
_REMEMBERED = 8  # tokens kept for redaction: the last four grants


class OAuth2:
    """An OAuth2 app's credentials and tokens: pass it as ``auth=`` to a client.

    ``store`` keeps the tokens (:class:`FileTokenStore`, ``RedisTokenStore`` or your own
    :class:`TokenStore`). ``clock`` returns an aware datetime (tests move it); ``transport``
    sends the token requests (tests give the fake's). The client secret and the tokens never
    appear in ``repr``, logs or errors.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        store: TokenStore,
        token_url: str = _protocol.TOKEN_URL,
        authorize_url: str = _protocol.AUTHORIZE_URL,
        redirect_uri: str | None = None,
        timeout: float = 30.0,
        refresh_margin: timedelta = REFRESH_MARGIN,
        rollover_after: timedelta = ROLLOVER_AFTER,
        clock: Callable[[], datetime] = utc_now,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        _check_settings(client_id, client_secret, store, token_url, authorize_url)
        self.client_id = client_id
        self._secret = client_secret
        self.store = store
        self.token_url, self.authorize_url = token_url, authorize_url
        self.redirect_uri = redirect_uri
        self.timeout, self.clock = timeout, clock
        self.refresh_margin, self.rollover_after = refresh_margin, rollover_after
        self._http = httpx.Client(
            transport=transport or with_deadlines(httpx.HTTPTransport()), timeout=timeout
        )
        self._lock = threading.Lock()
        self._tokens: Tokens | None = None
        self._unsaved: Tokens | None = None  # granted, but the store refused them
        # The tokens held lately, redacted wherever shown. Bounded: only tokens this process
        # sends can come back in an answer, and every secret costs each redaction a pass.
        self._seen: dict[str, None] = {}
        # Each refresh attempt bumps the generation; whoever queued behind a failed one gets
        # its error instead of spending another request on the same refusal.
        self._generation = 0
        self._failed: KeapError | None = None
        _check_lease(store, timeout)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, store: TokenStore | None = None
    ) -> OAuth2:
        """``KEAP_CLIENT_ID``, ``KEAP_CLIENT_SECRET``, ``KEAP_TOKEN_FILE`` (default
        ``keap-tokens.json``), ``KEAP_TOKEN_URL``, ``KEAP_AUTHORIZE_URL`` and
        ``KEAP_REDIRECT_URI``; the URLs default to Keap's."""
        env = os.environ if env is None else env
        missing = [n for n in ("KEAP_CLIENT_ID", "KEAP_CLIENT_SECRET") if not env.get(n)]
        if missing:
            raise ConfigurationError(f"{' and '.join(missing)} not set, for OAuth2")
        return cls(
            env["KEAP_CLIENT_ID"],
            env["KEAP_CLIENT_SECRET"],
            store=store or FileTokenStore(env.get("KEAP_TOKEN_FILE") or TOKEN_FILE),
            token_url=env.get("KEAP_TOKEN_URL") or _protocol.TOKEN_URL,
            authorize_url=env.get("KEAP_AUTHORIZE_URL") or _protocol.AUTHORIZE_URL,
            redirect_uri=env.get("KEAP_REDIRECT_URI") or None,
        )

    def __repr__(self) -> str:
        return f"OAuth2(client_id={self.client_id!r}, store={self.store!r})"

    # ------------------------------------------------------------------ the user's steps

    def authorization_url(self, state: str | None = None) -> str:
        """Where the user grants access; Keap then redirects to ``redirect_uri`` with a code."""
        return _protocol.authorization_url(
            self.authorize_url, self.client_id, self._redirect("authorize"), state
        )

    def exchange_code(self, code: str) -> Tokens:
        """Trade the code from the redirect for tokens; they are saved, then returned."""
        if not isinstance(code, str) or not code.strip():
            raise ConfigurationError("the authorization code is empty")
        request = _protocol.code_request(
            self.token_url, self.client_id, self._secret, code.strip(), self._redirect("code")
        )
        with self._lock, self.store.lock():
            tokens = self._ask(request, "oauth.exchange_code", code.strip())
            self._keep(tokens, must_save=True)
        return tokens

    def refresh(self) -> Tokens:
        """Refresh now, whatever the expiry (for a scheduler, or an app idle for weeks)."""
        with self._lock, self.store.lock():
            return self._refresh(self._stored("oauth.refresh"), must_save=True)

    def tokens(self) -> Tokens | None:
        """The tokens in the store (``None`` before the app is authorised); no refresh."""
        return self.store.load()

    # ------------------------------------------------------------------ for the clients

    def access_token(self) -> str:
        """A usable access token: refreshed first if it expires within ``refresh_margin``
        or its refresh token is older than ``rollover_after``."""
        return self._access_token(self._generation)

    def _access_token(self, generation: int) -> str:
        held = self._tokens
        if held is not None and self._fresh(held) and self._unsaved is None:
            return held.access_token
        with self._lock:
            self._raise_if_failed_since(generation)
            held = self._tokens
            if held is not None and self._fresh(held) and not self._saved_late():
                return held.access_token
            with self.store.lock():
                stored = self._stored("oauth.refresh")
                if self._fresh(stored):  # another process refreshed while we waited
                    self._hold(stored)
                    return stored.access_token
                return self._refresh(stored).access_token

    def refused(self, access_token: str) -> str:
        """Keap answered 401 to ``access_token``: a token to retry with, refreshed unless
        another thread or process already replaced the refused one."""
        return self._refused(access_token, self._generation)

    def _refused(self, access_token: str, generation: int) -> str:
        with self._lock, self.store.lock():
            self._raise_if_failed_since(generation)
            stored = self._stored("oauth.refresh")
            if stored.access_token != access_token:
                self._hold(stored)
                return stored.access_token
            return self._refresh(stored).access_token

    async def aaccess_token(self) -> str:
        """:meth:`access_token` for async clients (a refresh runs in a worker thread)."""
        held = self._tokens
        if held is not None and self._fresh(held) and self._unsaved is None:
            return held.access_token
        # The generation is read here, not in the worker thread: tasks queued behind a
        # refresh that fails then get its error rather than refreshing again one by one.
        return await asyncio.to_thread(self._access_token, self._generation)

    async def arefused(self, access_token: str) -> str:
        """:meth:`refused` for async clients."""
        return await asyncio.to_thread(self._refused, access_token, self._generation)

    def secrets(self) -> tuple[str, ...]:
        """What errors and logs must never show: the client secret and every token held."""
        return (self._secret, *self._seen)

    def close(self) -> None:
        """Close the connection pool used for token requests."""
        self._http.close()

    def __enter__(self) -> OAuth2:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ inside

    def _remember(self, tokens: Tokens) -> None:
        for token in (tokens.access_token, tokens.refresh_token):
            self._seen.pop(token, None)
            self._seen[token] = None
        while len(self._seen) > _REMEMBERED:
            del self._seen[next(iter(self._seen))]

    def _fresh(self, tokens: Tokens) -> bool:
        now = self.clock()
        return (
            tokens.expires_at - now > self.refresh_margin
            and now - tokens.issued_at < self.rollover_after
        )

    def _raise_if_failed_since(self, generation: int) -> None:
        if self._generation != generation and self._failed is not None:
            raise copy.copy(self._failed)  # a copy: each caller's traceback is its own

    def _saved_late(self) -> bool:
        """Try again to save tokens the store refused; whether they are still unsaved."""
        if self._unsaved is not None:
            with self.store.lock():
                self._save(self._unsaved, must_save=False)
        return self._unsaved is not None

    def _stored(self, operation: str) -> Tokens:
        if self._unsaved is not None:  # newer than the store's, whose refresh token is spent
            return self._unsaved
        tokens = self.store.load()
        if tokens is None:
            raise AuthenticationError(
                f"no tokens stored yet: {_protocol.REAUTHORISE}", operation=operation
            )
        self._remember(tokens)
        return tokens

    def _refresh(self, stored: Tokens, *, must_save: bool = False) -> Tokens:
        """Spend ``stored.refresh_token``; save what comes back before anyone uses it."""
        request = _protocol.refresh_request(
            self.token_url, self.client_id, self._secret, stored.refresh_token
        )
        try:
            tokens = self._ask(request, "oauth.refresh")
        except KeapError as error:
            self._failed = error
            raise
        else:
            self._failed = None
        finally:
            # Bumped when the attempt ends: whoever read the generation before then was
            # queued behind this attempt, and gets its error.
            self._generation += 1
        self._keep(tokens, must_save=must_save)
        return tokens

    def _keep(self, tokens: Tokens, *, must_save: bool) -> None:
        """Use tokens Keap just granted (the old refresh token is dead), and save them."""
        self._remember(tokens)
        self._tokens = tokens  # first: whatever the store does, this process goes on
        self._save(tokens, must_save=must_save)

    def _save(self, tokens: Tokens, *, must_save: bool) -> None:
        """Save ``tokens``; if the store refuses, keep them to save on the next call, and
        say so (raised for an explicit refresh or exchange, logged otherwise)."""
        try:
            self.store.save(tokens)
        except (OSError, KeapError) as exc:
            self._unsaved = tokens
            reason = exc.strerror if isinstance(exc, OSError) else exc.message
            message = (
                f"the new tokens could not be saved to {self.store!r} ({reason}); they are "
                "kept in memory and saved on the next call; if this process ends first, "
                f"{_protocol.REAUTHORISE}"
            )
            if must_save:
                raise ConfigurationError(message, operation="oauth.refresh") from None
            logger.error("%s", message)
        else:
            self._unsaved = None

    def _hold(self, tokens: Tokens) -> None:
        """Use tokens read from the store (another process saved them)."""
        self._remember(tokens)
        self._tokens = tokens

    def _ask(self, request: httpx.Request, operation: str, *also_secret: str) -> Tokens:
        try:
            answer = self._send(request, operation)
            return _protocol.tokens_of(answer, operation, self.clock())
        except KeapError as error:
            error.redact(*self.secrets(), *also_secret)
            raise

    def _send(self, request: httpx.Request, operation: str) -> httpx.Response:
        """One attempt, never retried: a lost answer may have spent the refresh token."""
        end_in = 3 * self.timeout
        try:
            with deadline_for_thread(time.monotonic() + end_in):
                streamed = self._http.send(request, stream=True)
                try:
                    reader = _body.Reader(streamed, _MAX_ANSWER, time.monotonic() + end_in, end_in)
                    return _body.read(streamed, reader)
                finally:
                    streamed.close()
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise TransportError(
                f"no answer from the token endpoint ({type(exc).__name__}); if the next "
                f"call is refused, {_protocol.REAUTHORISE}",
                operation=operation,
            ) from None

    def _redirect(self, step: str) -> str:
        if not self.redirect_uri:
            raise ConfigurationError(
                f"redirect_uri is needed to {step} (set KEAP_REDIRECT_URI or pass it)"
            )
        return self.redirect_uri


def _check_lease(store: TokenStore, timeout: float) -> None:
    # A lock that lapses while a refresh may still be running lets a second worker spend
    # the same refresh token (a refresh may take up to 3 x timeout).
    lease = getattr(store, "lease", None)
    if isinstance(lease, (int, float)) and lease <= 3 * timeout:
        raise ConfigurationError(
            f"the store's lease ({lease} s) must be longer than a refresh may take "
            f"(3 x timeout = {3 * timeout} s)"
        )


def _check_settings(
    client_id: object, secret: object, store: object, token_url: str, authorize_url: str
) -> None:
    for name, value in (("client_id", client_id), ("client_secret", secret)):
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"OAuth2 needs a {name}")
    if not isinstance(store, TokenStore):
        raise ConfigurationError("store must have load(), save() and lock() (a TokenStore)")
    check_url(token_url, "token_url")
    check_url(authorize_url, "authorize_url")
