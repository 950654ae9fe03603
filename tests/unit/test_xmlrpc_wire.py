"""XML-RPC marshalling: requests through stdlib ``dumps``, responses through hardened lxml."""

from __future__ import annotations

import json
import math
import re
import time
import xmlrpc.client
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keap_adapter.backends._xmlrpc_wire import (
    XmlRpcFault,
    XmlRpcParseError,
    dumps_call,
    loads_response,
)

SAMPLES = json.loads(
    (Path(__file__).parent.parent / "data" / "xmlrpc-live-2015.json").read_text("utf-8")
)["interactions"]


def stdlib(body: bytes) -> Any:
    return xmlrpc.client.loads(body, use_builtin_types=True)[0][0]


def parsed(loads: Any, body: bytes) -> Any:
    """What a reader gives, a fault as ``("fault", code, string)`` so both readers compare."""
    try:
        return loads(body)
    except XmlRpcFault as fault:
        return ("fault", fault.code, fault.string)
    except xmlrpc.client.Fault as fault:
        return ("fault", fault.faultCode, fault.faultString)


def response(value_xml: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><methodResponse><params><param>'
        f"{value_xml}</param></params></methodResponse>"
    ).encode()


# ------------------------------------------------------------------------- dumps_call


def test_dumps_call_is_a_stdlib_readable_method_call() -> None:
    when = datetime(2015, 5, 30, 7, 30)
    body = dumps_call("ContactService.add", ("key", {"FirstName": "Ada", "Id": 7, "When": when}))
    assert body.startswith(b"<?xml")
    params, method = xmlrpc.client.loads(body, use_builtin_types=True)
    assert method == "ContactService.add"
    assert params == ("key", {"FirstName": "Ada", "Id": 7, "When": when})
    assert b"<dateTime.iso8601>20150530T07:30:00</dateTime.iso8601>" in body
    assert b"<int>7</int>" in body


def test_dumps_call_encodes_utf8_and_keeps_carriage_returns() -> None:
    body = dumps_call("M", ("k", "caf\u00e9 \U0001f600\r\nline <&>"))
    assert "caf\u00e9".encode() in body
    assert b"\r" not in body  # sent as &#13; so XML parsing does not fold it into \n
    assert xmlrpc.client.loads(body)[0][1] == "caf\u00e9 \U0001f600\r\nline <&>"


@pytest.mark.parametrize(
    "params",
    [
        ("k", None),
        ("k", {"FirstName": None}),
        ("k", [1, [2, None]]),
        ("k", {"a": {"b": (None,)}}),
    ],
)
def test_none_is_refused_anywhere_before_sending(params: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="None"):
        dumps_call("M", params)


@pytest.mark.parametrize("value", [2**31 - 1, -(2**31), 0, True, False])
def test_int32_range_and_bools_pass(value: int) -> None:
    assert xmlrpc.client.loads(dumps_call("M", (value,)))[0] == (value,)


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 10**20])
def test_ints_beyond_int32_are_refused(value: int) -> None:
    with pytest.raises(ValueError, match="32-bit"):
        dumps_call("M", ("k", {"Id": value}))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "NaN"),
        (math.inf, "NaN or infinity"),
        (datetime(2020, 1, 1, tzinfo=timezone.utc), "timezone-aware"),
        ("bell\x07", "cannot carry"),
        ("\ud800", "cannot carry"),
    ],
)
def test_values_keap_cannot_take_are_refused(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dumps_call("M", ("k", [value]))


def test_struct_keys_are_checked_too() -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        dumps_call("M", ({"bad\x00key": 1},))
    with pytest.raises(TypeError, match="struct keys"):
        dumps_call("M", ({1: 1},))


@pytest.mark.parametrize("value", [object(), date(2020, 1, 1), Decimal("1.5"), {1, 2}])
def test_unsupported_types_are_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="cannot send"):
        dumps_call("M", ("k", value))


