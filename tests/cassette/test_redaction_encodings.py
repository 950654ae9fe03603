"""No secret reaches a cassette file in any encoding a server may echo it in, and OAuth2
traffic is recorded without its secrets (a hostile review, round 10, items 4, 5 and 6).

The cassette scrubber knew only whole-string spellings of the key; these went to the file in
clear: base64 of the raw request inside a JSON or a text body, a body cut in the middle of the
key, HTML- and percent-escaping mixed, the key in a response header's name, and bodies in a
charset the byte scrub does not read (UTF-7, EBCDIC's cp500). The client's own errors redact
all of them (``keap_adapter._secrets``); so does the cassette now, for the key and tokens.

A key shorter than 16 characters is refused by the client, so never recorded; and a token
exchange or refresh through a cassette keeps no client secret, code or token.

The search for the key is independent of ``keap_adapter._secrets``: any 8 characters of a
spelling of ``tests/secret_echoes``, any 12 characters of its base64, in every string of the
file (object keys too) and in every base64 body decoded in several charsets.
"""

from __future__ import annotations

import base64
import html
import json
import xmlrpc.client
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import keap_adapter as ka
from keap_adapter.auth import FileTokenStore, OAuth2
from keap_adapter.auth._tokens import tokens_from_answer, utc_now
from keap_adapter.testing import Cassette, FakeKeap
from keap_adapter.testing._redact import Redactor
from tests.secret_echoes import base64_region, echoes

KEY = "KeapAK-0a1b2c3d4e5f6g7h8i9j/Kx+Yz=Qw&Er"
BACKENDS: tuple[ka.BackendName, ...] = ("rest", "xmlrpc")
CHARSETS = ("utf-8", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "cp500", "utf-7")
Handler = Callable[[httpx.Request], httpx.Response]


# --------------------------------------------------------------------- the search


def pieces(secret: str) -> dict[str, str]:
    """Pieces of ``secret`` that give it away, by where they come from: 8 characters of
    each spelling (any letter case: a header name is stored lower-cased), 12 of base64."""
    out: dict[str, str] = {}
    for name, spelling in echoes(secret).items():
        size = 12 if name.startswith("base64") else 8
        for i in range(len(spelling) - size + 1):
            out.setdefault(spelling[i : i + size], name)
    raw = secret.encode()
    for prefix in (b"", b"x", b"xx"):  # base64 of a body holding the key, at each offset
        for urlsafe in (False, True):
            region = base64_region(prefix, raw, urlsafe=urlsafe)
            for i in range(len(region) - 11):
                out.setdefault(region[i : i + 12], "base64")
    return out


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def readable(path: Path) -> list[str]:
    """Every string of the file, and each base64 body decoded in each of ``CHARSETS``."""
    data = json.loads(path.read_text("utf-8"))
    out = [path.read_text("utf-8"), *strings(data)]
    for interaction in data["interactions"]:
        for part in (interaction["request"], interaction["response"]):
            if "base64" in part:
                raw = base64.b64decode(part["base64"])
                out += [raw.decode(charset, "replace") for charset in CHARSETS]
    return out


def leaks(path: Path, secret: str) -> list[str]:
    """Where a piece of ``secret`` shows in the cassette file (empty: nowhere)."""
    found = []
    table = pieces(secret)
    for text in readable(path):
        folded = text.casefold()
        for piece, name in table.items():
            hit = piece in text if name.startswith("base64") else piece.casefold() in folded
            if hit:
                found.append(f"{name} piece at {text.casefold().find(piece.casefold())}")
                break
    return found


# --------------------------------------------------------------------- the echoes

RAW_REQUEST = f"GET /crm/rest/v2/contacts/1 HTTP/1.1\r\nX-Keap-API-Key: {KEY}\r\n\r\n".encode()
MIXED = "".join(quote(c, safe="") if i % 2 else html.escape(c) for i, c in enumerate(KEY))
HEADER_NAME = "X-Echo-" + "".join(c for c in KEY[:30] if c.isalnum() or c == "-")
_TEXT = "Content-Type"


