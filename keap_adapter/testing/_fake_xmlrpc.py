"""The XML-RPC face of FakeKeap: ContactService and DataService over the shared store.

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

from ..backends._xmlrpc_rules import (
    FAULT_CODES,
    check_paging,
    fault,
    ordered,
    page_of,
    pick,
    row_matches,
)
from ..backends._xmlrpc_signatures import check_signature
from ._fake_tables import CONTACT, Row, Table, contact_struct, contact_writes, table

if TYPE_CHECKING:
    from ._fake import Failure, Store

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
    if _has_nil(params):
        return ParsedCall(method, (), "Failed to parse XML-RPC request: Unknown type: nil")
    return ParsedCall(method, tuple(params))


def _has_nil(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_nil(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_nil(v) for v in value)
    return value is None


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
    method = _METHODS.get(call.method or "")
    if method is None:
        raise Fault(0, f"No such handler: {call.method}")
    check_signature(call.method or "", call.params)
    # With the key in the header, the first param is only a placeholder (keap-api.md 1.3).
    if not header_ok and not hmac.compare_digest(call.params[0].encode(), api_key.encode()):
        raise fault("InvalidKey", "Invalid Key")
    return method(store, call.params[1:])


# query semantics


def _select(found: Table, store: Store, record_id: int, fields: list[Any]) -> Row:
    found.check_fields(store, fields)
    return pick(found.load(store, record_id), fields)


def _matching(store: Store, found: Table, query: Row) -> list[Row]:
    found.check_fields(store, query)
    rows = found.rows(store)
    return [row for row in rows if row_matches(row, query)]


def _paged(rows: list[Row], limit: int, page: int, fields: list[Any]) -> list[Any]:
    check_paging(limit, page)
    return [pick(row, fields) for row in page_of(rows, limit, page)]


# methods: each gets the params after the key, already checked against its signatures


def _contact_add(store: Store, args: tuple[Any, ...]) -> int:
    return CONTACT.add(store, args[0])


def _contact_add_dup(store: Store, args: tuple[Any, ...]) -> int:
    struct, option = args
    if option not in store.DUPLICATE_OPTIONS:
        raise fault("InvalidParameter", f"Invalid dupCheckType: {option}")
    match = store.find_duplicate(contact_writes(store, None, struct), option)
    if match is None:
        return CONTACT.add(store, struct)
    CONTACT.update(store, match, struct)
    return match


def _contact_load(store: Store, args: tuple[Any, ...]) -> Row:
    return _select(CONTACT, store, *args)


def _contact_update(store: Store, args: tuple[Any, ...]) -> int:
    CONTACT.update(store, *args)
    return int(args[0])


def _find_by_email(store: Store, args: tuple[Any, ...]) -> list[Any]:
    email, fields = args
    CONTACT.check_fields(store, fields)
    wanted = email.strip().lower()
    found = [c for c in store.all_contacts() if wanted in (e.lower() for e in store.emails(c))]
    return [pick(contact_struct(c, store), fields) for c in found]


def _group_change(apply: bool) -> Callable[[Store, tuple[Any, ...]], bool]:
    def method(store: Store, args: tuple[Any, ...]) -> bool:
        contact_id, tag_id = args
        if contact_id not in store.contacts or tag_id not in store.tags:
            raise fault("RecordNotFound", "Record was not found")
        (store.apply if apply else store.remove)(contact_id, tag_id)
        return True

    return method


def _data_add(store: Store, args: tuple[Any, ...]) -> int:
    return table(args[0]).add(store, args[1])


def _data_load(store: Store, args: tuple[Any, ...]) -> Row:
    return _select(table(args[0]), store, *args[1:])


def _data_update(store: Store, args: tuple[Any, ...]) -> int:
    table(args[0]).update(store, *args[1:])
    return int(args[1])


def _data_delete(store: Store, args: tuple[Any, ...]) -> bool:
    table(args[0]).delete(store, args[1])
    return True


def _query(store: Store, args: tuple[Any, ...]) -> list[Any]:
    name, limit, page, query, fields, *order = args
    order_by = order[0] if order else ""
    ascending = len(order) > 1 and order[1]
    found = table(name)
    found.check_fields(store, [*fields, *([order_by] if order_by else [])])
    rows = _matching(store, found, query)
    # Keap's default order is descending (keap-api.md 4.3), by Id unless orderBy says otherwise.
    return _paged(ordered(rows, order_by, ascending), limit, page, fields)


def _count(store: Store, args: tuple[Any, ...]) -> int:
    return len(_matching(store, table(args[0]), args[1]))


def _find_by_field(store: Store, args: tuple[Any, ...]) -> list[Any]:
    name, limit, page, field, value, fields = args
    found = table(name)
    found.check_fields(store, fields)
    return _paged(_matching(store, found, {field: value}), limit, page, fields)


Method = Callable[["Store", tuple[Any, ...]], Any]
_METHODS: dict[str, Method] = {
    "ContactService.add": _contact_add,
    "ContactService.addWithDupCheck": _contact_add_dup,
    "ContactService.load": _contact_load,
    "ContactService.update": _contact_update,
    "ContactService.findByEmail": _find_by_email,
    "ContactService.addToGroup": _group_change(apply=True),
    "ContactService.removeFromGroup": _group_change(apply=False),
    "DataService.add": _data_add,
    "DataService.load": _data_load,
    "DataService.update": _data_update,
    "DataService.delete": _data_delete,
    "DataService.query": _query,
    "DataService.count": _count,
    "DataService.findByField": _find_by_field,
}
