"""What broken or hostile answers can do to the in-process limiter: nothing lasting, and
nothing costly. Clocks are the test's own."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

import keap_adapter as ka
from keap_adapter.pacing import Limiter, Limits, Slot, read
from keap_adapter.pacing._limits import budget

from .support import MIDNIGHT, NEAR_MIDNIGHT, Clock, headers, quota, take, throttle, wait_of

MOST_WINDOWS = 16  # windows enforced at most

NORMAL = headers(
    product_spike_limit="10ps",
    product_throttle_limit="240",
    product_throttle_time_unit="minute",
)


def _limiter(limits: Limits | None = None, clock: Clock | None = None) -> Limiter:
    clock = clock or Clock()
    return Limiter(limits, clock=clock, wall=clock)


# -- a huge announced figure (defect 1) -------------------------------------------------------


def test_a_huge_announced_limit_costs_one_entry_not_one_per_request() -> None:
    clock = Clock()
    limiter = _limiter(clock=clock)
    tracemalloc.start()
    try:
        limiter.release(take(limiter), throttle("1000000000", available="0"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024  # a stamp per request would be gigabytes
    assert limiter.budget.windows[60.0] == 1_000_000  # no window is believed bigger
    clock.now += 2
    assert 57 < wait_of(limiter) <= 60  # the minute is as full as Keap said


# -- expiry times (defect 4) ------------------------------------------------------------------


def test_an_expiry_years_ahead_is_not_believed() -> None:
    clock = Clock(NEAR_MIDNIGHT - 3600)
    limiter = _limiter(clock=clock)
    limiter.release(take(limiter), quota(available="0", expiry="253402300000000"))  # year 9999
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        limiter.try_acquire()
    assert caught.value.resets_at == MIDNIGHT
    clock.now = MIDNIGHT.timestamp() + 1
    take(limiter)  # a new UTC day: Keap's quota starts again


def test_an_expiry_in_the_past_is_taken_as_the_next_midnight() -> None:
    limiter = _limiter()
    limiter.release(take(limiter), quota(available="0", expiry="1"))  # 1970
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        limiter.try_acquire()
    assert caught.value.resets_at == MIDNIGHT


def test_an_expiry_within_a_day_of_the_next_midnight_is_believed() -> None:
    limiter = _limiter()
    expiry = datetime(2026, 11, 30, 0, 0, 5, tzinfo=timezone.utc)  # a gateway running ahead
    limiter.release(take(limiter), quota(available="0", expiry=str(int(expiry.timestamp()) * 1000)))
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        limiter.try_acquire()
    assert caught.value.resets_at == expiry


def test_an_answer_to_a_request_sent_before_midnight_says_nothing_of_the_new_day() -> None:
    clock = Clock(MIDNIGHT.timestamp() - 0.5)
    limiter = _limiter(clock=clock)
    slot = take(limiter)
    clock.now += 1  # it arrives in the new day, saying yesterday's quota is spent
    limiter.release(slot, quota(available="0"))
    take(limiter)


# -- many windows, long lists (defect 7) ------------------------------------------------------


def _many_windows(first: int, count: int, limit: int = 1000) -> list[tuple[str, str]]:
    return headers(
        tenant_throttle_limit="|".join([str(limit)] * count),
        tenant_throttle_time_unit="|".join(["second"] * count),
        tenant_throttle_interval="|".join(str(first + i) for i in range(count)),
    )


def test_no_more_than_16_windows_are_enforced() -> None:
    limiter = _limiter()
    for answer in range(6):  # up to 8 windows read from each answer, 48 in all
        limiter.release(take(limiter), _many_windows(2 + 40 * answer, 40))
    assert len(limiter.budget.windows) == MOST_WINDOWS


def test_the_windows_kept_are_the_tightest() -> None:
    learned = {("tenant", float(n)): 1000 for n in range(2, 40)}
    learned[("tenant", 3000.0)] = 10
    kept = budget(Limits(), ceiling=False, learned=learned).windows
    assert len(kept) == MOST_WINDOWS
    assert kept[3000.0] == 10  # fewest requests a second
    assert kept[1.0] == 10
    assert 2.0 not in kept  # 500 a second


def test_reading_an_answer_does_not_hold_up_other_threads() -> None:
    limiter = _limiter()
    slot = take(limiter)
    other = threading.Thread(target=limiter.try_acquire)

    def items() -> Iterator[tuple[str, str]]:
        other.start()  # another thread asks while this answer is being read
        other.join(timeout=1)
        yield from NORMAL

    limiter.release(slot, items())
    assert not other.is_alive()


# -- what is learned, and for how long (defect 9) ---------------------------------------------


def test_a_learned_limit_no_answer_repeats_is_forgotten() -> None:
    clock = Clock()
    limiter = _limiter(clock=clock)
    odd = NORMAL + headers(tenant_throttle_limit="1", tenant_throttle_time_unit="hour")
    limiter.release(take(limiter), odd)
    assert limiter.budget.windows[3600.0] == 1
    clock.now += 300
    assert wait_of(limiter) > 3000
    clock.now += 301  # ten minutes without an answer announcing it
    limiter.release(take(limiter), NORMAL)
    assert dict(limiter.budget.windows) == {1.0: 10, 60.0: 240}


def test_a_limit_announced_again_and_again_is_kept() -> None:
    clock = Clock()
    limiter = _limiter(clock=clock)
    announced = NORMAL + headers(tenant_throttle_limit="100", tenant_throttle_time_unit="minute")
    for _ in range(30):
        clock.now += 60
        limiter.release(take(limiter), announced)
    assert limiter.budget.windows[60.0] == 100


def test_windows_longer_than_an_hour_are_not_learned() -> None:
    limiter = _limiter()
    limiter.release(
        take(limiter),
        headers(
            tenant_throttle_limit="1|5",
            tenant_throttle_time_unit="hour|minute",
            tenant_throttle_interval="2|1",
        ),
    )
    assert dict(limiter.budget.windows) == {1.0: 10, 60.0: 5}


def test_a_raise_waits_until_no_lower_figure_was_announced_for_a_while() -> None:
    clock = Clock()
    limiter = _limiter(clock=clock)
    for _ in range(10):  # gateway nodes disagree: the lower figure holds
        for spike in ("20ps", "40ps"):
            clock.now += 0.1
            limiter.release(take(limiter), headers(product_spike_limit=spike))
            assert limiter.budget.windows[1.0] == 20
    for _ in range(6):
        clock.now += 1
        limiter.release(take(limiter), headers(product_spike_limit="40ps"))
    assert limiter.budget.windows[1.0] == 40  # five seconds of 40 only
    limiter.release(take(limiter), headers(product_spike_limit="5ps"))
    assert limiter.budget.windows[1.0] == 5  # lowering is at once


def test_the_same_answer_over_and_over_stays_cheap() -> None:
    limiter = Limiter(Limits(per_second=None, per_minute=None, per_day=None))
    answer = _many_windows(2, 8, limit=10**6) + quota("20000")
    started = time.perf_counter()
    for _ in range(2000):
        got = limiter.try_acquire()
        assert isinstance(got, Slot)
        limiter.release(got, answer)
    assert (time.perf_counter() - started) / 2000 < 0.001
    assert len(read(answer).limits) == 9
