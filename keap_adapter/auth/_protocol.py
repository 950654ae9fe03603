"""The OAuth2 wire protocol as Keap speaks it: the authorization URL, the two token requests,
and what their answers mean.

Keap's OAuth2 guide (developer.keap.com/getting-started-oauth-keys): the user is sent to
``https://accounts.infusionsoft.com/app/oauth/authorize`` with ``client_id``,
``redirect_uri``, ``response_type=code`` and ``scope=full``; the code comes back to the
redirect URI and is exchanged at ``https://api.infusionsoft.com/token`` (a form post with
``client_id``, ``client_secret``, ``code``, ``grant_type=authorization_code``,
``redirect_uri``). A refresh posts ``grant_type=refresh_token`` and ``refresh_token`` with
the client's credentials in an HTTP Basic header (RFC 6749 section 2.3.1; Keap's PHP SDK,
``Infusionsoft::refreshAccessToken``). A refused grant is HTTP 400 with
``{"error": "invalid_grant"}`` (RFC 6749 section 5.2; seen in infusionsoft-php issues #61,
#137, #228).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlencode

import httpx

from .._exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    KeapError,
    RateLimitError,
    RedirectError,
    ResponseValidationError,
    ServerError,
)
from ._tokens import Tokens, tokens_from_answer

__all__ = [
    "AUTHORIZE_URL",
    "TOKEN_URL",
    "authorization_url",
    "code_request",
    "error_for",
    "refresh_request",
    "tokens_of",
]

TOKEN_URL = "https://api.infusionsoft.com/token"  # noqa: S105 - a URL, not a secret
AUTHORIZE_URL = "https://accounts.infusionsoft.com/app/oauth/authorize"
SCOPE = "full"  # Keap's only scope
REAUTHORISE = "authorise the app again (keap-adapter oauth authorize)"
_FORM = {"Accept": "application/json"}
_ERROR_WORD = re.compile(r"[a-z_]{1,40}")


def authorization_url(
    authorize_url: str, client_id: str, redirect_uri: str, state: str | None
) -> str:
    """Where to send the user to grant access (RFC 6749 section 4.1.1)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
    }
    if state is not None:
        params["state"] = state
    sep = "&" if "?" in authorize_url else "?"
    return f"{authorize_url}{sep}{urlencode(params)}"


def code_request(
    token_url: str, client_id: str, client_secret: str, code: str, redirect_uri: str
) -> httpx.Request:
    """The code exchange, with the client's credentials in the form, as Keap documents."""
    form = {
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
    }
    return httpx.Request("POST", token_url, data=form, headers=_FORM)


def refresh_request(
    token_url: str, client_id: str, client_secret: str, refresh_token: str
) -> httpx.Request:
    """A refresh: the refresh token in the form, the client's credentials in Basic auth."""
    basic = httpx.BasicAuth(client_id, client_secret)
    request = httpx.Request(
        "POST",
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=_FORM,
    )
    return next(basic.auth_flow(request))


def tokens_of(response: httpx.Response, operation: str, now: datetime) -> Tokens:
    """The tokens a 200 answer grants, or the typed error any other answer means."""
    error = error_for(response, operation)
    if error is not None:
        raise error
    try:
        return tokens_from_answer(json.loads(response.content), now)
    except ValueError as exc:  # JSONDecodeError included: its message quotes no body
        message = str(exc) if not isinstance(exc, json.JSONDecodeError) else "not JSON"
        spent = operation == "oauth.refresh"  # Keap kills the refresh token on any 200
        raise ResponseValidationError(
            f"the token endpoint's answer is unusable: {message}"
            + (f"; the old refresh token is spent, so {REAUTHORISE}" if spent else ""),
            operation=operation,
        ) from None


def error_for(response: httpx.Response, operation: str) -> KeapError | None:
    """The error a non-200 token answer means (``None`` for 200). Only the answer's
    ``error`` word is quoted: its description may echo what was sent."""
    status = response.status_code
    if status == 200:
        return None
    word = _error_word(response)
    kind, message = _meaning(status, word, operation)
    return kind(message, operation=operation, status_code=status)


def _meaning(status: int, word: str, operation: str) -> tuple[type[APIError], str]:
    if 300 <= status < 400:
        return RedirectError, f"the token endpoint answered {status}; not followed"
    if word == "invalid_grant" or (status == 401 and word in ("", "invalid_token")):
        what = "refresh token" if operation == "oauth.refresh" else "authorization code"
        return AuthenticationError, f"Keap refused the {what} ({word or status}): {REAUTHORISE}"
    if word in ("invalid_client", "unauthorized_client"):
        return AuthenticationError, (
            f"Keap refused the client id or secret ({word}); check KEAP_CLIENT_ID and "
            "KEAP_CLIENT_SECRET"
        )
    said = f" ({word})" if word else ""
    kind = RateLimitError if status == 429 else ServerError if status >= 500 else BadRequestError
    return kind, f"the token endpoint answered {status}{said}"


def _error_word(response: httpx.Response) -> str:
    try:
        data = json.loads(response.content)
    except ValueError:
        return ""
    word = data.get("error") if isinstance(data, dict) else None
    if isinstance(word, str) and _ERROR_WORD.fullmatch(word):
        return word
    return ""
