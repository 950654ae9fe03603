"""``client.contacts`` and ``client.tags``: thin typed methods over checked operations.

Each method builds one operation (:mod:`._operations`, where arguments are checked before
anything is sent) and hands it to its runner: a client runs it on its backend, a
``migration.Shadow`` on two clients. Each sync class has an async twin with the same
one-line bodies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from functools import partial
from typing import Any, Protocol, TypeVar

from . import _operations as ops
from ._account_models import EmailStatus
from ._bulk import CONCURRENCY, BulkItem, Make, arun_each, run_each
from ._models import (
    ApplyResult,
    Contact,
    ContactUpdate,
    NewContact,
    RemoveResult,
    Tag,
    TaggedContact,
    TagUpdate,
    UpsertResult,
)
from ._operations import MATCH_OPTIONS, Listing, Match, Op
from ._resources_more import AsyncCustomFields, AsyncTagCategories, CustomFields, TagCategories

__all__ = ["MATCH_OPTIONS", "AsyncContacts", "AsyncTags", "Contacts", "Tags"]

T = TypeVar("T")
Item = TypeVar("Item")
# ``list`` is a method name below; these aliases keep the builtin reachable in annotations.
ContactList = list[Contact]
TagList = list[Tag]
NameList = list[str]


class Runner(Protocol):
    """What sync resources run their operations through (a client, or a shadow)."""

    @property
    def page_size(self) -> int:
        """The default page size of listings."""

    def _operate(self, op: Op[T]) -> T: ...

    def _list(self, listing: Listing[Item]) -> Iterator[Item]: ...


class AsyncRunner(Protocol):
    """What async resources run their operations through."""

    @property
    def page_size(self) -> int:
        """The default page size of listings."""

    async def _operate(self, op: Op[T]) -> T: ...

    def _list(self, listing: Listing[Item]) -> AsyncIterator[Item]: ...


CreatedList = list[BulkItem[Contact]]
UpsertedList = list[BulkItem[UpsertResult]]
IdUpdate = tuple[int, ContactUpdate | Mapping[str, Any]]


# Each item's operation is built when it runs, so an item the facade refuses fails alone.
def _creates(contacts: Iterable[NewContact | Mapping[str, Any]]) -> list[Make[Contact]]:
    return [partial(ops.create_contact, c) for c in contacts]


def _updates(updates: Iterable[IdUpdate]) -> list[Make[Contact]]:
    return [partial(_update_op, item) for item in updates]


def _update_op(item: IdUpdate) -> Op[Contact]:
    if not isinstance(item, tuple) or len(item) != 2:
        raise ValueError(f"an update is a (contact_id, update) pair, not {item!r}")
    return ops.update_contact(*item)


def _upserts(
    contacts: Iterable[NewContact | Mapping[str, Any]], match: str
) -> list[Make[UpsertResult]]:
    return [partial(ops.upsert_contact, c, match) for c in contacts]


class _Resource:
    def __init__(self, runner: Any) -> None:
        self._r = runner
        self._more(runner)

    def _more(self, runner: Any) -> None:
        """Attach sub-resources (``tags.categories``...)."""

    def _size(self, page_size: int | None) -> int:
        return ops.check_page_size(page_size, self._r.page_size)


class Contacts(_Resource):
    """Contact operations, identical on both backends. ``custom_fields`` holds the
    account's custom field definitions."""

    _r: Runner

    def _more(self, runner: Any) -> None:
        self.custom_fields = CustomFields(runner)

    def create(self, contact: NewContact | Mapping[str, Any]) -> Contact:
        """Create a contact. Never deduplicates (use :meth:`upsert`) and is never re-sent
        after an unknown outcome, so a retry cannot make a duplicate. A contact needs at
        least one email address, phone number or address, as Keap's REST v2 requires."""
        return self._r._operate(ops.create_contact(contact))

    def get(self, contact_id: int) -> Contact:
        """Load a contact; ``NotFoundError`` if there is none."""
        return self._r._operate(ops.get_contact(contact_id))

    def create_many(self, contacts: Iterable[NewContact | Mapping[str, Any]]) -> CreatedList:
        """Create each contact, in order; one :class:`BulkItem` per contact (a refused one
        holds its error, and the others go on)."""
        return run_each(self._r, _creates(contacts))

    def update_many(self, updates: Iterable[IdUpdate]) -> CreatedList:
        """Apply each ``(contact_id, update)``, in order; one :class:`BulkItem` each."""
        return run_each(self._r, _updates(updates))

    def upsert_many(
        self, contacts: Iterable[NewContact | Mapping[str, Any]], *, match: Match = "email"
    ) -> UpsertedList:
        """Upsert each contact, in order; one :class:`BulkItem` each."""
        return run_each(self._r, _upserts(contacts, match))

    def update(self, contact_id: int, update: ContactUpdate | Mapping[str, Any]) -> Contact:
        """Change only the fields set on ``update``; returns the contact after the change."""
        return self._r._operate(ops.update_contact(contact_id, update))

    def delete(self, contact_id: int) -> None:
        """Delete a contact; ``NotFoundError`` if there is none."""
        self._r._operate(ops.delete_contact(contact_id))

    def find_by_email(self, email: str) -> ContactList:
        """Every contact holding ``email`` in any of its three email slots."""
        return self._r._operate(ops.find_by_email(email))

    def list(
        self,
        *,
        email: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Contact]:
        """Contacts matching every filter given (a trailing ``*`` is a prefix), in id order;
        pages are fetched lazily until Keap has no more."""
        size = self._size(page_size)
        return self._r._list(ops.list_contacts(email, given_name, family_name, size))

    def upsert(
        self, contact: NewContact | Mapping[str, Any], *, match: Match = "email"
    ) -> UpsertResult:
        """Update the contact matching on ``match`` (``email``, ``email_and_name``,
        ``email_and_name_and_company``) or create it; ``.created`` says which."""
        return self._r._operate(ops.upsert_contact(contact, match))

    def tags(self, contact_id: int) -> TagList:
        """Every tag applied to a contact."""
        return self._r._operate(ops.contact_tags(contact_id))

    def custom_field_names(self) -> NameList:
        """The names of the account's contact custom fields (keys of ``custom_fields``)."""
        return self._r._operate(ops.custom_field_names())

    def email_status(self, email: str) -> EmailStatus:
        """An address's marketing status (an address Keap never saw is non-marketable)."""
        return self._r._operate(ops.email_status(email))

    def opt_in(self, email: str, reason: str) -> EmailStatus:
        """Opt an address in to marketing, saying why; its status afterwards (Keap keeps
        an address that opted itself out, bounced or complained non-marketable)."""
        return self._r._operate(ops.set_email_opt_in(email, reason, opted_in=True))

    def opt_out(self, email: str, reason: str) -> EmailStatus:
        """Opt an address out of marketing, saying why; its status afterwards."""
        return self._r._operate(ops.set_email_opt_in(email, reason, opted_in=False))


