"""What makes calls cheap, checked for what it must not change (no timing here: that is
``bench/``): an XML-RPC answer is parsed and a fault mapped once per response; REST URLs
built from kept parts equal the ones httpx builds from strings; headers made once per client."""

from __future__ import annotations

import warnings
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import keap_adapter as ka
from keap_adapter.backends import _rest_json, _xmlrpc_ops
from keap_adapter.backends._base import Call
from keap_adapter.backends._xmlrpc_wire import loads_response
from keap_adapter.backends.rest import RestBackend, _Urls
from keap_adapter.testing import FakeKeap

BASE = "https://api.infusionsoft.com/crm/rest/v2/"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every body the XML-RPC codec parses (and the faults it classifies, as ``b"fault"``)."""
    seen: list[bytes] = []
    loads, classify = loads_response, _xmlrpc_ops.classify_fault

    def counted_loads(body: bytes) -> Any:
        seen.append(body)
        return loads(body)

    def counted_classify(code: int, string: str) -> Any:
        seen.append(b"fault")
        return classify(code, string)

    monkeypatch.setattr(_xmlrpc_ops, "loads_response", counted_loads)
    monkeypatch.setattr(_xmlrpc_ops, "classify_fault", counted_classify)
    return seen


@pytest.fixture
def xmlrpc_client() -> Iterator[tuple[ka.KeapClient, FakeKeap]]:
    fake = FakeKeap()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = ka.KeapClient("xmlrpc", fake.api_key, transport=fake.transport)
    with client:
        yield client, fake


def _call() -> Call:
    return Call(httpx.Request("POST", "https://x.example/xmlrpc"), "contacts.get")


def _fault(body_tag: str = "<fault>") -> httpx.Response:
    body = xmlrpc.client.dumps(xmlrpc.client.Fault(5, "[RecordNotFound]gone"))
    return httpx.Response(200, content=body.replace("<fault>", body_tag).encode())


# ------------------------------------------------------------------- XML-RPC: read once


def test_every_answer_of_a_call_is_parsed_exactly_once(
    xmlrpc_client: tuple[ka.KeapClient, FakeKeap], parses: list[bytes]
) -> None:
    client, fake = xmlrpc_client
    contact = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
    before, parsed = len(fake.requests), len(parses)
    assert client.contacts.get(contact.id).given_name == "Ada"
    assert len(parses) - parsed == len(fake.requests) - before == 1


def test_a_fault_through_the_client_is_read_and_classified_once(
    xmlrpc_client: tuple[ka.KeapClient, FakeKeap], parses: list[bytes]
) -> None:
    client, fake = xmlrpc_client
    client.contacts.custom_field_names()  # the field list, read before the fault
    fake.fail(200, fault="[RecordNotFound]Record was not found", path="ContactService.load")
    before = len(parses)
    with pytest.raises(ka.NotFoundError):
        client.contacts.get(7)
    assert [p[:5] for p in parses[before:]] == [b"<?xml", b"fault"]


def test_error_for_and_result_share_one_read_and_one_error(parses: list[bytes]) -> None:
    call, response = _call(), _fault()
    error = _xmlrpc_ops.error_for(call, response)
    assert isinstance(error, ka.NotFoundError)
    with pytest.raises(ka.NotFoundError) as raised:
        _xmlrpc_ops.result(call, response)
    assert raised.value is error  # mapped once, not again
    assert len(parses) == 2  # the body, and the fault's classification


def test_a_fault_the_cheap_check_misses_is_mapped_once_by_result(parses: list[bytes]) -> None:
    call, response = _call(), _fault("<fault >")
    assert _xmlrpc_ops.error_for(call, response) is None  # not parsed: no "<fault>" in it
    assert parses == []
    with pytest.raises(ka.NotFoundError):
        _xmlrpc_ops.result(call, response)
    assert len(parses) == 2


def test_an_unreadable_body_mentioning_a_fault_is_read_once(parses: list[bytes]) -> None:
    call = _call()
    response = httpx.Response(200, content=b"<html><fault>proxy error</fault>")
    assert _xmlrpc_ops.error_for(call, response) is None
    with pytest.raises(ka.TransportError, match="unreadable response"):
        _xmlrpc_ops.result(call, response)
    assert len(parses) == 1


def test_a_success_value_comes_from_the_one_read(parses: list[bytes]) -> None:
    body = xmlrpc.client.dumps(([{"Id": 1}],), methodresponse=True).encode()
    response = httpx.Response(200, content=body)
    assert _xmlrpc_ops.error_for(_call(), response) is None
    assert _xmlrpc_ops.result(_call(), response) == [{"Id": 1}]
    assert _xmlrpc_ops.result(_call(), response) == [{"Id": 1}]
    assert len(parses) == 1


# ------------------------------------------------------------------- REST: kept URL parts


def _from_strings(base: str, path: str, params: Any, fields: bool) -> str:
    """The URL as the codec built it before: an httpx.Request from strings."""
    merged = {**_rest_json.FIELDS} if fields else {}
    if isinstance(params, dict):
        merged.update(params)
        return str(httpx.Request("GET", base + path, params=merged).url)
    items = [*merged.items(), *(params or [])]
    return str(httpx.Request("GET", base + path, params=items or None).url)


def test_the_kept_parts_are_used_for_the_default_base() -> None:
    urls = _Urls(BASE)
    assert urls._template is not None  # the probe vouched for the fast route


@pytest.mark.parametrize(
    "base",
    [
        BASE,
        "http://127.0.0.1:8080/crm/rest/v2/",
        "https://API.Example.COM:443/crm/rest/v2/",
        "http://[::1]:9000/keap/crm/rest/v2/",
        "https://api.example.com/a%20b/rest/v2/",
    ],
)
@given(
    path=st.sampled_from(["contacts/", "tags/", "contacts/model", "tags/"]).flatmap(
        lambda head: st.integers(1, 10**12).map(lambda n: f"{head}{n}")
    )
    | st.sampled_from(["contacts", "tags/9/contacts:applyTags", "emailAddresses/a.b@c.d/status"]),
    params=st.none()
    | st.dictionaries(
        st.sampled_from(["page_size", "page_token", "filter", "duplicate_option"]),
        st.integers(0, 1000) | st.text(max_size=12),
        max_size=3,
    )
    | st.lists(st.tuples(st.just("update_mask"), st.sampled_from(["given_name", "company"]))),
    fields=st.booleans(),
)
def test_urls_from_kept_parts_equal_urls_from_strings(
    base: str, path: str, params: Any, fields: bool
) -> None:
    built = _Urls(base)(path, params, fields=fields)
    assert str(built) == _from_strings(base, path, params, fields)
    assert built == httpx.URL(_from_strings(base, path, params, fields))


def test_the_get_request_is_the_one_it_always_was() -> None:
    call = next(RestBackend(url=BASE).get_contact(12345))
    assert str(call.request.url) == _from_strings(BASE, "contacts/12345", None, fields=True)
    assert call.request.url.params["fields"] == _rest_json.FIELDS["fields"]
    assert call.request.headers["host"] == "api.infusionsoft.com"


def test_headers_are_made_once_and_sent_on_every_request() -> None:
    fake = FakeKeap()
    with ka.KeapClient("rest", fake.api_key, transport=fake.transport) as client:
        expected = client._headers()
        created = client.contacts.create(ka.NewContact(given_name="A", email="a@example.com"))
        client.contacts.get(created.id)
    for request in fake.requests:
        for name, value in expected.items():
            assert request.headers.get_list(name) == [value]
    assert dict(client._sent_headers) == {k.lower(): v for k, v in expected.items()}


def test_the_client_keeps_no_cookies_and_sends_none() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"id": "3", "name": "Lead"}
        return httpx.Response(200, json=body, headers={"Set-Cookie": "lb=abc; Path=/"})

    for make in (ka.KeapClient, ka.AsyncKeapClient):
        client = make("rest", "KeapAK-test-key-0001", transport=httpx.MockTransport(answer))
        assert list(client._http.cookies.jar) == []
    with ka.KeapClient(
        "rest", "KeapAK-test-key-0001", transport=httpx.MockTransport(answer)
    ) as client:
        client.tags.get(3)
        client.tags.get(3)
        assert list(client._http.cookies.jar) == []
    assert all("cookie" not in r.headers for r in seen)
