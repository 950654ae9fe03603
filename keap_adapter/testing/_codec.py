"""Cassette bodies as readable JSON, and back: the pure half of record/replay.

A stored request or response is a plain JSON object. Its body sits under exactly one key:

- ``json``: a JSON body, decoded (so a diff of the file is a diff of the data);
- ``xmlrpc``: ``{"method", "params"}`` for a ``<methodCall>``, ``{"result"}`` or
  ``{"fault": {"code", "string"}}`` for a ``<methodResponse>``;
- ``text``: any other UTF-8 body; ``base64``: anything else, byte for byte.

XML-RPC values JSON cannot hold are tagged one-key objects: ``{"$datetime":
"20260102T03:04:05"}``, ``{"$base64": "..."}``, ``{"$decimal": "1.50"}``, ``{"$double":
"nan"}``; a struct that itself has one ``$``-key is wrapped as ``{"$struct": {...}}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import xmlrpc.client
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from ..backends._xmlrpc_wire import XmlRpcFault, XmlRpcParseError, loads_call, loads_response

__all__ = [
    "build_response",
    "decode_request",
    "decode_response",
    "from_jsonable",
    "is_xmlrpc",
    "stored_headers",
    "to_jsonable",
]

# Derived from the body or the connection: the stored body is already decoded, and httpx
# recomputes the length when the response is rebuilt. Host carries the (random) port.
DROPPED_HEADERS = frozenset(
    ("content-length", "content-encoding", "transfer-encoding", "connection", "host")
)
_DATETIME = "%Y%m%dT%H:%M:%S"
Tagged = Callable[[Any], Any]


# ----------------------------------------------------------------- XML-RPC values


def to_jsonable(value: Any) -> Any:
    """An XML-RPC value as JSON data, tagging what JSON cannot hold."""
    if isinstance(value, dict):
        struct = {str(k): to_jsonable(v) for k, v in value.items()}
        return {"$struct": struct} if _looks_tagged(struct) else struct
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return _tag_scalar(value)


def _tag_scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.strftime(_DATETIME)}
    if isinstance(value, (bytes, bytearray, xmlrpc.client.Binary)):
        raw = value.data if isinstance(value, xmlrpc.client.Binary) else bytes(value)
        return {"$base64": base64.b64encode(raw).decode("ascii")}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$double": str(value)}
    return value


def _looks_tagged(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith("$")


_UNTAG: dict[str, Tagged] = {
    "$datetime": lambda text: datetime.strptime(text, _DATETIME),
    "$base64": lambda text: base64.b64decode(text.encode("ascii"), validate=True),
    "$decimal": Decimal,
    "$double": float,
}


def from_jsonable(value: Any) -> Any:
    """The XML-RPC value :func:`to_jsonable` stored (the inverse)."""
    if isinstance(value, list):
        return [from_jsonable(item) for item in value]
    if not isinstance(value, dict):
        return value
    if _looks_tagged(value):
        ((tag, inner),) = value.items()
        if tag == "$struct":
            return {k: from_jsonable(v) for k, v in inner.items()}
        if tag in _UNTAG:
            return _UNTAG[tag](inner)
    return {k: from_jsonable(v) for k, v in value.items()}


# ----------------------------------------------------------------------- decoding


def stored_headers(headers: httpx.Headers) -> dict[str, str]:
    """Headers as a sorted, lower-cased dict, without the derived ones."""
    kept = {k.lower(): v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS}
    return dict(sorted(kept.items()))


def decode_request(request: httpx.Request) -> dict[str, Any]:
    """The stored form of a (read) request, before redaction."""
    stored: dict[str, Any] = {"method": request.method, "path": request.url.path}
    stored["query"] = [list(pair) for pair in request.url.params.multi_items()]
    stored["headers"] = stored_headers(request.headers)
    stored.update(_request_body(request))
    return stored


def _request_body(request: httpx.Request) -> dict[str, Any]:
    content = request.content
    # Detected by parsing, not by URL: any POST that reads as a <methodCall> is one.
    if request.method == "POST" and b"methodCall" in content:
        try:
            method, params = loads_call(content)
        except XmlRpcParseError:
            pass
        else:
            return {"xmlrpc": {"method": method, "params": to_jsonable(params)}}
    return _plain_body(content, request.headers.get("content-type", ""))


def decode_response(response: httpx.Response, *, xmlrpc: bool) -> dict[str, Any]:
    """The stored form of a (read) response; ``xmlrpc`` when it answers a method call."""
    stored: dict[str, Any] = {"status": response.status_code}
    stored["headers"] = stored_headers(response.headers)
    content = response.content
    if xmlrpc and b"methodResponse" in content:
        try:
            result = loads_response(content)
        except XmlRpcFault as fault:
            return stored | {"xmlrpc": {"fault": {"code": fault.code, "string": fault.string}}}
        except XmlRpcParseError:
            pass
        else:
            return stored | {"xmlrpc": {"result": to_jsonable(result)}}
    return stored | _plain_body(content, response.headers.get("content-type", ""))


def _plain_body(content: bytes, content_type: str) -> dict[str, Any]:
    if not content:
        return {}
    if "json" in content_type.lower():
        try:
            return {"json": json.loads(content)}
        except ValueError:
            pass
    return text_or_base64(content)


def text_or_base64(content: bytes) -> dict[str, str]:
    """A stored body: ``{"text": ...}`` if it is UTF-8, else ``{"base64": ...}``."""
    try:
        return {"text": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(content).decode("ascii")}


def is_xmlrpc(stored: Mapping[str, Any]) -> bool:
    """Whether a stored request is an XML-RPC call."""
    return "xmlrpc" in stored


# ----------------------------------------------------------------------- encoding


def build_response(stored: Mapping[str, Any]) -> httpx.Response:
    """The httpx response a stored one stands for, read by the library like a live one."""
    content, content_type = _encode_body(stored)
    headers = dict(stored.get("headers") or {})
    if content_type and "content-type" not in headers:
        headers["content-type"] = content_type
    return httpx.Response(int(stored["status"]), headers=headers, content=content)


def _encode_body(stored: Mapping[str, Any]) -> tuple[bytes, str | None]:
    if "xmlrpc" in stored:
        return _encode_xmlrpc(stored["xmlrpc"]), "text/xml"
    if "json" in stored:
        text = json.dumps(stored["json"], ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8"), "application/json"
    if "text" in stored:
        return str(stored["text"]).encode("utf-8"), None
    if "base64" in stored:
        try:
            return base64.b64decode(str(stored["base64"]), validate=True), None
        except binascii.Error as exc:
            raise ValueError(f"bad base64 body: {exc}") from None
    return b"", None


def _encode_xmlrpc(body: Mapping[str, Any]) -> bytes:
    marshaller = _Marshaller("utf-8", allow_none=True)
    if "fault" in body:
        fault = body["fault"]
        payload = marshaller.dumps(xmlrpc.client.Fault(int(fault["code"]), str(fault["string"])))
    else:
        payload = marshaller.dumps((from_jsonable(body["result"]),))
    xml = f'<?xml version="1.0" encoding="utf-8"?>\n<methodResponse>\n{payload}</methodResponse>\n'
    # As in dumps_call: a literal CR would reach the reader as LF; a reference survives.
    return xml.replace("\r", "&#13;").encode("utf-8")


def _dump_int(_m: xmlrpc.client.Marshaller, value: Any, write: Callable[[str], Any]) -> None:
    # A value read from <i8> must replay; stdlib dumps refuses ints beyond 32 bits.
    tag = "int" if xmlrpc.client.MININT <= value <= xmlrpc.client.MAXINT else "i8"
    write(f"<value><{tag}>{int(value)}</{tag}></value>")


def _dump_decimal(_m: xmlrpc.client.Marshaller, value: Any, write: Callable[[str], Any]) -> None:
    write(f"<value><bigdecimal>{value}</bigdecimal></value>")


class _Marshaller(xmlrpc.client.Marshaller):
    """The stdlib marshaller, plus the wider types the hardened reader accepts."""

    # typeshed lists the stdlib's own key types only; Decimal is the one we add.
    dispatch = {**xmlrpc.client.Marshaller.dispatch, int: _dump_int, Decimal: _dump_decimal}  # type: ignore[dict-item]  # noqa: RUF012