class Tags(_Resource):
    """Tag operations, identical on both backends. ``categories`` holds tag categories."""

    _r: Runner

    def _more(self, runner: Any) -> None:
        self.categories = TagCategories(runner)

    def create(
        self, name: str, *, description: str | None = None, category_id: int | None = None
    ) -> Tag:
        """Create a tag; ``ConflictError`` if one already has that name."""
        return self._r._operate(ops.create_tag(name, description, category_id))

    def get(self, tag_id: int) -> Tag:
        """Load a tag; ``NotFoundError`` if there is none."""
        return self._r._operate(ops.get_tag(tag_id))

    def update(self, tag_id: int, update: TagUpdate | Mapping[str, Any]) -> Tag:
        """Change only the fields set on ``update`` (``description=None`` or
        ``category_id=None`` clears them); returns the tag after the change."""
        return self._r._operate(ops.update_tag(tag_id, update))

    def delete(self, tag_id: int) -> None:
        """Delete a tag, and with it every application of it to a contact."""
        self._r._operate(ops.delete_tag(tag_id))

    def list(self, *, name: str | None = None, page_size: int | None = None) -> Iterator[Tag]:
        """Every tag (or those named exactly ``name``), fetched lazily page by page."""
        return self._r._list(ops.list_tags(name, self._size(page_size)))

    def apply(self, tag_id: int, contact_ids: Iterable[int]) -> ApplyResult:
        """Apply a tag to contacts; the result holds each contact's :class:`TagOutcome`.
        ``NotFoundError`` if there is no such tag; a missing contact is an outcome."""
        return self._r._operate(ops.apply_tag(tag_id, contact_ids))

    def remove(self, tag_id: int, contact_ids: Iterable[int]) -> RemoveResult:
        """Remove a tag from contacts (removing a tag a contact lacks is not an error); the
        result holds each contact's outcome, where the protocol reports one."""
        return self._r._operate(ops.remove_tag(tag_id, contact_ids))

    def contacts(self, tag_id: int, *, page_size: int | None = None) -> Iterator[TaggedContact]:
        """The contacts holding a tag, with when it was applied; fetched lazily."""
        return self._r._list(ops.tagged_contacts(tag_id, self._size(page_size)))


