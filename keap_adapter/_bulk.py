"""Bulk writes: one outcome per item, in input order, so one failure never loses the others.

Each item becomes its own checked operation (:mod:`._operations`); an item the facade
refuses (``ValueError``) or Keap refuses (:class:`~keap_adapter.KeapError`) is recorded as
that item's error and the rest go on. The sync client runs items one after another; the
async client runs up to ``concurrency`` at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from ._exceptions import KeapError

if TYPE_CHECKING:
    from ._client import AsyncKeapClient
    from ._models import TagOutcome
    from ._operations import Op
    from ._resources import AsyncRunner, Runner
    from .backends._base import Parts

T = TypeVar("T")
Make = Callable[[], "Op[T]"]
CONCURRENCY = 16
"""How many calls a bulk operation on the async client keeps going at once by default: the
client's limiter paces them, so this only bounds open connections."""
# What an item may fail with and still leave the others running: refused input, and
# anything Keap (or the way to it) answered for that item. Other exceptions are bugs.
ITEM_ERRORS = (KeapError, ValueError)


@dataclass(frozen=True)
class BulkItem(Generic[T]):
    """One item of a bulk call: its position in the input, and its value or its error."""

    index: int
    value: T | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """True when the item was done."""
        return self.error is None


def run_each(runner: Runner, makes: Iterable[Make[T]]) -> list[BulkItem[T]]:
    """Every item in turn, on ``runner``."""
    results: list[BulkItem[T]] = []
    for index, make in enumerate(makes):
        try:
            value: T = runner._operate(make())
        except ITEM_ERRORS as exc:
            results.append(BulkItem(index, error=exc))
        else:
            results.append(BulkItem(index, value))
    return results


async def arun_each(
    runner: AsyncRunner, makes: Iterable[Make[T]], concurrency: int
) -> list[BulkItem[T]]:
    """Every item, up to ``concurrency`` at once, results in input order."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a positive int, not {concurrency!r}")
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, make: Make[T]) -> BulkItem[T]:
        async with gate:
            try:
                value: T = await runner._operate(make())
            except ITEM_ERRORS as exc:
                return BulkItem(index, error=exc)
            return BulkItem(index, value)

    return list(await asyncio.gather(*(one(i, m) for i, m in enumerate(makes))))


async def arun_parts(client: AsyncKeapClient, parts: Parts[T], concurrency: int) -> T:
    """Run an operation's per-contact flows concurrently; the result, in input order.

    An error stops new parts from starting; it is raised once the parts already going are
    done, carrying their outcomes as ``partial_result`` (nothing done is lost).
    """
    gate = asyncio.Semaphore(concurrency)
    done: dict[int, TagOutcome] = {}
    failed: list[KeapError] = []

    async def one(contact_id: int) -> None:
        async with gate:
            flow = parts.flows[contact_id]
            if failed:
                flow.close()
                return
            try:
                done[contact_id] = await client.run(flow)
            except KeapError as exc:
                failed.append(exc)

    await asyncio.gather(*(one(cid) for cid in parts.flows))
    outcomes = {cid: done[cid] for cid in parts.flows if cid in done}
    if failed:
        error = failed[0]
        if error.partial_result is None:
            error.partial_result = parts.result(outcomes)
        raise error
    return parts.result(outcomes)