def test_self_containing_values_are_refused() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        dumps_call("M", (loop,))


def test_shared_but_acyclic_values_pass() -> None:
    shared = {"a": 1}
    assert xmlrpc.client.loads(dumps_call("M", ([shared, shared],)))[0] == ([shared, shared],)


def test_bytes_go_as_base64() -> None:
    body = dumps_call("M", (b"\x00\xff",))
    assert b"<base64>" in body
    assert (
        loads_response(
            body.replace(b"methodCall", b"methodResponse").replace(
                b"<methodName>M</methodName>", b""
            )
        )
        == b"\x00\xff"
    )


# --------------------------------------------------------------------- loads_response


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=[f"{i}-{s['method']}" for i, s in enumerate(SAMPLES)]
)
def test_live_samples_parse_as_stdlib_does(sample: dict[str, Any]) -> None:
    body = sample["response_xml"].encode("utf-8")
    assert parsed(loads_response, body) == parsed(stdlib, body)


def test_the_samples_hold_the_quirks_we_care_about() -> None:
    bodies = "".join(s["response_xml"] for s in SAMPLES)
    assert len(SAMPLES) == 41
    assert "<i4>" in bodies
    assert "<value></value>" in bodies  # empty bare value
    assert re.search(r"<value>[^<]+</value>", bodies)  # bare string without a type tag
    assert "<fault>" in bodies


@pytest.mark.parametrize(
    "value_xml",
    [
        "<value>bare text</value>",
        "<value></value>",
        "<value/>",
        "<value><string/></value>",
        "<value><string>typed</string></value>",
        "<value>\n  <i4>42</i4>\n</value>",
        "<value><int>-7</int></value>",
        "<value><boolean>0</boolean></value>",
        "<value><boolean>1</boolean></value>",
        "<value><double>-1.5e3</double></value>",
        "<value><dateTime.iso8601>20171208T11:56:04</dateTime.iso8601></value>",
        "<value><base64>AP8=</base64></value>",
        "<value><struct></struct></value>",
        "<value><array><data></data></array></value>",
        "<value><array><data><value>a</value><value><i4>1</i4></value>"
        "<value><array><data><value/></data></array></value></data></array></value>",
        "<value><struct><member><name>A</name><value>x</value></member>"
        "<member><name>B</name><value><i4>2</i4></value></member>"
        "<member><name>C</name><value><struct><member><name>D</name><value/></member>"
        "</struct></value></member></struct></value>",
        "<value>&lt;tag&gt; &amp; &#x1F600; &#233;</value>",
        "<value><![CDATA[<raw> & text]]></value>",
        "<value>a<!-- note -->b</value>",
        "<value>\U0001f600 emoji \u00e9</value>",
        "<value><string>  spaced  </string></value>",
        "<value><struct><member><name>Dup</name><value>1</value></member>"
        "<member><name>Dup</name><value>2</value></member></struct></value>",
    ],
)
def test_values_match_stdlib(value_xml: str) -> None:
    body = response(value_xml)
    assert loads_response(body) == stdlib(body)


def test_member_order_inside_a_member_does_not_matter() -> None:
    body = response(
        "<value><struct><member><value><i4>2</i4></value><name>B</name></member></struct></value>"
    )
    assert loads_response(body) == {"B": 2}  # stdlib would pair them the wrong way round


def test_namespaced_extension_types_match_stdlib() -> None:
    ns = 'xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"'
    body = (
        f"<methodResponse {ns}><params><param><value><array><data>"
        "<value><ex:nil/></value><value><ex:i8>9000000000</ex:i8></value>"
        "</data></array></value></param></params></methodResponse>"
    ).encode()
    assert loads_response(body) == stdlib(body) == [None, 9000000000]


def test_declared_encodings_are_honoured() -> None:
    body = response("<value>caf\u00e9</value>").replace(b"utf-8", b"ISO-8859-1")
    body = body.replace("caf\u00e9".encode(), "caf\u00e9".encode("latin-1"))
    assert loads_response(body) == stdlib(body) == "caf\u00e9"


