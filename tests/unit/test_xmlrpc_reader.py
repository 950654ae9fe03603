"""The fast XML-RPC reader gives exactly what ``xmlrpc.client.loads(..., use_builtin_types=True)``
gives: a differential property test on generated answers, and the recorded live answers
re-laid-out every way the reader treats differently (indented, CRLF, comments, CDATA)."""

from __future__ import annotations

import base64
import json
import re
import xmlrpc.client
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from keap_adapter.backends import _xmlrpc_wire as wire
from keap_adapter.backends._xmlrpc_wire import XmlRpcFault, XmlRpcParseError, loads_response

SAMPLES = json.loads(
    (Path(__file__).parent.parent / "data" / "xmlrpc-live-2015.json").read_text("utf-8")
)["interactions"]
SAMPLE_IDS = [f"{i}-{s['method']}" for i, s in enumerate(SAMPLES)]
EX = "http://ws.apache.org/xmlrpc/namespaces/extensions"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def shape(value: Any) -> Any:
    """``value`` with every type spelled out: ``1 == 1.0 == True`` must not hide a difference."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, float):
        return ("float", value.hex())  # tells -0.0 from 0.0
    return (type(value).__name__, value)


def ours(body: bytes) -> Any:
    try:
        return ("value", shape(loads_response(body)))
    except XmlRpcFault as fault:
        return ("fault", fault.code, fault.string)
    except XmlRpcParseError:
        return ("unreadable",)


def stdlib(body: bytes) -> Any:
    try:
        return ("value", shape(xmlrpc.client.loads(body, use_builtin_types=True)[0][0]))
    except xmlrpc.client.Fault as fault:
        return ("fault", fault.faultCode, fault.faultString)
    except Exception:  # ExpatError, ValueError, TypeError...: all "unreadable" here
        return ("unreadable",)


# ------------------------------------------------------------------- generated answers

gaps = st.sampled_from(["", "", "", " ", "\n", "\n  ", "\t", "\r\n"])
chars = st.characters(codec="utf-8").filter(lambda c: not _XML_ILLEGAL.match(c))
blank_runs = st.text(" \t\n", min_size=1, max_size=8) | st.text(" \n", min_size=290, max_size=310)


@st.composite
def xml_text(draw: st.DrawFn) -> str:
    """Character data: literal, escaped, as character references, or in a CDATA section."""
    if draw(st.integers(0, 5)) == 0:
        return draw(blank_runs)  # blank text that a parser might take for layout
    text = draw(st.text(chars, max_size=12))
    if text and "]]>" not in text and draw(st.integers(0, 7)) == 0:
        return f"<![CDATA[{text}]]>"
    forms = []
    for char in text:
        spelled = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char)
        spelling = draw(st.integers(0, 5))
        references = (f"&#{ord(char)};", f"&#x{ord(char):X};")
        forms.append(references[spelling] if spelling < 2 else spelled)
    return "".join(forms)


def _stamp(when: datetime, padded: bool) -> str:
    if padded:
        return f"{when.year:04d}{when.month:02d}{when.day:02d}T{when:%H:%M:%S}"
    return f"{when.year:04d}{when.month:02d}{when.day:02d}T{when.hour}:{when.minute}:{when.second}"


@st.composite
def scalar_xml(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 13))
    if kind == 0:
        return f"<value>{draw(xml_text())}</value>"  # bare string, as Keap writes them
    if kind == 1:
        return draw(st.sampled_from(["<value></value>", "<value/>", "<value><string/></value>"]))
    if kind == 2:
        return f"<value><string>{draw(xml_text())}</string></value>"
    if kind == 3:
        tag = draw(st.sampled_from(["int", "i4", "i8", "biginteger", "i1", "i2"]))
        number = draw(st.integers(-(2**40), 2**40))
        return f"<value><{tag}>{number}</{tag}></value>"
    if kind == 4:
        return f"<value><boolean>{draw(st.sampled_from('01'))}</boolean></value>"
    if kind == 5:
        return _double(draw)
    if kind == 6:
        when = draw(st.datetimes(min_value=datetime(1, 1, 1)))
        stamp = _stamp(when, draw(st.booleans()))
        return f"<value><dateTime.iso8601>{stamp}</dateTime.iso8601></value>"
    if kind == 7:
        data = draw(st.binary(max_size=80))
        encoded = draw(st.sampled_from([base64.encodebytes, base64.b64encode]))(data)
        return f"<value><base64>{encoded.decode('ascii')}</base64></value>"
    if kind == 8:
        return draw(st.sampled_from(["<value><nil/></value>", "<value><ex:nil/></value>"]))
    if kind == 9:
        return f"<value><ex:i8>{draw(st.integers(-(2**62), 2**62))}</ex:i8></value>"
    if kind == 10:
        amount = draw(st.decimals(allow_nan=False, allow_infinity=False, places=4))
        return f"<value><bigdecimal>{amount}</bigdecimal></value>"
    if kind == 11:  # strptime-valid stamps the fast path must hand over, and invalid ones
        return "<value><dateTime.iso8601>{}</dateTime.iso8601></value>".format(
            draw(st.sampled_from(["20260230T00:00:00", "20261301T00:00:00", "00000101T00:00:00",
                                  "20260101T24:00:00", "20260101T23:59:60", "2026011T1:2:3",
                                  "\u0662\u0660\u0662\u0666\u0660\u0661\u0660\u0661T00:00:00"]))
        )  # fmt: skip
    return f"<value><string>{draw(blank_runs)}</string></value>"


def _double(draw: st.DrawFn) -> str:
    number = draw(st.floats(allow_nan=False, allow_infinity=False))
    text = draw(st.sampled_from([repr(number), f"{number:e}", f"{number:.3f}", f" {number!r} "]))
    tag = draw(st.sampled_from(["double", "float"]))
    return f"<value><{tag}>{text}</{tag}></value>"


def _containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    @st.composite
    def struct(draw: st.DrawFn) -> str:
        members = [
            "<member>{0}<name>{1}</name>{0}{2}{0}</member>".format(
                draw(gaps), draw(xml_text()), draw(children)
            )
            for _ in range(draw(st.integers(0, 4)))
        ]
        gap = draw(gaps)
        return f"<value>{gap}<struct>{gap}{gap.join(members)}{gap}</struct>{gap}</value>"

    @st.composite
    def array(draw: st.DrawFn) -> str:
        gap = draw(gaps)
        values = gap.join(draw(st.lists(children, max_size=4)))
        return f"<value>{gap}<array>{gap}<data>{gap}{values}{gap}</data>{gap}</array></value>"

    return struct() | array()


values_xml = st.recursive(scalar_xml(), _containers, max_leaves=20)


def answer(value: str, gap: str, declaration: str) -> bytes:
    return (
        f'{declaration}<methodResponse xmlns:ex="{EX}">{gap}<params>{gap}<param>{gap}'
        f"{value}{gap}</param>{gap}</params>{gap}</methodResponse>"
    ).encode()


declarations = st.sampled_from(
    ["", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>\n']
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values_xml, gaps, declarations)
def test_generated_answers_read_as_stdlib_reads_them(value: str, gap: str, decl: str) -> None:
    body = answer(value, gap, decl)
    assert ours(body) == stdlib(body)


@settings(max_examples=100, deadline=None)
@given(st.integers(-(2**31), 2**31 - 1), xml_text(), gaps, declarations)
def test_generated_faults_read_as_stdlib_reads_them(
    code: int, string: str, gap: str, decl: str
) -> None:
    fault = (
        f"<fault>{gap}<value><struct>{gap}"
        f"<member><name>faultCode</name><value><int>{code}</int></value></member>{gap}"
        f"<member><name>faultString</name><value>{string}</value></member>"
        f"{gap}</struct></value>{gap}</fault>"
    )
    body = f"{decl}<methodResponse>{gap}{fault}{gap}</methodResponse>".encode()
    assert ours(body) == stdlib(body)
    assert ours(body)[0] == "fault"


# --------------------------------------------------------------- recorded live answers


def _layouts(body: str) -> dict[str, str]:
    """The same answer laid out as each reader path sees it."""
    return {
        "as recorded": body,
        "indented": body.replace("><", ">\n  <"),
        "crlf": body.replace("><", ">\r\n<"),
        "tabbed": body.replace("><", ">\t<"),
        "comment": body.replace("<params>", "<params><!-- note -->"),
        "no declaration": re.sub(r"^<\?xml[^>]*\?>", "", body),
    }


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
@pytest.mark.parametrize("layout", list(_layouts("")))
def test_live_answers_in_every_layout_read_as_stdlib(sample: dict[str, Any], layout: str) -> None:
    body = _layouts(sample["response_xml"])[layout].encode("utf-8")
    assert ours(body) == stdlib(body)
    assert ours(body)[0] != "unreadable"


def test_the_benchmark_answer_reads_as_stdlib() -> None:
    rows = [
        {"Id": i, "FirstName": f"Given{i}", "Groups": "1,2", "Dt": datetime(2026, 1, 2, 3, 4, 5)}
        for i in range(300)
    ]
    body = xmlrpc.client.dumps((rows,), methodresponse=True).encode()
    assert wire._blanks_are_layout(body)
    assert ours(body) == stdlib(body)


# ------------------------------------------------------------------ the two parsers


@pytest.mark.parametrize(
    ("body", "layout"),
    [
        (b'<?xml version="1.0"?>\n<methodResponse>\n<params/>\n</methodResponse>', True),
        (b"<methodResponse><params/></methodResponse>", True),
        (b"<methodResponse><!-- c --><params/></methodResponse>", False),
        (b"<methodResponse><params><param><value><![CDATA[x]]></value>", False),
        (b'<?xml version="1.0"?><methodResponse><?pi x?><params/></methodResponse>', False),
        (b"<methodResponse>\r\n<params/></methodResponse>", False),
        (b"\xef\xbb\xbf<methodResponse><params/></methodResponse>", False),  # BOM
        ("<methodResponse/>".encode("utf-16-le"), False),
        ("<methodResponse/>".encode("utf-16"), False),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><methodResponse/>', False),
        (b"<methodResponse><params><param><value>Really? Yes!</value>", True),
    ],
)
def test_blank_text_is_dropped_only_where_it_is_layout(body: bytes, layout: bool) -> None:
    assert wire._blanks_are_layout(body) is layout


@pytest.mark.parametrize(
    "value_xml",
    [
        "<value>   </value>",
        "<value>\n</value>",
        "<value><string> \t </string></value>",
        "<value><struct><member><name> </name><value> </value></member></struct></value>",
        "<value>a   </value>",
        "<value>   a</value>",
        "<value>&amp;   </value>",
        "<value>   &amp;</value>",
        "<value>" + " " * 400 + "</value>",
        "<value>" + " " * 299 + "x" + " " * 299 + "</value>",
        "<value>\n  <i4>7</i4>\n</value>",
        "<value><array><data>\n <value> </value>\n</data></array></value>",
    ],
)
def test_blank_values_survive_the_blank_dropping_parser(value_xml: str) -> None:
    body = answer(value_xml, "\n", "")
    assert wire._blanks_are_layout(body)
    assert ours(body) == stdlib(body)


@pytest.mark.parametrize("drop_blanks", [False, True])
def test_both_parsers_stay_hardened(drop_blanks: bool) -> None:
    parser = wire._parser(drop_blanks)
    assert parser is wire._parser(drop_blanks)  # reused, not rebuilt per call
    with pytest.raises(etree.XMLSyntaxError, match="not defined"):
        etree.fromstring(b"<methodResponse>&xxe;</methodResponse>", parser)
    ok = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>'
    assert "root:" not in (etree.tostring(etree.fromstring(ok, parser)) or b"").decode()


def test_decimal_and_nil_shapes() -> None:
    body = answer("<value><bigdecimal>1.50</bigdecimal></value>", "", "")
    assert loads_response(body) == Decimal("1.50")
    assert ours(body) == stdlib(body)
