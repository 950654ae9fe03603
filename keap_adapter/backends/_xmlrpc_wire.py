"""XML-RPC marshalling: stdlib ``dumps`` for requests, a hardened lxml reader for responses.

Requests go through :func:`xmlrpc.client.dumps` after a check that refuses what Keap cannot
take (nil, ints beyond 32 bits, non-finite floats, aware datetimes, XML-illegal text), so a
bad value fails here with a clear message instead of as a server fault.

Responses are read with lxml under a parser that never resolves entities, loads no DTD and
touches no network; any document with a DOCTYPE is refused outright, since no XML-RPC answer
needs one and entity tricks (billion laughs, external entities) all start there. The values
are the ones ``xmlrpc.client.loads(body, use_builtin_types=True)[0][0]`` gives.

Answers in the plain layout stdlib and Keap write (no DOCTYPE, comments, CDATA, PIs,
attributes or namespaces; at most 10 MB) skip the tree: libxml2 checks the whole body in a
pass that builds nothing, and a strict grammar then reads it (see "plain answers" below).
Every other body, faults included, is read from the tree.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import sys
import threading
import xmlrpc.client
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from .._models import XML_ILLEGAL as _XML_ILLEGAL

__all__ = ["XmlRpcFault", "XmlRpcParseError", "dumps_call", "loads_call", "loads_response"]

_INT32 = (-(2**31), 2**31 - 1)
# The characters XML 1.0 cannot carry; stdlib dumps would write them and produce a body
# no parser (Keap's included) accepts.
_SCALARS = (str, bool, int, float, bytes, bytearray, datetime, xmlrpc.client.Binary)


class XmlRpcFault(Exception):
    """A ``<fault>`` answer: Keap's ``faultCode`` and ``faultString``."""

    def __init__(self, code: int, string: str) -> None:
        self.code = code
        self.string = string
        super().__init__(f"<Fault {code}: {string!r}>")


class XmlRpcParseError(ValueError):
    """A body that is not a readable XML-RPC response (or one that is refused as hostile)."""


# --------------------------------------------------------------------------- requests


def dumps_call(method: str, params: tuple[Any, ...]) -> bytes:
    """The UTF-8 ``<methodCall>`` body for ``method(*params)``.

    Raises ``ValueError`` for ``None`` anywhere (XML-RPC has no nil and Keap refuses the
    extension), ints outside int32, NaN/infinity, timezone-aware datetimes (convert to naive
    US Eastern first) and text XML cannot carry; ``TypeError`` for unsupported types.
    """
    for index, value in enumerate(params):
        _check(value, f"params[{index}]", set())
    body = xmlrpc.client.dumps(params, methodname=method, encoding="utf-8")
    # XML parsers turn a literal CR into LF; as a character reference it survives. The
    # marshaller never writes CR itself, so every CR here comes from string data.
    return body.replace("\r", "&#13;").encode("utf-8")


def _check(value: Any, path: str, seen: set[int]) -> None:
    if value is None:
        raise ValueError(f"{path} is None: XML-RPC has no nil; send '' to clear a field")
    if isinstance(value, (dict, list, tuple)):
        _check_container(value, path, seen)
    elif not isinstance(value, _SCALARS):
        raise TypeError(f"{path}: cannot send {type(value).__name__} over XML-RPC")
    else:
        _check_scalar(value, path)


def _check_container(
    value: dict[Any, Any] | list[Any] | tuple[Any, ...], path: str, seen: set[int]
) -> None:
    if id(value) in seen:
        raise ValueError(f"{path} contains itself")
    seen.add(id(value))
    if isinstance(value, dict):
        if not (_all_text(value) and _all_text(value.values())):
            _check_struct(value, path, seen)
    elif not _all_text(value):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", seen)
    seen.discard(id(value))


def _check_struct(value: dict[Any, Any], path: str, seen: set[int]) -> None:
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{path}: struct keys must be str, got {key!r}")
        if _XML_ILLEGAL.search(key):
            _check_scalar(key, f"{path} key {key!r}")
        if type(item) is not str or _XML_ILLEGAL.search(item):
            _check(item, f"{path}[{key!r}]", seen)


def _all_text(items: Iterable[Any]) -> bool:
    """Whether every item is text XML can carry, in one scan (a column list is 70 names;
    checking them one by one cost more than marshalling them)."""
    texts = list(items)
    return all(type(item) is str for item in texts) and not _XML_ILLEGAL.search("".join(texts))


