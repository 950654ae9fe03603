"""The API key never shows in an error, in any spelling a server may echo it in.

Servers echo what they were sent: plainly, HTML-escaped (an error page), percent-encoded (a
URL or form), JSON-escaped, or base64 of the whole request. Every error keap_adapter raises
must hide the key in each of those spellings (its str, repr, args and printed traceback),
also when the XML-RPC backend cuts a long error body at 300 characters in the middle of the
key. A key that cannot travel in an HTTP header is refused up front, without being printed.
"""

from __future__ import annotations

import base64
import html
import json
import string
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import _secrets
from keap_adapter.testing import FakeKeap, _redact_text
from tests.secret_echoes import (
    KEY,
    assert_error_hides,
    base64_region,
    echo,
    echoes,
    texts_of,
)

XMLRPC_URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"  # the legacy form: key in the body
BACKENDS: tuple[ka.BackendName, ...] = ("rest", "xmlrpc")


def _no_sleep(seconds: float) -> None:
    """Retries wait through this; tests never sleep."""


def client(
    backend: ka.BackendName, handler: Callable[[httpx.Request], httpx.Response], **options: object
) -> ka.KeapClient:
    return ka.KeapClient(
        backend,
        KEY,
        transport=httpx.MockTransport(handler),
        max_retries=0,
        sleep=_no_sleep,
        **options,  # type: ignore[arg-type]
    )


def error_body(backend: ka.BackendName, status: int, text: str) -> httpx.Response:
    """An error answer quoting ``text``: Keap's v2 JSON body on REST, plain text on XML-RPC."""
    if backend == "rest":
        body = {"code": status, "message": text, "status": "UNAUTHENTICATED", "details": []}
        return httpx.Response(status, json=body)
    return httpx.Response(status, text=text, headers={"content-type": "text/plain"})


# -- an echo of the key, in any spelling ------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("status", [401, 500])
@pytest.mark.parametrize("spelling", sorted(echoes(KEY)))
def test_an_echoed_key_is_hidden_from_the_error(
    backend: ka.BackendName, status: int, spelling: str
) -> None:
    echoed = echo(spelling)
    api = client(backend, lambda _: error_body(backend, status, f"Invalid API key: {echoed} sent"))
    with pytest.raises(ka.APIError) as caught:
        api.contacts.get(1)
    assert caught.value.status_code == status
    assert "Invalid API key: *** sent" in str(caught.value)  # still says what went wrong
    assert_error_hides(caught.value)


@pytest.mark.parametrize("spelling", sorted(echoes(KEY)))
def test_a_fault_quoting_the_key_is_hidden(spelling: str) -> None:
    fake = FakeKeap(api_key=KEY)
    fake.fail(200, fault=f"[InvalidKey] Invalid key {echo(spelling, KEY)}")
    api = ka.KeapClient("xmlrpc", KEY, transport=fake.transport, max_retries=0)
    with pytest.raises(ka.AuthenticationError) as caught:
        api.contacts.get(1)
    assert caught.value.fault_tag == "InvalidKey"
    assert_error_hides(caught.value)


def test_a_base64_echo_of_the_raw_body_hides_the_key_in_it() -> None:
    """On the legacy URL the key is the first parameter of the XML body, XML-escaped."""
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        body = base64.b64encode(request.content).decode()
        return httpx.Response(400, text=f"Cannot parse request {body}")

    api = client("xmlrpc", answer, xmlrpc_url=XMLRPC_URL)
    with pytest.raises(ka.BadRequestError) as caught:
        api.contacts.get(1)
    in_body = html.escape(KEY, quote=False).encode()
    at = sent[0].index(in_body)
    leaked = base64_region(sent[0][:at], in_body)
    assert leaked in base64.b64encode(sent[0]).decode()[:300]  # the echo reaches the message
    for text in texts_of(caught.value):
        assert leaked not in text


# -- an echo cut by the 300-character truncation of an XML-RPC error body ----------------


@pytest.mark.parametrize(
    ("backend", "kept"),
    [
        ("rest", 3),
        ("rest", 29),
        ("xmlrpc", 29),  # what the issue saw
        ("xmlrpc", 8),
        ("xmlrpc", 3),  # too short to recognise after the cut: the client scrubs before it
    ],
)
@pytest.mark.parametrize("status", [401, 500])
def test_a_key_cut_by_truncation_is_hidden(backend: ka.BackendName, kept: int, status: int) -> None:
    # The XML-RPC backend keeps the first 300 characters of the body: the key starts so that
    # only ``kept`` of its characters fit.
    text = "x" * (300 - kept) + KEY + " was refused"
    api = client(backend, lambda _: error_body(backend, status, text))
    with pytest.raises(ka.APIError) as caught:
        api.contacts.get(1)
    for shown in texts_of(caught.value):
        assert KEY[:kept] not in shown


# -- the error object itself ------------------------------------------------------------


def test_redact_also_cleans_notes_and_chained_errors() -> None:
    cause = ka.ServerError(f"upstream said {quote(KEY, safe='')}")
    error = ka.TransportError(f"gave up on {html.escape(KEY)}")
    error.__cause__ = cause
    # add_note() is Python 3.11's; it appends to __notes__, which 3.11 tracebacks print.
    vars(error)["__notes__"] = [f"while sending {base64.b64encode(KEY.encode()).decode()}"]
    error.redact(KEY)
    assert_error_hides(error)
    assert_error_hides(cause)
    assert error.message == "gave up on ***"
    assert vars(error)["__notes__"] == ["while sending ***"]