def test_a_fault_raises_xmlrpcfault() -> None:
    body = xmlrpc.client.dumps(xmlrpc.client.Fault(5, "[RecordNotFound]Record was not found"))
    with pytest.raises(XmlRpcFault) as caught:
        loads_response(body.encode())
    assert caught.value.code == 5
    assert caught.value.string == "[RecordNotFound]Record was not found"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"<html><body>502 Bad Gateway</body></html>",
        b"<methodResponse><params><param><value><i4>1",
        b"<methodCall><methodName>x</methodName><params/></methodCall>",
        b"<methodResponse><params></params></methodResponse>",
        b"<methodResponse><params><param></param></params></methodResponse>",
        response("<value><i4>one</i4></value>"),
        response("<value><i4/></value>"),
        response("<value><boolean>yes</boolean></value>"),
        response("<value><double>x</double></value>"),
        response("<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>"),
        response("<value><base64>AP8</base64></value>"),  # bad padding
        response("<value><bigdecimal>nope</bigdecimal></value>"),
        response("<value><unknown>1</unknown></value>"),
        response("<value><ex:nil/></value>"),  # undeclared namespace prefix
        response("<value><struct><member><name>A</name></member></struct></value>"),
        b"<methodResponse><fault><value>not a struct</value></fault></methodResponse>",
    ],
)
def test_unreadable_bodies_raise_a_valueerror_subclass(body: bytes) -> None:
    with pytest.raises(XmlRpcParseError):
        loads_response(body)
    assert issubclass(XmlRpcParseError, ValueError)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodResponse><params><param><value>&lol9;</value></param></params></methodResponse>"""


def test_billion_laughs_is_refused_without_expansion() -> None:
    started = time.perf_counter()
    # libxml2 stops it at its amplification limit, or we refuse the DOCTYPE: never expanded
    with pytest.raises(XmlRpcParseError, match=r"DOCTYPE|amplification"):
        loads_response(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0  # 10**9 "lol"s would take far longer


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE r [<!ENTITY xxe "small and internal">]>',
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">]>',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>',
    ],
)
def test_entities_are_refused_unread(doctype: str) -> None:
    body = (
        f'<?xml version="1.0"?>{doctype}'
        "<methodResponse><params><param><value>&xxe;</value></param></params></methodResponse>"
    ).encode()
    with pytest.raises(XmlRpcParseError, match="DOCTYPE") as caught:
        loads_response(body)
    assert "root:" not in str(caught.value)


def test_a_bare_external_dtd_is_refused() -> None:
    body = (
        b'<!DOCTYPE methodResponse SYSTEM "http://127.0.0.1:9/x.dtd">'
        + response("<value>x</value>").split(b"?>", 1)[1]
    )
    with pytest.raises(XmlRpcParseError, match="DOCTYPE"):
        loads_response(body)


# ------------------------------------------------------------------ round-trip property

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
texts = st.text(st.characters(codec="utf-8")).filter(lambda s: not _XML_ILLEGAL.search(s))
scalars = (
    texts
    | st.integers(min_value=-(2**31), max_value=2**31 - 1)
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=25,
)


@given(values)
def test_dumps_then_loads_round_trips(value: Any) -> None:
    body = dumps_call("Test.echo", (value,))
    params, method = xmlrpc.client.loads(body, use_builtin_types=True)
    assert method == "Test.echo"
    assert params == (value,)
    # Our reader on the same wire text: identical to the value sent and to stdlib.
    wire = body.replace(b"<methodCall>", b"<methodResponse>").replace(
        b"</methodCall>", b"</methodResponse>"
    )
    wire = re.sub(rb"<methodName>[^<]*</methodName>", b"", wire)
    assert loads_response(wire) == value == stdlib(wire)
