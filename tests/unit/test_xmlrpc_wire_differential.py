"""The plain reader (no tree) gives what ``xmlrpc.client.loads(body, use_builtin_types=True)``
gives, and what the tree reader gives: generated values as stdlib writes them, re-laid-out
with blank layout and in Keap's compact layout (bare strings, ``<i4>``, character
references), faults, the shapes it hands to the tree, and the tree parser's guarantees kept
on the plain path (legal characters, no entities, libxml2's limits)."""

from __future__ import annotations

import re
import threading
import time
import xmlrpc.client
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench._reader import query_answer
from keap_adapter.backends import _xmlrpc_wire as wire
from keap_adapter.backends._xmlrpc_wire import XmlRpcFault, XmlRpcParseError, loads_response
from tests.unit.test_xmlrpc_reader import ours, shape, stdlib

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def tree(body: bytes) -> Any:
    """What the tree reader (the path every non-plain body takes) gives."""
    try:
        root = wire._document(body, "responses", wire._blanks_are_layout(body))
        return ("value", shape(wire._response_value(root)))
    except XmlRpcFault as fault:
        return ("fault", fault.code, fault.string)
    except (XmlRpcParseError, ValueError, TypeError, KeyError, IndexError, ArithmeticError):
        return ("unreadable",)


def read_plain(body: bytes) -> bool:
    """Whether the plain reader (not the tree) reads ``body``."""
    return wire._blanks_are_layout(body) and wire._plain_response(body) is not wire._NOT_PLAIN


def response(value_xml: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><methodResponse><params><param>'
        f"{value_xml}</param></params></methodResponse>"
    ).encode()


# ------------------------------------------------------------------- generated values

chars = st.characters(codec="utf-8").filter(lambda c: not _XML_ILLEGAL.match(c))
plain_text = st.text(chars, max_size=15)
spaces = st.text(" \t\n", max_size=3)
# Text as XML can carry it, often with leading or trailing blanks (which must survive).
texts = st.one_of(
    plain_text,
    st.builds(lambda head, text, tail: head + text + tail, spaces, plain_text, spaces),
    st.sampled_from(["", " ", "\n", "&", "<tag>", "]]>", "a\rb", "\u00e9\U0001f600"]),
)
scalars = st.one_of(
    texts,
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(),  # naive; stdlib writes them to the second
    st.binary(max_size=40),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=30,
)
# Blank layout between elements: XML's whitespace; CR (which parsers fold) sends the
# body to the tree, where it must read the same.
gaps = st.lists(st.sampled_from(["", " ", "\n", "\n  ", "\t", "  \n\t ", "\r\n"]), min_size=1)
_TAGGED = re.compile(rb"(<[^>]*>)")
# Tags whose content is elements (and layout), never text, in what stdlib writes.
_CONTAINERS = {
    b"<methodResponse>", b"<params>", b"<param>", b"<fault>", b"<value>", b"<struct>",
    b"<member>", b"<array>", b"<data>", b"",
}  # fmt: skip


def relaid(body: bytes, layout: list[str], keap: bool = False) -> bytes:
    """``body`` (as stdlib writes it) with the blanks between elements replaced by
    ``layout``'s gaps in turn; ``keap``: as Keap writes it instead (no layout, bare
    strings, ``<i4>``, newlines inside text as character references)."""
    pieces = _TAGGED.split(body)  # text, tag, text, tag, ..., text
    out: list[bytes] = []
    turn = 0
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            out.append(_keap_tag(pieces, index) if keap else piece)
            continue
        before = pieces[index - 1] if index else b""
        after = pieces[index + 1] if index + 1 < len(pieces) else b""
        if before not in _CONTAINERS and after == b"</" + before[1:]:  # a scalar's text
            out.append(piece.replace(b"\n", b"&#10;").replace(b"\r", b"&#13;") if keap else piece)
        elif keap or not index:  # nothing may come before the declaration
            out.append(b"")
        else:
            assert not piece.strip(), piece  # stdlib writes only blanks between elements
            out.append(layout[turn % len(layout)].encode())
            turn += 1
    return b"".join(out)


