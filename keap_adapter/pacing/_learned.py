"""Limits learned from Keap's answers, and when to forget them.

A learned limit is dropped when no answer has announced it for :data:`FORGET` seconds (one
odd answer must not pin a key for the life of the process), at most :data:`MOST_LEARNED` are
kept, and a limit is raised only once no answer has announced the lower figure for
:data:`HOLD` seconds: a gateway whose nodes disagree (some saying 20 a second, some 40,
while 20 is enforced) is paced by the lower figure.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FORGET", "HOLD", "MOST_LEARNED", "Learned"]

FORGET = 600.0
HOLD = 5.0
MOST_LEARNED = 64

Key = tuple[str, float]


class Learned:
    """The learned limits by ``(scope, window seconds)``, on a clock that never steps back."""

    __slots__ = ("_last", "_last_at", "_low", "_seen", "limits", "review_at")

    def __init__(self) -> None:
        self.limits: dict[Key, int] = {}
        self.review_at = float("inf")  # when a limit may next be forgotten
        self._seen: dict[Key, float] = {}  # last announced
        self._low: dict[Key, float] = {}  # last announced at or below the figure held
        # The last announcement whose figures all equal those held: read() hands back the
        # same mapping while the figures stay the same, so it costs one comparison.
        self._last: Mapping[Key, int] | None = None
        self._last_at = 0.0

    def hear(self, announced: Mapping[Key, int], now: float) -> bool:
        """Take what one answer announced at ``now``; True if a limit held changed."""
        if announced is self._last:
            self._last_at = now
            return False
        self._fold()
        changed = False
        for key, value in announced.items():
            changed = self._take(key, value, now) or changed
        agrees = all(self.limits.get(k) == v for k, v in announced.items())
        self._last, self._last_at = (announced if agrees else None), now
        if announced and self.review_at == float("inf"):
            self.review_at = now + FORGET
        return changed

    def review(self, now: float) -> bool:
        """Forget the limits no answer announced for :data:`FORGET` seconds; True if any."""
        self._fold()
        old = [key for key, seen in self._seen.items() if seen <= now - FORGET]
        for key in old:
            del self.limits[key], self._seen[key], self._low[key]
        self._last = None
        self.review_at = min(self._seen.values(), default=float("inf")) + FORGET
        return bool(old)

    def _take(self, key: Key, value: int, now: float) -> bool:
        held = self.limits.get(key)
        if held is None and len(self.limits) >= MOST_LEARNED:
            return False
        self._seen[key] = now
        if held is not None and value > held and now - self._low[key] < HOLD:
            return False  # a lower figure was announced a moment ago: keep it a while
        self._low[key] = now
        self.limits[key] = value
        return value != held

    def _fold(self) -> None:
        """Date the keys of the last announcement taken whole to when it was last heard."""
        if self._last is None:
            return
        for key in self._last:
            if key in self._seen:
                self._seen[key] = self._low[key] = self._last_at
