"""The XML-RPC face of FakeKeap: ContactService, DataService and APIEmailService over the
shared store.

Answers are written the way Keap writes them (see the 2015 live samples): strings as bare
``<value>text</value>``, integers as ``<i4>``, dates as naive US Eastern
``dateTime.iso8601``, never ``<nil/>``, and only the requested fields that have a value.
"""

from __future__ import annotations

import hmac
import re
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from .._xmlrpc_server._faults import FAULT_CODES, fault, no_handler
from .._xmlrpc_server._services import CONTACT_SERVICE, DATA_SERVICE
from .._xmlrpc_server._signatures import SIGNATURES, split_call
from .._xmlrpc_server._surroundings import SURROUNDINGS_SERVICE
from .._xmlrpc_server._values import holds_nil
from ._fake_rest import MAX_NESTING, nested_deeper_than
from ._fake_tables import CONTACTS
from ._fake_tables_more import SURROUNDINGS, table

if TYPE_CHECKING:
    from ._fake import Failure
    from ._fake_store import Store

Fault = xmlrpc.client.Fault


# wire format


Write = Callable[[str], Any]


def _dump_bare_str(_marshaller: xmlrpc.client.Marshaller, value: Any, write: Write) -> None:
    text = xmlrpc.client.escape(value).replace("\r", "&#13;").replace("\n", "&#10;")
    write(f"<value>{text}</value>")


def _dump_i4(_marshaller: xmlrpc.client.Marshaller, value: Any, write: Write) -> None:
    if not xmlrpc.client.MININT <= value <= xmlrpc.client.MAXINT:
        raise OverflowError("int exceeds XML-RPC limits")
    write(f"<value><i4>{value}</i4></value>")


class _KeapMarshaller(xmlrpc.client.Marshaller):
    """The stdlib marshaller writing as Keap does: bare strings, ``<i4>``, no newlines."""

    dispatch = {**xmlrpc.client.Marshaller.dispatch, str: _dump_bare_str, int: _dump_i4}  # noqa: RUF012 - the stdlib's own pattern

    def dumps(self, values: Any) -> str:
        out: list[str] = []

        def write(text: str) -> None:
            # Layout newlines go; newlines inside strings survive as character references.
            out.append(text.replace("\n", ""))

        if isinstance(values, Fault):
            write("<fault>")
            self._dump({"faultCode": values.faultCode, "faultString": values.faultString}, write)
            write("</fault>")
            return "".join(out)
        write("<params>")
        for value in values:
            write("<param>")
            self._dump(value, write)
            write("</param>")
        write("</params>")
        return "".join(out)

    def _dump(self, value: Any, write: Write) -> None:
        self.dispatch[type(value)](self, value, write)


def _xml_response(payload: Any, status: int = 200) -> httpx.Response:
    body = _KeapMarshaller("utf-8", allow_none=False).dumps(payload)
    xml = f'<?xml version="1.0" encoding="utf-8"?><methodResponse>{body}</methodResponse>'
    return httpx.Response(status, content=xml.encode(), headers={"Content-Type": "text/xml"})


def fault_response(failure: Failure) -> httpx.Response:
    """The answer to an injected fault; its code comes from the bracketed tag if known."""
    text = failure.fault or ""
    tag = re.match(r"\[(\w+)\]", text)
    code = failure.fault_code
    if code is None:
        code = FAULT_CODES.get(tag.group(1), 0) if tag else 0
    response = _xml_response(Fault(code, text), failure.status)
    response.headers.update(failure.headers)
    return response


@dataclass(frozen=True)
class ParsedCall:
    """A parsed methodCall; ``error`` is set when the body could not be read."""

    method: str | None
    params: tuple[Any, ...]
    error: str | None = None


def parse(body: bytes) -> ParsedCall:
    """Read a methodCall the way the stdlib does, refusing ``<nil/>`` as Keap does."""
    try:
        params, method = xmlrpc.client.loads(body, use_builtin_types=True)
    except Exception as exc:  # expat, ValueError, TypeError...: all mean "unreadable"
        return ParsedCall(None, (), f"Failed to parse XML-RPC request: {exc}")
    if method is None:
        return ParsedCall(None, (), "Failed to parse XML-RPC request: no methodName")
    # The stdlib parser keeps its own stack, so any depth parses; the code that reads the
    # params afterwards (holds_nil, the services) recurses, so refuse deep params here.
    if nested_deeper_than(params, MAX_NESTING):
        error = f"Failed to parse XML-RPC request: nested deeper than {MAX_NESTING} levels"
        return ParsedCall(method, (), error)
    if holds_nil(params):
        return ParsedCall(method, (), "Failed to parse XML-RPC request: Unknown type: nil")
    return ParsedCall(method, tuple(params))


def handle(store: Store, call: ParsedCall, api_key: str, *, header_ok: bool) -> httpx.Response:
    """Answer one XML-RPC call; every fault is an HTTP 200 ``<fault>``."""
    try:
        if call.error is not None:
            raise Fault(0, call.error)
        value = _dispatch(store, call, api_key, header_ok)
    except Fault as exc:
        return _xml_response(exc)
    try:
        return _xml_response((value,))
    except (TypeError, KeyError, OverflowError) as exc:
        # e.g. a REST custom field holding JSON null in a list: XML-RPC cannot carry it.
        return _xml_response(fault("Unexpected", f"Cannot write the answer: {exc}"))


def _dispatch(store: Store, call: ParsedCall, api_key: str, header_ok: bool) -> Any:
    method = call.method or ""
    if method not in SIGNATURES:
        raise no_handler(method)
    key, table_name, args = split_call(method, call.params)
    # With the key in the X-Keap-API-Key header the first param is only a placeholder, as
    # the official PHP SDK sends it (infusionsoft/infusionsoft-php Infusionsoft.php).
    if not header_ok and not hmac.compare_digest(key.encode(), api_key.encode()):
        raise fault("InvalidKey", "Invalid Key")
    if table_name is not None:
        return DATA_SERVICE[method](table(table_name), store, args)
    if method in CONTACT_SERVICE:
        return CONTACT_SERVICE[method](CONTACTS, store, args)
    return SURROUNDINGS_SERVICE[method](SURROUNDINGS, store, args)
