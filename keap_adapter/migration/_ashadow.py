"""Shadow reads for :class:`~keap_adapter.AsyncKeapClient`: :class:`AsyncShadow`.

The same comparison and recording as :class:`~keap_adapter.migration.Shadow` (shared through
``_ShadowBase``), awaited.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from ._shadow import _given, _Run, _ShadowBase

if TYPE_CHECKING:
    from .._client import AsyncKeapClient
    from .._models import Contact, Tag
    from .._resources import ContactList, TagList

__all__ = ["AsyncShadow"]

T = TypeVar("T")


async def _arun(read: Callable[[Any], Awaitable[Any]], client: Any) -> _Run:
    start = time.perf_counter()
    try:
        value = await read(client)
    except Exception as exc:
        return _Run(error=exc, duration=time.perf_counter() - start)
    return _Run(value, None, time.perf_counter() - start)


class AsyncShadow(_ShadowBase["AsyncKeapClient"]):
    """:class:`Shadow` for :class:`~keap_adapter.AsyncKeapClient`: the same surface, awaited.

    Writes go to the control only: the candidate never sees them. The control runs first,
    then the candidate, one after the other (never concurrently), so what each side saw is
    ordered the same way on every run. Listings are async iterators; when sampled, both
    sides are read to the end on the first ``__anext__``.
    """

    @cached_property
    def contacts(self) -> AsyncShadowContacts:
        """Contact reads, shadowed; contact writes, on the control only."""
        return AsyncShadowContacts(self)

    @cached_property
    def tags(self) -> AsyncShadowTags:
        """Tag reads, shadowed; tag writes, on the control only."""
        return AsyncShadowTags(self)

    async def run(
        self,
        operation: str,
        read: Callable[[AsyncKeapClient], Awaitable[T]],
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> T:
        """See :meth:`Shadow.run`; ``read`` returns an awaitable."""
        if not self._recorder.sampled():
            return await read(self.control)
        return await self._both(operation, read, args, kwargs or {})

    async def _both(
        self,
        operation: str,
        read: Callable[[AsyncKeapClient], Awaitable[T]],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> T:
        control = await _arun(read, self.control)
        candidate = await _arun(read, self.candidate)
        self._recorder.record(operation, args, kwargs, control, candidate)
        result: T = control.result()
        return result

    async def _listing(
        self,
        operation: str,
        call: Callable[[AsyncKeapClient], AsyncIterator[T]],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> AsyncIterator[T]:
        if not self._recorder.sampled():
            async for item in call(self.control):
                yield item
            return
        for item in await self._both(operation, lambda c: _collect(call(c)), args, kwargs):
            yield item


async def _collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


class AsyncShadowContacts:
    """``shadow.contacts`` of an :class:`AsyncShadow` (see :class:`ShadowContacts`)."""

    def __init__(self, shadow: AsyncShadow) -> None:
        self._s = shadow
        control = shadow.control.contacts
        # Writes are the control's own methods, so the candidate cannot see them.
        self.create, self.update = control.create, control.update
        self.delete, self.upsert = control.delete, control.upsert

    async def get(self, contact_id: int) -> Contact:
        """Shadowed ``contacts.get``."""
        return await self._s.run(
            "contacts.get", lambda c: c.contacts.get(contact_id), (contact_id,)
        )

    async def find_by_email(self, email: str) -> ContactList:
        """Shadowed ``contacts.find_by_email``."""
        return await self._s.run(
            "contacts.find_by_email", lambda c: c.contacts.find_by_email(email), (email,)
        )

    def list(
        self,
        *,
        email: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Contact]:
        """Shadowed ``contacts.list``; an async iterator."""
        kw = _given(
            email=email, given_name=given_name, family_name=family_name, page_size=page_size
        )
        return self._s._listing("contacts.list", lambda c: c.contacts.list(**kw), (), kw)

    async def tags(self, contact_id: int) -> TagList:
        """Shadowed ``contacts.tags``."""
        return await self._s.run(
            "contacts.tags", lambda c: c.contacts.tags(contact_id), (contact_id,)
        )


class AsyncShadowTags:
    """``shadow.tags`` of an :class:`AsyncShadow` (see :class:`ShadowTags`)."""

    def __init__(self, shadow: AsyncShadow) -> None:
        self._s = shadow
        control = shadow.control.tags
        # Writes are the control's own methods, so the candidate cannot see them.
        self.create, self.update, self.delete = control.create, control.update, control.delete
        self.apply, self.remove = control.apply, control.remove

    async def get(self, tag_id: int) -> Tag:
        """Shadowed ``tags.get``."""
        return await self._s.run("tags.get", lambda c: c.tags.get(tag_id), (tag_id,))

    def list(self, *, name: str | None = None, page_size: int | None = None) -> AsyncIterator[Tag]:
        """Shadowed ``tags.list``; an async iterator."""
        kw = _given(name=name, page_size=page_size)
        return self._s._listing("tags.list", lambda c: c.tags.list(**kw), (), kw)

    def contacts(self, tag_id: int, *, page_size: int | None = None) -> AsyncIterator[Contact]:
        """Shadowed ``tags.contacts``; an async iterator."""
        kw = _given(page_size=page_size)
        return self._s._listing(
            "tags.contacts", lambda c: c.tags.contacts(tag_id, **kw), (tag_id,), kw
        )