def _check_scalar(value: Any, path: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not _INT32[0] <= value <= _INT32[1]:
        raise ValueError(f"{path} = {value} does not fit XML-RPC's 32-bit <int>")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path} = {value}: XML-RPC <double> has no NaN or infinity")
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError(f"{path} is timezone-aware; XML-RPC wants naive US Eastern time")
    if isinstance(value, str) and _XML_ILLEGAL.search(value):
        raise ValueError(f"{path} contains a character XML cannot carry")


# -------------------------------------------------------------------------- responses

# lxml parsers are not thread-safe; one pair per thread keeps parsing lock-free.
_local = threading.local()


def _parser(drop_blanks: bool) -> etree.XMLParser:
    """This thread's hardened parser; ``drop_blanks`` leaves whitespace between elements out
    of the tree (a third of the nodes of an indented answer, and of the parse time)."""
    parsers: tuple[etree.XMLParser, etree.XMLParser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = (_hardened_parser(False), _hardened_parser(True))
        _local.parsers = parsers
    return parsers[drop_blanks]


def _hardened_parser(drop_blanks: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,  # libxml2's depth and size limits stay on
        load_dtd=False,
        # expat (stdlib) ignores both; in lxml they would show up as children.
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=drop_blanks,
    )


def _blanks_are_layout(body: bytes) -> bool:
    """Whether dropping blank text (``remove_blank_text``) cannot change a value of ``body``.

    libxml2 keeps a blank run that is an element's only content (``<value> </value>``) or
    follows other text, and drops it before a child element, where XML-RPC ignores it. It
    would also drop one before a comment, CDATA section or processing instruction, or one
    ending at a carriage return; so bodies holding ``<!``, ``<?`` (after the declaration) or
    CR, and bodies not in an ASCII-compatible encoding (where those bytes could hide), keep
    every blank. The plain reader (:func:`_plain_response`) takes only these bodies too.
    """
    after_declaration = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 1
    return (
        body[:1] == b"<"
        and body[1:2] != b"\x00"
        and b"\r" not in body
        and not _holds(body, b"<!", 0)
        and not _holds(body, b"<?", after_declaration)
    )


def _holds(body: bytes, markup: bytes, start: int) -> bool:
    # Its rare second byte first: one byte is a memchr, two bytes scan 100 times slower.
    return body.find(markup[1:], start) >= 0 and body.find(markup, start) >= 0


def loads_response(body: bytes) -> Any:
    """The value of a ``<methodResponse>``; raises :class:`XmlRpcFault` for a ``<fault>``.

    Raises :class:`XmlRpcParseError` for anything unreadable: not XML, a DOCTYPE (refused
    without expanding an entity), a missing ``<params>``, an unknown type tag, a bad literal.

    A body in the plain layout stdlib and Keap write is checked by libxml2 without building
    a tree and then read by :func:`_read_plain`; any other body (a fault, comments, CDATA,
    namespaces, attributes, another encoding) is read from the hardened parser's tree.
    """
    plain = _blanks_are_layout(body)
    if plain:
        value = _plain_response(body)
        if value is not _NOT_PLAIN:
            return value
    root = _document(body, "responses", plain)
    try:
        return _response_value(root)
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
        raise XmlRpcParseError(f"not an XML-RPC response: {exc}") from None


def loads_call(body: bytes) -> tuple[str, tuple[Any, ...]]:
    """The method name and params of a ``<methodCall>``, read with the same hardened parser.

    The params are what ``xmlrpc.client.loads(body, use_builtin_types=True)`` gives (``<i4>``
    and ``<int>`` both int, a bare or empty ``<value/>`` the empty string). Raises
    :class:`XmlRpcParseError` for anything that is not a readable method call.
    """
    root = _document(body, "calls", _blanks_are_layout(body))
    try:
        return _call_value(root)
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
        raise XmlRpcParseError(f"not an XML-RPC call: {exc}") from None


def _document(body: bytes, what: str, drop_blanks: bool) -> Any:
    try:
        root = etree.fromstring(body, _parser(drop_blanks))
    except etree.XMLSyntaxError as exc:
        raise XmlRpcParseError(f"not well-formed XML: {exc}") from None
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lack ``doctype``
    if docinfo.doctype:
        raise XmlRpcParseError(f"refused: XML-RPC {what} never carry a DOCTYPE")
    return root


def _call_value(root: Any) -> tuple[str, tuple[Any, ...]]:
    if root.tag != "methodCall":
        raise ValueError("expected <methodCall>")
    name = _only(root, "methodName").text or ""
    if not name:
        raise ValueError("empty <methodName>")
    params = root.find("params")
    if params is None:
        return name, ()
    return name, tuple(_value(_only(param, "value")) for param in params.findall("param"))


def _response_value(root: Any) -> Any:
    if root.tag != "methodResponse" or len(root) != 1:
        raise ValueError("expected <methodResponse> with one child")
    outcome = root[0]
    if outcome.tag == "fault":
        fault = _value(_only(outcome, "value"))
        if not isinstance(fault, dict):
            raise TypeError("<fault> does not hold a struct")
        raise XmlRpcFault(int(fault.get("faultCode", 0)), str(fault.get("faultString", "")))
    if outcome.tag != "params":
        raise ValueError(f"unexpected <{outcome.tag}>")
    return _value(_only(_only(outcome, "param"), "value"))


def _only(element: Any, tag: str) -> Any:
    child = element.find(tag)
    if child is None:
        raise ValueError(f"<{element.tag}> has no <{tag}>")
    return child


# The walk below runs once per element of answers of ~10^5 elements, so it indexes children
# (``len``, ``[0]``: lxml's iterators cost more than the lookups) and converts scalars by a
# table of text -> value functions, inlined where structs hold them.


def _value(element: Any) -> Any:
    # A <value> without a type element is a string (XML-RPC spec); Keap sends these.
    if not len(element):
        return element.text or ""
    typed = element[0]
    scalar = _FROM_TEXT.get(typed.tag)
    return scalar(typed.text) if scalar is not None else _typed(typed)


def _typed(typed: Any) -> Any:
    """A ``<struct>``/``<array>``, or a type in a namespace (``{uri}i8``)."""
    tag = typed.tag
    container = _CONTAINERS.get(tag)
    if container is not None:
        return container(typed)
    # Apache-style extensions arrive namespaced (``{uri}i8``), as stdlib reads ``ex:i8``.
    local = tag.rpartition("}")[2].rpartition(":")[2]
    if local in _FROM_TEXT:
        return _FROM_TEXT[local](typed.text)
    if local in _CONTAINERS:
        return _CONTAINERS[local](typed)
    raise ValueError(f"unknown type <{tag}>")


def _struct(element: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member in element:
        name, value = member[0], member[1]
        if name.tag != "name" or value.tag != "value":  # out of order, or extra children
            name, value = _only(member, "name"), _only(member, "value")
        if len(value):  # _value, inlined: most of a query answer, and a call less each
            typed = value[0]
            tag = typed.tag
            if tag == "string":
                out[name.text or ""] = typed.text or ""
            else:
                scalar = _FROM_TEXT.get(tag)
                out[name.text or ""] = scalar(typed.text) if scalar else _typed(typed)
        else:
            out[name.text or ""] = value.text or ""
    return out


def _array(element: Any) -> list[Any]:
    # stdlib collects every <value> under <array>, with or without the <data> wrapper.
    values: list[Any] = []
    for child in element:
        if child.tag == "value":
            values.append(_value(child))
        else:
            values.extend([_value(value) for value in child])
    return values


def _text(text: str | None) -> str:
    return text or ""


def _boolean(text: str | None) -> bool:
    stripped = (text or "").strip()
    if stripped not in ("0", "1"):
        raise ValueError(f"bad boolean {stripped!r}")
    return stripped == "1"


# What Keap and stdlib write, within the ranges strptime takes, so both readers agree.
_ISO_BASIC = re.compile(r"[0-9]{8}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")
_ISO_READS_BASIC = sys.version_info >= (3, 11)  # fromisoformat took only YYYY-MM-DD before


def _datetime(text: str | None) -> datetime:
    # fromisoformat is 4x cheaper than strptime (5 us, a tenth of a 1,000-row answer).
    if _ISO_READS_BASIC and text is not None and _ISO_BASIC.fullmatch(text):
        return datetime.fromisoformat(text)
    return datetime.strptime((text or "").strip(), "%Y%m%dT%H:%M:%S")


def _base64(text: str | None) -> bytes:
    try:
        return base64.decodebytes((text or "").encode("ascii"))
    except binascii.Error as exc:
        raise ValueError(f"bad base64: {exc}") from None


def _nil(_text: str | None) -> None:
    return None


# Each takes the element's text (``None`` when empty); int(None) and the like raise
# TypeError, which loads_response reports as unreadable, as stdlib refuses them too.
_FROM_TEXT: dict[str, Callable[[Any], Any]] = {
    "string": _text,
    "i4": int,
    "int": int,
    "i1": int,
    "i2": int,
    "i8": int,
    "biginteger": int,
    "boolean": _boolean,
    "double": float,
    "float": float,
    "bigdecimal": Decimal,
    "dateTime.iso8601": _datetime,
    "base64": _base64,
    "nil": _nil,
}
_CONTAINERS: dict[str, Callable[[Any], Any]] = {"struct": _struct, "array": _array}


# ------------------------------------------------------------- plain answers, no tree
#
# Building and walking lxml's tree costs ~10 Python-level lookups per struct member; a
# query answer is ~13,000 members. Answers in the plain layout (what stdlib and Keap write:
# no comments, CDATA, PIs, attributes or namespaces) are instead checked by libxml2 in a
# pass that builds nothing, and only then read with regular expressions that take each
# ``<member>`` whole. The check keeps every guarantee of the tree parser (well-formed,
# legal characters, valid UTF-8, libxml2's depth and size limits); the grammar below takes
# a strict subset of what that parser takes, and hands anything else to the tree.

_NOT_PLAIN: Any = object()  # _plain_response's answer for a body outside the plain grammar
# libxml2's XML_MAX_TEXT_LENGTH. Its check runs only while building a tree, so the check
# pass would let a longer text node through; a body no longer than this cannot hold one.
_LARGEST_PLAIN = 10_000_000


class _NotPlain(Exception):
    """Raised inside the plain reader: hand this body to the tree."""


_W = r"[ \t\n]*"  # XML's whitespace; CR never reaches here (see _blanks_are_layout)
_TEXT = r"[^<]*"  # character data: libxml2 has checked that "<" only opens markup
_NAME = r"[A-Za-z][A-Za-z0-9.]*"
_DECLARATION = (
    rb"<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(['\"])1\.0\1"
    rb"(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(['\"])[Uu][Tt][Ff]-8\2)?[ \t\n]*\?>"
)
_HEAD = re.compile(
    rb"(?:%s)?[ \t\n]*<methodResponse>[ \t\n]*<params>[ \t\n]*<param>[ \t\n]*" % _DECLARATION
)
_TAIL = re.compile(rb"</param>[ \t\n]*</params>[ \t\n]*</methodResponse>[ \t\n]*")
# One member with a scalar value, typed or bare: (name, type, text, bare text).
_MEMBER = re.compile(
    rf"<member>{_W}<name>({_TEXT})</name>{_W}"
    rf"<value>(?:{_W}<({_NAME})>({_TEXT})</\2>{_W}|({_TEXT}))</value>{_W}</member>{_W}"
)
# Everything between those members, one piece at a time; ``bad`` is anything else.
_PIECE = re.compile(
    rf"(?:(?P<open_struct><value>{_W}<struct>)"
    rf"|(?P<close_struct></struct>{_W}</value>)"
    rf"|(?P<open_array><value>{_W}<array>{_W}<data>)"
    rf"|(?P<close_array></data>{_W}</array>{_W}</value>)"
    rf"|(?P<no_data><value>{_W}<array>{_W}<data/>{_W}</array>{_W}</value>)"
    rf"|(?P<open_member><member>{_W}(?:<name>(?P<name>{_TEXT})</name>|<name/>))"
    rf"|(?P<close_member></member>)"
    rf"|(?P<scalar><value>(?:{_W}<(?P<type>{_NAME})>(?P<text>{_TEXT})</(?P=type)>{_W}"
    rf"|{_W}<(?P<lone>{_NAME})/>{_W}|(?P<bare>{_TEXT}))</value>|<value/>)"
    rf"){_W}|(?P<bad>.)",
    re.DOTALL,
)
# One step of building the value: an _Assembly method and its argument.
_Step = tuple[Callable[["_Assembly", Any], None], Any]
_REFERENCE = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|quot|apos));|&")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class _Validator:
    """An lxml parser target that keeps nothing: the parse only checks the body."""

    def doctype(self, *_: object) -> None:
        # Unreachable behind _blanks_are_layout (no "<!" at all); kept so this pass stops
        # before an internal subset, and its entities, however it is reached.
        raise XmlRpcParseError("refused: XML-RPC responses never carry a DOCTYPE")

    def close(self) -> None:
        """The parse's result: nothing."""


