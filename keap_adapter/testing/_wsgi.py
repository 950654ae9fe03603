"""Present a request handler (``FakeKeap.handle``) as a WSGI application (PEP 3333).

HTTP parsing (framing, chunked bodies, malformed request lines and lengths, idle and slow
sockets) is the WSGI server's job, as PEP 3333 hides framing from the app (``_serve`` adds
two checks to waitress's); this module only turns a parsed WSGI request into an
``httpx.Request`` and the handler's ``httpx.Response`` back into a WSGI answer. It imports
nothing beyond the standard library and httpx, so any WSGI server can serve the fake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["DEFAULT_MAX_BODY", "Handle", "WsgiApp"]

Handle = Callable[[httpx.Request], httpx.Response]
"""What the app serves: one request in, one response out (``FakeKeap.handle``)."""

DEFAULT_MAX_BODY = 32 * 1024 * 1024
"""The largest request body answered (32 MiB), far above any Keap call's; larger get 413."""

# PEP 3333 forbids an application to send hop-by-hop headers (RFC 9110 section 7.6.1), and
# the server computes Content-Length from the body it writes.
_SKIPPED = frozenset(
    {
        "connection",
        "content-length",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# CGI names of the two request headers PEP 3333 passes without the HTTP_ prefix.
_UNPREFIXED = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


class WsgiApp:
    """A WSGI application answering every request with ``handle``.

    ``base_url`` (``http://127.0.0.1:54321``) is where the server listens: requests are
    rebuilt on it rather than on the client's ``Host`` header, which a client may set to
    anything. Bodies longer than ``max_body`` bytes get 413 unread; a request that cannot
    be rebuilt (a target httpx rejects) gets 400. The server should enforce ``max_body``
    before the body arrives, as waitress's ``max_request_body_size`` does; this check is
    the app's own, for servers that do not.
    """

    def __init__(self, handle: Handle, base_url: str, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.handle = handle
        self.base_url = base_url.rstrip("/")
        self.max_body = max_body

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one WSGI request."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(start_response, 400, "Content-Length is not a number")
        if length < 0:
            return _plain(start_response, 400, "Content-Length is negative")
        if length > self.max_body:
            return _plain(start_response, 413, f"the body exceeds {self.max_body} bytes")
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            request = httpx.Request(
                environ["REQUEST_METHOD"],
                self.base_url + _target(environ),
                headers=_headers(environ),
                content=body,
            )
        except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError is a ValueError
            return _plain(start_response, 400, f"unusable request target: {exc}")
        return _answer(start_response, self.handle(request))


def _target(environ: WSGIEnvironment) -> str:
    """The request target as the client sent it: path and query, still percent-encoded."""
    # waitress passes the raw target as REQUEST_URI (not in PEP 3333, so only when it
    # is origin-form); else rebuild it from the decoded PATH_INFO as PEP 3333's
    # "URL Reconstruction" section does.
    raw = environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        return raw
    path = quote((environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1"))
    query = environ.get("QUERY_STRING", "")
    return "/" + path.lstrip("/") + (f"?{query}" if query else "")


def _headers(environ: WSGIEnvironment) -> list[tuple[bytes, bytes]]:
    """The request headers, from their CGI names; bytes, since values may be any latin-1."""
    found: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key in _UNPREFIXED:
            name = _UNPREFIXED[key]
        elif key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        else:
            continue
        # PEP 3333 strings are latin-1 "bytes as str"; httpx would encode str as ASCII.
        found.append((name.encode("latin-1"), str(value).encode("latin-1")))
    return found


def _answer(start_response: StartResponse, response: httpx.Response) -> list[bytes]:
    content = response.content
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in response.headers.raw  # raw keeps the names' case
        if name.decode("latin-1").lower() not in _SKIPPED
    ]
    headers.append(("Content-Length", str(len(content))))
    start_response(_status_line(response.status_code), headers)
    return [content]


def _plain(start_response: StartResponse, status: int, why: str) -> list[bytes]:
    """A short text answer for a request the handler never sees."""
    content = f"{HTTPStatus(status).phrase}: {why}\n".encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(content)))]
    start_response(_status_line(status), headers)
    return [content]


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:  # a code the stdlib does not name: the reason phrase is optional
        return f"{status} Unknown"
