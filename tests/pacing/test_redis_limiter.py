"""RedisLimiter against a real redis-server: the in-process limiter's semantics, shared.

The semantics tests run on both limiters, on the real clock (Redis keeps its own time);
the rest need Redis: several workers on one key prefix, leases, the key layout, and the
proof: three processes finishing one job against a fake that enforces its limits, with
no 429.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import redis

import keap_adapter as ka
from keap_adapter.pacing import BaseLimiter, Limits, RedisLimiter, Slot
from keap_adapter.pacing._base import next_utc_midnight
from keap_adapter.testing import FakeKeap

from .conftest import Make

ONLY = {"per_minute": None, "per_day": None}
# Redis writes scores with microsecond precision; allow for the rounding.
EPS = 1e-5


def _take(limiter: BaseLimiter) -> Slot:
    got = limiter.try_acquire()
    assert isinstance(got, Slot), f"expected a slot, had to wait {got}"
    return got


def _wait(limiter: BaseLimiter) -> float:
    got = limiter.try_acquire()
    assert not isinstance(got, Slot), "expected to wait, was given a slot"
    return got


def _headers(**values: str) -> list[tuple[str, str]]:
    return [("x-keap-" + k.replace("_", "-"), v) for k, v in values.items()]


# -- the same semantics as the in-process limiter -------------------------------------------


def test_at_most_n_requests_in_any_span_of_a_window(make: Make) -> None:
    limiter = make(Limits(per_second=4, **ONLY))
    sent: list[float] = []
    answered: list[float] = []
    for _ in range(12):
        slot = limiter.acquire()
        time.sleep(0.01)  # the request on the wire
        sent.append(slot.sent_at)
        answered.append(time.time())
        limiter.release(slot, [])
    # The (i+4)th request may only go a full second after the ith was answered.
    assert all(sent[i + 4] >= answered[i] + 1.0 - EPS for i in range(len(sent) - 4))
    assert sent[-1] - sent[0] < 4  # ...and not much later


def test_a_request_counts_while_in_flight_and_is_stamped_when_answered(make: Make) -> None:
    limiter = make(Limits(per_second=2, **ONLY))
    first, _second = _take(limiter), _take(limiter)
    time.sleep(1.1)  # answers slow to come: the slots are still held
    assert 0 < _wait(limiter) <= 0.05  # nothing to wait for but an answer
    limiter.release(first, [])  # stamped now, not at send time
    assert 0.8 < _wait(limiter) <= 1.0


def test_giving_a_slot_back_twice_frees_one_place_only(make: Make) -> None:
    limiter = make(Limits(per_second=2, **ONLY))
    slot, _other = _take(limiter), _take(limiter)
    limiter.release(slot, None)
    limiter.release(slot, None)
    assert _wait(limiter) > 0


def test_every_window_applies_at_once(make: Make) -> None:
    limiter = make(Limits(per_second=10, per_minute=3, per_day=None))
    for _ in range(3):
        limiter.release(_take(limiter), [])
    assert 59 < _wait(limiter) <= 60


def test_announced_limits_replace_the_documented_defaults(make: Make) -> None:
    limiter = make()
    headers = _headers(
        product_spike_limit="25ps",
        product_throttle_limit="1500",
        product_throttle_time_unit="minute",
    )
    limiter.release(_take(limiter), headers)
    _take(limiter)
    assert dict(limiter.budget.windows) == {1.0: 25, 60.0: 1500}
    assert limiter.budget.per_day == 30_000


def test_an_explicit_limits_is_a_ceiling_announcements_only_lower(make: Make) -> None:
    limiter = make(Limits(per_second=25, per_minute=1500, per_day=150_000))
    limiter.release(_take(limiter), _headers(product_spike_limit="100ps"))
    assert limiter.budget.windows[1.0] == 25
    limiter.release(_take(limiter), _headers(product_spike_limit="4ps"))
    assert limiter.budget.windows[1.0] == 4


def test_a_spent_daily_quota_raises_naming_the_utc_midnight(make: Make) -> None:
    limiter = make(Limits(per_second=None, per_minute=None, per_day=2))
    before = next_utc_midnight(time.time())
    limiter.release(_take(limiter), [])
    limiter.release(_take(limiter), [])
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        limiter.try_acquire()
    assert caught.value.resets_at in {before, next_utc_midnight(time.time())}
    assert caught.value.resets_at.tzinfo is not None
    assert "daily quota of 2" in str(caught.value)


def test_what_keap_says_is_left_of_the_day_is_believed(make: Make) -> None:
    limiter = make()
    expiry = datetime.fromtimestamp(int(time.time()) + 3600, tz=timezone.utc)
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


def test_requests_other_senders_made_are_counted_from_what_keap_reports(make: Make) -> None:
    limiter = make()
    headers = _headers(
        product_throttle_limit="240",
        product_throttle_time_unit="minute",
        product_throttle_available="2",  # 238 used: senders not sharing this limiter
    )
    limiter.release(_take(limiter), headers)
    time.sleep(1.05)  # out of the per-second window
    _take(limiter)
    _take(limiter)
    assert _wait(limiter) > 50


def test_waiting_in_async_code_lets_other_tasks_run(make: Make) -> None:
    limiter = make(Limits(per_second=1, **ONLY))
    ticks: list[int] = []

    async def ticker() -> None:
        for i in range(20):
            ticks.append(i)
            await asyncio.sleep(0.01)

    async def main() -> float:
        await limiter.arelease(await limiter.aacquire(), [])
        task = asyncio.create_task(ticker())
        started = time.monotonic()
        slot = await limiter.aacquire()  # about a second of waiting
        waited = time.monotonic() - started
        await limiter.arelease(slot, [])
        await task
        return waited

    waited = asyncio.run(main())
    assert waited > 0.8
    assert len(ticks) == 20


# -- shared between workers -------------------------------------------------------------------


def test_workers_on_one_prefix_share_the_windows(shared: Make) -> None:
    first, second = shared(Limits(per_second=3, **ONLY)), shared(Limits(per_second=3, **ONLY))
    first.release(_take(first), [])
    second.release(_take(second), [])
    _take(first)  # in flight
    assert _wait(second) > 0.5
    assert _wait(first) > 0.5


def test_a_late_worker_uses_the_learned_limits_from_its_first_request(shared: Make) -> None:
    early = shared()
    headers = _headers(
        product_spike_limit="1ps",
        product_throttle_limit="100",
        product_throttle_time_unit="minute",
    )
    early.release(_take(early), headers)
    late = shared()  # knows only the documented 10/s when it starts
    assert _wait(late) > 0.5  # 1/s, learned by the early worker, applies at once
    assert dict(late.budget.windows) == {1.0: 1, 60.0: 100}


def test_a_learned_change_reaches_workers_already_running(shared: Make) -> None:
    first, second = shared(), shared()
    second.release(_take(second), [])
    first.release(_take(first), _headers(product_spike_limit="2ps"))
    assert _wait(second) > 0.5
    assert second.budget.windows[1.0] == 2


def test_the_daily_quota_is_shared(shared: Make) -> None:
    first, second = shared(), shared()
    headers = _headers(
        product_quota_limit="30000",
        product_quota_time_unit="day",
        product_quota_available="1",
    )
    first.release(_take(first), headers)
    second.release(_take(second), [])  # the last one left, taken by the other worker
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        first.try_acquire()
    assert caught.value.resets_at == next_utc_midnight(time.time())


def test_a_configured_daily_quota_counts_every_worker(shared: Make) -> None:
    limits = Limits(per_second=None, per_minute=None, per_day=3)
    first, second = shared(limits), shared(limits)
    for limiter in (first, second, first):
        limiter.release(_take(limiter), [])
    with pytest.raises(ka.QuotaExhaustedError):
        second.try_acquire()


def test_a_slot_whose_answer_never_comes_is_freed_when_its_lease_ends(shared: Make) -> None:
    limiter = shared(Limits(per_second=1, **ONLY), lease=1)
    lost = _take(limiter)  # its process died mid-request
    assert 0 < _wait(limiter) <= 0.05
    time.sleep(1.1)
    # counted as answered at the lease's end, 1 s after it was sent: free at 2 s
    assert 0.7 < _wait(limiter) <= 0.9 + EPS
    limiter.release(lost, [])  # it did arrive after all: counted from now
    assert 0.9 < _wait(limiter) <= 1.0


def test_prefixes_keep_keys_apart(redis_url: str, prefix: str) -> None:
    one = Limits(per_second=1, **ONLY)
    first = RedisLimiter(redis_url, one, key=prefix)
    other = RedisLimiter(redis_url, one, key=prefix + "-other")
    first.release(_take(first), [])
    assert _wait(first) > 0
    _take(other)


def test_every_key_expires_and_sits_under_the_prefix(
    redis_url: str, prefix: str, shared: Make
) -> None:
    limiter = shared(Limits(per_second=5, per_minute=None, per_day=10))
    limiter.release(_take(limiter), _headers(product_spike_limit="5ps"))
    limiter.release(_take(limiter), [])
    _take(limiter)
    server = redis.Redis.from_url(redis_url, decode_responses=True)
    names = sorted(server.scan_iter(match=f"{{{prefix}}}:*"))
    kinds = [n.rpartition(":")[2] for n in names]
    assert kinds == ["day", "flight", "learned", "seq", "stamps"]
    assert all(server.ttl(n) > 0 for n in names)
    server.close()


def test_a_given_client_is_used_as_it_is_even_one_answering_bytes(
    redis_url: str, prefix: str
) -> None:
    client = redis.Redis.from_url(redis_url)  # decode_responses=False: bytes
    first = RedisLimiter(client=client, key=prefix)
    first.release(_take(first), _headers(product_spike_limit="2ps"))
    second = RedisLimiter(client=client, key=prefix)
    _take(second)
    assert second.budget.windows[1.0] == 2
    assert "client=" in repr(second)
    client.close()


def test_close_closes_only_what_the_limiter_opened(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    RedisLimiter(client=client, key=prefix).close()
    assert client.ping()
    own = RedisLimiter(redis_url, key=prefix)
    _take(own)
    own.close()
    client.close()


def test_the_repr_shows_no_password() -> None:
    limiter = RedisLimiter("redis://worker:s3cret@127.0.0.1:1/0?password=s3cret&db=0")
    shown = repr(limiter)
    assert "s3cret" not in shown
    assert "worker:***@127.0.0.1:1" in shown
    assert "keap-adapter" in shown


def test_nonsense_settings_are_refused_before_any_request() -> None:
    with pytest.raises(ka.ConfigurationError, match="url or a client"):
        RedisLimiter()
    with pytest.raises(ka.ConfigurationError, match="key"):
        RedisLimiter("redis://127.0.0.1:1/0", key="")
    with pytest.raises(ka.ConfigurationError, match="lease"):
        RedisLimiter("redis://127.0.0.1:1/0", lease=0)
    with pytest.raises(ka.ConfigurationError, match="not a Redis URL") as caught:
        RedisLimiter("http://user:s3cret@127.0.0.1:1/0")
    assert "s3cret" not in str(caught.value)


def test_without_the_redis_package_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # as if not installed
    with pytest.raises(ka.ConfigurationError, match=r"pip install keap-adapter\[redis\]"):
        RedisLimiter("redis://127.0.0.1:1/0")


def test_a_spent_quota_stops_the_client_before_it_sends(shared: Make) -> None:
    fake = FakeKeap()
    limiter = shared(Limits(per_second=None, per_minute=None, per_day=1))
    with ka.KeapClient("rest", fake.api_key, transport=fake.transport, limiter=limiter) as client:
        client.tags.create("first")
        with pytest.raises(ka.QuotaExhaustedError):
            client.tags.create("second")
    assert len(fake.requests) == 1


# -- the proof: processes sharing one key ---------------------------------------------------

WORKERS = 3
CALLS = 50  # each: 150 in all, at 20 a second about 7 s
PER_SECOND = 20
SERVED = Limits(per_second=PER_SECOND, per_minute=1_200, per_day=100_000)


def _work(keap_url: str, redis_url: str, prefix: str, number: int, queue: Any, gate: Any) -> None:
    """One process's share of the job: create CALLS tags, never retrying a 429."""
    limiter = RedisLimiter(redis_url, key=prefix) if prefix else None
    created = throttled = 0
    policy = ka.RetryPolicy(max_retries=0)  # a 429 must surface, not be retried away
    base_url = f"{keap_url}/crm"
    with ka.KeapClient(
        "rest", FakeKeap().api_key, base_url=base_url, limiter=limiter, retry_policy=policy
    ) as client:
        gate.wait()
        started = time.time()
        for i in range(CALLS):
            try:
                client.tags.create(f"worker {number} tag {i}")
                created += 1
            except ka.RateLimitError:
                throttled += 1
    queue.put((created, throttled, started, time.time()))


