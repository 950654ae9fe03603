"""The fake's OAuth2 server: Keap's token endpoint and consent step, on the fake's clock.

What it copies from Keap (Keap's OAuth2 guide, developer.keap.com/getting-started-oauth-keys;
token answers as shown in infusionsoft/infusionsoft-php issues #61 and #273):

- ``GET /app/oauth/authorize`` stands for the user clicking "Allow": a 302 to the redirect
  URI with a ``code`` (single use, 10 minutes) and the ``state``;
- ``POST /token`` (form-encoded) trades a code (client credentials in the form or in Basic
  auth) or a refresh token (client credentials in Basic auth only) for
  ``{access_token, refresh_token, expires_in: 86400, token_type: "bearer", scope}``;
- access tokens live 24 hours, refresh tokens 45 days and are single use: a refresh kills
  the one it spent at once; a spent, expired, revoked or unknown one is 400
  ``invalid_grant``; wrong client credentials are 401 ``invalid_client``.

Written from those facts alone, not from the client's code, so it can catch the client's
mistakes (the fake is an independent witness).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode

import httpx

__all__ = ["FakeOAuth", "Grant"]

ACCESS_LIFETIME = timedelta(hours=24)
REFRESH_LIFETIME = timedelta(days=45)
CODE_LIFETIME = timedelta(minutes=10)
TOKEN_PATH = "/token"  # noqa: S105 - a path, not a secret
AUTHORIZE_PATH = "/app/oauth/authorize"
# The fake's registered redirect URI lands here when the fake is served on port 8765: a page
# that tells a person trying the flow by hand what to do with the address.
CALLBACK_PATH = "/callback"


@dataclass
class Grant:
    """One refresh token's life: when it was issued, and whether it is spent."""

    issued: datetime
    spent: bool = False


