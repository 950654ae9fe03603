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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

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


@dataclass
class Announced:
    """What one answer said: limits and what is left, keyed by ``(scope, window seconds)``."""

    limits: dict[tuple[str, float], int] = field(default_factory=dict)
    available: dict[tuple[str, float], int] = field(default_factory=dict)
    resets_at: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.limits or self.available)

    @property
    def day_left(self) -> int | None:
        """Requests left today by the tightest daily quota announced, if any."""
        left = [n for (_, length), n in self.available.items() if length >= 86_400.0]
        return min(left) if left else None


def read(items: Iterable[tuple[str, str]]) -> Announced:
    """What lower-cased header ``items`` (``httpx.Headers.multi_items()``) announce."""
    keap = {k[len(_PREFIX) :]: v for k, v in items if k.startswith(_PREFIX)}
    found = Announced()
    if not keap:
        return found
    spike = _SPIKE.fullmatch(keap.get("product-spike-limit", "").strip())
    if spike is not None and 0 < int(spike.group(1)) <= _MOST:
        length = 1.0 if spike.group(2).lower() == "s" else 60.0
        found.limits[("product", length)] = int(spike.group(1))
    for prefix, scope in _SERIES:
        _series(keap, prefix, scope, found)
    return found


def _series(keap: dict[str, str], prefix: str, scope: str, found: Announced) -> None:
    limits = _numbers(keap.get(prefix + "limit"))
    if not limits:
        return
    units = [u.strip().lower().rstrip("s") for u in keap.get(prefix + "time-unit", "").split("|")]
    intervals = _numbers(keap.get(prefix + "interval"))
    available = _numbers(keap.get(prefix + "available"))
    for i, limit in enumerate(limits):
        unit = _UNITS.get(units[i] if i < len(units) else "")
        interval = intervals[i] if i < len(intervals) else 1
        if limit is None or unit is None or not interval or not 0 < limit <= _MOST:
            continue
        key = (scope, unit * interval)
        found.limits[key] = limit
        left = available[i] if i < len(available) else None
        if left is not None:
            found.available[key] = min(left, limit)
    expiry = _numbers(keap.get(prefix + "expiry-time"))
    if prefix.endswith("quota-") and expiry and expiry[0] and expiry[0] <= _EPOCH_MS_MAX:
        found.resets_at = datetime.fromtimestamp(expiry[0] / 1000, tz=timezone.utc)


def _numbers(value: str | None) -> list[int | None]:
    if not value:
        return []
    return [int(v) if _NUMBER.fullmatch(v := part.strip()) else None for part in value.split("|")]