def _validator() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "validator", None)
    if parser is None:
        # Typed Any: lxml-stubs want start/end/data/comment too, which lxml would then call.
        target: Any = _Validator()
        parser = etree.XMLParser(
            target=target,
            resolve_entities=False,
            no_network=True,
            huge_tree=False,  # libxml2's depth and size limits stay on
            load_dtd=False,
        )
        _local.validator = parser
    return parser


def _validate(body: bytes) -> None:
    """Raise :class:`XmlRpcParseError` unless libxml2 takes ``body`` (no tree is built)."""
    try:
        etree.fromstring(body, _validator())
    except etree.XMLSyntaxError as exc:
        raise XmlRpcParseError(f"not well-formed XML: {exc}") from None


def _plain_response(body: bytes) -> Any:
    """The value of a plain-layout ``body`` (faults are never plain), or ``_NOT_PLAIN``."""
    if len(body) > _LARGEST_PLAIN:
        return _NOT_PLAIN
    head = _HEAD.match(body)
    end = body.rfind(b"</param>")
    if head is None or end < head.end() or not _TAIL.fullmatch(body, end):
        return _NOT_PLAIN
    _validate(body)
    try:
        return _read_plain(body[head.end() : end].decode("utf-8"))
    except (_NotPlain, ValueError, TypeError, KeyError, IndexError, ArithmeticError):
        return _NOT_PLAIN  # the tree path gives the value, or the error, of record


