"""The in-process limiter, on a clock the tests move: windows, in-flight counting, learning,
ceilings and the daily quota."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

import keap_adapter as ka
from keap_adapter.pacing import Limiter, Limits, Slot

# 2026-11-29T23:59:00Z: a minute before a UTC midnight
NEAR_MIDNIGHT = datetime(2026, 11, 29, 23, 59, tzinfo=timezone.utc).timestamp()


class Clock:
    """A clock the test moves (both the monotonic and the wall clock of a limiter)."""

    def __init__(self, now: float = NEAR_MIDNIGHT - 3600) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _fresh() -> Limiter:
    """A limiter with Keap's documented limits, replaced by announced ones."""
    clock = Clock()
    return Limiter(None, clock=clock, wall=clock)


def _wait(limiter: Limiter) -> float:
    got = limiter.try_acquire()
    assert not isinstance(got, Slot), "expected to wait, was given a slot"
    return got


def _take(limiter: Limiter) -> Slot:
    got = limiter.try_acquire()
    assert isinstance(got, Slot), f"expected a slot, had to wait {got}"
    return got


def _headers(**values: str) -> list[tuple[str, str]]:
    return [("x-keap-" + k.replace("_", "-"), v) for k, v in values.items()]


def test_at_most_n_requests_in_any_second_and_the_wait_is_exact() -> None:
    clock = Clock()
    limiter = Limiter(Limits(per_second=3, per_minute=None, per_day=None), clock=clock, wall=clock)
    for step in range(3):
        clock.now += 0.1 * step
        limiter.release(_take(limiter), [])
    # stamps at +0.0, +0.1, +0.3; the first leaves the window at +1.0
    assert _wait(limiter) == pytest.approx(1.0 - 0.3)
    clock.now += 0.7
    _take(limiter)


def test_a_request_counts_while_in_flight_and_is_stamped_when_its_answer_arrives() -> None:
    clock = Clock()
    limiter = Limiter(Limits(per_second=2, per_minute=None, per_day=None), clock=clock, wall=clock)
    first, _second = _take(limiter), _take(limiter)
    clock.now += 5  # answers slow to come: the slots are still held
    assert 0 < _wait(limiter) <= 0.01  # nothing to wait for but an answer
    limiter.release(first, [])  # stamped at +5, not at send time
    clock.now += 0.9
    assert _wait(limiter) == pytest.approx(0.1)


def test_giving_a_slot_back_twice_frees_one_place_only() -> None:
    clock = Clock()
    limiter = Limiter(Limits(per_second=1, per_minute=None, per_day=None), clock=clock, wall=clock)
    slot = _take(limiter)
    limiter.release(slot, None)
    limiter.release(slot, None)
    assert _wait(limiter) > 0


def test_every_window_applies_at_once() -> None:
    clock = Clock()
    limiter = Limiter(Limits(per_second=10, per_minute=12, per_day=None), clock=clock, wall=clock)
    for _ in range(12):
        limiter.release(_take(limiter), [])
        clock.now += 0.2
    assert _wait(limiter) == pytest.approx(60 - 12 * 0.2)


def test_announced_limits_replace_the_documented_defaults() -> None:
    limiter = _fresh()
    assert dict(limiter.budget.windows) == {1.0: 10, 60.0: 240}
    headers = _headers(
        product_spike_limit="25ps",
        product_throttle_limit="1500",
        product_throttle_time_unit="minute",
    )
    limiter.release(_take(limiter), headers)
    assert dict(limiter.budget.windows) == {1.0: 25, 60.0: 1500}
    assert limiter.budget.per_day == 30_000  # not announced: the default stands


def test_announced_limits_can_also_be_smaller_than_the_defaults() -> None:
    limiter = _fresh()
    limiter.release(_take(limiter), _headers(product_spike_limit="5ps"))
    assert limiter.budget.windows[1.0] == 5


def test_an_explicit_limits_is_a_ceiling_announcements_only_lower() -> None:
    clock = Clock()
    limiter = Limiter(Limits.oauth(), clock=clock, wall=clock)
    limiter.release(_take(limiter), _headers(product_spike_limit="100ps"))
    assert limiter.budget.windows[1.0] == 25
    limiter.release(_take(limiter), _headers(product_spike_limit="4ps"))
    assert limiter.budget.windows[1.0] == 4


def test_the_tenant_limit_only_tightens() -> None:
    limiter = _fresh()
    headers = _headers(
        tenant_throttle_limit="10000|250000",
        tenant_throttle_time_unit="minute|day",
    )
    limiter.release(_take(limiter), headers)
    assert limiter.budget.windows[60.0] == 240
    limiter.release(
        _take(limiter),
        _headers(tenant_throttle_limit="100", tenant_throttle_time_unit="minute"),
    )
    assert limiter.budget.windows[60.0] == 100


def test_a_spent_daily_quota_raises_naming_the_utc_midnight_and_lifts_after_it() -> None:
    clock = Clock(NEAR_MIDNIGHT)
    limiter = Limiter(Limits(per_second=None, per_minute=None, per_day=2), clock=clock, wall=clock)
    limiter.release(_take(limiter), [])
    limiter.release(_take(limiter), [])
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        limiter.try_acquire()
    assert caught.value.resets_at == datetime(2026, 11, 30, tzinfo=timezone.utc)
    assert caught.value.resets_at.tzinfo is not None
    assert "daily quota of 2" in str(caught.value)
    clock.now += 61
    _take(limiter)


def test_what_keap_says_is_left_of_the_day_is_believed() -> None:
    clock = Clock()
    limiter = Limiter(clock=clock, wall=clock)
    expiry = datetime(2026, 11, 30, tzinfo=timezone.utc)
    headers = _headers(
        product_quota_limit="30000",
        product_quota_time_unit="day",
        product_quota_available="1",
        product_quota_expiry_time=str(int(expiry.timestamp() * 1000)),
    )
    limiter.release(_take(limiter), headers)
    _take(limiter)  # the last one left
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        limiter.try_acquire()
    assert caught.value.resets_at == expiry


def test_requests_other_workers_made_are_counted_from_what_keap_reports() -> None:
    clock = Clock()
    limiter = Limiter(clock=clock, wall=clock)
    headers = _headers(
        product_throttle_limit="240",
        product_throttle_time_unit="minute",
        product_throttle_available="2",  # 238 used: other processes on the key
    )
    limiter.release(_take(limiter), headers)
    clock.now += 2  # out of the per-second window
    _take(limiter)
    _take(limiter)
    assert _wait(limiter) > 0


def test_waiting_in_async_code_lets_other_tasks_run() -> None:
    limiter = Limiter(Limits(per_second=1, per_minute=None, per_day=None))
    ticks: list[int] = []

    async def ticker() -> None:
        for i in range(20):
            ticks.append(i)
            await asyncio.sleep(0.01)

    async def main() -> None:
        limiter.release(await limiter.aacquire(), [])
        task = asyncio.create_task(ticker())
        slot = await limiter.aacquire()  # about a second of waiting
        await limiter.arelease(slot, [])
        await task

    asyncio.run(main())
    assert len(ticks) == 20


def test_limits_refuse_nonsense_before_any_request() -> None:
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ka.ConfigurationError, match="per_second"):
            Limits(per_second=bad)  # type: ignore[arg-type]
    assert Limits.oauth() == Limits(per_second=25, per_minute=1500, per_day=150_000)
