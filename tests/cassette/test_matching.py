"""Request canonicalisation and matching, on stored forms: pure, no cassette, no transport."""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from keap_adapter._config import KEY_PLACEHOLDER
from keap_adapter.backends._xmlrpc_wire import XmlRpcParseError, dumps_call, loads_call
from keap_adapter.testing._codec import decode_request, from_jsonable, to_jsonable
from keap_adapter.testing._matching import (
    describe,
    differences,
    fits,
    miss_message,
    nearest,
    request_key,
)

V1 = "https://api.infusionsoft.com/crm/xmlrpc/v1"


def rest(method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    return decode_request(httpx.Request(method, url, **kwargs))


def call_xml(method: str, *values_xml: str, url: str = V1) -> dict[str, Any]:
    """An XML-RPC request whose params are given as raw ``<value>`` XML."""
    params = "".join(f"<param>{v}</param>" for v in values_xml)
    body = f"<?xml version='1.0'?><methodCall><methodName>{method}</methodName>"
    body += f"<params>{params}</params></methodCall>"
    return decode_request(httpx.Request("POST", url, content=body.encode()))


def call(method: str, *params: Any, url: str = V1) -> dict[str, Any]:
    return decode_request(httpx.Request("POST", url, content=dumps_call(method, params)))


def same(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return request_key(left) == request_key(right)


# ------------------------------------------------------------------------ loads_call

CALLS = [
    "<methodCall><methodName>A.b</methodName></methodCall>",
    "<methodCall><methodName>A.b</methodName><params/></methodCall>",
    "<methodCall><methodName>A.b</methodName><params><param><value><i4>7</i4></value></param>"
    "<param><value><int>-3</int></value></param></params></methodCall>",
    "<methodCall><methodName>A.b</methodName><params><param><value/></param>"
    "<param><value></value></param><param><value><string/></value></param><param><value><string></string></value></param>"
    "<param><value>bare</value></param></params></methodCall>",
    "<methodCall><methodName>A.b</methodName><params><param><value><struct>"
    "<member><name>When</name><value><dateTime.iso8601>20260102T03:04:05</dateTime.iso8601>"
    "</value></member><member><name>Raw</name><value><base64>aGk=</base64></value></member>"
    "<member><name>On</name><value><boolean>1</boolean></value></member>"
    "<member><name>Ids</name><value><array><data><value><i4>1</i4></value>"
    "<value><double>2.5</double></value></data></array></value></member>"
    "</struct></value></param></params></methodCall>",
]


@pytest.mark.parametrize("body", CALLS)
def test_loads_call_reads_what_the_stdlib_reads(body: str) -> None:
    params, method = xmlrpc.client.loads(body.encode(), use_builtin_types=True)
    assert loads_call(body.encode()) == (method, params)


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b"<methodResponse><params/></methodResponse>",
        b"<methodCall><params/></methodCall>",
        b'<!DOCTYPE r [<!ENTITY x "y">]><methodCall><methodName>&x;</methodName></methodCall>',
    ],
)
def test_loads_call_refuses_what_is_not_a_plain_method_call(body: bytes) -> None:
    with pytest.raises(XmlRpcParseError):
        loads_call(body)


# ------------------------------------------------------------------------- tagging


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 2, 3, 4, 5),
        b"\x00\xff binary",
        Decimal("1.50"),
        {"$datetime": "a struct that only looks tagged"},
        {"nested": [1, "two", {"when": datetime(2015, 5, 30, 7, 30)}, True, None, 2.5]},
    ],
)
def test_xmlrpc_values_survive_the_json_round_trip(value: Any) -> None:
    assert from_jsonable(to_jsonable(value)) == value


def test_tagged_forms_are_the_documented_ones() -> None:
    assert to_jsonable(datetime(2026, 1, 2, 3, 4, 5)) == {"$datetime": "20260102T03:04:05"}
    assert to_jsonable(b"hi") == {"$base64": "aGk="}
    assert to_jsonable((1, "a")) == [1, "a"]


# --------------------------------------------------------------------------- decode


def test_an_xmlrpc_call_is_detected_by_its_body_not_its_url() -> None:
    stored = call("ContactService.load", "key", 7, ["Id"], url="https://x.test/anything")
    assert stored["xmlrpc"] == {"method": "ContactService.load", "params": ["key", 7, ["Id"]]}
    assert "json" not in stored
    assert "text" not in stored


