"""FakeKeap's own date rules: XML-RPC's zone-less US Eastern times, custom date fields.

Kept apart from the codec's conversions on purpose, so a wrong zone on either side shows up
as a disagreement. XML-RPC date-times carry no zone and mean America/New_York: the
official PHP SDK builds them there (infusionsoft/infusionsoft-php ``formatDate()``) and
infusionsoft-php#79 reports the API answering Eastern times. REST v2 writes ISO-8601 in UTC
and plain ``YYYY-MM-DD`` dates (the v2 spec's examples).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def to_eastern(value: datetime) -> datetime:
    """An aware datetime as the naive Eastern wall time XML-RPC carries."""
    return value.astimezone(EASTERN).replace(tzinfo=None)


def from_eastern(value: datetime) -> datetime:
    """A naive XML-RPC (Eastern) datetime as an aware one, in UTC."""
    return value.replace(tzinfo=EASTERN).astimezone(timezone.utc)


def midnight(value: date) -> datetime:
    """A date as XML-RPC carries one: a ``dateTime`` at 00:00."""
    return datetime.combine(value, time())


def stored_custom(value: Any, field_type: str) -> Any:
    """A custom field value as the store keeps it, whichever face wrote it.

    DATE fields hold a ``date`` and DATE_TIME fields an aware UTC datetime, from REST's
    ISO text or XML-RPC's naive Eastern ``dateTime``; anything else (text that is no date)
    is kept as it came, as Keap keeps it.
    """
    if field_type == "DATE":
        return _as_date(value)
    if field_type == "DATE_TIME":
        return _as_instant(value)
    return value


def _as_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(EASTERN) if value.tzinfo else value).date()
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value[:10])  # the date as written, whatever follows
        except ValueError:
            return value
    return value


def _as_instant(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else from_eastern(value)
    if isinstance(value, date):
        return from_eastern(midnight(value))
    if not isinstance(value, str):
        return value
    try:  # Python 3.10's fromisoformat takes no "Z"
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else from_eastern(parsed)