@dataclass
class FakeOAuth:
    """Keap's OAuth2 server for one registered app (``client_id``/``client_secret``).

    ``refreshes`` and ``exchanges`` count the grants given; ``refused`` the token requests
    answered with an error; ``token_requests`` keeps every request to ``/token``.
    """

    clock: Callable[[], datetime]
    client_id: str = "fake-client-id"
    # The fake's own, sharing no prefix with the id: a secret's first characters are
    # redacted wherever they appear, so "fake-client-secret" would hide "fake-client-id".
    client_secret: str = field(default="fake-app-secret-0123456789", repr=False)
    # Besides these, any http:// redirect URI on loopback is accepted, so a fake served on
    # any port can be authorised by hand.
    redirect_uris: set[str] = field(default_factory=set)
    refreshes: int = 0
    exchanges: int = 0
    refused: int = 0
    token_requests: list[httpx.Request] = field(default_factory=list, repr=False)
    _codes: dict[str, tuple[str, datetime]] = field(default_factory=dict, repr=False)
    _access: dict[str, datetime] = field(default_factory=dict, repr=False)
    _refresh: dict[str, Grant] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ for tests

    def authorize(self, redirect_uri: str, state: str | None = None) -> str:
        """The URL Keap redirects the user to after "Allow": ``redirect_uri?code=...``."""
        if not self._allowed(redirect_uri):
            raise ValueError("redirect_uri is not registered with the fake app")
        code = "code-" + secrets.token_urlsafe(12)
        self._codes[code] = (redirect_uri, self.clock())
        query = {"code": code, **({"state": state} if state is not None else {})}
        return f"{redirect_uri}?{urlencode(query)}"

    def _allowed(self, redirect_uri: str) -> bool:
        try:
            url = httpx.URL(redirect_uri)
        except httpx.InvalidURL:
            return False
        loopback = url.scheme == "http" and url.host in ("127.0.0.1", "localhost")
        return redirect_uri in self.redirect_uris or loopback

    def grant(self) -> dict[str, object]:
        """Tokens for the app without the consent dance (a test's starting point)."""
        return self._answer()

    def expire_access_tokens(self) -> None:
        """Make every access token given so far invalid (Keap answers 401 to them)."""
        self._access.clear()

    def revoke(self) -> None:
        """The user revoked the app: every token given so far is dead."""
        self._access.clear()
        for entry in self._refresh.values():
            entry.spent = True

    def accepts(self, access_token: str) -> bool:
        """Whether an API request bearing ``access_token`` is let through now."""
        expires = self._access.get(access_token)
        return expires is not None and self.clock() < expires

    # ------------------------------------------------------------------ HTTP

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer ``POST /token``, ``GET /app/oauth/authorize`` or ``GET /callback``."""
        if request.url.path.endswith(AUTHORIZE_PATH):
            return self._consent(request)
        if request.url.path.endswith(CALLBACK_PATH):
            return httpx.Response(200, text=_CALLBACK_PAGE)
        self.token_requests.append(request)
        response = self._token(request)
        if response.status_code != 200:
            self.refused += 1
        return response

    def _consent(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("client_id") != self.client_id or params.get("response_type") != "code":
            return _error(400, "invalid_request")
        try:
            target = self.authorize(params.get("redirect_uri", ""), params.get("state"))
        except ValueError:
            return _error(400, "invalid_request")
        return httpx.Response(302, headers={"Location": target})

    def _token(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return _error(405, "invalid_request")
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return _error(400, "invalid_request")
        form = {k: v[-1] for k, v in parse_qs(request.content.decode("latin-1")).items()}
        return self._granted(form, _basic(request.headers.get("authorization", "")))

    def _granted(self, form: dict[str, str], basic: tuple[str, str] | None) -> httpx.Response:
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            if basic != (self.client_id, self.client_secret):  # Basic only, as Keap's SDK
                return _error(401, "invalid_client")
            return self._refreshed(form.get("refresh_token", ""))
        if grant_type == "authorization_code":
            given = basic or (form.get("client_id"), form.get("client_secret"))
            if given != (self.client_id, self.client_secret):
                return _error(401, "invalid_client")
            return self._exchanged(form.get("code", ""), form.get("redirect_uri", ""))
        return _error(400, "unsupported_grant_type")

    def _refreshed(self, token: str) -> httpx.Response:
        entry = self._refresh.get(token)
        now = self.clock()
        if entry is None or entry.spent or now - entry.issued >= REFRESH_LIFETIME:
            return _error(400, "invalid_grant", "Invalid refresh token")
        entry.spent = True  # single use: dead at once, whatever happens next
        self.refreshes += 1
        return httpx.Response(200, json=self._answer())

    def _exchanged(self, code: str, redirect_uri: str) -> httpx.Response:
        issued = self._codes.pop(code, None)
        if issued is None or issued[0] != redirect_uri:
            return _error(400, "invalid_grant", "Invalid code")
        if self.clock() - issued[1] >= CODE_LIFETIME:
            return _error(400, "invalid_grant", "Expired code")
        self.exchanges += 1
        return httpx.Response(200, json=self._answer())

    def _answer(self) -> dict[str, object]:
        now = self.clock()
        access = "at-" + secrets.token_urlsafe(18)
        refresh = "rt-" + secrets.token_urlsafe(18)
        self._access[access] = now + ACCESS_LIFETIME
        self._refresh[refresh] = Grant(now)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "token_type": "bearer",
            "scope": "full|fake.infusionsoft.com",
        }


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _error(status: int, error: str, description: str | None = None) -> httpx.Response:
    body = {"error": error, **({"error_description": description} if description else {})}
    return httpx.Response(status, content=json.dumps(body).encode(), headers=_JSON)


_JSON = {"Content-Type": "application/json", "Cache-Control": "no-store"}
_CALLBACK_PAGE = (
    "The fake Keap authorised the app. Copy this page's address (it holds the code) and "
    "paste it where `keap-adapter oauth authorize` asks for it.\n"
)