def _read_plain(text: str) -> Any:
    """The value inside ``<param>``: one ``split`` finds every scalar member (the bulk of
    an answer), and the pieces between them go through :class:`_Assembly`."""
    amp = "&" in text
    parts = _MEMBER.split(text)  # [between, name, type, text, bare, between, name, ...]
    assembly = _Assembly()
    seen: dict[str, list[_Step]] = {}
    members: dict[str, Any] | None = None
    items = iter(parts)
    # zip() takes five at a time; the last piece (after the last member) is left over.
    for between, name, kind, data, bare in zip(items, items, items, items, items, strict=False):
        if between:
            steps = seen.get(between)
            if steps is None:
                steps = seen[between] = _pieces(between, amp)
            for step, payload in steps:
                step(assembly, payload)
            members = assembly.members()
        if members is None:
            raise _NotPlain
        key = _unescape(name) if amp else name
        if kind == "string":
            members[key] = _unescape(data) if amp else data
        elif kind is None:  # a bare <value>: a string
            members[key] = _unescape(bare) if amp else bare
        else:
            convert = _FROM_TEXT.get(kind)
            text = _unescape(data) if amp else data
            # The tree's text of an empty element is None; conversions are given the same.
            members[key] = convert(text or None) if convert else _empty(kind, text)
    for step, payload in _pieces(parts[-1], amp):
        step(assembly, payload)
    return assembly.result()


