"""Reading Keap's quota headers.

Keap's gateway announces, on each answer, the key's spike limit
(``x-keap-product-spike-limit: 10ps``), its throttle (``x-keap-product-throttle-limit``,
``-time-unit``, ``-interval``, ``-available``, ``-used``), its daily quota
(``x-keap-product-quota-*`` with ``-expiry-time`` in epoch milliseconds) and the same for the
whole account (``x-keap-tenant-*``); see "API token quota and usage measurements" on
developer.infusionsoft.com and "Updates to returned throttle/quota headers" on
integration.keap.com. Since the per-account limits of 2026 the tenant headers have been seen
carrying several windows, ``|``-separated (``10000|250000`` with ``minute|day``). Values are
read defensively: anything that is not a plain number is ignored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType

__all__ = ["Announced", "read"]

_PREFIX = "x-keap-"
_SERIES = (
    ("product-throttle-", "product"),
    ("product-quota-", "product"),
    ("tenant-throttle-", "tenant"),
    ("tenant-quota-", "tenant"),
)
_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3_600.0, "day": 86_400.0}
_NUMBER = re.compile(r"[0-9]{1,16}")
_SPIKE = re.compile(r"([0-9]{1,9})\s*p([sm])", re.IGNORECASE)
# Far beyond any plan, so a hostile header cannot make the limiter's arithmetic absurd.
_MOST = 10**9
_EPOCH_MS_MAX = 253_402_300_799_000  # 9999-12-31T23:59:59Z


@dataclass(frozen=True)
class Announced:
    """What one answer said: limits and what is left, keyed by ``(scope, window seconds)``."""

    limits: Mapping[tuple[str, float], int] = field(default_factory=dict)
    available: Mapping[tuple[str, float], int] = field(default_factory=dict)
    resets_at: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.limits or self.available)

    @property
    def day_left(self) -> int | None:
        """Requests left today by the tightest daily quota announced, if any."""
        left = [n for (_, length), n in self.available.items() if length >= 86_400.0]
        return min(left) if left else None


# Where a window's ``available`` figure is: (header prefix, position in a ``|`` list, key).
_Slot = tuple[str, int, tuple[str, float]]
_SHAPE_KEYS = (
    "product-spike-limit",
    *(prefix + part for prefix, _ in _SERIES for part in ("limit", "time-unit", "interval")),
)


def read(items: Iterable[tuple[str, str]]) -> Announced:
    """What lower-cased header ``items`` (``httpx.Headers.multi_items()``) announce.

    This runs on every answer, so the part that rarely changes (which windows, which
    limits) is parsed once per distinct set of values and cached; only what is left is
    read each time.
    """
    keap = {k[len(_PREFIX) :]: v for k, v in items if k.startswith(_PREFIX)}
    if not keap:
        return Announced()
    shape = tuple(map(keap.get, _SHAPE_KEYS))
    limits, slots = _windows(shape)
    available: dict[tuple[str, float], int] = {}
    for prefix, index, key in slots:
        left = _nth(keap.get(prefix + "available"), index)
        if left is not None:
            available[key] = min(left, limits[key])
    return Announced(limits, available, _expiry(keap))


@functools.lru_cache(maxsize=64)
def _windows(
    shape: tuple[str | None, ...],
) -> tuple[Mapping[tuple[str, float], int], tuple[_Slot, ...]]:
    limits: dict[tuple[str, float], int] = {}
    slots: list[_Slot] = []
    spike = _SPIKE.fullmatch((shape[0] or "").strip())
    if spike is not None and 0 < int(spike.group(1)) <= _MOST:
        length = 1.0 if spike.group(2).lower() == "s" else 60.0
        limits[("product", length)] = int(spike.group(1))
    for n, (prefix, scope) in enumerate(_SERIES):
        limit, unit, interval = shape[1 + 3 * n : 4 + 3 * n]
        for index, key, value in _series(scope, limit, unit, interval):
            limits[key] = value
            slots.append((prefix, index, key))
    return MappingProxyType(limits), tuple(slots)


def _series(
    scope: str, limit: str | None, unit: str | None, interval: str | None
) -> Iterator[tuple[int, tuple[str, float], int]]:
    limits = _numbers(limit)
    units = [u.strip().lower().rstrip("s") for u in (unit or "").split("|")]
    intervals = _numbers(interval)
    for i, value in enumerate(limits):
        seconds = _UNITS.get(units[i] if i < len(units) else "")
        times = intervals[i] if i < len(intervals) else 1
        if value is not None and seconds is not None and times and 0 < value <= _MOST:
            yield i, (scope, seconds * times), value


def _expiry(keap: dict[str, str]) -> datetime | None:
    for prefix in ("product-quota-", "tenant-quota-"):
        when = _nth(keap.get(prefix + "expiry-time"), 0)
        if when and when <= _EPOCH_MS_MAX:
            return datetime.fromtimestamp(when / 1000, tz=timezone.utc)
    return None


def _nth(value: str | None, index: int) -> int | None:
    if not value:
        return None
    parts = value.split("|") if "|" in value else (value,)
    if index >= len(parts):
        return None
    part = parts[index].strip()
    return int(part) if _NUMBER.fullmatch(part) else None


def _numbers(value: str | None) -> list[int | None]:
    if not value:
        return []
    return [int(v) if _NUMBER.fullmatch(v := part.strip()) else None for part in value.split("|")]
