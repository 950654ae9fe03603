"""The limiter interface the clients drive: take a slot before sending, give it back with
the answer's headers.

A request holds its slot from the moment it is sent until its answer arrives, and is then
stamped with the arrival time. Counted that way it can never be undercounted against the
server's own clock (the server counts it at some instant between the two), so no safety
margin is needed; stamping at send time alone let bursts of concurrent requests through
that the server, seeing them arrive later, counted in the next window.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime

from .._exceptions import QuotaExhaustedError
from ._day import next_utc_midnight
from ._slot import Slot
from ._waiting import MAX_NAP, Turns

__all__ = ["MAX_NAP", "POLL", "BaseLimiter", "Slot", "next_utc_midnight", "quota_exhausted"]

# When every counted request is still in flight there is no stamp to wait for: look again soon.
POLL = 0.005

_MAKING = threading.Lock()


class BaseLimiter(ABC):
    """A limiter the clients can drive, sync or async (``limiter=`` takes any subclass).

    Subclasses implement :meth:`try_acquire` and :meth:`release`; the waiting is here:
    waiters queue, and only the first asks :meth:`try_acquire` (see ``_waiting``).
    """

    _turns: Turns

    @abstractmethod
    def try_acquire(self) -> Slot | float:
        """A slot if a request may go now, else the seconds to wait before asking again.

        Raises :class:`~keap_adapter.QuotaExhaustedError` when the daily quota is spent.
        """

    @abstractmethod
    def release(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """The answer to ``slot``'s request arrived (``headers``: its lower-cased header
        items), or none will (``None``). Never raises."""

    def acquire(self) -> Slot:
        """Wait (sleeping this thread) until a request may go; its slot."""
        return self._waiters().wait(self.try_acquire)

    async def aacquire(self) -> Slot:
        """Wait (without blocking the event loop) until a request may go; its slot."""
        return await self._waiters().await_(self._atry_acquire)

    async def arelease(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """:meth:`release`, awaitable (a shared limiter may do I/O here)."""
        self.release(slot, headers)

    async def _atry_acquire(self) -> Slot | float:
        return self.try_acquire()

    def _waiters(self) -> Turns:
        # Made on first use: subclasses need not call an __init__ of ours.
        try:
            return self._turns
        except AttributeError:
            with _MAKING:
                if not hasattr(self, "_turns"):
                    self._turns = Turns()
            return self._turns


def quota_exhausted(limit: int | None, resets_at: datetime) -> QuotaExhaustedError:
    """The error for a spent daily quota."""
    spent = f"the daily quota of {limit} requests" if limit else "the daily quota"
    return QuotaExhaustedError(
        f"{spent} is spent; it resets at {resets_at.isoformat()}", resets_at=resets_at
    )