def _keap_tag(pieces: list[bytes], index: int) -> bytes:
    tag = pieces[index]
    # <value><string>x</string></value> -> <value>x</value>: Keap's bare strings
    if tag == b"<string>" and pieces[index - 2] == b"<value>" and not pieces[index - 1].strip():
        return b""
    if tag == b"</string>" and pieces[index + 2 : index + 3] == [b"</value>"]:
        return b""
    return {b"<int>": b"<i4>", b"</int>": b"</i4>"}.get(tag, tag)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_stdlib_answers_read_as_stdlib_reads_them(value: Any) -> None:
    body = xmlrpc.client.dumps((value,), methodresponse=True).encode("utf-8")
    expected = stdlib(body)
    assert expected[0] == "value"
    assert ours(body) == expected == tree(body)
    assert read_plain(body) is (b"\r" not in body)  # CR aside, the tree is not needed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, gaps)
def test_re_laid_out_answers_read_as_stdlib_reads_them(value: Any, layout: list[str]) -> None:
    body = relaid(xmlrpc.client.dumps((value,), methodresponse=True).encode("utf-8"), layout)
    expected = stdlib(body)
    assert ours(body) == expected == tree(body)
    assert read_plain(body) is (b"\r" not in body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_answers_in_keaps_layout_read_as_stdlib_reads_them(value: Any) -> None:
    body = relaid(xmlrpc.client.dumps((value,), methodresponse=True).encode("utf-8"), [], True)
    assert b"\r" not in body
    assert ours(body) == stdlib(body) == tree(body)
    assert read_plain(body)


def test_the_benchmark_answer_is_read_plain_as_stdlib_reads_it() -> None:
    body = query_answer()
    assert read_plain(body)
    assert ours(body) == stdlib(body) == tree(body)


# ----------------------------------------------------------------------------- faults


@settings(max_examples=150, deadline=None)
@given(st.integers(-(2**31), 2**31 - 1), texts, gaps, st.booleans())
def test_faults_raise_what_stdlib_raises(
    code: int, string: str, layout: list[str], keap: bool
) -> None:
    written = xmlrpc.client.dumps(xmlrpc.client.Fault(code, string), methodresponse=True)
    body = relaid(written.encode("utf-8"), layout, keap)
    with pytest.raises(xmlrpc.client.Fault) as theirs:
        xmlrpc.client.loads(body, use_builtin_types=True)
    with pytest.raises(XmlRpcFault) as caught:
        loads_response(body)
    assert (caught.value.code, caught.value.string) == (
        theirs.value.faultCode,
        theirs.value.faultString,
    )
    assert not read_plain(body)  # faults are read from the tree


# ----------------------------------------------------------- plain, with the tree's rules


@pytest.mark.parametrize(
    "value_xml",
    [
        "<value/>",
        "<value><string/></value>",
        "<value><nil/></value>",
        "<value><base64/></value>",
        "<value><struct/></value>",
        "<value><array/></value>",
        "<value><array></array></value>",
        "<value><array><data/></array></value>",
        "<value> <string> x </string>\n</value>",
        "<value><struct><member><name/><value>x</value></member></struct></value>",
        "<value><struct><member><name>a</name><value/></member>"
        "<member><name>e</name><value><struct>\n</struct></value></member>"
        "<member><name>a</name><value><i4>2</i4></value></member></struct></value>",  # dup
        "<value><struct><member><name>a&amp;b</name><value>&lt;x&gt; &quot;&apos; "
        "&#10;&#13;&#x1F600;&#233;</value></member>"
        "<member><name>n</name><value><i4>&#52;2</i4></value></member></struct></value>",
    ],
)
def test_empty_and_escaped_values_are_read_plain_as_the_tree_reads_them(value_xml: str) -> None:
    body = response(value_xml)
    assert read_plain(body)
    assert ours(body) == stdlib(body) == tree(body)


@pytest.mark.parametrize(
    "value_xml",
    [
        "<value><int/></value>",  # refused by both readers, so the tree says why
        "<value><i4>one</i4></value>",
        "<value><unknown>1</unknown></value>",
        "<value><struct><member><value><i4>2</i4></value><name>B</name></member>"
        "</struct></value>",  # out of order
        "<value><array><value><i4>1</i4></value></array></value>",  # no <data>
        '<value><string xml:lang="en">x</string></value>',  # an attribute
        "<value >x</value>",
        "<value><struct>junk<member><name>a</name><value>x</value></member></struct></value>",
        "<value>a</value></param><param><value>b</value>",  # a second param
    ],
)
def test_bodies_outside_the_plain_grammar_go_to_the_tree(value_xml: str) -> None:
    body = response(value_xml)
    assert wire._blanks_are_layout(body)
    assert wire._plain_response(body) is wire._NOT_PLAIN
    assert ours(body) == tree(body)


def test_containers_repeated_in_an_answer_are_distinct_objects() -> None:
    row = "<value><struct><member><name>a</name><value><i4>1</i4></value></member></struct></value>"
    body = response(f"<value><array><data>{row}<value><array/></value>{row}<value><array/></value>"
                    "</data></array></value>")  # fmt: skip
    assert read_plain(body)
    found = loads_response(body)
    assert found == [{"a": 1}, [], {"a": 1}, []]
    assert found[0] is not found[2]
    assert found[1] is not found[3]


@pytest.mark.parametrize(
    ("value_xml", "message"),
    [
        ("<value>bell\x07</value>", "PCDATA invalid Char"),
        ("<value>&#7;</value>", "xmlParseCharRef"),
        ("<value>&#xD800;</value>", "xmlParseCharRef"),
        ("<value>&xxe;</value>", "not defined"),
        ("<value>\udcff</value>", "encoding"),  # invalid UTF-8 (a lone surrogate's bytes)
        ("<value>a]]>b</value>", "not allowed in content"),
        ("<value><struct></array></value>", "mismatch"),
    ],
)
def test_the_plain_path_refuses_what_the_tree_parser_refuses(value_xml: str, message: str) -> None:
    body = response("").replace(b"<param>", b"<param>" + value_xml.encode("utf-8", "surrogatepass"))
    assert wire._blanks_are_layout(body)
    assert wire._HEAD.match(body)  # so it reaches the plain path's libxml2 check
    with pytest.raises(XmlRpcParseError, match=message):
        loads_response(body)
    assert tree(body) == ("unreadable",)


def test_the_plain_path_keeps_libxml2s_depth_limit() -> None:
    deep = "<value><array><data>" * 300 + "</data></array></value>" * 300
    body = response(deep)
    assert wire._blanks_are_layout(body)
    with pytest.raises(XmlRpcParseError, match="depth"):
        loads_response(body)


def test_text_beyond_libxml2s_limit_goes_to_the_tree_which_refuses_it() -> None:
    # The check pass builds no text node, so it cannot apply the text-node limit itself.
    body = response("<value>" + "a" * 10_000_001 + "</value>")
    assert wire._plain_response(body) is wire._NOT_PLAIN
    with pytest.raises(XmlRpcParseError, match="Text node too long"):
        loads_response(body)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE r [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>',
        '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">',
    ],
)
def test_the_check_pass_refuses_a_doctype_on_its_own(doctype: str) -> None:
    # The plain path never sees "<!" (_blanks_are_layout); the check refuses it anyway.
    started = time.perf_counter()
    with pytest.raises(XmlRpcParseError, match="DOCTYPE"):
        wire._validate(f"{doctype}<r>&xxe;</r>".encode())
    assert time.perf_counter() - started < 1.0
    wire._validate(b"<r/>")  # and the parser is still usable afterwards


def test_each_thread_has_its_own_check_parser() -> None:
    mine = wire._validator()
    assert wire._validator() is mine
    theirs: list[object] = []
    worker = threading.Thread(target=lambda: theirs.append(wire._validator()))
    worker.start()
    worker.join()
    assert theirs
    assert theirs[0] is not mine
