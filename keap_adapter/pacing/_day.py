"""The UTC day Keap counts its daily quota in, and how far an announced reset is believed.

Keap's daily quota resets at 00:00 UTC ("API token quota and usage measurements" on
developer.infusionsoft.com). An answer's ``x-keap-*-quota-expiry-time`` names that instant;
one in the past or days ahead is a broken or hostile answer, and believing it would lift a
spent quota at once or refuse every request for years.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["DAY", "believed_reset", "next_utc_midnight"]

DAY = 86_400.0


def next_utc_midnight(now: float) -> datetime:
    """When Keap's daily quota resets after ``now`` (epoch seconds): the next 00:00 UTC."""
    day = datetime.fromtimestamp(now, tz=timezone.utc).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def believed_reset(announced: datetime | None, now: float) -> datetime:
    """``announced`` if it lies after ``now`` and at most a day after the next UTC midnight
    (a gateway's clock may run a little ahead), else the next UTC midnight."""
    midnight = next_utc_midnight(now)
    if announced is None:
        return midnight
    when = announced.timestamp()
    if now < when <= midnight.timestamp() + DAY:
        return announced
    return midnight
