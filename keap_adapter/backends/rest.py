"""The REST v2 codec: builds ``httpx.Request``s and reads ``httpx.Response``s for each operation.

Paths and bodies follow the official v2 schema: ids are strings on the wire, updates are
``PATCH`` with ``update_mask`` naming exactly the changed fields, listings follow
``next_page_token`` until it is empty, and tags are applied in chunks with the bulk
``contacts:applyTags`` / ``contacts:removeTags`` endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from .._exceptions import (
    APIError,
    BadRequestError,
    RateLimitError,
    ResponseValidationError,
    error_class_for_status,
)
from .._models import (
    ApplyResult,
    Contact,
    ContactUpdate,
    NewContact,
    RemoveResult,
    Tag,
    TaggedContact,
    TagOutcome,
    UpsertResult,
    check_id,
)
from .._retry import parse_retry_after
from . import _rest_json as wire
from ._base import (
    DUPLICATE_OPTIONS,
    Backend,
    Call,
    ContactFilter,
    Flow,
    Page,
    keeping_partial,
    misfit,
    redirect_error,
)
from ._rest_more import RestSurroundings

T = TypeVar("T")
# Paths and queries that httpx would store exactly as given (nothing to escape or normalise).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_:-]+(?:/[A-Za-z0-9_:-]+)*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._~%=&-]*")


class _Urls:
    """Request URLs under the REST base, made without httpx parsing what never changes.

    httpx checks a URL string character by character in Python: the 470-character
    ``fields`` query alone was a fifth of a ``contacts.get``'s client CPU. So the base is
    parsed once, the ``fields`` query encoded once (``wire.FIELDS_QUERY``), and each call
    swaps in its path and query, both already in the form httpx would have stored. That
    swap uses httpx's parsed form (``URL._uri_reference``); a probe at start-up checks it
    against a normally built URL, and anything it cannot vouch for is built the normal way.
    """

    def __init__(self, base: str) -> None:
        self._base = base
        self._template: httpx.URL | None = httpx.URL(base)
        probe = ("contacts/1:x", {"a": "b c,d", "n": 5})
        try:
            same = self(*probe, fields=True) == self._parsed(*probe, fields=True)
        except (AttributeError, TypeError, ValueError):
            same = False
        self._template = self._template if same else None

    def __call__(self, path: str, params: Any = None, *, fields: bool = False) -> httpx.URL:
        parts = [wire.FIELDS_QUERY] if fields else []
        if params:
            parts.append(str(httpx.QueryParams(params)))
        query = "&".join(parts)
        if (
            self._template is None
            or not _PLAIN_PATH.fullmatch(path)
            or not _PLAIN_QUERY.fullmatch(query)
        ):
            return self._parsed(path, params, fields=fields)
        url = httpx.URL(self._template)  # a copy that shares the parsed form: no parsing
        parsed = self._template._uri_reference
        url._uri_reference = parsed._replace(path=parsed.path + path, query=query or None)
        return url

    def _parsed(self, path: str, params: Any, *, fields: bool) -> httpx.URL:
        """The URL as httpx builds it from strings (what ``__call__`` must equal)."""
        merged = [*wire.FIELDS.items()] if fields else []
        merged += httpx.QueryParams(params).multi_items() if params else []
        return httpx.URL(self._base + path, params=merged or None)


# The codec is usable on its own, so it checks ids too (check_id) before building a path.
class RestBackend(RestSurroundings, Backend):
    """Keap REST v2 (``{base_url}/rest/v2``). Auth headers are the client's job, not the codec's."""

    name = "rest"

    def __init__(self, *, url: str, tag_chunk_size: int = 100) -> None:
        self._url = url.rstrip("/") + "/"
        self._urls = _Urls(self._url)
        self._chunk = tag_chunk_size
        self._custom_ids: dict[str, str] | None = None  # field name -> REST custom field id
        self._custom_types: dict[str, str] = {}  # field name -> field_type (dates are typed)

    # -- plumbing -------------------------------------------------------------------------

    def _call(
        self,
        op: str,
        method: str,
        path: str,
        *,
        idempotent: bool = True,
        fields: bool = False,
        params: Any = None,
        **kw: Any,
    ) -> Call:
        """A call to ``path``; ``fields`` asks for every modelled contact field, before
        ``params`` in the query."""
        url = self._urls(path, params, fields=fields)
        return Call(httpx.Request(method, url, **kw), op, idempotent)

    def _json(self, call: Call, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (ValueError, RecursionError) as exc:  # not JSON, or nested beyond reason
            # From None: the decoder's error keeps the whole body (``.doc``), key and all.
            raise ResponseValidationError(
                f"HTTP {response.status_code} body is not JSON ({type(exc).__name__})",
                operation=call.operation,
                backend=self.name,
            ) from None

    def _parse(self, call: Call, data: Any, parse: Callable[..., T], *args: Any) -> T:
        try:
            return parse(data, *args)
        except (ValidationError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResponseValidationError(  # never chained: exc quotes the answer (see misfit)
                f"response does not fit the expected shape: {misfit(exc)}",
                operation=call.operation,
                backend=self.name,
            ) from None

    def error_for(self, call: Call, response: httpx.Response) -> APIError | None:
        """Map a non-2xx answer to its typed error (both Keap and gateway body shapes)."""
        if response.status_code < 400:
            return redirect_error(call, response, self.name)
        cls = error_class_for_status(response.status_code)
        kwargs: dict[str, Any] = {
            "operation": call.operation,
            "backend": self.name,
            "status_code": response.status_code,
            "request_id": response.headers.get("x-request-id"),
        }
        if cls is RateLimitError:
            kwargs["retry_after"] = parse_retry_after(response.headers.get("retry-after"))
        return cls(wire.error_message(response), **kwargs)

    # -- custom fields: REST keys them by id, the models by name ---------------------------

    def _custom_field_ids(
        self, op: str, *, unless_known: Collection[str] = ()
    ) -> Flow[dict[str, str]]:
        """The account's custom fields (name -> id), read once and read again when a field
        appears that the cached list does not hold (one added while this client lived)."""
        known = self._custom_ids or {}
        if self._custom_ids is None or not set(unless_known) <= {*known, *known.values()}:
            call = self._call(op, "GET", "contacts/model")
            data = yield from self._object(call)
            self._custom_ids = self._parse(call, data, wire.custom_field_ids)
            self._custom_types = self._parse(call, data, wire.custom_field_types)
        return self._custom_ids

    def custom_field_names(self) -> Flow[list[str]]:
        """From ``GET contacts/model`` (read once per backend, then cached)."""
        return sorted((yield from self._custom_field_ids("contacts.custom_field_names")))

    def _read_contact(self, call: Call, data: Any) -> Flow[Contact]:
        names: dict[str, str] = {}
        custom = data.get("custom_fields") if isinstance(data, dict) else None
        if custom and isinstance(custom, list):  # any other shape fails in _parse, typed
            seen = {str(cf.get("id")) for cf in custom if isinstance(cf, dict)}
            ids = yield from self._custom_field_ids(call.operation, unless_known=seen)
            names = {v: k for k, v in ids.items()}
        return self._parse(call, data, wire.contact_from_json, names, self._custom_types)

    def _body(self, op: str, fields: dict[str, Any]) -> Flow[dict[str, Any]]:
        ids: dict[str, str] = {}
        if fields.get("custom_fields"):
            ids = yield from self._custom_field_ids(op, unless_known=set(fields["custom_fields"]))
        try:
            return wire.contact_body(fields, ids)
        except wire.UnknownCustomField as exc:
            # What XML-RPC answers for the same write ([NoFieldFound]): the same error type.
            raise BadRequestError(str(exc), operation=op, backend=self.name) from None

    # -- contacts -------------------------------------------------------------------------

    def create_contact(self, contact: NewContact) -> Flow[Contact]:
        body = yield from self._body("contacts.create", contact.changes())
        call = self._call("contacts.create", "POST", "contacts", idempotent=False, json=body)
        return (yield from self._read_contact(call, (yield from self._object(call))))

    def get_contact(self, contact_id: int) -> Flow[Contact]:
        call = self._call("contacts.get", "GET", f"contacts/{check_id(contact_id)}", fields=True)
        return (yield from self._read_contact(call, (yield from self._object(call))))

    def update_contact(self, contact_id: int, update: ContactUpdate) -> Flow[Contact]:
        changes = update.changes()
        if "custom_fields" in changes or wire.one_company_part(changes):
            # REST replaces the whole custom field list, and the whole ``company`` object; the
            # facade promises "only the fields you set change", so merge into what is stored
            # (a read, then the write).
            current = yield from self.get_contact(contact_id)
            changes = wire.keep_unnamed_parts(current, changes)
        body = yield from self._body("contacts.update", changes)
        params = [("update_mask", m) for m in wire.update_mask(changes)]
        call = self._call(
            "contacts.update", "PATCH", f"contacts/{check_id(contact_id)}", params=params, json=body
        )
        return (yield from self._read_contact(call, (yield from self._object(call))))

    def delete_contact(self, contact_id: int) -> Flow[None]:
        yield self._call("contacts.delete", "DELETE", f"contacts/{check_id(contact_id)}")

    def find_contacts_by_email(self, email: str) -> Flow[list[Contact]]:
        op, where = "contacts.find_by_email", ContactFilter(email=email)
        return (
            yield from self._every_page(op, lambda cur: self._contacts_page(op, where, 1000, cur))
        )

    def _every_page(
        self, op: str, page_flow: Callable[[str | None], Flow[Page[T]]]
    ) -> Flow[list[T]]:
        """Every item of a listing this flow reads whole; a repeated token is an error."""
        items: list[T] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = yield from page_flow(cursor)
            items.extend(page.items)
            if (cursor := page.next_cursor) is None:
                return items
            if cursor in seen:  # a server that repeats a token would keep us here forever
                raise ResponseValidationError(
                    "the next page token repeats an earlier one", operation=op, backend=self.name
                )
            seen.add(cursor)

    def list_contacts_page(
        self, where: ContactFilter, page_size: int, cursor: str | None
    ) -> Flow[Page[Contact]]:
        return (yield from self._contacts_page("contacts.list", where, page_size, cursor))

    def _contacts_page(
        self, op: str, where: ContactFilter, page_size: int, cursor: str | None
    ) -> Flow[Page[Contact]]:
        params = wire.page_params(page_size, cursor)
        if flt := wire.contact_filter(where):
            params["filter"] = flt
        call = self._call(op, "GET", "contacts", fields=True, params=params)
        data = yield from self._object(call)
        items = []
        for raw in data.get("contacts") or []:
            items.append((yield from self._read_contact(call, raw)))
        return Page(items, wire.next_cursor(data))

    def upsert_contact(self, contact: NewContact, match: str) -> Flow[UpsertResult]:
        """``POST contacts?duplicate_option=...``, keeping what the contact does not name.

        A matched contact gets the body like a write without ``update_mask``, which would
        drop the email/phone/address slots and custom fields the body leaves out. XML-RPC's
        ``addWithDupCheck`` keeps them, so the matching contact is read first and the
        lists are merged. Race: a change made between the read and the write is overwritten.
        """
        if match not in DUPLICATE_OPTIONS:
            raise ValueError(f"match must be one of {DUPLICATE_OPTIONS}, not {match!r}")
        fields = contact.changes()
        where = ContactFilter(email=contact.email)
        page = yield from self._contacts_page("contacts.upsert", where, 1000, None)
        matches = [c for c in page.items if wire.duplicate_of(c, contact, match)]
        if matches:  # Keap updates the oldest match (the lowest id), as the fake does
            fields = wire.merge_into(min(matches, key=lambda c: c.id), fields)
        body = yield from self._body("contacts.upsert", fields)
        call = self._call(
            "contacts.upsert",
            "POST",
            "contacts",
            idempotent=False,
            params={"duplicate_option": match},
            json=body,
        )
        response = yield call
        found = yield from self._read_contact(call, self._object_of(call, response))
        # Keap declares 200 and 201 for this call; 201 is "created" (inferred: the spec does
        # not say).
        return UpsertResult(contact=found, created=response.status_code == 201)

    def contact_tags(self, contact_id: int) -> Flow[list[Tag]]:
        path = f"contacts/{check_id(contact_id)}/tags"

        def page(cursor: str | None) -> Flow[Page[Tag]]:
            call = self._call("contacts.tags", "GET", path, params=wire.page_params(1000, cursor))
            data = yield from self._object(call)
            return Page(self._parse(call, data, wire.applied_tags), wire.next_cursor(data))

        return (yield from self._every_page("contacts.tags", page))

    def _object(self, call: Call) -> Flow[dict[str, Any]]:
        """Send ``call`` and return its JSON object body."""
        return self._object_of(call, (yield call))

    def _object_of(self, call: Call, response: httpx.Response) -> dict[str, Any]:
        data = self._json(call, response)
        if not isinstance(data, dict):
            raise ResponseValidationError(
                "expected a JSON object", operation=call.operation, backend=self.name
            )
        return data

    # -- tags -----------------------------------------------------------------------------

    def create_tag(self, name: str, description: str | None, category_id: int | None) -> Flow[Tag]:
        body = wire.tag_body(name, description, category_id)
        call = self._call("tags.create", "POST", "tags", idempotent=False, json=body)
        return self._parse(call, (yield from self._object(call)), wire.tag_from_json)

    def get_tag(self, tag_id: int) -> Flow[Tag]:
        call = self._call("tags.get", "GET", f"tags/{check_id(tag_id)}")
        return self._parse(call, (yield from self._object(call)), wire.tag_from_json)

    def update_tag(self, tag_id: int, changes: dict[str, Any]) -> Flow[Tag]:
        body = wire.tag_body(
            changes.get("name"), changes.get("description"), changes.get("category_id")
        )
        mask = [("update_mask", "category" if k == "category_id" else k) for k in changes]
        call = self._call(
            "tags.update", "PATCH", f"tags/{check_id(tag_id)}", params=mask, json=body
        )
        return self._parse(call, (yield from self._object(call)), wire.tag_from_json)

    def delete_tag(self, tag_id: int) -> Flow[None]:
        yield self._call("tags.delete", "DELETE", f"tags/{check_id(tag_id)}")

    def list_tags_page(
        self, name: str | None, page_size: int, cursor: str | None
    ) -> Flow[Page[Tag]]:
        params = wire.page_params(page_size, cursor)
        if name is not None:
            params["filter"] = f"name=={wire.filter_value(name)}"
        call = self._call("tags.list", "GET", "tags", params=params)
        data = yield from self._object(call)
        items = [self._parse(call, raw, wire.tag_from_json) for raw in data.get("tags") or []]
        return Page(items, wire.next_cursor(data))

    def apply_tag(self, tag_id: int, contact_ids: list[int]) -> Flow[ApplyResult]:
        outcomes: dict[int, TagOutcome] = {}
        messages: dict[int, str] = {}
        done = lambda: ApplyResult(tag_id=tag_id, outcomes=outcomes, messages=messages)  # noqa: E731
        with keeping_partial(done):
            for chunk in self._chunks(contact_ids):
                call = self._tag_call("tags.apply", tag_id, "applyTags", chunk)
                data = yield from self._object(call)
                results = self._parse(call, data, wire.apply_results)
                for cid in chunk:
                    status = results.get(str(cid))
                    outcomes[cid] = wire.apply_outcome(status)
                    if status is not None and status.upper() != "SUCCESS":
                        messages[cid] = status
        return ApplyResult(tag_id=tag_id, outcomes=outcomes, messages=messages)

    def remove_tag(self, tag_id: int, contact_ids: list[int]) -> Flow[RemoveResult]:
        """``removeTags`` answers 204 with no body: every outcome is ``UNREPORTED``."""
        outcomes: dict[int, TagOutcome] = {}
        with keeping_partial(lambda: RemoveResult(tag_id=tag_id, outcomes=outcomes)):
            for chunk in self._chunks(contact_ids):
                yield self._tag_call("tags.remove", tag_id, "removeTags", chunk)
                outcomes.update(dict.fromkeys(chunk, TagOutcome.UNREPORTED))
        return RemoveResult(tag_id=tag_id, outcomes=outcomes)

    def _tag_call(self, op: str, tag_id: int, verb: str, chunk: list[int]) -> Call:
        body = {"contact_ids": [str(c) for c in chunk]}
        return self._call(op, "POST", f"tags/{check_id(tag_id)}/contacts:{verb}", json=body)

    def _chunks(self, contact_ids: list[int]) -> Iterator[list[int]]:
        unique = list(dict.fromkeys(check_id(c) for c in contact_ids))
        for start in range(0, len(unique), self._chunk):
            yield unique[start : start + self._chunk]

    def tagged_contacts_page(
        self, tag_id: int, page_size: int, cursor: str | None
    ) -> Flow[Page[TaggedContact]]:
        params = wire.page_params(page_size, cursor)
        call = self._call(
            "tags.contacts", "GET", f"tags/{check_id(tag_id)}/contacts", params=params
        )
        data = yield from self._object(call)
        items = [self._parse(call, raw, wire.tagged_contact) for raw in data.get("contacts") or []]
        return Page(items, wire.next_cursor(data))
