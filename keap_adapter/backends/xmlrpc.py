"""The XML-RPC codec: Keap's legacy ``ContactService``/``DataService`` API as flows.

Every request is a ``POST`` of a ``<methodCall>`` to one URL, with the key parameter first.
Authentication headers are the client's job: ``key_param`` is whatever the endpoint wants as
the first parameter (a placeholder when the key travels in ``X-Keap-API-Key``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from .._exceptions import APIError, ConflictError, NotFoundError, PermissionDeniedError
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
)
from . import _xmlrpc_ops as ops
from ._base import (
    DUPLICATE_OPTIONS,
    Backend,
    Call,
    ContactFilter,
    Flow,
    Page,
    Parts,
    T,
    keeping_partial,
)
from ._fields import CONTACT_FIELDS, to_struct
from ._xmlrpc_more import DATA_TYPES, XmlRpcSurroundings
from ._xmlrpc_wire import dumps_call

__all__ = ["XmlRpcBackend"]

_TAG_FIELDS = ["Id", "GroupName", "GroupDescription", "GroupCategoryId"]
_ASSIGNED = "ContactGroupAssign"  # one row per contact-tag pair
_FORM_FIELDS = ["Id", "Name", "Label", "DataType"]
_TAGGED_FIELDS = [
    "ContactId", "Contact.FirstName", "Contact.LastName", "Contact.Email", "DateCreated"
]  # fmt: skip
_XML_HEADERS = {"Content-Type": "text/xml"}
_CUSTOM_FIELD_NAME = re.compile(r"^\w+$")


class XmlRpcBackend(XmlRpcSurroundings, Backend):
    """Contacts and tags over XML-RPC. Sans-I/O: each method returns a flow.

    ``page_size`` is the page used when a flow reads *all* pages itself (a contact's tags).
    Custom contact fields are discovered once per instance (``DataFormField``) and then
    read with every contact.
    """

    name = "xmlrpc"

    def __init__(self, *, url: str, key_param: str, page_size: int = ops.MAX_PAGE) -> None:
        # Parsed once: every call posts to the same URL with the same content type.
        self._url = httpx.URL(url)
        self._key = key_param
        self._page_size = ops.check_limit(page_size)
        self._custom_fields: tuple[str, ...] | None = None
        # Set when the field list was refused: contact reads go on with the standard
        # fields, but a caller asking for the names is told why there are none.
        self._fields_refused: PermissionDeniedError | None = None
        self._custom_types: dict[str, str] = {}  # field name -> REST field type (dates)

    def error_for(self, call: Call, response: httpx.Response) -> APIError | None:
        """HTTP status errors, and faults (HTTP 200) classified by their bracketed tag."""
        return ops.error_for(call, response)

    # ----------------------------------------------------------------------- plumbing

    def _call(
        self, operation: str, method: str, *params: Any, idempotent: bool = True
    ) -> Flow[Any]:
        body = dumps_call(method, (self._key, *params))
        request = httpx.Request("POST", self._url, content=body, headers=_XML_HEADERS)
        call = Call(request, operation, idempotent)
        return ops.result(call, (yield call))

    def _query(
        self,
        operation: str,
        table: str,
        query: dict[str, Any],
        fields: list[str],
        *,
        limit: int,
        page: int,
        order_by: str | None = None,
    ) -> Flow[list[dict[str, Any]]]:
        # Keap sorts by ascending Id with no orderBy (recorded 2015 samples); say so anyway.
        ordering = (order_by, True) if order_by else ()
        found = yield from self._call(
            operation, "DataService.query", table, limit, page, query, fields, *ordering
        )
        return ops.rows(operation, found)

    def _all_rows(
        self, operation: str, table: str, query: dict[str, Any], fields: list[str], order_by: str
    ) -> Flow[list[dict[str, Any]]]:
        out: list[dict[str, Any]] = []
        page: int | None = 0
        while page is not None:
            found = yield from self._query(
                operation, table, query, fields, limit=self._page_size, page=page, order_by=order_by
            )
            out.extend(found)
            cursor = ops.next_cursor(page, found, self._page_size)
            page = None if cursor is None else int(cursor)
        return out

    def _require(self, operation: str, table: str, record_id: int) -> Flow[None]:
        """``NotFoundError`` unless the record exists (for answers where none is ambiguous)."""
        found = yield from self._call(operation, "DataService.load", table, record_id, ["Id"])
        if not ops.expect(operation, found, dict).get("Id"):
            raise NotFoundError(
                f"{table} {record_id} was not found", operation=operation, backend=self.name
            )

    def _contact_fields(self, operation: str) -> Flow[list[str]]:
        if self._custom_fields is None:
            self._fields_refused = None
            try:
                found = yield from self._query(
                    operation, "DataFormField", {"FormId": -1}, _FORM_FIELDS, limit=1000, page=0
                )
            except PermissionDeniedError as refused:
                found = []  # a key without metadata access still reads the standard fields
                self._fields_refused = refused
            rows = [r for r in found if _CUSTOM_FIELD_NAME.match(str(r.get("Name", "")))]
            self._custom_fields = tuple(f"_{r['Name']}" for r in rows)
            self._custom_types = {
                r["Name"]: DATA_TYPES.get(ops.data_type_number(operation, r.get("DataType")), "")
                for r in rows
            }
        return [*CONTACT_FIELDS, *self._custom_fields]

    def _struct(self, fields: dict[str, Any], *, clear_missing_slots: bool) -> dict[str, Any]:
        """The struct to write; a custom field the cached field list lacks (one added since
        it was read) makes the next load read the list again, so it comes back too."""
        named = {f"_{name}" for name in fields.get("custom_fields") or {}}
        if self._custom_fields is not None and not named <= set(self._custom_fields):
            self._custom_fields = None
        return to_struct(fields, clear_missing_slots=clear_missing_slots)

    def _contact(self, operation: str, struct: Any) -> Contact:
        return ops.contact_from_struct(operation, struct, self._custom_types)

    def custom_field_names(self) -> Flow[list[str]]:
        """From ``DataFormField`` (read once per backend, then cached)."""
        fields = yield from self._contact_fields("contacts.custom_field_names")
        if self._fields_refused is not None and not self._custom_fields:
            raise PermissionDeniedError(
                f"the custom field list was refused: {self._fields_refused.message}",
                operation="contacts.custom_field_names",
                backend=self.name,
                status_code=self._fields_refused.status_code,
                fault_code=self._fields_refused.fault_code,
                fault_tag=self._fields_refused.fault_tag,
            )
        return sorted(f[1:] for f in fields if f.startswith("_"))

    def _load_contact(self, operation: str, contact_id: int) -> Flow[Contact]:
        fields = yield from self._contact_fields(operation)
        struct = yield from self._call(operation, "ContactService.load", contact_id, fields)
        return self._contact(operation, struct)

    def _load_tag(self, operation: str, tag_id: int) -> Flow[Tag]:
        row = yield from self._call(
            operation, "DataService.load", "ContactGroup", tag_id, _TAG_FIELDS
        )
        return ops.tag_from_row(operation, ops.expect(operation, row, dict))

    # ----------------------------------------------------------------------- contacts

    def create_contact(self, contact: NewContact) -> Flow[Contact]:
        """``ContactService.add`` (never deduplicates), then load the stored contact."""
        op = "contacts.create"
        struct = self._struct(_given(contact), clear_missing_slots=False)
        new_id = yield from self._call(op, "ContactService.add", struct, idempotent=False)
        return (yield from self._load_contact(op, ops.expect(op, new_id, int)))

    def get_contact(self, contact_id: int) -> Flow[Contact]:
        """``ContactService.load`` with every standard and custom field; tags from ``Groups``."""
        return (yield from self._load_contact("contacts.get", contact_id))

    def update_contact(self, contact_id: int, update: ContactUpdate) -> Flow[Contact]:
        """``ContactService.update`` with only the set fields (none set: just load)."""
        op = "contacts.update"
        struct = self._struct(update.changes(), clear_missing_slots=True)
        if struct:
            updated = yield from self._call(op, "ContactService.update", contact_id, struct)
            ops.expect(op, updated, int)
        return (yield from self._load_contact(op, contact_id))

    def delete_contact(self, contact_id: int) -> Flow[None]:
        """``DataService.delete('Contact', id)``; an answer of ``False`` is ``NotFoundError``."""
        op = "contacts.delete"
        deleted = yield from self._call(op, "DataService.delete", "Contact", contact_id)
        if not ops.expect(op, deleted, bool):
            raise NotFoundError(
                f"contact {contact_id} was not deleted (no such contact)",
                operation=op,
                backend=self.name,
                status_code=200,
            )

    def find_contacts_by_email(self, email: str) -> Flow[list[Contact]]:
        """``ContactService.findByEmail``: Keap searches all three email slots."""
        op = "contacts.find_by_email"
        fields = yield from self._contact_fields(op)
        found = yield from self._call(op, "ContactService.findByEmail", email, fields)
        return [self._contact(op, row) for row in ops.rows(op, found)]

    def list_contacts_page(
        self, where: ContactFilter, page_size: int, cursor: str | None
    ) -> Flow[Page[Contact]]:
        """``DataService.query('Contact', ...)`` by ascending id; the cursor is the page number.

        Filters are ANDed and matched case-insensitively; a trailing ``*`` is a prefix
        wildcard. Over XML-RPC ``where.email`` only searches EMAIL1 (the ``Email`` column),
        unlike :meth:`find_contacts_by_email`.
        """
        op = "contacts.list"
        limit, page = ops.check_limit(page_size), ops.page_number(cursor)
        fields = yield from self._contact_fields(op)
        query = ops.contact_query(where)
        found = yield from self._query(
            op, "Contact", query, fields, limit=limit, page=page, order_by="Id"
        )
        contacts = [self._contact(op, row) for row in found]
        return Page(contacts, ops.next_cursor(page, found, limit))

    def upsert_contact(self, contact: NewContact, match: str) -> Flow[UpsertResult]:
        """``ContactService.addWithDupCheck``, reporting honestly whether it created.

        Keap answers only an id, so the contacts already holding the email are looked up
        first: the contact was ``created`` unless the answered id is one of them. Another
        process may have made it between the two calls, so ``created`` is then not
        ``certain``.
        Needs an EMAIL1 (every dup-check mode matches on it): ``ValueError`` otherwise.
        """
        op = "contacts.upsert"
        if match not in DUPLICATE_OPTIONS:
            raise ValueError(f"match must be one of {DUPLICATE_OPTIONS}, got {match!r}")
        if contact.email is None:
            raise ValueError("upsert matches on email; the contact has no EMAIL1")
        before = yield from self._call(op, "ContactService.findByEmail", contact.email, ["Id"])
        existing = {row.get("Id") for row in ops.rows(op, before)}
        struct = self._struct(_given(contact), clear_missing_slots=False)
        answer = yield from self._call(
            op, "ContactService.addWithDupCheck", struct, match, idempotent=False
        )
        contact_id = ops.expect(op, answer, int)
        loaded = yield from self._load_contact(op, contact_id)
        created = contact_id not in existing
        return UpsertResult(contact=loaded, created=created, certain=not created)

    def contact_tags(self, contact_id: int) -> Flow[list[Tag]]:
        """Rows of ``ContactGroupAssign`` (all pages), each tag then loaded for its details.

        No rows is ambiguous over XML-RPC, so the contact's existence is then checked:
        ``NotFoundError`` for a missing contact, as on REST.
        """
        op = "contacts.tags"
        query, fields = {"ContactId": contact_id}, ["GroupId", "ContactGroup"]
        assigned = yield from self._all_rows(op, _ASSIGNED, query, fields, "GroupId")
        if not assigned:
            yield from self._require(op, "Contact", contact_id)
        tags = []
        for row in assigned:
            tags.append((yield from self._assigned_tag(op, row)))
        return tags

    def _assigned_tag(self, operation: str, row: dict[str, Any]) -> Flow[Tag]:
        tag_id = ops.expect(operation, row.get("GroupId"), int)
        try:
            return (yield from self._load_tag(operation, tag_id))
        except NotFoundError:  # deleted since the query: what the assignment row says
            return ops.tag_from_row(
                operation, {"Id": tag_id, "GroupName": row.get("ContactGroup", "")}
            )

    # --------------------------------------------------------------------------- tags

    def create_tag(self, name: str, description: str | None, category_id: int | None) -> Flow[Tag]:
        """``DataService.add('ContactGroup', ...)`` (empty values left out), then load it."""
        op = "tags.create"
        yield from self._name_free(op, name, None)
        given = {"GroupName": name, "GroupDescription": description, "GroupCategoryId": category_id}
        values = {k: v for k, v in given.items() if v not in (None, "")}
        new_id = yield from self._call(
            op, "DataService.add", "ContactGroup", values, idempotent=False
        )
        return (yield from self._load_tag(op, ops.expect(op, new_id, int)))

    def _name_free(self, operation: str, name: str, tag_id: int | None) -> Flow[None]:
        """``ConflictError`` when another tag has ``name`` (ignoring case), as REST v2's
        409: Keap's REST v2 spec calls tag names unique, and XML-RPC does not check them."""
        # Every page: a name holding Keap's '%' wildcard can match more than one page of tags.
        query = {"GroupName": name}
        found = yield from self._all_rows(
            operation, "ContactGroup", query, ["Id", "GroupName"], "Id"
        )
        for row in found:
            same = str(row.get("GroupName", "")).lower() == name.lower()
            if same and row.get("Id") != tag_id:
                raise ConflictError(
                    f"a tag named {name!r} already exists (id {row.get('Id')})",
                    operation=operation,
                    backend=self.name,
                    status_code=409,
                )

    def get_tag(self, tag_id: int) -> Flow[Tag]:
        """``DataService.load('ContactGroup', id, ...)``."""
        return (yield from self._load_tag("tags.get", tag_id))

    def update_tag(self, tag_id: int, changes: dict[str, Any]) -> Flow[Tag]:
        """``DataService.update('ContactGroup', id, ...)`` with only the changed columns.

        ``None`` clears: an empty description, category 0 (Keap's "no category").
        """
        op = "tags.update"
        if "name" in changes:  # a missing tag is NotFoundError first, as on REST
            yield from self._load_tag(op, tag_id)
            yield from self._name_free(op, changes["name"], tag_id)
        empty = {"name": "", "description": "", "category_id": 0}
        columns = {"name": "GroupName", "description": "GroupDescription"}
        values = {
            columns.get(k, "GroupCategoryId"): (empty[k] if v is None else v)
            for k, v in changes.items()
        }
        if values:
            updated = yield from self._call(
                op, "DataService.update", "ContactGroup", tag_id, values
            )
            ops.expect(op, updated, int)
        return (yield from self._load_tag(op, tag_id))

    def delete_tag(self, tag_id: int) -> Flow[None]:
        """``DataService.delete('ContactGroup', id)``; ``False`` is ``NotFoundError``."""
        op = "tags.delete"
        deleted = yield from self._call(op, "DataService.delete", "ContactGroup", tag_id)
        if not ops.expect(op, deleted, bool):
            raise NotFoundError(
                f"tag {tag_id} was not deleted (no such tag)",
                operation=op,
                backend=self.name,
                status_code=200,
            )

    def list_tags_page(
        self, name: str | None, page_size: int, cursor: str | None
    ) -> Flow[Page[Tag]]:
        """``DataService.query('ContactGroup', ...)`` by ascending id.

        Keap matches ``GroupName`` case-insensitively with ``%`` as a wildcard; rows that
        matched only through a wildcard are dropped, so ``name`` is matched exactly
        (ignoring case). The cursor still follows the unfiltered page.
        """
        op = "tags.list"
        limit, page = ops.check_limit(page_size), ops.page_number(cursor)
        query = {"GroupName": name} if name is not None else {"Id": "%"}
        found = yield from self._query(
            op, "ContactGroup", query, _TAG_FIELDS, limit=limit, page=page, order_by="Id"
        )
        tags = [ops.tag_from_row(op, row) for row in found]
        if name is not None:
            tags = [tag for tag in tags if tag.name.lower() == name.lower()]
        return Page(tags, ops.next_cursor(page, found, limit))

    def apply_tag(self, tag_id: int, contact_ids: list[int]) -> Flow[ApplyResult]:
        """One ``ContactService.addToGroup`` per contact, in turn (:meth:`apply_tag_parts`).

        ``True`` is ``SUCCESS``; ``False`` (Keap answers it for some contacts that already
        had the tag) is checked against ``ContactGroupAssign``. A ``[RecordNotFound]``
        fault is ambiguous (no contact, or no tag): the tag is then checked once, and a
        missing tag is ``NotFoundError`` as on REST; otherwise the contact is ``NOT_FOUND``.
        """
        return self._in_turn(self.apply_tag_parts(tag_id, contact_ids))

    def remove_tag(self, tag_id: int, contact_ids: list[int]) -> Flow[RemoveResult]:
        """One ``ContactService.removeFromGroup`` per contact, with outcomes as
        :meth:`apply_tag` (a contact that lacked the tag is a ``SUCCESS``)."""
        return self._in_turn(self.remove_tag_parts(tag_id, contact_ids))

    def apply_tag_parts(self, tag_id: int, contact_ids: list[int]) -> Parts[ApplyResult]:
        """:meth:`apply_tag` as one flow per contact (XML-RPC has no batch call)."""
        method = "ContactService.addToGroup"
        return Parts(
            {cid: self._group_change("tags.apply", method, cid, tag_id) for cid in contact_ids},
            lambda outcomes: ApplyResult(tag_id=tag_id, outcomes=outcomes),
        )

    def remove_tag_parts(self, tag_id: int, contact_ids: list[int]) -> Parts[RemoveResult]:
        """:meth:`remove_tag` as one flow per contact (XML-RPC has no batch call)."""
        method = "ContactService.removeFromGroup"
        return Parts(
            {cid: self._group_change("tags.remove", method, cid, tag_id) for cid in contact_ids},
            lambda outcomes: RemoveResult(tag_id=tag_id, outcomes=outcomes),
        )

    @staticmethod
    def _in_turn(parts: Parts[T]) -> Flow[T]:
        """Run the parts one after another; an error keeps what was done."""
        outcomes: dict[int, TagOutcome] = {}
        with keeping_partial(lambda: parts.result(outcomes)):
            for contact_id, flow in parts.flows.items():
                outcomes[contact_id] = yield from flow
        return parts.result(outcomes)

    def _group_change(
        self, operation: str, method: str, contact_id: int, tag_id: int
    ) -> Flow[TagOutcome]:
        try:
            done = yield from self._call(operation, method, contact_id, tag_id)
        except NotFoundError:
            yield from self._require(operation, "ContactGroup", tag_id)
            return TagOutcome.NOT_FOUND
        if ops.expect(operation, done, bool) or method.endswith("removeFromGroup"):
            return TagOutcome.SUCCESS
        query = {"ContactId": contact_id, "GroupId": tag_id}
        held = yield from self._query(operation, _ASSIGNED, query, ["GroupId"], limit=1, page=0)
        return TagOutcome.SUCCESS if held else TagOutcome.FAILED

    def tagged_contacts_page(
        self, tag_id: int, page_size: int, cursor: str | None
    ) -> Flow[Page[TaggedContact]]:
        """``ContactGroupAssign`` rows joined with the contact's names and EMAIL1.

        An empty first page is ambiguous over XML-RPC, so the tag's existence is then
        checked: ``NotFoundError`` for a missing tag, as on REST.
        """
        op = "tags.contacts"
        limit, page = ops.check_limit(page_size), ops.page_number(cursor)
        query, fields = {"GroupId": tag_id}, _TAGGED_FIELDS
        found = yield from self._query(
            op, _ASSIGNED, query, fields, limit=limit, page=page, order_by="ContactId"
        )
        if not found and page == 0:
            yield from self._require(op, "ContactGroup", tag_id)
        contacts = [ops.tagged_contact(op, row) for row in found]
        return Page(contacts, ops.next_cursor(page, found, limit))


def _given(contact: NewContact) -> dict[str, Any]:
    """The fields of a new contact that carry a value (``None`` is "not given" on create)."""
    return {name: value for name, value in contact.changes().items() if value is not None}
