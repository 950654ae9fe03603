"""``client.contacts`` and ``client.tags``: thin typed methods over the backend's flows.

Arguments are checked here, before any flow starts, so bad input never reaches the wire.
Each sync class has an async twin with the same one-line bodies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from ._models import (
    ApplyResult,
    Contact,
    ContactUpdate,
    Email,
    NewContact,
    Tag,
    Text,
    UpsertResult,
    check_id,
)
from .backends._base import ContactFilter

if TYPE_CHECKING:
    from ._client import AsyncKeapClient, KeapClient

# ``list`` is a method name below; these aliases keep the builtin reachable in annotations.
ContactList = list[Contact]
TagList = list[Tag]
NameList = list[str]
_EMAIL = TypeAdapter(Email)
_TEXT = TypeAdapter(Text)
# The facade's spelling of Keap's duplicate checks (``DUPLICATE_OPTIONS``), in that order.
MATCH_OPTIONS = {
    "email": "Email",
    "email_and_name": "EmailAndName",
    "email_and_name_and_company": "EmailAndNameAndCompany",
}


def check_ids(values: Iterable[int]) -> list[int]:
    """A non-empty list of contact ids, duplicates removed (order kept)."""
    if isinstance(values, (str, bytes, int)):
        raise ValueError("contact_ids must be a list of ints")
    ids = [*dict.fromkeys(check_id(v, "a contact id") for v in values)]
    if not ids:
        raise ValueError("contact_ids is empty")
    return ids


def check_page_size(value: int | None, default: int) -> int:
    """``None`` means the client's default; Keap allows 1 to 1000 per page."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValueError(f"page_size must be an int from 1 to 1000, not {value!r}")
    return value


def check_tag_name(name: str) -> str:
    """A tag name: non-empty, at most 255 characters (what Keap saves), XML-safe."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a tag name must be a non-empty string")
    if len(name) > 255:
        raise ValueError(f"a tag name is at most 255 characters, not {len(name)}")
    return _TEXT.validate_python(name)


def _contact_filter(
    email: str | None, given_name: str | None, family_name: str | None
) -> ContactFilter:
    for value in (email, given_name, family_name):
        if value is not None:
            _check_filter_value(value)
    return ContactFilter(email=email, given_name=given_name, family_name=family_name)


def _exact_email(email: str) -> str:
    """An address to look up as written: REST would read a ``*`` as a wildcard."""
    if isinstance(email, str) and "*" in email:
        raise ValueError(f"{email!r}: find_by_email takes an exact address, without '*'")
    return _EMAIL.validate_python(email)


def _check_filter_value(value: str) -> None:
    """One wildcard, a trailing ``*``, means the same on both backends; refuse the rest."""
    _TEXT.validate_python(value)
    if not value.strip():
        raise ValueError("a filter value cannot be empty (the backends read it differently)")
    if "%" in value or "*" in value[:-1]:
        raise ValueError(f"{value!r}: only a trailing '*' is a wildcard, and '%' is not allowed")


def _tag_changes(
    name: str | None, description: str | None, category_id: int | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = check_tag_name(name)
    if description is not None:
        changes["description"] = _TEXT.validate_python(description)
    if category_id is not None:
        changes["category_id"] = check_id(category_id, "category_id")
    return changes


def _match(match: str) -> str:
    if match not in MATCH_OPTIONS:
        raise ValueError(f"match must be one of {sorted(MATCH_OPTIONS)}, not {match!r}")
    return MATCH_OPTIONS[match]


def _new(contact: NewContact | Mapping[str, Any]) -> NewContact:
    return contact if isinstance(contact, NewContact) else NewContact.model_validate(contact)


def _upsertable(contact: NewContact | Mapping[str, Any]) -> NewContact:
    new = _new(contact)
    if new.email is None:  # every one of Keap's duplicate checks matches on EMAIL1
        raise ValueError("upsert matches on the email address; the contact has no EMAIL1")
    return new


def _update(update: ContactUpdate | Mapping[str, Any]) -> ContactUpdate:
    return update if isinstance(update, ContactUpdate) else ContactUpdate.model_validate(update)


class Contacts:
    """Contact operations, identical on both backends."""

    def __init__(self, client: KeapClient) -> None:
        self._c = client
        self._b = client._backend

    def create(self, contact: NewContact | Mapping[str, Any]) -> Contact:
        """Create a contact. Never deduplicates (use :meth:`upsert`) and is never re-sent
        after an unknown outcome, so a retry cannot make a duplicate."""
        return self._c.run(self._b.create_contact(_new(contact)))

    def get(self, contact_id: int) -> Contact:
        """Load a contact; ``NotFoundError`` if there is none."""
        return self._c.run(self._b.get_contact(check_id(contact_id)))

    def update(self, contact_id: int, update: ContactUpdate | Mapping[str, Any]) -> Contact:
        """Change only the fields set on ``update``; returns the contact after the change."""
        return self._c.run(self._b.update_contact(check_id(contact_id), _update(update)))

    def delete(self, contact_id: int) -> None:
        """Delete a contact."""
        self._c.run(self._b.delete_contact(check_id(contact_id)))

    def find_by_email(self, email: str) -> ContactList:
        """Every contact holding ``email``."""
        return self._c.run(self._b.find_contacts_by_email(_exact_email(email)))

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
        where = _contact_filter(email, given_name, family_name)
        size = check_page_size(page_size, self._c.page_size)
        return self._c.paginate(
            lambda cur: self._b.list_contacts_page(where, size, cur), "contacts.list"
        )

    def upsert(self, contact: NewContact | Mapping[str, Any], match: str = "email") -> UpsertResult:
        """Update the contact matching on ``match`` (``email``, ``email_and_name``,
        ``email_and_name_and_company``) or create it; ``.created`` says which."""
        return self._c.run(self._b.upsert_contact(_upsertable(contact), _match(match)))

    def tags(self, contact_id: int) -> TagList:
        """Every tag applied to a contact."""
        return self._c.run(self._b.contact_tags(check_id(contact_id)))

    def custom_field_names(self) -> NameList:
        """The names of the account's contact custom fields (keys of ``custom_fields``)."""
        return self._c.run(self._b.custom_field_names())


