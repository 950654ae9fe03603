"""The REST v2 face of FakeKeap: routes, paging, filters and Keap's ``Error`` bodies.

The JSON shapes themselves live in ``_fake_rest_json``, and the routes for tag categories,
custom field definitions and email status in ``_fake_rest_more``; this module decides what
each contact and tag route does to the store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from ._fake_rest_json import (
    CONTACT_FIELD_NAMES,
    MODELLED,
    TAG_FIELDS,
    RestError,
    contact_fields,
    contact_json,
    iso,
    json_object,
    tag_fields,
    tag_json,
)
from ._fake_rest_more import SURROUNDING_ROUTES
from ._fake_rest_query import (
    conditions,
    contact_values,
    matches,
    meets,
    ordered_contacts,
    page,
)
from ._fake_store import NameTaken

if TYPE_CHECKING:
    from ._fake import Failure
    from ._fake_store import Store

_TAGGED_FILTERS = ("given_name", "family_name", "email")

# Google-style status names, as Keap's v2 API writes them.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}
_NEEDS_CONTACT_POINT = (
    "Contact must contain at least one item in email_addresses, phone_numbers, or addresses"
)


def error_response(status: int, message: str, reason: str | None = None) -> httpx.Response:
    """Keap's v2 ``Error`` body: ``{code, message, status, details}``."""
    name = reason or _STATUS_NAMES.get(status) or httpx.codes.get_reason_phrase(status).upper()
    body = {"code": status, "message": message, "status": name.replace(" ", "_"), "details": []}
    return httpx.Response(status, json=body)


def failure_response(failure: Failure) -> httpx.Response:
    """The answer to an injected failure; a 429 has the gateway's own body, as users saw it
    (integration.keap.com/t/api-error-quota-exceeded-request-throttled/89944)."""
    if failure.status == 429:
        body = {"code": "429", "message": "Quota Exceeded", "status": "Request Throttled"}
        response = httpx.Response(429, json={**body, "details": None})
    else:
        reason = httpx.codes.get_reason_phrase(failure.status) or "Injected failure"
        response = error_response(failure.status, reason)
    response.headers.update(failure.headers)
    return response


