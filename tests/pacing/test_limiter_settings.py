"""How limiters are made: which clocks they read, and the settings they refuse."""

from __future__ import annotations

import copy
import math
import pickle
import time

import pytest

import keap_adapter as ka
from keap_adapter.pacing import DOCUMENTED, Limiter, Limits, RedisLimiter

from .support import ONLY, Clock, headers, take, wait_of

NOWHERE = "redis://127.0.0.1:1/0"  # never connected to: settings are checked first
REFUSED = r"limits must be a pacing\.Limits or None"

# -- clocks (defect 5) --------------------------------------------------------------------------


def test_a_step_of_the_wall_clock_does_not_stretch_a_wait() -> None:
    steady, wall = Clock(1000.0), Clock()
    limiter = Limiter(Limits(per_second=10, per_minute=240, per_day=None), clock=steady, wall=wall)
    for _ in range(10):
        limiter.release(take(limiter), [])
    wall.now -= 3600  # NTP steps the system clock back an hour
    assert 0 < wait_of(limiter) <= 1.0
    steady.now += 1.0
    take(limiter)


def test_by_default_windows_run_on_the_monotonic_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    wall = Clock(time.time())
    monkeypatch.setattr(time, "time", wall)
    limiter = Limiter(Limits(per_second=2, **ONLY))
    limiter.release(take(limiter), [])
    limiter.release(take(limiter), [])
    wall.now -= 3600
    assert 0 < wait_of(limiter) <= 1.0


def test_the_day_runs_on_the_wall_clock() -> None:
    steady, wall = Clock(5.0), Clock()
    limiter = Limiter(Limits(per_second=None, per_minute=None, per_day=1), clock=steady, wall=wall)
    limiter.release(take(limiter), [])
    with pytest.raises(ka.QuotaExhaustedError):
        limiter.try_acquire()
    wall.now += 86_400
    take(limiter)


# -- limits, and nonsense refused (defect 10) ---------------------------------------------------


@pytest.mark.parametrize("bad", [{"per_second": 5}, "10/s", 10, Limits])
def test_a_limiter_refuses_limits_that_are_not_limits(bad: object) -> None:
    with pytest.raises(ka.ConfigurationError, match=REFUSED):
        Limiter(bad)  # type: ignore[arg-type]
    with pytest.raises(ka.ConfigurationError, match=REFUSED):
        RedisLimiter(NOWHERE, bad)  # type: ignore[arg-type]
    with pytest.raises(ka.ConfigurationError, match=REFUSED):
        RedisLimiter(NOWHERE, limits=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "given",
    [DOCUMENTED, Limits(), copy.deepcopy(DOCUMENTED), pickle.loads(pickle.dumps(DOCUMENTED))],
    ids=["DOCUMENTED", "Limits()", "a deep copy", "unpickled"],
)
def test_any_limits_given_is_a_ceiling(given: Limits) -> None:
    clock = Clock()
    limiter = Limiter(given, clock=clock, wall=clock)
    limiter.release(take(limiter), headers(product_spike_limit="25ps"))
    assert limiter.budget.windows[1.0] == 10


def test_no_limits_start_from_the_documented_ones_and_give_way() -> None:
    clock = Clock()
    limiter = Limiter(None, clock=clock, wall=clock)
    assert dict(limiter.budget.windows) == {1.0: 10, 60.0: 240}
    limiter.release(take(limiter), headers(product_spike_limit="25ps"))
    assert limiter.budget.windows[1.0] == 25


@pytest.mark.parametrize("name", ["clock", "wall"])
def test_clocks_must_be_callables(name: str) -> None:
    with pytest.raises(ka.ConfigurationError, match=name):
        Limiter(**{name: 5.0})  # type: ignore[arg-type]


@pytest.mark.parametrize("lease", [0, 0.5, -1, math.inf, math.nan, True, "60"])
def test_a_lease_must_be_finite_and_at_least_a_second(lease: object) -> None:
    with pytest.raises(ka.ConfigurationError, match="lease"):
        RedisLimiter(NOWHERE, lease=lease)  # type: ignore[arg-type]


def test_a_redis_url_must_be_a_str() -> None:
    with pytest.raises(ka.ConfigurationError, match="url must be a str"):
        RedisLimiter(b"redis://127.0.0.1:1/0")  # type: ignore[arg-type]


def test_a_given_clock_that_steps_back_holds_no_place_beyond_its_window() -> None:
    clock = Clock()
    limiter = Limiter(Limits(per_second=10, per_minute=240, per_day=None), clock=clock, wall=clock)
    for _ in range(10):
        limiter.release(take(limiter), [])
    clock.now -= 3600  # a clock that is not monotonic after all
    assert 0 < wait_of(limiter) <= 1.0
    clock.now += 1.0
    take(limiter)  # the stamps counted as made at the step, not an hour ahead