class AsyncContacts(_Resource):
    """Contact operations for :class:`~keap_adapter.AsyncKeapClient` (see :class:`Contacts`)."""

    _r: AsyncRunner

    def _more(self, runner: Any) -> None:
        self.custom_fields = AsyncCustomFields(runner)

    async def create(self, contact: NewContact | Mapping[str, Any]) -> Contact:
        """See :meth:`Contacts.create`."""
        return await self._r._operate(ops.create_contact(contact))

    async def get(self, contact_id: int) -> Contact:
        """See :meth:`Contacts.get`."""
        return await self._r._operate(ops.get_contact(contact_id))

    async def create_many(
        self, contacts: Iterable[NewContact | Mapping[str, Any]], *, concurrency: int = CONCURRENCY
    ) -> CreatedList:
        """See :meth:`Contacts.create_many`; up to ``concurrency`` at once."""
        return await arun_each(self._r, _creates(contacts), concurrency)

    async def update_many(
        self, updates: Iterable[IdUpdate], *, concurrency: int = CONCURRENCY
    ) -> CreatedList:
        """See :meth:`Contacts.update_many`; up to ``concurrency`` at once."""
        return await arun_each(self._r, _updates(updates), concurrency)

    async def upsert_many(
        self,
        contacts: Iterable[NewContact | Mapping[str, Any]],
        *,
        match: Match = "email",
        concurrency: int = CONCURRENCY,
    ) -> UpsertedList:
        """See :meth:`Contacts.upsert_many`; up to ``concurrency`` at once. Two items for one
        email address may race into two contacts, as two concurrent upserts would."""
        return await arun_each(self._r, _upserts(contacts, match), concurrency)

    async def update(self, contact_id: int, update: ContactUpdate | Mapping[str, Any]) -> Contact:
        """See :meth:`Contacts.update`."""
        return await self._r._operate(ops.update_contact(contact_id, update))

    async def delete(self, contact_id: int) -> None:
        """See :meth:`Contacts.delete`."""
        await self._r._operate(ops.delete_contact(contact_id))

    async def find_by_email(self, email: str) -> ContactList:
        """See :meth:`Contacts.find_by_email`."""
        return await self._r._operate(ops.find_by_email(email))

    def list(
        self,
        *,
        email: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Contact]:
        """See :meth:`Contacts.list`; an async iterator."""
        size = self._size(page_size)
        return self._r._list(ops.list_contacts(email, given_name, family_name, size))

    async def upsert(
        self, contact: NewContact | Mapping[str, Any], *, match: Match = "email"
    ) -> UpsertResult:
        """See :meth:`Contacts.upsert`."""
        return await self._r._operate(ops.upsert_contact(contact, match))

    async def tags(self, contact_id: int) -> TagList:
        """See :meth:`Contacts.tags`."""
        return await self._r._operate(ops.contact_tags(contact_id))

    async def custom_field_names(self) -> NameList:
        """See :meth:`Contacts.custom_field_names`."""
        return await self._r._operate(ops.custom_field_names())

    async def email_status(self, email: str) -> EmailStatus:
        """See :meth:`Contacts.email_status`."""
        return await self._r._operate(ops.email_status(email))

    async def opt_in(self, email: str, reason: str) -> EmailStatus:
        """See :meth:`Contacts.opt_in`."""
        return await self._r._operate(ops.set_email_opt_in(email, reason, opted_in=True))

    async def opt_out(self, email: str, reason: str) -> EmailStatus:
        """See :meth:`Contacts.opt_out`."""
        return await self._r._operate(ops.set_email_opt_in(email, reason, opted_in=False))


class AsyncTags(_Resource):
    """Tag operations for :class:`~keap_adapter.AsyncKeapClient` (see :class:`Tags`)."""

    _r: AsyncRunner

    def _more(self, runner: Any) -> None:
        self.categories = AsyncTagCategories(runner)

    async def create(
        self, name: str, *, description: str | None = None, category_id: int | None = None
    ) -> Tag:
        """See :meth:`Tags.create`."""
        return await self._r._operate(ops.create_tag(name, description, category_id))

    async def get(self, tag_id: int) -> Tag:
        """See :meth:`Tags.get`."""
        return await self._r._operate(ops.get_tag(tag_id))

    async def update(self, tag_id: int, update: TagUpdate | Mapping[str, Any]) -> Tag:
        """See :meth:`Tags.update`."""
        return await self._r._operate(ops.update_tag(tag_id, update))

    async def delete(self, tag_id: int) -> None:
        """See :meth:`Tags.delete`."""
        await self._r._operate(ops.delete_tag(tag_id))

    def list(self, *, name: str | None = None, page_size: int | None = None) -> AsyncIterator[Tag]:
        """See :meth:`Tags.list`; an async iterator."""
        return self._r._list(ops.list_tags(name, self._size(page_size)))

    async def apply(self, tag_id: int, contact_ids: Iterable[int]) -> ApplyResult:
        """See :meth:`Tags.apply`."""
        return await self._r._operate(ops.apply_tag(tag_id, contact_ids))

    async def remove(self, tag_id: int, contact_ids: Iterable[int]) -> RemoveResult:
        """See :meth:`Tags.remove`."""
        return await self._r._operate(ops.remove_tag(tag_id, contact_ids))

    def contacts(
        self, tag_id: int, *, page_size: int | None = None
    ) -> AsyncIterator[TaggedContact]:
        """See :meth:`Tags.contacts`; an async iterator."""
        return self._r._list(ops.tagged_contacts(tag_id, self._size(page_size)))
