"""RedisLimiter when things go wrong: hostile answers, a Redis that goes away or whose clock
steps, cancelled callers, crowds of waiters. Each against a real redis-server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis

import keap_adapter as ka
from keap_adapter.pacing import Limits, RedisLimiter, Slot
from keap_adapter.pacing._base import next_utc_midnight

from .conftest import Make
from .redis_server import own_server
from .support import ONLY, headers, quota, take, throttle, wait_of

PASSWORD = "s3cret-pw"
# An answer announcing a plan nobody waiting here reaches: every waiter may go.
BIGGER = headers(
    product_spike_limit="100000ps",
    product_throttle_limit="1000000",
    product_throttle_time_unit="minute",
)


@pytest.fixture
def server(redis_url: str) -> Iterator[redis.Redis]:
    """A plain client of the session's redis-server, to look at the keys."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def _key(prefix: str, name: str) -> str:
    return f"{{{prefix}}}:{name}"


# -- a huge announced figure (defect 1) -------------------------------------------------------


def test_a_huge_announced_limit_is_one_pad_in_redis(
    shared: Make, server: redis.Redis, prefix: str
) -> None:
    limiter = shared()
    started = time.perf_counter()
    limiter.release(take(limiter), throttle("3000000", available="0"))
    assert time.perf_counter() - started < 0.5  # a member per request would block Redis
    assert server.zcard(_key(prefix, "pads")) == 1
    assert server.zcard(_key(prefix, "stamps")) == 1
    assert limiter.budget.windows[60.0] == 1_000_000
    assert 59 < wait_of(limiter) <= 60  # the minute is as full as Keap said


def test_pads_are_at_most_sixteen_and_count_in_full(
    shared: Make, server: redis.Redis, prefix: str
) -> None:
    limiter = shared(Limits(per_second=None, per_minute=100, per_day=None))
    taken = 0
    while isinstance(got := limiter.try_acquire(), Slot):
        taken += 1  # each answer: another sender sent one more than this one
        limiter.release(got, throttle("100", available=str(100 - 2 * taken)))
    assert taken == 50  # 100 counted: 50 of ours, 50 of the other's
    assert server.zcard(_key(prefix, "pads")) <= 16
    assert 58 < got <= 60


# -- expiry times (defect 4) ------------------------------------------------------------------


def test_an_expiry_years_ahead_is_not_kept(shared: Make, server: redis.Redis, prefix: str) -> None:
    limiter = shared()
    limiter.release(take(limiter), quota(available="0", expiry="253402300000000"))  # year 9999
    with pytest.raises(ka.QuotaExhaustedError) as caught:
        limiter.try_acquire()
    assert caught.value.resets_at == next_utc_midnight(time.time())
    assert 0 < server.ttl(_key(prefix, "quota")) <= 2 * 86_400


# -- Redis's clock stepping back (defect 5) ---------------------------------------------------


def test_entries_dated_after_now_count_as_now(
    shared: Make, server: redis.Redis, prefix: str
) -> None:
    limiter = shared(Limits(per_second=1, **ONLY))
    server.zadd(_key(prefix, "stamps"), {"ahead": time.time() + 3600})  # then TIME stepped back
    assert 0.9 < wait_of(limiter) <= 1.0


# -- a cancelled caller (defect 2) ------------------------------------------------------------


def test_a_cancelled_acquire_gives_back_the_slot_its_thread_took(
    shared: Make, server: redis.Redis, prefix: str
) -> None:
    limiter = shared(Limits(per_second=5, **ONLY))

    async def main() -> None:
        for _ in range(20):
            task = asyncio.create_task(limiter.aacquire())
            await asyncio.sleep(0)  # its Redis call is under way
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.sleep(0.3)

    asyncio.run(main())
    assert server.zcard(_key(prefix, "flight")) == 0


# -- Redis out of reach (defect 3) ------------------------------------------------------------


