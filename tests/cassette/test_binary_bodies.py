"""Bodies that are not UTF-8 text: no secret reaches the file, whatever the bytes' encoding.

Such a body is stored as base64 (see ``_codec``), where a plain-text guard cannot see it:
the key and the redacted field values must be scrubbed from the bytes before encoding, in
every spelling a server echoes, and the rest of the bytes must survive.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.backends._xmlrpc_wire import dumps_call, loads_response
from keap_adapter.testing._cassette import Cassette
from keap_adapter.testing._redact import Redactor
from keap_adapter.testing._redact_text import spellings

# Characters that percent-, HTML- and JSON-escaping each spell differently, so that every
# spelling of the key is a different byte string.
KEY = "KeapAK-0123456789abcdef0123456789abcdef+/&<'\">=%"
NAME = "Zoë O'Hara"  # a redacted field value, with a letter latin-1 and UTF-8 spell differently
FIELDS = ["given_name", "FirstName"]
ENCODINGS = ("utf-8", "latin-1", "utf-16-le")
Wrap = Callable[[bytes], httpx.Response]


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


def echo_body() -> bytes:
    """What a careless server answers: every spelling of the key and the name, in latin-1
    (and the name upper-cased and in UTF-16 too), around a byte that is not UTF-8."""
    parts = [b"\xff error for "]
    for secret in (KEY, NAME, NAME.upper()):
        parts += [form.encode("latin-1", "backslashreplace") + b" | " for form in spellings(secret)]
    parts += [NAME.encode("utf-16-le"), b" \xfe end"]
    return b"".join(parts)


def plain(body: bytes) -> httpx.Response:
    return httpx.Response(
        400, content=body, headers={"content-type": "text/plain; charset=latin-1"}
    )


def content_encoded(body: bytes) -> httpx.Response:
    headers = {"content-type": "text/plain; charset=latin-1", "content-encoding": "gzip"}
    return httpx.Response(400, content=gzip.compress(body), headers=headers)


def gzip_file(body: bytes) -> httpx.Response:
    # A gzip file as the payload itself (no Content-Encoding): httpx hands it over as is.
    return httpx.Response(
        400, content=gzip.compress(body), headers={"content-type": "application/gzip"}
    )


def stored_bodies(path: Path) -> Iterator[bytes]:
    """Each base64 body and tagged base64 value of the file, decoded (and un-gzipped)."""
    data = json.loads(path.read_text("utf-8"))
    for interaction in data["interactions"]:
        for part in (interaction["request"], interaction["response"]):
            encoded = [part["base64"]] if "base64" in part else []
            encoded += _tagged(part.get("xmlrpc"))
            for text in encoded:
                raw = base64.b64decode(text, validate=True)
                yield gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def _tagged(value: Any) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"$base64"}:
            return [value["$base64"]]
        return [text for item in value.values() for text in _tagged(item)]
    if isinstance(value, list):
        return [text for item in value for text in _tagged(item)]
    return []


def assert_no_secret(path: Path) -> None:
    """Neither the key nor the name, in any spelling, in the file or in any decoded body."""
    data = path.read_bytes()
    bodies = list(stored_bodies(path))
    assert bodies, "the test meant to store a base64 body"
    for secret in (KEY, NAME):
        for form in spellings(secret):
            assert form.casefold().encode() not in data.decode("utf-8").casefold().encode()
            for body in bodies:
                for encoding in ENCODINGS:
                    text = body.decode(encoding, "replace").casefold()
                    assert form.casefold() not in text, (form, encoding, body)


# ------------------------------------------------------------------ through the client


@pytest.mark.parametrize("wrap", [plain, content_encoded, gzip_file])
def test_an_echoed_key_in_a_non_utf8_body_is_scrubbed_before_base64(
    tmp_path: Path, backend: BackendName, wrap: Wrap
) -> None:
    path = tmp_path / "echo.json"
    server = httpx.MockTransport(lambda request: wrap(echo_body()))

    def run(cassette: Cassette, key: str) -> tuple[str, str]:
        with (
            ka.KeapClient(backend, key, transport=cassette.transport) as client,
            pytest.raises(ka.APIError) as caught,
        ):
            client.contacts.create(ka.NewContact(given_name=NAME, email="zoe@example.com"))
        return type(caught.value).__name__, str(caught.value)

    with Cassette(path, "once", real_transport=server, redact_fields=FIELDS) as cassette:
        recorded = run(cassette, KEY)
    assert_no_secret(path)
    for body in stored_bodies(path):
        assert b"<REDACTED>" in body  # scrubbed in place: the other bytes are still there
        assert body.startswith(b"\xff error for ")
        assert body.endswith(b" \xfe end")
    with Cassette(path) as cassette:
        assert run(cassette, "another-key-entirely") == recorded
        assert cassette.all_played


def test_a_content_encoded_body_is_stored_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gzip.json"
    server = httpx.MockTransport(lambda request: content_encoded(b"\xff no secret here"))
    with (
        Cassette(path, "once", real_transport=server) as cassette,
        httpx.Client(transport=cassette.transport) as client,
    ):
        client.get("https://x.test/a")
    (response,) = [i["response"] for i in json.loads(path.read_text("utf-8"))["interactions"]]
    assert base64.b64decode(response["base64"]) == b"\xff no secret here"
    assert "content-encoding" not in response["headers"]


# ------------------------------------------------------------------ raw bodies and values


def test_a_non_utf8_request_body_is_scrubbed_and_still_matches(tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    body = b"\xff key=" + KEY.encode() + b"&name=" + NAME.encode("latin-1")
    headers = {"x-keap-api-key": KEY, "content-type": "application/x-www-form-urlencoded"}
    server = httpx.MockTransport(lambda request: httpx.Response(204))

    def post(cassette: Cassette) -> int:
        with httpx.Client(transport=cassette.transport) as client:
            return client.post("https://x.test/form", content=body, headers=headers).status_code

    with Cassette(path, "once", real_transport=server) as cassette:
        assert post(cassette) == 204
    (request,) = [i["request"] for i in json.loads(path.read_text("utf-8"))["interactions"]]
    stored = base64.b64decode(request["base64"])
    assert stored == b"\xff key=<REDACTED>&name=" + NAME.encode("latin-1")
    with Cassette(path) as cassette:
        assert post(cassette) == 204  # the live request is scrubbed the same way, so it matches
        assert cassette.all_played


def test_an_xmlrpc_base64_value_is_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "file.json"
    raw = b"%PDF \xff\xfe secret " + KEY.encode() + b" \x00 end"
    answer = (
        "<methodResponse><params><param><value><base64>"
        f"{base64.b64encode(raw).decode()}</base64></value></param></params></methodResponse>"
    )
    server = httpx.MockTransport(lambda request: httpx.Response(200, content=answer.encode()))

    def call(cassette: Cassette, key: str) -> Any:
        with httpx.Client(transport=cassette.transport) as client:
            response = client.post(
                "https://x.test/xmlrpc", content=dumps_call("FileService.getFile", (key, 7))
            )
            return loads_response(response.content)

    with Cassette(path, "once", real_transport=server) as cassette:
        recorded = call(cassette, KEY)
    assert recorded == b"%PDF \xff\xfe secret <REDACTED> \x00 end"  # as replay will give it
    assert_no_secret(path)
    with Cassette(path) as cassette:
        assert call(cassette, "another-key-entirely") == recorded


def test_a_large_body_is_scrubbed_of_many_values_in_bounded_time() -> None:
    # A long recording session may have learnt a thousand values; a megabyte of bytes
    # must still be searched in one pass, not once per spelling of each.
    redactor = Redactor(fields={"email"})
    emails = [f"person{i}@example.com" for i in range(1000)]
    redactor.request(
        {"method": "POST", "path": "/c", "json": {"list": [{"email": e} for e in emails]}}
    )
    body = (b"\xff\x00 binary noise " * 40_000) + b"PERSON734@EXAMPLE.COM\xfe" + KEY.encode()
    redactor.secrets.add(KEY)
    started = time.monotonic()
    stored = redactor.response(
        {"status": 200, "headers": {}, "base64": base64.b64encode(body).decode()}
    )
    assert time.monotonic() - started < 20
    scrubbed = base64.b64decode(stored["base64"])
    assert scrubbed.endswith(b"<REDACTED>\xfe<REDACTED>")
    assert len(scrubbed) < len(body)