def _pieces(between: str, amp: bool) -> list[_Step]:
    """The steps that the text between two scalar members stands for."""
    steps: list[_Step] = []
    for match in _PIECE.finditer(between):
        piece = match.lastgroup
        if piece == "scalar":
            steps += _scalar(match, amp)
        elif piece == "open_member":
            name = match["name"] or ""
            steps.append((_Assembly.open_member, _unescape(name) if amp else name))
        elif piece in _STEPS:
            steps += [(step, None) for step in _STEPS[piece]]
        else:
            raise _NotPlain
    return steps


def _scalar(match: re.Match[str], amp: bool) -> list[_Step]:
    """The steps of one ``<value>`` holding no member: typed, bare, or empty."""
    kind = match["type"] or match["lone"]
    if kind is None:  # bare text, or <value/>
        bare = match["bare"] or ""
        return [(_Assembly.put, _unescape(bare) if amp else bare)]
    data = match["text"] or None  # None for <type/> and <type></type>, as in the tree
    if data is not None and amp:
        data = _unescape(data)
    convert = _FROM_TEXT.get(kind)
    if convert is not None:
        return [(_Assembly.put, convert(data))]
    # <struct></struct>, <array/>: opened and closed by the steps, so a container is new
    # each time the steps run (they are reused for every repeat of the same text).
    _empty(kind, data or "")
    return [(_OPEN[kind], None), (_CLOSE[kind], None)]


