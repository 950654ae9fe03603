"""What a key may send: configured limits, and the budget they make with what Keap announces.

Keap documents, for a Personal Access Token or Service Account Key, 10 requests a second,
240 a minute and 30,000 a day (the daily quota resets at 00:00 UTC); an OAuth app gets 1,500
a minute and 150,000 a day ("API token quota and usage measurements" and "Throttles and
Quotas" on developer.infusionsoft.com). Real answers carry the account's own figures in
``x-keap-*`` headers, and those may differ (a 2024 answer announced 150,000 a day for a key).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .._exceptions import ConfigurationError
from ._day import DAY

__all__ = [
    "DAY",
    "DOCUMENTED",
    "LONGEST_WINDOW",
    "MOST_PER_WINDOW",
    "MOST_WINDOWS",
    "Budget",
    "Limits",
    "budget",
    "configured",
]

# Sliding windows longer than this are neither kept nor learned: Keap announces seconds and
# minutes (and the daily quota, counted per UTC day); an hour bounds the stamps a limiter holds.
LONGEST_WINDOW = 3_600.0
# No plan comes near a million requests in one sliding window (Keap's largest documented
# figure is 150,000 a day); a bigger announced figure is taken as this one.
MOST_PER_WINDOW = 1_000_000
# Each window is checked on every request: a hostile answer announcing thousands must not
# make every request slow. The tightest (fewest requests a second) are kept.
MOST_WINDOWS = 16
Scoped = Mapping[tuple[str, float], int]


@dataclass(frozen=True)
class Limits:
    """Requests a key may send per second, per minute and per UTC day (``None``: no limit).

    The defaults are Keap's documented PAT/SAK limits. Given to a client or a limiter, they
    are a ceiling: limits Keap announces can lower them but never raise them. A client left
    at its default (and a limiter given ``limits=None``) starts from these figures instead and
    gives way to what Keap announces, up or down.
    """

    per_second: int | None = 10
    per_minute: int | None = 240
    per_day: int | None = 30_000

    def __post_init__(self) -> None:
        for name in ("per_second", "per_minute", "per_day"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(
                    f"Limits.{name} must be a positive int or None, not {value!r}"
                )

    @classmethod
    def oauth(cls) -> Limits:
        """Keap's documented limits for an OAuth2 app: 25/s (the spike policy's default),
        1,500/minute, 150,000/day."""
        return cls(per_second=25, per_minute=1_500, per_day=150_000)

    def by_length(self) -> dict[float, int]:
        """Window length in seconds -> limit (the day as :data:`DAY`)."""
        pairs = ((1.0, self.per_second), (60.0, self.per_minute), (DAY, self.per_day))
        return {length: limit for length, limit in pairs if limit is not None}


DOCUMENTED = Limits()
"""Keap's documented PAT/SAK limits: where a limiter given ``limits=None`` starts."""


def configured(limits: object) -> tuple[Limits, bool]:
    """The limits a limiter starts from, and whether they are a ceiling.

    ``None``: Keap's documented limits, which announced limits replace. Any :class:`Limits`
    (:data:`DOCUMENTED` included): a ceiling. Anything else is refused.
    """
    if limits is None:
        return DOCUMENTED, False
    if not isinstance(limits, Limits):
        raise ConfigurationError(f"limits must be a pacing.Limits or None, not {limits!r}")
    return limits, True


@dataclass(frozen=True)
class Budget:
    """What a limiter enforces now: sliding windows (length in seconds -> limit) and the
    quota per UTC day."""

    windows: Mapping[float, int]
    per_day: int | None


def budget(configured: Limits, *, ceiling: bool, learned: Scoped) -> Budget:
    """Merge configured limits with learned ones (``(scope, length) -> limit``).

    A learned ``product`` limit replaces the configured limit of the same length (Keap
    knows the account's plan); a ``tenant`` limit is shared with every key of the account
    and only ever tightens. With ``ceiling`` the configured limits are never exceeded.
    """
    base = configured.by_length()
    merged = dict(base)
    for (scope, length), limit in learned.items():
        if scope == "product":
            merged[length] = limit
    for (scope, length), limit in learned.items():
        if scope != "product":
            merged[length] = min(merged.get(length, limit), limit)
    if ceiling:
        for length, limit in base.items():
            merged[length] = min(merged.get(length, limit), limit)
    windows = {n: v for n, v in merged.items() if n < DAY and n <= LONGEST_WINDOW}
    if len(windows) > MOST_WINDOWS:
        tightest = sorted(windows, key=lambda n: (windows[n] / n, n))[:MOST_WINDOWS]
        windows = {n: windows[n] for n in sorted(tightest)}
    return Budget(windows=windows, per_day=merged.get(DAY))