def _run_job(keap_url: str, redis_url: str, prefix: str) -> list[tuple[int, int, float, float]]:
    context = multiprocessing.get_context("spawn")
    queue, gate = context.Queue(), context.Barrier(WORKERS)
    workers = [
        context.Process(target=_work, args=(keap_url, redis_url, prefix, n, queue, gate))
        for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return results


@pytest.fixture
def enforcing() -> Iterator[tuple[FakeKeap, str]]:
    """A served fake that answers 429 past its limits (20/s)."""
    fake = FakeKeap(limits=SERVED)
    with fake.serve() as server:
        yield fake, server.url


def test_three_processes_sharing_a_redis_limiter_finish_the_job_without_a_429(
    enforcing: tuple[FakeKeap, str], redis_url: str, prefix: str
) -> None:
    fake, keap_url = enforcing
    results = _run_job(keap_url, redis_url, prefix)
    assert [(created, throttled) for created, throttled, *_ in results] == [(CALLS, 0)] * 3
    assert fake.throttled == 0
    took = max(r[3] for r in results) - min(r[2] for r in results)
    assert took > (WORKERS * CALLS - PER_SECOND) / PER_SECOND  # paced: 6.5 s and more
    learned = RedisLimiter(redis_url, key=prefix)  # a worker starting after the job
    _take(learned)
    assert dict(learned.budget.windows) == {1.0: 20, 60.0: 1_200}
    _nothing_secret_stored(redis_url, prefix, fake.api_key)


def test_without_the_shared_limiter_the_same_job_is_throttled(
    enforcing: tuple[FakeKeap, str], redis_url: str
) -> None:
    fake, keap_url = enforcing
    results = _run_job(keap_url, redis_url, "")  # each process paces only itself
    assert sum(throttled for _, throttled, *_ in results) > 0
    assert fake.throttled > 0


def _nothing_secret_stored(redis_url: str, prefix: str, api_key: str) -> None:
    server = redis.Redis.from_url(redis_url, decode_responses=True)
    dumped: list[str] = []
    for name in server.scan_iter(match=f"{{{prefix}}}:*"):
        kind = server.type(name)
        if kind == "hash":
            dumped.append(repr(server.hgetall(name)))
        elif kind == "zset":
            dumped.append(repr(server.zrange(name, 0, -1)))
        else:
            dumped.append(repr(server.get(name)))
    server.close()
    assert dumped
    assert not any(api_key in text for text in dumped)
