"""The fake's gateway: Keap's quota headers on every answer, and, when asked, enforcement.

Keap's gateway counts each request when it arrives and refuses with 429 once a limit is
reached; every answer carries the ``x-keap-*`` headers of "API token quota and usage
measurements" (developer.infusionsoft.com). The fake counts on its own (it shares no code
with the client's limiter, so it can catch the limiter undercounting): each per-second and
per-minute limit is a sliding window over arrival times, the daily quota a count per UTC day.
Without limits it announces a plan so generous that clients never pace against it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import httpx

from ..pacing import Limits

__all__ = ["GENEROUS", "Gateway"]

GENEROUS = Limits(per_second=100_000, per_minute=1_000_000, per_day=100_000_000)
"""What the fake announces unless a test asks for Keap's limits: never reached by a test."""


class Gateway:
    """Counts arrivals; says whether a request is over a limit, and what the headers say."""

    def __init__(self, limits: Limits | None, today: Callable[[], datetime]) -> None:
        self.limits = limits or GENEROUS
        self.enforcing = limits is not None
        self.refused = 0  # 429s answered: what a pacing test expects to stay at 0
        self.clock: Callable[[], float] = time.monotonic
        self._today = today
        self._arrivals: deque[float] = deque()
        self._day: date | None = None
        self._day_used = 0

    def admit(self) -> httpx.Response | None:
        """Count one arriving request; a 429 answer if it is over a limit (then not counted)."""
        now = self.clock()
        while self._arrivals and self._arrivals[0] <= now - 60.0:
            self._arrivals.popleft()
        day = self._today().astimezone(timezone.utc).date()
        if day != self._day:
            self._day, self._day_used = day, 0
        if self.enforcing and self._over(now):
            self.refused += 1
            body = {"code": "429", "message": "Quota Exceeded", "status": "Request Throttled"}
            return httpx.Response(429, json={**body, "details": None})
        self._arrivals.append(now)
        self._day_used += 1
        return None

    def _over(self, now: float) -> bool:
        limits = self.limits
        if limits.per_day is not None and self._day_used >= limits.per_day:
            return True
        for length, limit in ((1.0, limits.per_second), (60.0, limits.per_minute)):
            if limit is not None and self._in_last(length, now) >= limit:
                return True
        return False

    def _in_last(self, length: float, now: float) -> int:
        # The deque holds the last minute; a shorter window counts back from its newest end.
        if length >= 60.0:
            return len(self._arrivals)
        count = 0
        for stamp in reversed(self._arrivals):
            if stamp <= now - length:
                break
            count += 1
        return count

    def headers(self) -> dict[str, str]:
        """Keap's quota headers as of now."""
        limits, now = self.limits, self.clock()
        found: dict[str, str] = {}
        if limits.per_second is not None:
            found["x-keap-product-spike-limit"] = f"{limits.per_second}ps"
        if limits.per_minute is not None:
            used = self._in_last(60.0, now)
            found.update(_series("throttle", limits.per_minute, "minute", used))
        if limits.per_day is not None:
            found.update(_series("quota", limits.per_day, "day", self._day_used))
            found["x-keap-product-quota-expiry-time"] = str(self._midnight_ms())
        return found

    def _midnight_ms(self) -> int:
        day = (self._day or self._today().date()) + timedelta(days=1)
        return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() * 1000)


def _series(kind: str, limit: int, unit: str, used: int) -> dict[str, str]:
    prefix = f"x-keap-product-{kind}-"
    return {
        prefix + "limit": str(limit),
        prefix + "time-unit": unit,
        prefix + "interval": "1",
        prefix + "available": str(max(0, limit - used)),
        prefix + "used": str(min(used, limit)),
    }
