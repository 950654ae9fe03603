"""Answers that arrive while other requests are in flight, on both limiters: what is left of
the day (defect 8) and disagreeing announced limits (defect 9)."""

from __future__ import annotations

import pytest

import keap_adapter as ka

from .conftest import Make
from .support import headers, quota, take


def test_what_is_left_of_the_day_counts_the_requests_still_in_flight(make: Make) -> None:
    limiter = make()
    answered = take(limiter)
    _in_flight = [take(limiter) for _ in range(3)]  # sent before the answer came
    limiter.release(answered, quota(available="3"))  # Keap may not have counted them yet
    with pytest.raises(ka.QuotaExhaustedError):
        limiter.try_acquire()


def test_requests_sent_after_the_answer_count_against_what_it_said(make: Make) -> None:
    limiter = make()
    limiter.release(take(limiter), quota(available="2"))
    take(limiter)
    take(limiter)
    with pytest.raises(ka.QuotaExhaustedError):
        limiter.try_acquire()


def test_an_older_answer_never_raises_what_is_left(make: Make) -> None:
    limiter = make()
    older, newer = take(limiter), take(limiter)
    limiter.release(newer, quota(available="2"))
    limiter.release(older, quota(available="9"))  # it left before newer was counted
    take(limiter)
    take(limiter)
    with pytest.raises(ka.QuotaExhaustedError):
        limiter.try_acquire()


def test_an_older_answer_may_lower_what_is_left(make: Make) -> None:
    limiter = make()
    older, newer = take(limiter), take(limiter)
    limiter.release(newer, quota(available="5"))
    limiter.release(older, quota(available="0"))  # another sender spent the rest meanwhile
    with pytest.raises(ka.QuotaExhaustedError):
        limiter.try_acquire()


def test_disagreeing_gateway_nodes_are_paced_by_the_lower_figure(make: Make) -> None:
    limiter = make()
    for spike in ("20ps", "40ps", "20ps", "40ps"):
        limiter.release(take(limiter), headers(product_spike_limit=spike))
        assert limiter.budget.windows[1.0] == 20
    limiter.release(take(limiter), headers(product_spike_limit="8ps"))
    assert limiter.budget.windows[1.0] == 8  # a lower figure is taken at once
