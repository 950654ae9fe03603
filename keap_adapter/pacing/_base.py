"""The limiter interface the clients drive: take a slot before sending, give it back with
the answer's headers.

A request holds its slot from the moment it is sent until its answer arrives, and is then
stamped with the arrival time. Counted that way it can never be undercounted against the
server's own clock (the server counts it at some instant between the two), so no safety
margin is needed; stamping at send time alone let bursts of concurrent requests through
that the server, seeing them arrive later, counted in the next window.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from .._exceptions import QuotaExhaustedError

__all__ = ["BaseLimiter", "Slot", "next_utc_midnight", "quota_exhausted"]

# Waits are taken in naps of at most this long, so limits learned meanwhile (a first answer
# announcing a bigger plan) take effect without sleeping out a wait computed before them.
MAX_NAP = 0.25
# When every counted request is still in flight there is no stamp to wait for: look again soon.
POLL = 0.005


class Slot:
    """A request's place in the windows, from sending until its answer arrives."""

    __slots__ = ("member", "open", "sent_at")

    def __init__(self, sent_at: float, member: str = "") -> None:
        self.sent_at = sent_at
        self.member = member
        self.open = True

    def close(self) -> bool:
        """Mark the slot given back; False if it already was (a second release is ignored)."""
        was, self.open = self.open, False
        return was


class BaseLimiter(ABC):
    """A limiter the clients can drive, sync or async (``limiter=`` takes any subclass).

    Subclasses implement :meth:`try_acquire` and :meth:`release`; the waiting loops are here.
    """

    @abstractmethod
    def try_acquire(self) -> Slot | float:
        """A slot if a request may go now, else the seconds to wait before asking again.

        Raises :class:`~keap_adapter.QuotaExhaustedError` when the daily quota is spent.
        """

    @abstractmethod
    def release(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """The answer to ``slot``'s request arrived (``headers``: its lower-cased header
        items), or none will (``None``)."""

    def acquire(self) -> Slot:
        """Wait (sleeping this thread) until a request may go; its slot."""
        while True:
            got = self.try_acquire()
            if isinstance(got, Slot):
                return got
            time.sleep(min(got, MAX_NAP))

    async def aacquire(self) -> Slot:
        """Wait (without blocking the event loop) until a request may go; its slot."""
        while True:
            got = await self._atry_acquire()
            if isinstance(got, Slot):
                return got
            await asyncio.sleep(min(got, MAX_NAP))

    async def arelease(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """:meth:`release`, awaitable (a shared limiter may do I/O here)."""
        self.release(slot, headers)

    async def _atry_acquire(self) -> Slot | float:
        return self.try_acquire()


def next_utc_midnight(now: float) -> datetime:
    """When Keap's daily quota resets after ``now`` (epoch seconds): the next 00:00 UTC."""
    day = datetime.fromtimestamp(now, tz=timezone.utc).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def quota_exhausted(limit: int | None, resets_at: datetime) -> QuotaExhaustedError:
    """The error for a spent daily quota."""
    spent = f"the daily quota of {limit} requests" if limit else "the daily quota"
    return QuotaExhaustedError(
        f"{spent} is spent; it resets at {resets_at.isoformat()}", resets_at=resets_at
    )