def test_rest_bodies_are_decoded_json_text_or_base64() -> None:
    assert rest("POST", "https://x.test/a", json={"b": [1]})["json"] == {"b": [1]}
    assert rest("POST", "https://x.test/a", content=b"<methodCall>broken")["text"]
    assert rest("POST", "https://x.test/a", content=b"\xff\xfe")["base64"] == "//4="
    bare = rest("GET", "https://x.test/a?x=1&x=2")
    assert bare["query"] == [["x", "1"], ["x", "2"]]
    assert not {"json", "text", "base64", "xmlrpc"} & set(bare)


# -------------------------------------------------------------------------- matching


def test_query_order_is_ignored_but_values_are_a_multiset() -> None:
    base = rest("GET", "https://x.test/v2/contacts?a=1&b=2&a=3")
    assert same(base, rest("GET", "https://x.test/v2/contacts?b=2&a=3&a=1"))
    assert not same(base, rest("GET", "https://x.test/v2/contacts?a=1&b=2"))


def test_json_key_order_is_ignored_list_order_and_types_are_not() -> None:
    left = rest("POST", "https://x.test/c", content=b'{"a": 1, "b": [1, 2]}', headers=JSON)
    assert same(
        left, rest("POST", "https://x.test/c", content=b'{"b": [1, 2], "a": 1}', headers=JSON)
    )
    assert not same(left, rest("POST", "https://x.test/c", json={"a": 1, "b": [2, 1]}))
    assert not same(left, rest("POST", "https://x.test/c", json={"a": True, "b": [1, 2]}))
    assert not same(left, rest("POST", "https://x.test/c", json={"a": 1.0, "b": [1, 2]}))


JSON = {"Content-Type": "application/json"}


def test_host_scheme_and_port_are_ignored_method_and_path_are_not() -> None:
    base = rest("GET", "https://api.infusionsoft.com/crm/rest/v2/contacts/7")
    assert same(base, rest("GET", "http://127.0.0.1:53211/crm/rest/v2/contacts/7"))
    assert not same(base, rest("GET", "https://api.infusionsoft.com/crm/rest/v2/contacts/8"))
    assert not same(base, rest("DELETE", "https://api.infusionsoft.com/crm/rest/v2/contacts/7"))


def test_a_placeholder_in_a_recording_fits_any_text_there_and_only_there() -> None:
    recorded = rest("GET", "https://x.test/v2/e/R/status?filter=email==R&a=1&a=R", json={"n": "R"})
    recorded = {**recorded, "path": "/v2/e/<R>/status", "json": {"n": "Hi <R>"}}
    recorded["query"] = [["filter", "email==<R>"], ["a", "1"], ["a", "<R>"]]
    sent = rest(
        "GET", "https://x.test/v2/e/x@y/status?a=z&filter=email==x@y&a=1", json={"n": "Hi x"}
    )
    assert fits(sent, recorded, "<R>")
    assert not fits({**sent, "path": "/v2/e/x@y/other"}, recorded, "<R>")
    assert not fits({**sent, "json": {"n": "Ho x"}}, recorded, "<R>")
    assert not fits({**sent, "json": {"m": "Hi x"}}, recorded, "<R>")  # keys are exact
    assert not fits(
        {**sent, "query": [["a", "z"], ["a", "z"], ["filter", "email==x"]]}, recorded, "<R>"
    )
    call = {"path": "/x", "xmlrpc": {"method": "M.f", "params": ["k", "<R>", 1]}}
    assert fits({"path": "/x", "xmlrpc": {"method": "M.f", "params": ["j", "a@b", 1]}}, call, "<R>")
    assert not fits(
        {"path": "/x", "xmlrpc": {"method": "M.g", "params": ["j", "a", 1]}}, call, "<R>"
    )
    assert not fits(sent, call, "<R>")


def test_headers_are_never_matched() -> None:
    base = rest("GET", "https://x.test/a", headers={"x-request-id": "1", "date": "today"})
    assert same(base, rest("GET", "https://x.test/a", headers={"x-request-id": "2"}))


def test_struct_member_order_is_ignored() -> None:
    one = "<value><struct><member><name>A</name><value>x</value></member>"
    one += "<member><name>B</name><value><i4>1</i4></value></member></struct></value>"
    two = "<value><struct><member><name>B</name><value><i4>1</i4></value></member>"
    two += "<member><name>A</name><value>x</value></member></struct></value>"
    assert same(
        call_xml("C.add", "<value>k</value>", one), call_xml("C.add", "<value>k</value>", two)
    )


def test_i4_and_int_are_the_same_number() -> None:
    left = call_xml("C.load", "<value>k</value>", "<value><i4>7</i4></value>")
    assert same(left, call_xml("C.load", "<value>k</value>", "<value><int>7</int></value>"))
    assert not same(left, call_xml("C.load", "<value>k</value>", "<value><i4>8</i4></value>"))