def test_redact_also_cleans_what_the_error_kept_from_the_answer() -> None:
    error = ka.ServerError("boom", request_id=f"req-{quote_plus(KEY)}", fault_tag=KEY)
    error.redact(KEY)
    assert (error.request_id, error.fault_tag) == ("req-***", "***")


def test_redact_leaves_a_message_without_the_key_alone() -> None:
    error = ka.AuthenticationError("Invalid API key (UNAUTHENTICATED)", operation="contacts.get")
    error.redact(KEY)
    assert str(error) == "contacts.get: Invalid API key (UNAUTHENTICATED)"
    assert error.args == ("contacts.get: Invalid API key (UNAUTHENTICATED)",)


# -- redact_text / redact_bytes: what the client scrubs a body with before truncating ------


def test_redact_text_and_bytes_replace_every_spelling() -> None:
    body = " | ".join(echo(name, KEY) for name in sorted(echoes(KEY)))
    text = _secrets.redact_text(body, [KEY])
    assert set(text.split(" | ")) == {"***"}
    assert _secrets.redact_bytes(body.encode(), [KEY]) == text.encode()


def test_redact_bytes_keeps_a_json_body_parseable() -> None:
    body = json.dumps({"message": f"bad key {KEY}", "other": html.escape(KEY)}).encode()
    assert json.loads(_secrets.redact_bytes(body, [KEY])) == {
        "message": "bad key ***",
        "other": "***",
    }


def test_redact_bytes_leaves_bytes_that_are_not_utf8_alone() -> None:
    body = b"\xff\xfe caf\xe9 " + KEY.encode() + b" \x00"
    assert _secrets.redact_bytes(body, [KEY]) == b"\xff\xfe caf\xe9 *** \x00"


def test_the_cassette_scrubber_spells_secrets_as_the_errors_do() -> None:
    assert _redact_text.spellings is _secrets.spellings
    for spelling in _secrets.spellings(KEY):
        assert _secrets.redact_text(f"<{spelling}>", [KEY]) == "<***>"


# -- keys that cannot travel in a header ---------------------------------------------------

_SECRET_PART = "s3cr3tPart"


@pytest.mark.parametrize(
    "bad",
    ["\x00", "\n", "\r\n", "\t", " ", "\x7f", "\x1b", "é", "\u00a0", "\u2028", "€"],
    ids=repr,
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_key_that_cannot_be_a_header_is_refused_without_being_shown(
    bad: str, backend: ka.BackendName
) -> None:
    key = f"KeapAK-{_SECRET_PART}{bad}{_SECRET_PART[::-1]}"

    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a request was sent")

    with pytest.raises(ka.ConfigurationError, match="API key") as caught:
        ka.KeapClient(backend, key, transport=httpx.MockTransport(never))
    for text in texts_of(caught.value):
        assert _SECRET_PART not in text
        assert _SECRET_PART[::-1] not in text
    assert caught.value.__context__ is None  # nothing raw chained to it either


def test_a_key_read_from_a_file_with_its_newline_is_refused_from_the_environment() -> None:
    with pytest.raises(ka.ConfigurationError, match="white space") as caught:
        ka.KeapClient.from_env({"KEAP_API_KEY": f"KeapAK-{_SECRET_PART}\n"})
    assert _SECRET_PART not in repr(caught.value)


@pytest.mark.parametrize("key", [b"KeapAK-bytes", None, 12345], ids=repr)
def test_a_key_that_is_not_text_is_refused(key: object) -> None:
    with pytest.raises(ka.ConfigurationError, match="API key"):
        ka.KeapClient("rest", key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "key",
    [
        'a&b<c>"d' * 2,  # at least 16 characters (a shorter key is refused)
        KEY,
        "".join(c for c in string.printable if not c.isspace()),  # every printable character
    ],
)
@pytest.mark.parametrize("xmlrpc_url", [None, XMLRPC_URL])
@pytest.mark.parametrize("backend", BACKENDS)
def test_any_printable_ascii_key_is_accepted_and_works(
    key: str, backend: ka.BackendName, xmlrpc_url: str | None
) -> None:
    fake = FakeKeap(api_key=key)
    api = ka.KeapClient(backend, key, transport=fake.transport, xmlrpc_url=xmlrpc_url)
    tag = api.tags.create("VIP")
    assert api.tags.get(tag.id).name == "VIP"


def test_a_wrong_key_with_markup_fails_as_authentication_not_as_a_raw_error() -> None:
    fake = FakeKeap(api_key="the-right-key")
    for backend in BACKENDS:
        api = ka.KeapClient(backend, KEY, transport=fake.transport, max_retries=0)
        with pytest.raises(ka.AuthenticationError) as caught:
            api.contacts.get(1)
        assert_error_hides(caught.value)


def test_only_a_tail_long_enough_to_be_the_key_is_cut() -> None:
    key = "KeapAK-" + "f3Qz9Lw2Xc8Vb7Nm6Ak5Sd4Fg3Hj2"
    # Every Keap PAT starts "KeapAK-": naming the prefix is not leaking a key.
    assert _secrets.redact_text("a PAT starts KeapAK-", [key]) == "a PAT starts KeapAK-"
    assert _secrets.redact_text("HTTP 401: KeapAK-f", [key]) == "HTTP 401: ***"
    assert _secrets.redact_text("HTTP 401: KeapAK-f3Qz...", [key]) == "HTTP 401: ***..."
    assert _secrets.redact_text("cut at KeapAK-f3Qz%3", [key]) == "cut at ***"