class Tags:
    """Tag operations, identical on both backends."""

    def __init__(self, client: KeapClient) -> None:
        self._c = client
        self._b = client._backend

    def create(
        self, name: str, *, description: str | None = None, category_id: int | None = None
    ) -> Tag:
        """Create a tag."""
        category = None if category_id is None else check_id(category_id, "category_id")
        desc = None if description is None else _TEXT.validate_python(description)
        return self._c.run(self._b.create_tag(check_tag_name(name), desc, category))

    def get(self, tag_id: int) -> Tag:
        """Load a tag; ``NotFoundError`` if there is none."""
        return self._c.run(self._b.get_tag(check_id(tag_id)))

    def update(
        self,
        tag_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        category_id: int | None = None,
    ) -> Tag:
        """Change the given fields only (``None`` leaves a field alone; ``""`` clears the
        description)."""
        changes = _tag_changes(name, description, category_id)
        return self._c.run(self._b.update_tag(check_id(tag_id), changes))

    def delete(self, tag_id: int) -> None:
        """Delete a tag, and with it every application of it to a contact."""
        self._c.run(self._b.delete_tag(check_id(tag_id)))

    def list(self, *, name: str | None = None, page_size: int | None = None) -> Iterator[Tag]:
        """Every tag (or those named exactly ``name``), fetched lazily page by page."""
        name = None if name is None else check_tag_name(name)
        size = check_page_size(page_size, self._c.page_size)
        return self._c.paginate(lambda cur: self._b.list_tags_page(name, size, cur), "tags.list")

    def apply(self, tag_id: int, contact_ids: Iterable[int]) -> ApplyResult:
        """Apply a tag to contacts; the result holds each contact's outcome."""
        return self._c.run(self._b.apply_tag(check_id(tag_id), check_ids(contact_ids)))

    def remove(self, tag_id: int, contact_ids: Iterable[int]) -> None:
        """Remove a tag from contacts (removing a tag a contact lacks is not an error)."""
        self._c.run(self._b.remove_tag(check_id(tag_id), check_ids(contact_ids)))

    def contacts(self, tag_id: int, *, page_size: int | None = None) -> Iterator[Contact]:
        """The contacts holding a tag (id, names and email filled), fetched lazily."""
        tid, size = check_id(tag_id), check_page_size(page_size, self._c.page_size)
        return self._c.paginate(
            lambda cur: self._b.tagged_contacts_page(tid, size, cur), "tags.contacts"
        )