@dataclass(frozen=True)
class Call:
    """One request to a route: the store, the request, and the path's captured parts."""

    store: Store
    request: httpx.Request
    parts: tuple[str, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        """The numeric path parts (``tags/{id}``...) as ints."""
        return tuple(int(p) for p in self.parts if p.isdigit())

    def param(self, name: str) -> str | None:
        value: str | None = self.request.url.params.get(name)
        return value

    def params(self, name: str) -> list[str]:
        """A repeated and/or comma-separated query parameter, flattened."""
        raw = self.request.url.params.get_list(name)
        return [part.strip() for value in raw for part in value.split(",") if part.strip()]

    def body(self) -> Any:
        """The JSON body; a body that is not JSON, or nests too deep, is a 400."""
        too_deep = f"Invalid JSON payload received: nested deeper than {MAX_NESTING} levels"
        try:
            value = json.loads(self.request.content or b"null")
        except RecursionError as exc:
            # CPython's json decoder recurses once per level of nesting: a deep body
            # ("[" * 5000) exhausts the interpreter's recursion limit.
            raise RestError(400, too_deep) from exc
        except ValueError as exc:
            raise RestError(400, f"Invalid JSON payload received: {exc}") from exc
        if nested_deeper_than(value, MAX_NESTING):  # routes walk bodies recursively
            raise RestError(400, too_deep)
        return value


MAX_NESTING = 100
"""How deep arrays and objects may nest in a request body; deeper bodies are refused.

No Keap request nests past a few levels. 100 is protobuf's default recursion limit for the
messages it parses (``CodedInputStream::default_recursion_limit_``, protocolbuffers/protobuf
src/google/protobuf/io/coded_stream.cc), the same guard for the same reason: code that
walks a body recursively must not meet one deeper than the interpreter's stack."""


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether lists, tuples or dicts in ``value`` nest more than ``limit`` levels deep.

    Walks with an explicit stack, so that a value of any depth is measured safely.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def handle(store: Store, request: httpx.Request, resource: str) -> httpx.Response:
    """Answer one authenticated REST request for ``resource`` (the path after ``/rest/v2/``)."""
    resource = resource.strip("/")
    for pattern, methods in _ROUTES:
        match = pattern.fullmatch(resource)
        if match is None:
            continue
        handler = methods.get(request.method)
        if handler is None:
            response = error_response(405, f"Method {request.method} is not allowed here")
            response.headers["Allow"] = ", ".join(methods)
            return response
        try:
            return handler(Call(store, request, match.groups()))
        except RestError as exc:
            return error_response(exc.status, exc.message, exc.reason)
    return error_response(404, f"No route for {request.method} /rest/v2/{resource}")


def _json(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(status, json=body)


def _fields_param(call: Call) -> set[str] | None:
    fields = call.params("fields")
    unknown = [f for f in fields if f not in CONTACT_FIELD_NAMES]
    if unknown:
        raise RestError(400, f"Invalid fields: {', '.join(unknown)}")
    return set(fields) or None


# handlers: contacts


def _contact_or_404(call: Call) -> dict[str, Any]:
    contact = call.store.contact(call.ids[0])
    if contact is None:
        raise RestError(404, f"Contact {call.ids[0]} not found")
    return contact


def _list_contacts(call: Call) -> httpx.Response:
    params = call.request.url.params
    wanted = conditions(params, ("email", "given_name", "family_name"))
    fields = _fields_param(call)
    contacts = [
        c for c in call.store.all_contacts()
        if all(matches(v, contact_values(c, n)) for n, v in wanted)
    ]  # fmt: skip
    contacts = ordered_contacts(params.get("order_by"), contacts)
    chunk, token = page(params, contacts, lambda c: int(c["id"]))
    found = [contact_json(call.store, c, fields) for c in chunk]
    return _json(200, {"contacts": found, "next_page_token": token})


def _create_contact(call: Call) -> httpx.Response:
    store = call.store
    fields = contact_fields(store, call.body())
    if not any(fields.get(n) for n in ("email_addresses", "phone_numbers", "addresses")):
        raise RestError(400, _NEEDS_CONTACT_POINT)
    option = call.param("duplicate_option")
    if option is not None and option not in store.DUPLICATE_OPTIONS:
        raise RestError(400, f"Invalid duplicate_option: {option!r}")
    shape = _fields_param(call)
    match = store.find_duplicate(fields, option) if option else None
    if match is not None:
        return _json(200, contact_json(store, store.update_contact(match, fields), shape))
    return _json(201, contact_json(store, store.create_contact(fields), shape))


def _get_contact(call: Call) -> httpx.Response:
    return _json(200, contact_json(call.store, _contact_or_404(call), _fields_param(call)))


def _update_contact(call: Call) -> httpx.Response:
    _contact_or_404(call)
    fields = contact_fields(call.store, call.body())
    changes = fields
    if masks := call.params("update_mask"):
        for name in masks:
            if name not in MODELLED:
                problem = "FakeKeap does not model" if name in CONTACT_FIELD_NAMES else "Invalid"
                raise RestError(400, f"{problem} update_mask {name!r}")
        # A masked field missing from the body is cleared; unmasked fields are ignored.
        changes = {key: fields.get(key) for n in masks for key in MODELLED[n]}
    contact = call.store.update_contact(call.ids[0], changes)
    return _json(200, contact_json(call.store, contact, _fields_param(call)))


def _delete_contact(call: Call) -> httpx.Response:
    _contact_or_404(call)
    call.store.delete_contact(call.ids[0])
    return httpx.Response(204)


def _contact_tags(call: Call) -> httpx.Response:
    contact_id = int(_contact_or_404(call)["id"])
    conditions(call.request.url.params, ())
    rows = [(t, when) for c, t, when in call.store.assignments() if c == contact_id]
    chunk, token = page(call.request.url.params, rows, lambda row: row[0])
    tags = [{"tag": tag_json(call.store.tags[t]), "applied_time": iso(when)} for t, when in chunk]
    return _json(200, {"tags": tags, "next_page_token": token})


# handlers: tags


def _tag_or_404(call: Call) -> dict[str, Any]:
    tag = call.store.tag(call.ids[0])
    if tag is None:
        raise RestError(404, f"Tag {call.ids[0]} not found")
    return tag


def _list_tags(call: Call) -> httpx.Response:
    wanted = conditions(call.request.url.params, ("name",))
    tags = [t for t in call.store.all_tags() if all(matches(v, [t["name"]]) for _, v in wanted)]
    chunk, token = page(call.request.url.params, tags, lambda t: int(t["id"]))
    return _json(200, {"tags": [tag_json(t) for t in chunk], "next_page_token": token})


def _conflict(exc: NameTaken) -> RestError:
    """The store keeps tag names unique; REST v2 declares a 409 for createTag."""
    return RestError(409, f"A tag named {str(exc)!r} already exists")


def _create_tag(call: Call) -> httpx.Response:
    fields = tag_fields(call.body())
    if "name" not in fields:
        raise RestError(400, "name is required")
    try:
        tag = call.store.create_tag(
            fields["name"], fields.get("description"), fields.get("category_id")
        )
    except NameTaken as exc:
        raise _conflict(exc) from None
    return _json(201, tag_json(tag))


def _update_tag(call: Call) -> httpx.Response:
    """PATCH: with ``update_mask`` only the masked fields change (absent from the body:
    cleared); without it every field in the body changes."""
    tag_id = int(_tag_or_404(call)["id"])
    fields = tag_fields(call.body())
    mask = call.params("update_mask")
    if mask:
        unknown = set(mask) - TAG_FIELDS
        if unknown:
            raise RestError(400, f"unknown update_mask fields: {sorted(unknown)}")
        named = {"category_id" if m == "category" else m for m in mask}
        fields = {k: fields.get(k) for k in named}
    if fields.get("name", "") is None:
        raise RestError(400, "name cannot be cleared")
    try:
        call.store.update_tag(tag_id, fields)
    except NameTaken as exc:
        raise _conflict(exc) from None
    return _json(200, tag_json(_tag_or_404(call)))


def _delete_tag(call: Call) -> httpx.Response:
    call.store.delete_tag(int(_tag_or_404(call)["id"]))
    return httpx.Response(204)


def _get_tag(call: Call) -> httpx.Response:
    return _json(200, tag_json(_tag_or_404(call)))


def _contact_ids(call: Call) -> list[str]:
    body = json_object(call.body(), "request", frozenset({"contact_ids"}))
    ids = body.get("contact_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise RestError(400, "contact_ids must be a non-empty array of strings")
    return ids


def _apply_tags(call: Call) -> httpx.Response:
    tag_id = int(_tag_or_404(call)["id"])
    results = {}
    for raw in _contact_ids(call):
        found = raw.isdigit() and int(raw) in call.store.contacts
        if found:
            call.store.apply(int(raw), tag_id)
        results[raw] = "SUCCESS" if found else "NOT_FOUND"
    return _json(200, {"results": results})


def _remove_tags(call: Call) -> httpx.Response:
    tag_id = int(_tag_or_404(call)["id"])
    for raw in _contact_ids(call):
        if raw.isdigit():
            call.store.remove(int(raw), tag_id)
    return httpx.Response(204)


def _tagged_rows(call: Call) -> list[tuple[int, datetime]]:
    """(contact id, applied time) of each contact with the tag that meets the filter."""
    tag_id = int(_tag_or_404(call)["id"])
    wanted = conditions(call.request.url.params, _TAGGED_FILTERS)
    return [
        (c, when) for c, t, when in call.store.assignments()
        if t == tag_id and meets(call.store.contact(c) or {}, wanted)
    ]  # fmt: skip


def _tagged_contacts(call: Call) -> httpx.Response:
    chunk, token = page(call.request.url.params, _tagged_rows(call), lambda row: row[0])
    return _json(200, {"contacts": [_tagged(call.store, *row) for row in chunk],
                       "next_page_token": token})  # fmt: skip


def _count_tagged(call: Call) -> httpx.Response:
    """countContactsForTag: ``TagContactCount {count}``."""
    return _json(200, {"count": len(_tagged_rows(call))})


def _tagged(store: Store, contact_id: int, applied: datetime) -> dict[str, Any]:
    contact = store.contact(contact_id) or {}
    emails = store.emails(contact)
    out = {"id": str(contact_id), "email": emails[0] if emails else None}
    out |= {k: contact.get(k) for k in ("given_name", "family_name")}
    return {k: v for k, v in out.items() if v} | {"applied_time": iso(applied)}


Handler = Callable[[Call], httpx.Response]
_ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(r"contacts"), {"GET": _list_contacts, "POST": _create_contact}),
    (
        re.compile(r"contacts/(\d+)"),
        {"GET": _get_contact, "PATCH": _update_contact, "DELETE": _delete_contact},
    ),
    (re.compile(r"contacts/(\d+)/tags"), {"GET": _contact_tags}),
    (re.compile(r"tags"), {"GET": _list_tags, "POST": _create_tag}),
    (re.compile(r"tags/(\d+)"), {"GET": _get_tag, "PATCH": _update_tag, "DELETE": _delete_tag}),
    (re.compile(r"tags/(\d+)/contacts:applyTags"), {"POST": _apply_tags}),
    (re.compile(r"tags/(\d+)/contacts:removeTags"), {"POST": _remove_tags}),
    (re.compile(r"tags/(\d+)/contacts"), {"GET": _tagged_contacts}),
    (re.compile(r"tags/(\d+)/contacts/count"), {"GET": _count_tagged}),
    *SURROUNDING_ROUTES,
]
