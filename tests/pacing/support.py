"""Helpers of the pacing tests: a clock the test moves, slots taken or refused, headers."""

from __future__ import annotations

from datetime import datetime, timezone

from keap_adapter.pacing import BaseLimiter, Slot

# 2026-11-29T23:59:00Z: a minute before a UTC midnight
NEAR_MIDNIGHT = datetime(2026, 11, 29, 23, 59, tzinfo=timezone.utc).timestamp()
MIDNIGHT = datetime(2026, 11, 30, tzinfo=timezone.utc)
ONLY = {"per_minute": None, "per_day": None}


class Clock:
    """A clock the test moves."""

    def __init__(self, now: float = NEAR_MIDNIGHT - 3600) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def take(limiter: BaseLimiter) -> Slot:
    """A slot, which the limiter must give at once."""
    got = limiter.try_acquire()
    assert isinstance(got, Slot), f"expected a slot, had to wait {got}"
    return got


def wait_of(limiter: BaseLimiter) -> float:
    """The wait the limiter answers (it must not give a slot)."""
    got = limiter.try_acquire()
    assert not isinstance(got, Slot), "expected to wait, was given a slot"
    return got


def headers(**values: str) -> list[tuple[str, str]]:
    """``x-keap-*`` header items: ``product_spike_limit="10ps"`` and so on."""
    return [("x-keap-" + k.replace("_", "-"), v) for k, v in values.items()]


def throttle(limit: str, available: str, unit: str = "minute") -> list[tuple[str, str]]:
    """A product throttle announcement."""
    return headers(
        product_throttle_limit=limit,
        product_throttle_time_unit=unit,
        product_throttle_interval="1",
        product_throttle_available=available,
    )


def quota(available: str, expiry: str | None = None) -> list[tuple[str, str]]:
    """A daily quota announcement (30,000 a day), with an expiry in epoch ms if given."""
    found = headers(
        product_quota_limit="30000",
        product_quota_time_unit="day",
        product_quota_interval="1",
        product_quota_available=available,
    )
    if expiry is not None:
        found += headers(product_quota_expiry_time=expiry)
    return found