class AsyncContacts:
    """Contact operations for :class:`~keap_adapter.AsyncKeapClient` (see :class:`Contacts`)."""

    def __init__(self, client: AsyncKeapClient) -> None:
        self._c = client
        self._b = client._backend

    async def create(self, contact: NewContact | Mapping[str, Any]) -> Contact:
        """See :meth:`Contacts.create`."""
        return await self._c.run(self._b.create_contact(_new(contact)))

    async def get(self, contact_id: int) -> Contact:
        """See :meth:`Contacts.get`."""
        return await self._c.run(self._b.get_contact(check_id(contact_id)))

    async def update(self, contact_id: int, update: ContactUpdate | Mapping[str, Any]) -> Contact:
        """See :meth:`Contacts.update`."""
        return await self._c.run(self._b.update_contact(check_id(contact_id), _update(update)))

    async def delete(self, contact_id: int) -> None:
        """See :meth:`Contacts.delete`."""
        await self._c.run(self._b.delete_contact(check_id(contact_id)))

    async def find_by_email(self, email: str) -> ContactList:
        """See :meth:`Contacts.find_by_email`."""
        return await self._c.run(self._b.find_contacts_by_email(_exact_email(email)))

    def list(
        self,
        *,
        email: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Contact]:
        """See :meth:`Contacts.list`; an async iterator."""
        where = _contact_filter(email, given_name, family_name)
        size = check_page_size(page_size, self._c.page_size)
        return self._c.paginate(
            lambda cur: self._b.list_contacts_page(where, size, cur), "contacts.list"
        )

    async def upsert(
        self, contact: NewContact | Mapping[str, Any], match: str = "email"
    ) -> UpsertResult:
        """See :meth:`Contacts.upsert`."""
        return await self._c.run(self._b.upsert_contact(_upsertable(contact), _match(match)))

    async def tags(self, contact_id: int) -> TagList:
        """See :meth:`Contacts.tags`."""
        return await self._c.run(self._b.contact_tags(check_id(contact_id)))

    async def custom_field_names(self) -> NameList:
        """See :meth:`Contacts.custom_field_names`."""
        return await self._c.run(self._b.custom_field_names())


class AsyncTags:
    """Tag operations for :class:`~keap_adapter.AsyncKeapClient` (see :class:`Tags`)."""

    def __init__(self, client: AsyncKeapClient) -> None:
        self._c = client
        self._b = client._backend

    async def create(
        self, name: str, *, description: str | None = None, category_id: int | None = None
    ) -> Tag:
        """See :meth:`Tags.create`."""
        category = None if category_id is None else check_id(category_id, "category_id")
        desc = None if description is None else _TEXT.validate_python(description)
        return await self._c.run(self._b.create_tag(check_tag_name(name), desc, category))

    async def get(self, tag_id: int) -> Tag:
        """See :meth:`Tags.get`."""
        return await self._c.run(self._b.get_tag(check_id(tag_id)))

    async def update(
        self,
        tag_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        category_id: int | None = None,
    ) -> Tag:
        """See :meth:`Tags.update`."""
        changes = _tag_changes(name, description, category_id)
        return await self._c.run(self._b.update_tag(check_id(tag_id), changes))

    async def delete(self, tag_id: int) -> None:
        """See :meth:`Tags.delete`."""
        await self._c.run(self._b.delete_tag(check_id(tag_id)))

    def list(self, *, name: str | None = None, page_size: int | None = None) -> AsyncIterator[Tag]:
        """See :meth:`Tags.list`; an async iterator."""
        name = None if name is None else check_tag_name(name)
        size = check_page_size(page_size, self._c.page_size)
        return self._c.paginate(lambda cur: self._b.list_tags_page(name, size, cur), "tags.list")

    async def apply(self, tag_id: int, contact_ids: Iterable[int]) -> ApplyResult:
        """See :meth:`Tags.apply`."""
        return await self._c.run(self._b.apply_tag(check_id(tag_id), check_ids(contact_ids)))

    async def remove(self, tag_id: int, contact_ids: Iterable[int]) -> None:
        """See :meth:`Tags.remove`."""
        await self._c.run(self._b.remove_tag(check_id(tag_id), check_ids(contact_ids)))

    def contacts(self, tag_id: int, *, page_size: int | None = None) -> AsyncIterator[Contact]:
        """See :meth:`Tags.contacts`; an async iterator."""
        tid, size = check_id(tag_id), check_page_size(page_size, self._c.page_size)
        return self._c.paginate(
            lambda cur: self._b.tagged_contacts_page(tid, size, cur), "tags.contacts"
        )
