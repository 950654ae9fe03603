"""Reading Keap's quota headers.

Keap's gateway announces, on each answer, the key's spike limit
(``x-keap-product-spike-limit: 10ps``), its throttle (``x-keap-product-throttle-limit``,
``-time-unit``, ``-interval``, ``-available``, ``-used``), its daily quota
(``x-keap-product-quota-*`` with ``-expiry-time`` in epoch milliseconds) and the same for the
whole account (``x-keap-tenant-*``); see "API token quota and usage measurements" on
developer.infusionsoft.com and "Updates to returned throttle/quota headers" on
integration.keap.com. Since the per-account limits of 2026 the tenant headers have been seen
carrying several windows, ``|``-separated (``10000|250000`` with ``minute|day``). Values are
read defensively: anything that is not a plain number is ignored, a list is cut after its
first :data:`PARTS` entries, and each value is split once, so a hostile answer costs time in
proportion to its size at most.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType

from ._day import DAY, believed_reset
from ._limits import LONGEST_WINDOW, MOST_PER_WINDOW

__all__ = ["PARTS", "Announced", "read"]

PARTS = 8
"""Entries of a ``|``-separated value read; the rest is ignored (Keap sends two)."""

_PREFIX = "x-keap-"
_SKIP = len(_PREFIX)
_SERIES = (
    ("product-throttle-", "product"),
    ("product-quota-", "product"),
    ("tenant-throttle-", "tenant"),
    ("tenant-quota-", "tenant"),
)
_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3_600.0, "day": DAY}
_NUMBER = re.compile(r"[0-9]{1,16}")
_SPIKE = re.compile(r"([0-9]{1,9})\s*p([sm])", re.IGNORECASE)
# Far beyond any plan: a bigger figure is not a plan but a broken or hostile answer.
_MOST = 10**9
_EPOCH_MS_MAX = 253_402_300_799_000  # 9999-12-31T23:59:59Z
# Values longer than this are cut to their first PARTS entries before anything else (no
# number, unit or list of PARTS of them is this long), so caches never hold huge strings.
_LONG = 160
_PART = 32


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
        left = [n for (_, length), n in self.available.items() if length >= DAY]
        return min(left) if left else None

    def reset_after(self, now: float) -> datetime:
        """When the daily quota resets, seen at ``now`` (epoch seconds): the announced
        expiry if it is plausible (after ``now``, at most a day after the next 00:00 UTC),
        else the next 00:00 UTC, when Keap resets it."""
        return believed_reset(self.resets_at, now)


# Where a window's ``available`` figure is: (header name, position in a ``|`` list, key).
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
    keap = {k[_SKIP:]: v if len(v) <= _LONG else _cut(v) for k, v in items if k.startswith(_PREFIX)}
    if not keap:
        return Announced()
    limits, slots = _windows(tuple(map(keap.get, _SHAPE_KEYS)))
    available: dict[tuple[str, float], int] = {}
    lists: dict[str, list[str]] = {}
    for name, index, key in slots:
        parts = lists.get(name)
        if parts is None:
            value = keap.get(name)
            parts = lists[name] = value.split("|") if value else []
        if index < len(parts) and _NUMBER.fullmatch(part := parts[index].strip()):
            available[key] = min(int(part), limits[key])
    return Announced(limits, available, _resets(keap))


def _resets(keap: dict[str, str]) -> datetime | None:
    for name in ("product-quota-expiry-time", "tenant-quota-expiry-time"):
        value = keap.get(name)
        if value and (when := _expiry(value)) is not None:
            return when
    return None


def _cut(value: str) -> str:
    parts = value.split("|", PARTS)[:PARTS]
    return "|".join(part if len(part) <= _PART else "?" for part in parts)


@functools.lru_cache(maxsize=64)
def _windows(
    shape: tuple[str | None, ...],
) -> tuple[Mapping[tuple[str, float], int], tuple[_Slot, ...]]:
    limits: dict[tuple[str, float], int] = {}
    slots: list[_Slot] = []
    spike = _SPIKE.fullmatch((shape[0] or "").strip())
    if spike is not None and 0 < int(spike.group(1)) <= _MOST:
        length = 1.0 if spike.group(2).lower() == "s" else 60.0
        limits[("product", length)] = min(int(spike.group(1)), MOST_PER_WINDOW)
    for n, (prefix, scope) in enumerate(_SERIES):
        limit, unit, interval = shape[1 + 3 * n : 4 + 3 * n]
        for index, key, value in _series(scope, limit, unit, interval):
            limits[key] = value
            slots.append((prefix + "available", index, key))
    return MappingProxyType(limits), tuple(slots)


def _series(
    scope: str, limit: str | None, unit: str | None, interval: str | None
) -> Iterator[tuple[int, tuple[str, float], int]]:
    limits = _numbers(limit)
    units = [u.strip().lower().rstrip("s") for u in (unit or "").split("|")[:PARTS]]
    intervals = _numbers(interval)
    for i, value in enumerate(limits):
        seconds = _UNITS.get(units[i] if i < len(units) else "")
        times = intervals[i] if i < len(intervals) else 1
        if value is None or seconds is None or not times or not 0 < value <= _MOST:
            continue
        length = seconds * times
        if length == DAY:
            yield i, (scope, length), value
        elif length <= LONGEST_WINDOW:  # longer windows are not kept (see LONGEST_WINDOW)
            yield i, (scope, length), min(value, MOST_PER_WINDOW)


@functools.lru_cache(maxsize=8)
def _expiry(value: str) -> datetime | None:
    when = _numbers(value)[:1]
    if when and when[0] and when[0] <= _EPOCH_MS_MAX:
        return datetime.fromtimestamp(when[0] / 1000, tz=timezone.utc)
    return None


def _numbers(value: str | None) -> list[int | None]:
    if not value:
        return []
    parts = value.split("|")[:PARTS]
    return [int(v) if _NUMBER.fullmatch(v := part.strip()) else None for part in parts]
