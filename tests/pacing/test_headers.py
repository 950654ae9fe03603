"""Reading Keap's quota headers: every documented series, the pipe form, hostile values."""

from __future__ import annotations

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
