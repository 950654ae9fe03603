"""Redaction: no key, cookie or named field reaches a cassette file, and matching still works."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter._config import KEY_PLACEHOLDER
from keap_adapter.backends._xmlrpc_wire import dumps_call
from keap_adapter.testing import FakeKeap
from keap_adapter.testing._cassette import Cassette
from keap_adapter.testing._codec import decode_request
from keap_adapter.testing._matching import request_key
from keap_adapter.testing._redact import Redactor, redact_fields
from keap_adapter.testing._redact_text import scrub_text

LEGACY = "https://myapp.infusionsoft.com/api/xmlrpc"


@pytest.fixture
def key() -> str:
    return "KeapAK-" + secrets.token_hex(20)


def xmlrpc_request(key: str, *params: Any, headers: dict[str, str] | None = None) -> httpx.Request:
    body = dumps_call("ContactService.load", (key, *params))
    return httpx.Request("POST", LEGACY, content=body, headers=headers)


# ------------------------------------------------------------------------- unit level


def test_auth_headers_are_masked_and_cookies_dropped(key: str) -> None:
    request = httpx.Request(
        "GET",
        "https://x.test/crm/rest/v2/contacts",
        headers={"X-Keap-API-Key": key, "AUTHORIZATION": f"Bearer {key}x", "Cookie": "s=abcdefgh"},
    )
    redactor = Redactor()
    headers = redactor.request(decode_request(request))["headers"]
    assert headers["x-keap-api-key"] == headers["authorization"] == "<REDACTED>"
    assert "cookie" not in headers
    assert {key, f"{key}x", f"Bearer {key}x", "s=abcdefgh"} <= redactor.secrets
    response = redactor.response({"status": 200, "headers": {"Set-Cookie": "s=1; Path=/"}})
    assert response["headers"] == {}


def test_the_xmlrpc_key_param_is_masked_and_remembered(key: str) -> None:
    redactor = Redactor(placeholder="[key]")
    stored = redactor.request(decode_request(xmlrpc_request(key, 7, ["Id"])))
    assert stored["xmlrpc"]["params"] == ["[key]", 7, ["Id"]]
    assert key in redactor.secrets
    header_auth = redactor.request(decode_request(xmlrpc_request(KEY_PLACEHOLDER, 7, ["Id"])))
    assert header_auth["xmlrpc"]["params"][0] == "[key]"
    assert KEY_PLACEHOLDER not in redactor.secrets  # not a secret: nothing to scrub
    assert request_key(stored) == request_key(header_auth)


def test_named_fields_are_masked_at_any_depth_in_json_and_structs() -> None:
    data = {"email": "a@x", "list": [{"email": "b@x", "keep": 1}], "nested": {"email": {"deep": 1}}}
    assert redact_fields(data, {"email"}, "-") == {
        "email": "-",
        "list": [{"email": "-", "keep": 1}],
        "nested": {"email": "-"},
    }
    redactor = Redactor(fields={"Email", "page_token"})
    request = xmlrpc_request("k", {"Email": "a@x", "FirstName": "Ada"})
    assert redactor.request(decode_request(request))["xmlrpc"]["params"][1] == {
        "Email": "<REDACTED>",
        "FirstName": "Ada",
    }
    paged = redactor.request(decode_request(httpx.Request("GET", "https://x.test/a?page_token=s3")))
    assert paged["query"] == [["page_token", "<REDACTED>"]]
    response = {"status": 200, "headers": {}, "xmlrpc": {"result": [{"Email": "a@x", "Id": 1}]}}
    assert redactor.response(response)["xmlrpc"]["result"] == [{"Email": "<REDACTED>", "Id": 1}]


def test_remembered_secrets_are_scrubbed_from_any_text(key: str) -> None:
    redactor = Redactor()
    redactor.request(decode_request(xmlrpc_request(key, 7)))
    echo = {"status": 500, "headers": {"x-debug": f"key={key}"}, "text": f"bad key {key}!"}
    assert redactor.response(echo) == {
        "status": 500,
        "headers": {"x-debug": "key=<REDACTED>"},
        "text": "bad key <REDACTED>!",
    }
    quoted = 'a"b\\c-secret'
    text = json.dumps({"m": f"[{quoted}]"})
    assert json.loads(scrub_text(text, {quoted}, "<R>")) == {"m": "[<R>]"}


def test_short_values_are_not_scrubbed_from_free_text() -> None:
    redactor = Redactor()
    redactor.request(
        {"method": "GET", "path": "/", "query": [], "headers": {"x-keap-api-key": "a"}}
    )
    assert redactor.secrets == set()


# --------------------------------------------------------------------- through a cassette


def echo_key(fake: FakeKeap, key: str) -> httpx.MockTransport:
    """The fake, plus a server that echoes the key in a header and in JSON error bodies."""

    def handle(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        response.headers["x-echo"] = f"seen {key}"
        if response.status_code == 404:
            return httpx.Response(404, json={"message": f"no contact for key {key}"})
        return response

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("how", ["rest", "xmlrpc", "legacy"])
def test_the_key_appears_nowhere_in_the_file(tmp_path: Path, key: str, how: str) -> None:
    fake = FakeKeap(api_key=key)
    path = tmp_path / f"{how}.json"
    backend: ka.BackendName = "rest" if how == "rest" else "xmlrpc"
    xmlrpc_url = LEGACY if how == "legacy" else None
    with (
        Cassette(path, "once", real_transport=echo_key(fake, key)) as cassette,
        ka.KeapClient(backend, key, transport=cassette.transport, xmlrpc_url=xmlrpc_url) as client,
    ):
        ada = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
        fake.fail(200, path="ContactService.load", fault=f"[InvalidKey] Invalid key {key}")
        with pytest.raises(ka.APIError):
            client.contacts.get(ada.id if backend == "xmlrpc" else 999999)
    data = path.read_bytes()
    assert key.encode() not in data
    assert key[7:].encode() not in data
    assert b"<REDACTED>" in data
    assert fake.requests  # it really was recorded against the fake


def test_redacted_fields_still_match_on_replay(tmp_path: Path) -> None:
    path, fake = tmp_path / "fields.json", FakeKeap()

    def run(cassette: Cassette) -> ka.Contact:
        with ka.KeapClient("rest", fake.api_key, transport=cassette.transport) as client:
            return client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))

    with Cassette(path, "once", real_transport=fake.transport, redact_fields=["given_name"]) as c:
        recorded = run(c)
    with Cassette(path, redact_fields=["given_name"]) as c:
        replayed = run(c)
    # The first run already sees what replay will: the stored (redacted) answer.
    assert recorded == replayed
    assert recorded.given_name == "<REDACTED>"
    assert b"Ada" not in path.read_bytes()


# ------------------------------------------------------------------ field values elsewhere


def test_a_field_also_matches_dotted_join_names() -> None:
    # XML-RPC joins (ContactGroupAssign) name the contact's columns "Contact.Email".
    row = {"Contact.Email": "ada@example.com", "Contact.Id": 3, "Email": "b@x.test"}
    assert redact_fields(row, {"Email"}, "-") == {
        "Contact.Email": "-",
        "Contact.Id": 3,
        "Email": "-",
    }
    assert redact_fields(row, {"Contact.Email"}, "-")["Email"] == "b@x.test"


def test_field_values_are_scrubbed_elsewhere_as_whole_words_in_any_case() -> None:
    redactor = Redactor(fields={"given_name"})
    redactor.request({"method": "POST", "path": "/c", "json": {"given_name": "Mark"}})
    echo = {"status": 200, "headers": {}, "json": {"note": "Hi MARK!", "status": "Marketable"}}
    assert redactor.response(echo)["json"] == {"note": "Hi <REDACTED>!", "status": "Marketable"}


def test_short_field_values_are_redacted_in_place_but_not_scrubbed_elsewhere() -> None:
    # "Al" or "" would turn every "al" of the file into the placeholder: only the field goes.
    redactor = Redactor(fields={"given_name", "family_name"})
    stored = redactor.request(
        {"method": "POST", "path": "/c", "json": {"given_name": "Al", "family_name": "", "n": "Al"}}
    )
    assert stored["json"] == {"given_name": "<REDACTED>", "family_name": "<REDACTED>", "n": "Al"}


def test_the_envelope_is_never_scrubbed() -> None:
    # A name that is also a method, a header or an XML-RPC method name leaves them alone.
    redactor = Redactor(fields={"FirstName"})
    call = {"method": "POST", "path": "/xmlrpc", "headers": {"user-agent": "POST"}}
    call["xmlrpc"] = {"method": "DataService.query", "params": ["k", {"FirstName": "DataService"}]}
    stored = redactor.request(call)
    assert stored["method"] == "POST"
    assert stored["xmlrpc"]["method"] == "DataService.query"
    assert stored["headers"] == {"user-agent": "POST"}


@pytest.mark.parametrize(
    "echo",
    [
        "filter=email%3D%3Dzeb%2Bx%40example.com&page_size=1",  # percent-encoded, after %3D
        "filter=email==zeb+x@example.com",
        "<p>zeb+x@example.com &lt;ZEB+X@EXAMPLE.COM&gt;</p>",
        "zeb%2bx%40example.com",  # lower-case hex
    ],
)
def test_echoed_spellings_of_a_field_value_are_scrubbed(echo: str) -> None:
    redactor = Redactor(fields={"email"})
    redactor.request({"method": "POST", "path": "/c", "json": {"email": "zeb+x@example.com"}})
    scrubbed = redactor.response({"status": 400, "headers": {"x-echo": echo}, "text": echo})
    assert "zeb" not in scrubbed["text"].lower()
    assert scrubbed["headers"]["x-echo"] == scrubbed["text"]


def test_json_and_html_escaped_spellings_of_a_name_are_scrubbed() -> None:
    redactor = Redactor(fields={"given_name"})
    redactor.request({"method": "POST", "path": "/c", "json": {"given_name": "Zoë O'Hara"}})
    echo = '{"m": "Zo\\u00eb O\'Hara"} <b>Zoë O&#x27;Hara</b> Zo%C3%AB%20O%27Hara'
    scrubbed = redactor.response({"status": 400, "headers": {}, "text": echo})["text"]
    assert scrubbed == '{"m": "<REDACTED>"} <b><REDACTED></b> <REDACTED>'


def test_an_address_in_a_rest_path_is_redacted_when_email_is_named() -> None:
    path = "/crm/rest/v2/emailAddresses/zeb+x@example.com/status"
    stored = Redactor(fields={"Email"}).request({"method": "GET", "path": path})
    assert stored["path"] == "/crm/rest/v2/emailAddresses/<REDACTED>/status"
    assert Redactor(fields={"given_name"}).request({"method": "GET", "path": path})["path"] == path
