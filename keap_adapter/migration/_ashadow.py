"""Shadow reads for :class:`~keap_adapter.AsyncKeapClient`: :class:`AsyncShadow`.

The same comparison and recording as :class:`~keap_adapter.migration.Shadow` (shared through
``_ShadowBase``), awaited.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from .._resources import AsyncContacts, AsyncTags
from ._shadow import _Run, _ShadowBase

if TYPE_CHECKING:
    from .._client import AsyncKeapClient
    from .._operations import Listing, Op

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

    @staticmethod
    def _client_type() -> type:
        from .._client import AsyncKeapClient  # noqa: PLC0415 - as Shadow's

        return AsyncKeapClient

    @cached_property
    def contacts(self) -> AsyncContacts:
        """Contact reads, shadowed; contact writes, on the control only."""
        return AsyncContacts(self)

    @cached_property
    def tags(self) -> AsyncTags:
        """Tag reads, shadowed; tag writes, on the control only."""
        return AsyncTags(self)

    @property
    def page_size(self) -> int:
        """The control's default page size (listings use it on both sides)."""
        return self.control.page_size

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

    async def _operate(self, op: Op[T]) -> T:
        if op.write:
            return await self.control._operate(op)
        return await self.run(op.name, lambda c: c._operate(op), op.args, op.kwargs)

    async def _list(self, listing: Listing[T]) -> AsyncIterator[T]:
        if not self._recorder.sampled():
            async for item in self.control._list(listing):
                yield item
            return
        read: Callable[[AsyncKeapClient], Awaitable[list[T]]] = lambda c: _collect(  # noqa: E731
            c._list(listing)
        )
        for item in await self._both(listing.name, read, listing.args, listing.kwargs):
            yield item

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


async def _collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]
