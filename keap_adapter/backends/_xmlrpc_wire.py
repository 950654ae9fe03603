"""XML-RPC marshalling: stdlib ``dumps`` for requests, a hardened lxml reader for responses.

Requests go through :func:`xmlrpc.client.dumps` after a check that refuses what Keap cannot
take (nil, ints beyond 32 bits, non-finite floats, aware datetimes, XML-illegal text), so a
bad value fails here with a clear message instead of as a server fault.

Responses are read with lxml under a parser that never resolves entities, loads no DTD and
touches no network; any document with a DOCTYPE is refused outright, since no XML-RPC answer
needs one and entity tricks (billion laughs, external entities) all start there. The values
are the ones ``xmlrpc.client.loads(body, use_builtin_types=True)[0][0]`` gives.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
import xmlrpc.client
from collections.abc import Callable
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
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: struct keys must be str, got {key!r}")
            _check_scalar(key, f"{path} key {key!r}")
            _check(item, f"{path}[{key!r}]", seen)
    else:
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", seen)
    seen.discard(id(value))


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

# lxml parsers are not thread-safe; one per thread keeps parsing lock-free.
_local = threading.local()


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            # expat (stdlib) ignores both; in lxml they would show up as children.
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def loads_response(body: bytes) -> Any:
    """The value of a ``<methodResponse>``; raises :class:`XmlRpcFault` for a ``<fault>``.

    Raises :class:`XmlRpcParseError` for anything unreadable: not XML, a DOCTYPE (refused
    without expanding an entity), a missing ``<params>``, an unknown type tag, a bad literal.
    """
    root = _document(body, "responses")
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
    root = _document(body, "calls")
    try:
        return _call_value(root)
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
        raise XmlRpcParseError(f"not an XML-RPC call: {exc}") from None


def _document(body: bytes, what: str) -> Any:
    try:
        root = etree.fromstring(body, _parser())
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


def _value(element: Any) -> Any:
    # A <value> without a type element is a string (XML-RPC spec); Keap sends these.
    if not len(element):
        return element.text or ""
    typed = element[0]
    decode = _DECODERS.get(typed.tag) or _DECODERS[_local_name(typed.tag)]
    return decode(typed)


def _local_name(tag: str) -> str:
    # Apache-style extensions arrive namespaced (``{uri}i8``), as stdlib reads ``ex:i8``.
    return tag.rpartition("}")[2].rpartition(":")[2]


def _struct(element: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member in element:
        if len(member) == 2 and member[0].tag == "name":
            name, value = member
        else:
            name, value = _only(member, "name"), _only(member, "value")
        # Bare string values inlined: most of a query answer, and a call less each.
        out[name.text or ""] = _value(value) if len(value) else value.text or ""
    return out


def _array(element: Any) -> list[Any]:
    # stdlib collects every <value> under <array>, with or without the <data> wrapper.
    values: list[Any] = []
    for child in element:
        if child.tag == "value":
            values.append(_value(child))
        else:
            values.extend(_value(value) for value in child)
    return values


def _boolean(element: Any) -> bool:
    text = (element.text or "").strip()
    if text not in ("0", "1"):
        raise ValueError(f"bad boolean {text!r}")
    return text == "1"


def _datetime(element: Any) -> datetime:
    return datetime.strptime((element.text or "").strip(), "%Y%m%dT%H:%M:%S")


def _base64(element: Any) -> bytes:
    try:
        return base64.decodebytes((element.text or "").encode("ascii"))
    except binascii.Error as exc:
        raise ValueError(f"bad base64: {exc}") from None


def _text(element: Any) -> str:
    return element.text or ""


def _int(element: Any) -> int:
    return int(element.text)


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "string": _text,
    "i4": _int,
    "int": _int,
    "i1": _int,
    "i2": _int,
    "i8": _int,
    "biginteger": _int,
    "boolean": _boolean,
    "double": lambda element: float(element.text),
    "float": lambda element: float(element.text),
    "bigdecimal": lambda element: Decimal(element.text),
    "dateTime.iso8601": _datetime,
    "base64": _base64,
    "struct": _struct,
    "array": _array,
    "nil": lambda _element: None,
}