@pytest.fixture
def doomed() -> Iterator[tuple[str, Callable[[], None]]]:
    """A password-protected redis-server of the test's own, and a way to stop it."""
    with own_server("--requirepass", PASSWORD) as (port, process):
        yield f"redis://:{PASSWORD}@127.0.0.1:{port}/0", process.kill


def test_giving_back_never_raises_when_redis_is_gone(
    doomed: tuple[str, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    url, stop = doomed
    limiter = RedisLimiter(url, key="doomed")
    slot, other = limiter.acquire(), limiter.acquire()
    stop()
    with caplog.at_level(logging.WARNING, logger="keap_adapter"):
        limiter.release(slot, quota(available="100"))
        asyncio.run(limiter.arelease(other, None))
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1  # the second failure within seconds goes to DEBUG
    assert "shared limiter" in warned[0].getMessage()
    assert PASSWORD not in caplog.text


def test_taking_a_slot_from_a_redis_out_of_reach_is_a_transport_error(
    doomed: tuple[str, Callable[[], None]],
) -> None:
    url, stop = doomed
    limiter = RedisLimiter(url, key="doomed")
    stop()
    with pytest.raises(ka.TransportError, match="shared limiter is unreachable") as caught:
        limiter.acquire()
    assert PASSWORD not in str(caught.value)
    with pytest.raises(ka.TransportError):
        asyncio.run(limiter.aacquire())


# -- crowds of waiters (defect 6) -------------------------------------------------------------


def _scripts_run(server: redis.Redis) -> int:
    stats: dict[str, Any] = server.info("commandstats")
    return sum(stats.get(name, {}).get("calls", 0) for name in ("cmdstat_evalsha", "cmdstat_eval"))


def test_waiting_tasks_ask_redis_one_at_a_time(shared: Make, server: redis.Redis) -> None:
    limiter = shared(Limits(per_second=1, **ONLY))

    async def main() -> int:
        held = await limiter.aacquire()  # in flight: every other caller waits for its answer
        tasks = [asyncio.create_task(limiter.aacquire()) for _ in range(200)]
        await asyncio.sleep(0.1)
        before = _scripts_run(server)
        await asyncio.sleep(0.5)
        during = _scripts_run(server) - before
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await limiter.arelease(held, [])
        return during

    assert asyncio.run(main()) < 60  # one asker, every 20 ms at most


def test_waiting_threads_ask_redis_one_at_a_time(shared: Make, server: redis.Redis) -> None:
    limiter = shared()  # 10 a second, until an answer announces more
    held = [limiter.acquire() for _ in range(10)]
    got: list[Slot] = []
    threads = [threading.Thread(target=lambda: got.append(limiter.acquire())) for _ in range(50)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    before = _scripts_run(server)
    time.sleep(0.5)
    assert _scripts_run(server) - before < 60
    limiter.release(held[0], BIGGER)
    for thread in threads:
        thread.join(timeout=3)
    assert len(got) == 50


class _Refusing(ThreadPoolExecutor):
    def submit(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the event loop's default executor was used")


def test_async_callers_never_use_the_loops_default_executor(shared: Make) -> None:
    limiter = shared()

    async def main() -> None:
        asyncio.get_running_loop().set_default_executor(_Refusing())
        slot = await limiter.aacquire()
        await limiter.arelease(slot, [])

    asyncio.run(main())


# -- learned limits forgotten (defect 9) ------------------------------------------------------


def test_a_learned_limit_nobody_repeats_is_forgotten_by_every_worker(
    shared: Make, server: redis.Redis, prefix: str
) -> None:
    first, second = shared(), shared()
    spare = take(first)
    first.release(
        take(first), headers(tenant_throttle_limit="1", tenant_throttle_time_unit="minute")
    )
    assert first.budget.windows[60.0] == 1
    # ten minutes pass with no answer announcing it: its record is backdated
    learned = _key(prefix, "learned")
    server.hset(learned, mapping={"~tenant|60.0": "1.0 1.0", "_sweep": "0"})
    first.release(spare, headers(product_spike_limit="10ps"))
    assert first.budget.windows[60.0] == 240
    take(second)
    assert second.budget.windows[60.0] == 240
