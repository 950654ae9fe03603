"""The in-process limiter: one per client by default, shareable between clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from .._exceptions import ConfigurationError
from ._base import POLL, BaseLimiter, Slot, quota_exhausted
from ._day import DAY, next_utc_midnight
from ._headers import Announced, read
from ._learned import Learned
from ._limits import Budget, Limits, budget, configured
from ._waiting import Turns
from ._windows import IN_FLIGHT, Stamps

__all__ = ["Limiter"]


class Limiter(BaseLimiter):
    """Keeps one key's requests under its limits, across the threads and tasks using it.

    ``limits=None`` (the default) starts from Keap's documented PAT/SAK limits and lets the
    limits Keap's answers announce replace them, up or down; any :class:`Limits` given is a
    ceiling that announced limits can only lower. Each window slides: never more than N
    requests in any span of its length, measured on ``clock`` (``time.monotonic``, which
    "cannot go backward" and is "not affected by system clock updates" per the Python
    documentation of the time module: a step of the system clock cannot stretch a wait).
    The daily quota is counted per UTC day as Keap counts it, on ``wall`` (``time.time``),
    and what Keap says is left of it is believed.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] | None = None,
    ) -> None:
        self._configured, self._ceiling = configured(limits)
        self._clock = _clock(clock, time.monotonic, "clock")
        self._wall = _clock(wall, time.time, "wall")
        self._lock = threading.Lock()
        self._turns = Turns()
        self._book = Learned()
        self._budget = budget(self._configured, ceiling=self._ceiling, learned={})
        self._stamps = Stamps()
        self._in_flight = 0
        self._taken = 0  # slots ever taken: each slot's seq is its rank
        self._day_end = 0.0  # epoch seconds of the next 00:00 UTC
        self._day_count = 0
        # What Keap said is left of the day, as the seq past which no slot may be taken.
        self._mark: int | None = None
        self._mark_seq = 0  # the seq of the slot whose answer set the mark
        self._reset: datetime | None = None
        self._reset_ts = 0.0
        self._reset_from: tuple[object, float] = (None, 0.0)

    def __repr__(self) -> str:
        b = self._budget
        return f"Limiter(windows={dict(b.windows)!r}, per_day={b.per_day!r})"

    @property
    def budget(self) -> Budget:
        """The limits in force now (configured, merged with what Keap announced)."""
        return self._budget

    def try_acquire(self) -> Slot | float:
        """A slot if a request may go now, else the seconds to wait."""
        got = self._decide()
        return POLL if got == IN_FLIGHT else got

    def acquire(self) -> Slot:
        """Wait (sleeping this thread) until a request may go; its slot."""
        # A newcomer tries once before queueing: a free place is taken at once (often by
        # the next request of an operation whose answer just freed it), as before a queue.
        got = self._decide()
        if isinstance(got, Slot):
            return got
        return self._turns.wait(self._decide)

    async def aacquire(self) -> Slot:
        """Wait (without blocking the event loop) until a request may go; its slot."""
        got = self._decide()
        if isinstance(got, Slot):
            return got
        return await self._turns.await_(self._adecide)

    def release(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """Stamp ``slot``'s request with its arrival time and learn from the answer."""
        announced = read(headers) if headers is not None else None  # outside the lock
        with self._lock:
            if not slot.close():
                return
            now = self._clock()
            self._in_flight -= 1
            self._stamps.add(now, 1)
            if announced:
                self._learn(announced, now, slot)
        if self._turns.queue:
            self._turns.wake()

    # -- deciding -----------------------------------------------------------------------------

    def _decide(self) -> Slot | float:
        """A slot, or the wait (:data:`IN_FLIGHT`: until an answer arrives)."""
        with self._lock:
            now, wall = self._clock(), self._wall()
            if now >= self._book.review_at and self._book.review(now):
                self._rebudget()
            self._check_day(wall)
            self._stamps.no_later(now)
            wait = 0.0
            for length, limit in self._budget.windows.items():
                needed = self._stamps.wait(length, limit, self._in_flight, now)
                wait = max(wait, needed)
            if wait > 0:
                return wait
            self._in_flight += 1
            self._day_count += 1
            self._taken += 1
            return Slot(wall, seq=self._taken)

    async def _adecide(self) -> Slot | float:
        return self._decide()

    def _check_day(self, wall: float) -> None:
        if wall >= self._day_end:  # a new UTC day: Keap's quota starts again
            self._day_end, self._day_count = next_utc_midnight(wall).timestamp(), 0
        if self._reset is not None and wall >= self._reset_ts:
            self._mark = self._reset = None
        limit = self._budget.per_day
        if limit is not None and self._day_count >= limit:
            raise quota_exhausted(limit, next_utc_midnight(wall))
        if self._mark is not None and self._taken >= self._mark and self._reset is not None:
            raise quota_exhausted(limit, self._reset)

    # -- learning -------------------------------------------------------------------------------

    def _learn(self, announced: Announced, now: float, slot: Slot) -> None:
        if self._book.hear(announced.limits, now):
            self._rebudget()
        left = announced.day_left
        if left is not None:
            self._note_left(left, announced, slot)
        self._pad(announced, now)

    def _rebudget(self) -> None:
        self._budget = budget(self._configured, ceiling=self._ceiling, learned=self._book.limits)

    def _note_left(self, left: int, announced: Announced, slot: Slot) -> None:
        """Believe what Keap says is left of the day, less the slots taken since ``slot``'s
        request was sent (the answer cannot count them); an older answer only lowers it."""
        wall = self._wall()
        if slot.sent_at // DAY != wall // DAY:
            return  # sent on a UTC day that is over: it speaks of that day
        mark = slot.seq + left
        if self._mark is None or slot.seq > self._mark_seq:
            self._mark, self._mark_seq = mark, slot.seq
        elif mark < self._mark:
            self._mark = mark
        source = (announced.resets_at, wall // DAY)
        if source != self._reset_from or wall >= self._reset_ts:
            self._reset = announced.reset_after(wall)
            self._reset_ts, self._reset_from = self._reset.timestamp(), source

    def _pad(self, announced: Announced, now: float) -> None:
        """Count requests the server saw that this limiter did not (other processes on the
        key): one entry stamped now, holding its place a little longer than the real ones."""
        windows = self._budget.windows
        for (scope, length), left in announced.available.items():
            limit = windows.get(length)
            if limit is None:
                continue
            used = min(announced.limits.get((scope, length), limit) - left, limit)
            missing = used - self._stamps.count(length, now) - self._in_flight
            if missing > 0:
                self._stamps.add(now, missing)


def _clock(given: object, default: Callable[[], float], name: str) -> Callable[[], float]:
    if given is None:
        return default
    if not callable(given):
        raise ConfigurationError(f"{name} must be a callable giving seconds, not {given!r}")
    return given