def _empty(kind: str, data: str) -> Any:
    """``<struct></struct>`` or ``<array></array>`` (blank inside) in a scalar's place."""
    if data.strip(" \t\n") or kind not in _OPEN:
        raise _NotPlain  # an unknown type: the tree path names it
    return {} if kind == "struct" else []


def _unescape(text: str) -> str:
    # libxml2 has already refused any other reference (no DTD can declare one).
    return _REFERENCE.sub(_referenced, text) if "&" in text else text


def _referenced(match: re.Match[str]) -> str:
    hexadecimal, decimal, name = match.groups()
    if hexadecimal:
        return chr(int(hexadecimal, 16))
    if decimal:
        return chr(int(decimal))
    if name:
        return _PREDEFINED[name]
    raise _NotPlain  # a stray "&": libxml2 would have refused it


class _Assembly:
    """The containers a plain answer opens and closes, checked against the XML-RPC
    grammar: a member is a name then one value, a struct holds members, an array values."""

    # What the innermost open container expects next.
    MEMBERS, VALUE, MEMBER_END, ITEMS, TOP, DONE = range(6)

    def __init__(self) -> None:
        self.top: list[Any] = []
        self.current: Any = self.top  # a dict (struct), or a list (array, or the top)
        self.state = self.TOP
        self.name = ""  # the open member's
        self.outer: list[tuple[Any, int]] = []  # enclosing containers, and their states

    def members(self) -> dict[str, Any] | None:
        """The struct a scalar member goes into now, if one can."""
        return self.current if self.state == self.MEMBERS else None

    def result(self) -> Any:
        """The one value, once every container has closed."""
        if self.state != self.DONE:
            raise _NotPlain
        return self.top[0]

    def open_member(self, name: str) -> None:
        """``<member><name>...</name>``, its value (a container, mostly) in the next steps."""
        self._expect(self.MEMBERS)
        self.name, self.state = name, self.VALUE

    def close_member(self, _: None) -> None:
        """``</member>``."""
        self._expect(self.MEMBER_END)
        self.state = self.MEMBERS

    def put(self, value: Any) -> None:
        """A complete value, where one is expected."""
        self.state = self._place(value)

    def open_struct(self, _: None) -> None:
        """``<value><struct>``."""
        self._open({}, self.MEMBERS)

    def open_array(self, _: None) -> None:
        """``<value><array><data>``."""
        self._open([], self.ITEMS)

    def close_struct(self, _: None) -> None:
        """``</struct></value>``."""
        self._close(self.MEMBERS)

    def close_array(self, _: None) -> None:
        """``</data></array></value>``."""
        self._close(self.ITEMS)

    def _open(self, container: Any, state: int) -> None:
        self.outer.append((self.current, self._place(container)))
        self.current, self.state = container, state

    def _close(self, state: int) -> None:
        self._expect(state)
        if not self.outer:
            raise _NotPlain
        self.current, self.state = self.outer.pop()

    def _place(self, value: Any) -> int:
        """Put ``value`` in the open container; the state that follows it."""
        if self.state in (self.ITEMS, self.TOP):
            self.current.append(value)
            return self.ITEMS if self.state == self.ITEMS else self.DONE
        self._expect(self.VALUE)
        self.current[self.name] = value
        return self.MEMBER_END

    def _expect(self, state: int) -> None:
        if self.state != state:
            raise _NotPlain


_OPEN = {"struct": _Assembly.open_struct, "array": _Assembly.open_array}
_CLOSE = {"struct": _Assembly.close_struct, "array": _Assembly.close_array}
_STEPS: dict[str | None, tuple[Callable[[_Assembly, None], None], ...]] = {
    "open_struct": (_Assembly.open_struct,),
    "close_struct": (_Assembly.close_struct,),
    "open_array": (_Assembly.open_array,),
    "close_array": (_Assembly.close_array,),
    "no_data": (_Assembly.open_array, _Assembly.close_array),
    "close_member": (_Assembly.close_member,),
}
