"""Answered requests by arrival time, for the in-process limiter's sliding windows.

Each entry carries a weight: one answered request, or many counted at once (requests the
server reported that this limiter did not see), so what an answer announces costs one entry
whatever its figure. Counts and waits are two binary searches over running totals.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ._limits import LONGEST_WINDOW

__all__ = ["IN_FLIGHT", "Stamps"]

IN_FLIGHT = float("inf")
"""The wait when only answers still in flight can free a place."""

# A stamp leaving its window a hair after now must still be waited for.
_LEAST = 1e-6
# Entries that left every window are dropped in batches this big, at least.
_BATCH = 4096


class Stamps:
    """Arrival times, ascending, with running totals of their weights."""

    __slots__ = ("_at", "_base", "_start", "_sum")

    def __init__(self) -> None:
        self._at: list[float] = []
        self._sum: list[int] = []  # weight of entries [0, i], plus _base
        self._start = 0  # entries before this index left every window
        self._base = 0  # weight of the entries dropped from the lists

    def add(self, now: float, weight: int) -> None:
        """Count ``weight`` requests as arrived at ``now`` (never before the last entry)."""
        at, sums = self._at, self._sum
        if len(at) > self._start and at[-1] >= now:
            sums[-1] += weight  # the same instant: one entry
            return
        at.append(now)
        sums.append((sums[-1] if sums else self._base) + weight)
        start = bisect_left(at, now - LONGEST_WINDOW, lo=self._start)
        if start > _BATCH and start * 2 > len(at):
            self._base = sums[start - 1]
            del at[:start], sums[:start]
            start = 0
        self._start = start

    def no_later(self, now: float) -> None:
        """Count entries dated after ``now`` as arrived now: a clock that stepped back must
        not hold their places for longer than their window."""
        at = self._at
        if len(at) > self._start and at[-1] > now:
            first = bisect_right(at, now, lo=self._start)
            at[first:] = [now] * (len(at) - first)

    def count(self, length: float, now: float) -> int:
        """Requests that arrived in the last ``length`` seconds."""
        first = bisect_right(self._at, now - length, lo=self._start)
        return self._total() - self._before(first)

    def wait(self, length: float, limit: int, flying: int, now: float) -> float:
        """Seconds until one more request fits ``limit`` per ``length`` seconds (0: now),
        with ``flying`` requests unanswered; :data:`IN_FLIGHT` if only they can free one."""
        first = bisect_right(self._at, now - length, lo=self._start)
        base = self._before(first)
        done = self._total() - base
        excess = flying + done - limit + 1
        if excess <= 0:
            return 0.0
        if excess > done:
            return IN_FLIGHT
        # the entry whose leaving brings the count under the limit
        index = bisect_left(self._sum, base + excess, lo=first)
        return min(max(self._at[index] + length - now, _LEAST), length)

    def _total(self) -> int:
        return self._sum[-1] if self._sum else self._base

    def _before(self, index: int) -> int:
        return self._sum[index - 1] if index else self._base