@pytest.mark.parametrize(
    "empty",
    ["<value></value>", "<value/>", "<value><string></string></value>", "<value><string/></value>"],
)
def test_the_empty_string_forms_are_one_value(empty: str) -> None:
    base = call_xml("C.update", "<value>k</value>", "<value></value>")
    assert same(base, call_xml("C.update", "<value>k</value>", empty))


@pytest.mark.parametrize("key", ["KeapAK-real-key", KEY_PLACEHOLDER, "<REDACTED>", ""])
def test_the_key_param_is_ignored(key: str) -> None:
    base = call("ContactService.load", "another-key", 7, ["Id"])
    assert same(base, call("ContactService.load", key, 7, ["Id"]))


def test_xmlrpc_keeps_the_path_and_the_method_name() -> None:
    base = call("ContactService.load", "k", 7, ["Id"])
    assert not same(
        base, call("ContactService.load", "k", 7, ["Id"], url="https://a.test/api/xmlrpc")
    )
    assert not same(base, call("DataService.load", "k", 7, ["Id"]))
    assert same(
        base, call("ContactService.load", "k", 7, ["Id"], url="http://127.0.0.1:1/crm/xmlrpc/v1")
    )


# ----------------------------------------------------------------------- differences


def test_differences_walk_fields() -> None:
    sent = rest("GET", "https://x.test/v2/contacts?page_size=2&fields=id")
    recorded = rest("GET", "https://x.test/v2/contacts?fields=id&page_size=1000")
    assert differences(sent, recorded) == ["query page_size: '2' != '1000'"]
    sent = rest("POST", "https://x.test/c", json={"given_name": "Ada", "emails": [{"e": "a"}]})
    recorded = rest("POST", "https://x.test/c", json={"given_name": "Bob", "emails": [{"e": "b"}]})
    assert differences(sent, recorded) == [
        "body.emails[0].e: 'a' != 'b'",
        "body.given_name: 'Ada' != 'Bob'",
    ]


def test_differences_name_xmlrpc_method_and_params() -> None:
    sent = call("ContactService.addToGroup", "key", 42, 5)
    assert differences(sent, call("ContactService.addToGroup", "other", 42, 7)) == [
        "param 2: 5 != 7"
    ]
    assert differences(
        call("ContactService.add", "k", {"A": 1}),
        call("ContactService.addWithDupCheck", "k", {"A": 1}, "Email"),
    ) == [
        "method: ContactService.add != ContactService.addWithDupCheck",
        "param 2: missing != 'Email'",
    ]
    assert differences(call("C.add", "k", {"A": 1, "B": 2}), call("C.add", "k", {"A": 1})) == [
        "param 1.B: 2 != missing"
    ]


def test_differences_across_protocols_and_body_kinds() -> None:
    assert differences(call("C.load", "k", 7), rest("GET", V1)) == ["protocol: XML-RPC != REST"]
    text = rest("POST", "https://x.test/c", content=b"hello")
    assert differences(text, rest("POST", "https://x.test/c")) == ["body: text 'hello' != no body"]


def test_describe_names_the_request_but_never_the_key() -> None:
    assert describe(call("ContactService.load", "SECRET-KEY", 7, ["Id"])) == (
        "XML-RPC ContactService.load(7, ['Id'])"
    )
    assert describe(rest("GET", "https://x.test/crm/rest/v2/contacts/7?fields=id,given_name")) == (
        "GET /crm/rest/v2/contacts/7?fields=id,given_name"
    )


def test_nearest_ranks_by_protocol_operation_then_number_of_differences() -> None:
    sent = call("ContactService.load", "k", 7, ["Id", "Email"])
    recorded = [
        rest("GET", "https://x.test/crm/rest/v2/contacts/7"),
        call("DataService.query", "k", "Contact", 7),
        call("ContactService.load", "k", 8, ["Id"]),
        call("ContactService.load", "k", 8, ["Id"]),  # a repeat: listed once
        call("ContactService.load", "k", 7, ["Id"]),
    ]
    assert [index for index, _ in nearest(sent, recorded)] == [4, 2, 1]
    message = miss_message(sent, recorded, where="c.json", mode="none", why="because")
    assert "XML-RPC ContactService.load(7, ['Id', 'Email'])" in message
    assert "cassette: c.json (mode 'none')\nbecause" in message
    assert (
        "#4 XML-RPC ContactService.load(7, ['Id'])\n      param 2: ['Id', 'Email'] != ['Id']"
        in message
    )
