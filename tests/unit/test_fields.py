"""The XML-RPC field table's value rules: custom dates typed alike from either backend."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from keap_adapter.backends._fields import eastern_to_aware, typed_custom

UTC = timezone.utc


@pytest.mark.parametrize(
    ("value", "field_type", "expected"),
    [
        (datetime(2024, 5, 6), "DATE", date(2024, 5, 6)),  # XML-RPC: naive Eastern midnight
        ("2024-05-06", "DATE", date(2024, 5, 6)),  # REST date text
        ("2024-05-06T04:00:00Z", "DATE", date(2024, 5, 6)),  # REST instant of that midnight
        (datetime(2024, 1, 2, 3, 4, 5), "DATE_TIME", datetime(2024, 1, 2, 8, 4, 5, tzinfo=UTC)),
        ("2024-01-02T08:04:05Z", "DATE_TIME", datetime(2024, 1, 2, 8, 4, 5, tzinfo=UTC)),
        ("20240102T03:04:05", "DATE_TIME", datetime(2024, 1, 2, 8, 4, 5, tzinfo=UTC)),
        ("not a date", "DATE", "not a date"),  # reads are lenient
        ("2024-05-06", "TEXT", "2024-05-06"),
        ("", "DATE", ""),
    ],
)
def test_typed_custom(value: Any, field_type: str, expected: Any) -> None:
    assert typed_custom(value, field_type) == expected


def test_eastern_wall_times_follow_daylight_saving() -> None:
    assert eastern_to_aware(datetime(2026, 7, 1, 12, 0)) == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert eastern_to_aware(datetime(2026, 1, 1, 12, 0)) == datetime(2026, 1, 1, 17, 0, tzinfo=UTC)