def _answer(status: int, body: bytes, **headers: str) -> Handler:
    return lambda _: httpx.Response(status, content=body, headers=headers)


ECHOES: dict[str, Handler] = {
    "json holding base64 of the raw request": _answer(
        200,
        json.dumps({"id": "1", "debug": base64.b64encode(RAW_REQUEST).decode()}).encode(),
        **{_TEXT: "application/json"},
    ),
    "text holding base64 of the raw request": _answer(
        500, b"request was: " + base64.b64encode(RAW_REQUEST), **{_TEXT: "text/plain"}
    ),
    "text cut in the key": _answer(
        500, b"invalid key " + KEY[:20].encode() + b"...", **{_TEXT: "text/plain"}
    ),
    "json value cut in the key": _answer(
        401,
        json.dumps({"message": f"invalid key {KEY[:20]}", "status": "UNAUTHENTICATED"}).encode(),
        **{_TEXT: "application/json"},
    ),
    "html and percent mixed": _answer(
        401, f"<p>bad key {MIXED}</p>".encode(), **{_TEXT: "text/html"}
    ),
    "a header name": _answer(401, b"{}", **{HEADER_NAME: "1", _TEXT: "application/json"}),
    "a header value, percent-encoded": _answer(
        401, b"{}", **{"X-Echo": quote(KEY, safe=""), _TEXT: "application/json"}
    ),
    "deflate, latin-1": _answer(
        401,
        zlib.compress(f"bad key {KEY} \xff".encode("latin-1")),
        **{_TEXT: "text/plain", "Content-Encoding": "deflate"},
    ),
    "utf-16": _answer(
        401, f"bad key {KEY}".encode("utf-16"), **{_TEXT: "text/plain; charset=utf-16"}
    ),
    "cp500": _answer(401, f"bad key {KEY}".encode("cp500"), **{_TEXT: "text/plain; charset=cp500"}),
    # Not UTF-7: it spells "+" as "+-", so a key cut where its first run ends leaves the
    # rest whole in the UTF-7 reading; no server sends UTF-7 (WHATWG Encoding drops it).
    "json \\u escapes": _answer(
        401,
        json.dumps({"message": KEY}).replace("K", "\\u004b").encode(),
        **{_TEXT: "application/json"},
    ),
}


def _fault_cut(request: httpx.Request) -> httpx.Response:
    fault = xmlrpc.client.Fault(2, f"[InvalidKey] bad key {KEY[:20]}")
    body = xmlrpc.client.dumps(fault, methodresponse=True)
    return httpx.Response(200, text=body, headers={_TEXT: "text/xml"})


def record(path: Path, backend: ka.BackendName, handler: Handler, **options: Any) -> Any:
    """One ``contacts.get`` recorded through a cassette: its result or its error."""
    with Cassette(path, "once", real_transport=httpx.MockTransport(handler)) as cassette:
        return replay_with(cassette, backend, **options)


def replay_with(cassette: Cassette, backend: ka.BackendName, **options: Any) -> Any:
    with ka.KeapClient(
        backend, KEY, transport=cassette.transport, max_retries=0, limits=None, **options
    ) as client:
        try:
            return client.contacts.get(1)
        except ka.KeapError as error:
            return error


