"""The in-process limiter: one per client by default, shareable between clients."""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import datetime

from ._base import POLL, BaseLimiter, Slot, next_utc_midnight, quota_exhausted
from ._headers import Announced, read
from ._limits import DOCUMENTED, LONGEST_WINDOW, Budget, Limits, budget

__all__ = ["Limiter"]


class Limiter(BaseLimiter):
    """Keeps one key's requests under its limits, across the threads and tasks using it.

    ``limits`` is a ceiling (announced limits can only lower it); left out, Keap's documented
    PAT/SAK limits are the start and the limits Keap's answers announce replace them. Each
    window slides: never more than N requests in any span of its length; the daily quota is
    counted per UTC day, as Keap counts it, and what Keap says is left of it is believed.
    """

    def __init__(self, limits: Limits | None = None, *, clock: Callable[[], float] = time.time):
        self._configured = limits or DOCUMENTED
        self._ceiling = limits is not None and limits is not DOCUMENTED
        self._clock = clock
        self._lock = threading.Lock()
        self._learned: dict[tuple[str, float], int] = {}
        self._budget = budget(self._configured, ceiling=self._ceiling, learned={})
        self._done: list[float] = []  # arrival stamps, ascending
        self._start = 0  # stamps before this index left every window
        self._in_flight = 0
        self._day_end = 0.0  # epoch seconds of the next 00:00 UTC
        self._day_count = 0
        self._server_left: int | None = None
        self._server_reset: datetime | None = None
        self._last_limits: object = None

    def __repr__(self) -> str:
        b = self._budget
        return f"Limiter(windows={dict(b.windows)!r}, per_day={b.per_day!r})"

    @property
    def budget(self) -> Budget:
        """The limits in force now (configured, merged with what Keap announced)."""
        return self._budget

    def try_acquire(self) -> Slot | float:
        """A slot if a request may go now, else the seconds to wait."""
        with self._lock:
            now = self._clock()
            self._check_day(now)
            windows = self._budget.windows.items()
            wait = max((self._wait(n, limit, now) for n, limit in windows), default=0.0)
            if wait > 0:
                return wait
            self._in_flight += 1
            self._day_count += 1
            if self._server_left is not None:
                self._server_left -= 1
            return Slot(now)

    def release(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """Stamp ``slot``'s request with its arrival time and learn from the answer."""
        with self._lock:
            if not slot.close():
                return
            now = self._clock()
            self._in_flight -= 1
            self._stamp(now, 1)
            if headers is not None:
                announced = read(headers)
                if announced:
                    self._learn(announced, now)

    # -- windows ------------------------------------------------------------------------

    def _count(self, length: float, now: float) -> int:
        return len(self._done) - bisect_right(self._done, now - length, lo=self._start)

    def _wait(self, length: float, limit: int, now: float) -> float:
        done = len(self._done)
        first = bisect_right(self._done, now - length, lo=self._start)
        excess = self._in_flight + (done - first) - limit + 1
        if excess <= 0:
            return 0.0
        if excess > done - first:
            return POLL  # only answers still in flight can free a place
        return max(self._done[first + excess - 1] + length - now, POLL)

    def _stamp(self, now: float, times: int) -> None:
        last = self._done[-1] if len(self._done) > self._start else now
        self._done.extend([max(now, last)] * times)
        horizon = bisect_left(self._done, now - LONGEST_WINDOW, lo=self._start)
        self._start = horizon
        if self._start > 4096 and self._start * 2 > len(self._done):
            del self._done[: self._start]
            self._start = 0

    # -- the daily quota ------------------------------------------------------------------

    def _check_day(self, now: float) -> None:
        if now >= self._day_end:  # a new UTC day: Keap's quota starts again
            self._day_end, self._day_count = next_utc_midnight(now).timestamp(), 0
        if self._server_reset is not None and now >= self._server_reset.timestamp():
            self._server_left = self._server_reset = None
        limit = self._budget.per_day
        if limit is not None and self._day_count >= limit:
            raise quota_exhausted(limit, next_utc_midnight(now))
        if self._server_left is not None and self._server_left <= 0:
            raise quota_exhausted(limit, self._server_reset or next_utc_midnight(now))

    # -- learning -------------------------------------------------------------------------

    def _learn(self, announced: Announced, now: float) -> None:
        if announced.limits is not self._last_limits and any(
            self._learned.get(k) != v for k, v in announced.limits.items()
        ):
            self._learned.update(announced.limits)
            self._budget = budget(self._configured, ceiling=self._ceiling, learned=self._learned)
        self._last_limits = announced.limits  # the cached parse: the same object while unchanged
        left = announced.day_left
        if left is not None:
            self._server_left = left
            self._server_reset = announced.resets_at or next_utc_midnight(now)
        self._pad(announced, now)

    def _pad(self, announced: Announced, now: float) -> None:
        """Count requests the server saw that this limiter did not (other processes on the
        key): stamped now, they hold their places a little longer than the real ones."""
        for (_scope, length), left in announced.available.items():
            limit = self._budget.windows.get(length)
            if limit is None:
                continue
            used = announced.limits.get((_scope, length), limit) - left
            missing = min(used, limit) - self._count(length, now) - self._in_flight
            if missing > 0:
                self._stamp(now, missing)
