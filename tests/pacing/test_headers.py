"""Reading Keap's quota headers: every documented series, the pipe form, hostile values."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import httpx
import pytest

from keap_adapter.pacing import read

# A key-authenticated answer as shared on Keap's forum in 2024 (values of that answer).
REAL = {
    "x-keap-product-spike-limit": "10ps",
    "x-keap-product-throttle-limit": "240",
    "x-keap-product-throttle-time-unit": "minute",
    "x-keap-product-throttle-interval": "1",
    "x-keap-product-throttle-available": "239",
    "x-keap-product-throttle-used": "1",
    "x-keap-product-quota-limit": "150000",
    "x-keap-product-quota-time-unit": "day",
    "x-keap-product-quota-interval": "1",
    "x-keap-product-quota-available": "149990",
    "x-keap-product-quota-used": "10",
    "x-keap-product-quota-expiry-time": "1723680000000",
    "x-keap-tenant-throttle-limit": "5000",
    "x-keap-tenant-throttle-time-unit": "minute",
    "x-keap-tenant-throttle-interval": "1",
    "x-keap-tenant-throttle-available": "4990",
}


def test_a_real_answer_gives_every_window_and_the_daily_quota() -> None:
    found = read(httpx.Headers(REAL).multi_items())
    assert found.limits == {
        ("product", 1.0): 10,
        ("product", 60.0): 240,
        ("product", 86_400.0): 150_000,
        ("tenant", 60.0): 5000,
    }
    assert found.available[("product", 60.0)] == 239
    assert found.day_left == 149_990
    assert found.resets_at == datetime(2024, 8, 15, tzinfo=timezone.utc)


def test_pipe_separated_windows_are_read_pairwise() -> None:
    found = read(
        httpx.Headers(
            {
                "x-keap-tenant-throttle-limit": "10000|250000",
                "x-keap-tenant-throttle-time-unit": "minute|day",
                "x-keap-tenant-throttle-interval": "1|1",
                "x-keap-tenant-throttle-available": "9999|0",
            }
        ).multi_items()
    )
    assert found.limits == {("tenant", 60.0): 10000, ("tenant", 86_400.0): 250_000}
    assert found.day_left == 0


def test_header_names_are_matched_whatever_their_case() -> None:
    found = read(httpx.Headers({"X-Keap-Product-Spike-Limit": "600pm"}).multi_items())
    assert found.limits == {("product", 60.0): 600}


@pytest.mark.parametrize(
    "value",
    ["", "ten", "-5", "0", "1e3", "²", "NaN", "10|x", "9" * 40, " 10 ", "10.5"],
)
def test_values_that_are_not_plain_positive_numbers_are_ignored(value: str) -> None:
    raw = value.encode()  # as the bytes a server sends
    found = read(
        httpx.Headers(
            {
                b"x-keap-product-throttle-limit": raw,
                b"x-keap-product-throttle-time-unit": b"minute",
                b"x-keap-product-spike-limit": raw + b"ps",
            }
        ).multi_items()
    )
    for limit in found.limits.values():
        assert 0 < limit <= 10**9
    if value.strip() in ("10", "10|x"):
        assert found.limits[("product", 60.0)] == 10
    elif value != "10.5":
        assert ("product", 60.0) not in found.limits


def test_unknown_units_and_absurd_expiry_times_are_ignored() -> None:
    found = read(
        httpx.Headers(
            {
                "x-keap-product-quota-limit": "100",
                "x-keap-product-quota-time-unit": "fortnight",
                "x-keap-product-quota-expiry-time": "9" * 20,
            }
        ).multi_items()
    )
    assert not found
    assert found.resets_at is None


def test_answers_without_keap_headers_announce_nothing() -> None:
    assert not read(httpx.Headers({"content-type": "application/json"}).multi_items())


# -- hostile sizes and figures (defects 1, 4, 7, 9) -------------------------------------------


PARTS = 8  # entries of a |-list read


def _pipes(count: int) -> list[tuple[str, str]]:
    return [
        ("x-keap-tenant-throttle-limit", "|".join(["5"] * count)),
        ("x-keap-tenant-throttle-time-unit", "|".join(["second"] * count)),
        ("x-keap-tenant-throttle-interval", "|".join(str(i % 50 + 1) for i in range(count))),
        ("x-keap-tenant-throttle-available", "|".join(["3"] * count)),
    ]


def test_a_long_list_costs_time_in_proportion_to_its_size_at_most() -> None:
    answer = _pipes(8000)  # about 100 KB of headers
    read(answer)
    started = time.perf_counter()
    found = read(answer)
    assert time.perf_counter() - started < 0.02  # it was half a second, quadratic
    assert len(found.limits) == PARTS


def test_only_the_first_entries_of_a_list_are_read() -> None:
    found = read(_pipes(12))
    assert sorted(found.limits) == [("tenant", float(n)) for n in range(1, PARTS + 1)]
    assert all(found.available[key] == 3 for key in found.limits)


def test_a_figure_above_a_million_a_window_is_taken_as_a_million() -> None:
    found = read(
        httpx.Headers(
            {
                "x-keap-product-spike-limit": "999999999ps",
                "x-keap-product-throttle-limit": "1000000000",
                "x-keap-product-throttle-time-unit": "minute",
                "x-keap-product-throttle-available": "999999999",
                "x-keap-product-quota-limit": "100000000",
                "x-keap-product-quota-time-unit": "day",
            }
        ).multi_items()
    )
    assert found.limits == {
        ("product", 1.0): 1_000_000,
        ("product", 60.0): 1_000_000,
        ("product", 86_400.0): 100_000_000,  # the day is a count, not a window
    }
    assert found.available[("product", 60.0)] == 1_000_000


def test_windows_longer_than_an_hour_are_not_read_except_the_day() -> None:
    found = read(
        httpx.Headers(
            {
                "x-keap-tenant-throttle-limit": "1|2|3|4",
                "x-keap-tenant-throttle-time-unit": "hour|hour|minute|day",
                "x-keap-tenant-throttle-interval": "1|2|1440|1",
            }
        ).multi_items()
    )
    assert found.limits == {("tenant", 3600.0): 1, ("tenant", 86_400.0): 4}


@pytest.mark.parametrize(
    ("expiry", "believed"),
    [
        (datetime(2026, 11, 30, tzinfo=timezone.utc), True),
        (datetime(2026, 12, 1, tzinfo=timezone.utc), True),  # a day after the next midnight
        (datetime(2026, 12, 1, 0, 0, 1, tzinfo=timezone.utc), False),
        (datetime(9999, 12, 31, tzinfo=timezone.utc), False),
        (datetime(2026, 11, 29, 12, tzinfo=timezone.utc), False),  # already past
        (datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc), False),
    ],
)
def test_an_expiry_is_believed_only_between_now_and_a_day_after_the_next_midnight(
    expiry: datetime, believed: bool
) -> None:
    now = datetime(2026, 11, 29, 18, tzinfo=timezone.utc).timestamp()
    millis = str(int(expiry.timestamp() * 1000))
    found = read([("x-keap-product-quota-expiry-time", millis)])
    assert found.resets_at == expiry  # read as announced...
    midnight = datetime(2026, 11, 30, tzinfo=timezone.utc)
    assert found.reset_after(now) == (expiry if believed else midnight)  # ...believed or not