@pytest.mark.parametrize("case", sorted(ECHOES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_no_echo_of_the_key_reaches_the_cassette(
    tmp_path: Path, backend: ka.BackendName, case: str
) -> None:
    path = tmp_path / "echo.json"
    recorded = record(path, backend, ECHOES[case])
    assert leaks(path, KEY) == []
    # and the scrubbed recording still replays, to the same outcome
    with Cassette(path, "none") as cassette:
        replayed = replay_with(cassette, backend)
    assert type(replayed) is type(recorded)


def test_a_fault_string_cut_in_the_key_is_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "fault.json"
    error = record(path, "xmlrpc", _fault_cut)
    assert isinstance(error, ka.AuthenticationError)
    assert leaks(path, KEY) == []


def test_the_key_is_scrubbed_from_a_header_name_and_the_rest_stays_readable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "name.json"
    record(path, "rest", ECHOES["a header name"])
    (interaction,) = json.loads(path.read_text("utf-8"))["interactions"]
    names = sorted(interaction["response"]["headers"])
    assert "content-type" in names
    assert any(name.startswith("x-echo-") and "<REDACTED>" in name for name in names), names


# ------------------------------------------------ 5. a key too short to scrub: refused


def test_a_key_too_short_to_scrub_is_refused_before_anything_is_recorded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "short.json"
    short = "Zq7Wx9P"
    body = json.dumps({"message": f"invalid key {short}"}).encode()
    with (
        Cassette(path, "once", real_transport=httpx.MockTransport(_answer(401, body))) as cassette,
        pytest.raises(ka.ConfigurationError, match="too short"),
    ):
        ka.KeapClient("rest", short, transport=cassette.transport)
    assert not path.exists()


def test_a_key_of_16_characters_is_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "sixteen.json"
    key = "Zq7Wx9Pk2L5mN8rT"
    body = json.dumps({"message": f"invalid key {key}"}).encode()
    handler = _answer(401, body, **{_TEXT: "application/json"})
    with (
        Cassette(path, "once", real_transport=httpx.MockTransport(handler)) as cassette,
        ka.KeapClient("rest", key, transport=cassette.transport, max_retries=0) as client,
        pytest.raises(ka.AuthenticationError),
    ):
        client.contacts.get(1)
    assert key not in path.read_text("utf-8")
    assert leaks(path, key) == []


# ------------------------------------------------------------- 6. OAuth2 traffic
#
# Recording hands the client each answer as it will replay (see _cassette): a token answer's
# tokens are the placeholder then, so the tokens Keap really granted are read off the wire
# (``Witness``), and the API calls use an OAuth2 whose token requests bypass the cassette.

REDIRECT = "http://127.0.0.1:8765/callback"


class Witness(httpx.BaseTransport):
    """The fake's transport, keeping every token it granted."""

    def __init__(self, fake: FakeKeap) -> None:
        self.fake = fake
        self.granted: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.fake.transport.handle_request(request)
        if request.url.path.endswith("/token"):
            response.read()
            answer = json.loads(response.content)
            self.granted += [str(answer.get(k)) for k in ("access_token", "refresh_token")]
        return response


def assert_kept_out(path: Path, secrets: list[str], *, random: list[str]) -> None:
    """No spelling of any of ``secrets`` in the file; nor a piece of the ``random`` ones
    (the fake's client secret shares words with its client id, which is no secret)."""
    text = path.read_text("utf-8")
    for secret in [*secrets, *random]:
        for name, spelling in echoes(secret).items():
            assert spelling not in text, f"the {name} spelling of a secret is in the file"
    for secret in random:
        assert leaks(path, secret) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_token_refresh_through_a_cassette_keeps_no_token_nor_the_client_secret(
    tmp_path: Path, backend: ka.BackendName
) -> None:
    fake = FakeKeap()
    witness = Witness(fake)
    grant = fake.oauth.grant()
    path = tmp_path / "oauth.json"
    with Cassette(path, "once", real_transport=witness) as cassette:
        store = FileTokenStore(tmp_path / "recorded.json")
        store.save(tokens_from_answer(grant, utc_now()))
        with OAuth2(
            fake.oauth.client_id,
            fake.oauth.client_secret,
            store=store,
            transport=cassette.transport,
        ) as recorded:
            recorded.refresh()  # spends the grant's refresh token, for a new pair
        # API calls with a Bearer token (its token requests straight to the fake)
        live = FileTokenStore(tmp_path / "live.json")
        live.save(tokens_from_answer(fake.oauth.grant(), utc_now()))
        with (
            OAuth2(
                fake.oauth.client_id, fake.oauth.client_secret, store=live, transport=witness
            ) as auth,
            ka.KeapClient(backend, auth=auth, transport=cassette.transport) as client,
        ):
            tag = client.tags.create("VIP")
            assert client.tags.get(tag.id).name == "VIP"
            used = auth.secrets()
    assert fake.oauth.refreshes == 1
    text = path.read_text("utf-8")
    assert "/token" in text and "refresh_token" in text  # the refresh was recorded
    assert "Bearer" not in text  # the API calls' Authorization is masked
    tokens = [*witness.granted, *used[1:], str(grant["access_token"]), str(grant["refresh_token"])]
    assert len(witness.granted) == 2
    assert_kept_out(path, [fake.oauth.client_secret], random=tokens)


def test_a_code_exchange_through_a_cassette_keeps_no_code_nor_secret(tmp_path: Path) -> None:
    fake = FakeKeap()
    witness = Witness(fake)
    store = FileTokenStore(tmp_path / "tokens.json")
    path = tmp_path / "exchange.json"
    code = httpx.URL(fake.oauth.authorize(REDIRECT, state="s")).params["code"]
    with (
        Cassette(path, "once", real_transport=witness) as cassette,
        OAuth2(
            fake.oauth.client_id,
            fake.oauth.client_secret,
            store=store,
            redirect_uri=REDIRECT,
            transport=cassette.transport,
        ) as auth,
    ):
        auth.exchange_code(code)
    assert fake.oauth.exchanges == 1
    assert len(witness.granted) == 2
    assert_kept_out(path, [fake.oauth.client_secret], random=[code, *witness.granted])
    # What is not secret stays readable: the grant type, the redirect URI, the client id.
    text = path.read_text("utf-8")
    assert "authorization_code" in text
    assert fake.oauth.client_id in text


def test_a_form_body_is_redacted_by_field() -> None:
    redactor = Redactor(fields=["given_name"])
    stored = {
        "method": "POST",
        "path": "/token",
        "headers": {"content-type": "application/x-www-form-urlencoded"},
        "text": "grant_type=refresh_token&refresh_token=rt-Abcdefgh12345678&given_name=Zo%C3%AB"
        "+Smith&client_secret=s3cr3t-Value-0001&code=code-Xyz0987654321",
    }
    out = redactor.request(stored)
    fields = dict(pair.split("=", 1) for pair in out["text"].split("&"))
    assert fields == {
        "grant_type": "refresh_token",
        "refresh_token": "<REDACTED>",
        "given_name": "<REDACTED>",
        "client_secret": "<REDACTED>",
        "code": "<REDACTED>",
    }
    # the tokens are remembered as secrets: scrubbed wherever they show up later
    answer = redactor.response(
        {"status": 400, "headers": {}, "text": "refresh token rt-Abcdefgh12345678 is spent"}
    )
    assert answer["text"] == "refresh token <REDACTED> is spent"


def test_a_json_code_field_is_left_alone_but_token_fields_are_redacted() -> None:
    # Keap's v2 error bodies have a "code" (the HTTP status): only a form's code is a secret.
    redactor = Redactor()
    error = redactor.response(
        {"status": 500, "headers": {}, "json": {"code": 500, "message": "Internal error"}}
    )
    assert error["json"] == {"code": 500, "message": "Internal error"}
    granted = redactor.response(
        {
            "status": 200,
            "headers": {"content-type": "application/json"},
            "json": {
                "access_token": "at-Abcdefgh12345678",
                "refresh_token": "rt-Abcdefgh12345678",
                "token_type": "bearer",
                "expires_in": 86400,
            },
        }
    )
    assert granted["json"] == {
        "access_token": "<REDACTED>",
        "refresh_token": "<REDACTED>",
        "token_type": "bearer",
        "expires_in": 86400,
    }
