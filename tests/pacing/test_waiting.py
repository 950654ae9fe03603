"""Waiting for a slot in the in-process limiter (defect 6): waiters sleep until woken, in
the order they came, and many of them cost what one does."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest

from keap_adapter.pacing import Limiter, Limits, Slot

from .support import ONLY, Clock, headers, take

# An answer announcing a plan nobody waiting here reaches: every waiter may go.
BIGGER = headers(
    product_spike_limit="100000ps",
    product_throttle_limit="1000000",
    product_throttle_time_unit="minute",
)


def _full() -> tuple[Limiter, list[Slot]]:
    """A limiter whose places are all held by requests in flight (10 a second)."""
    limiter = Limiter()
    return limiter, [take(limiter) for _ in range(10)]


def test_waiting_threads_sleep_until_an_answer_wakes_them() -> None:
    limiter, held = _full()
    got: list[Slot] = []
    threads = [threading.Thread(target=lambda: got.append(limiter.acquire())) for _ in range(300)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    cpu = time.process_time()
    time.sleep(0.5)
    assert time.process_time() - cpu < 0.05  # polling every 5 ms: 0.35 s
    assert got == []
    limiter.release(held[0], BIGGER)
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=2)
    assert len(got) == 300
    assert time.monotonic() - started < 1


def test_waiting_tasks_neither_burn_the_cpu_nor_lag_the_loop() -> None:
    limiter, held = _full()

    async def main() -> tuple[float, float, int]:
        tasks = [asyncio.create_task(limiter.aacquire()) for _ in range(3000)]
        await asyncio.sleep(0.1)
        lag, cpu, until = 0.0, time.process_time(), time.monotonic() + 0.5
        while time.monotonic() < until:
            tick = time.monotonic()
            await asyncio.sleep(0.01)
            lag = max(lag, time.monotonic() - tick - 0.01)
        cpu = time.process_time() - cpu
        limiter.release(held[0], BIGGER)
        done = await asyncio.wait_for(asyncio.gather(*tasks), timeout=2)
        return lag, cpu, len(done)

    lag, cpu, done = asyncio.run(main())
    assert cpu < 0.1  # each polling every 5 ms: 0.3 s
    assert lag < 0.05  # ...and the loop lagging 75 ms
    assert done == 3000


def test_waiters_are_served_in_the_order_they_came() -> None:
    clock = Clock()
    limiter = Limiter(Limits(per_second=1, **ONLY), clock=clock, wall=clock)
    limiter.release(take(limiter), [])
    order: list[int] = []

    async def one(number: int) -> None:
        slot = await limiter.aacquire()
        order.append(number)
        limiter.release(slot, [])

    async def main() -> None:
        tasks = []
        for number in range(5):
            tasks.append(asyncio.create_task(one(number)))
            await asyncio.sleep(0.01)  # each in line before the next comes
        while len(order) < 5:
            clock.now += 1.0  # a place frees each (test) second
            served = len(order)
            for _ in range(100):
                if len(order) > served:
                    break
                await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == [0, 1, 2, 3, 4]


def test_a_cancelled_waiter_leaves_the_line_to_the_next() -> None:
    limiter, held = _full()

    async def main() -> Slot:
        first = asyncio.create_task(limiter.aacquire())
        await asyncio.sleep(0.01)
        second = asyncio.create_task(limiter.aacquire())
        await asyncio.sleep(0.01)
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        limiter.release(held[0], BIGGER)
        return await asyncio.wait_for(second, timeout=1)

    assert isinstance(asyncio.run(main()), Slot)


def test_threads_and_tasks_share_one_line() -> None:
    limiter, held = _full()
    got: list[Slot] = []
    thread = threading.Thread(target=lambda: got.append(limiter.acquire()))
    thread.start()

    async def main() -> Slot:
        task = asyncio.create_task(limiter.aacquire())
        await asyncio.sleep(0.05)
        threading.Timer(0.05, limiter.release, (held[0], BIGGER)).start()  # from a thread
        return await asyncio.wait_for(task, timeout=1)

    assert isinstance(asyncio.run(main()), Slot)
    thread.join(timeout=1)
    assert len(got) == 1


def test_a_head_whose_loop_is_gone_gives_way(monkeypatch: pytest.MonkeyPatch) -> None:
    from keap_adapter.pacing import _waiting as waiting

    monkeypatch.setattr(waiting, "STALE", 0.2)
    monkeypatch.setattr(waiting, "FALLBACK", 0.1)
    limiter, held = _full()
    lost_loop = asyncio.new_event_loop()
    lost = lost_loop.create_task(limiter.aacquire())  # first in line...
    lost_loop.run_until_complete(asyncio.sleep(0.05))
    lost_loop.set_exception_handler(lambda _loop, _context: None)  # "destroyed but pending"
    lost_loop.close()  # ...then its loop is closed under it: it never asks again
    got: list[Slot] = []
    thread = threading.Thread(target=lambda: got.append(limiter.acquire()))
    thread.start()  # in line behind it
    time.sleep(0.3)
    limiter.release(held[0], BIGGER)
    thread.join(timeout=1)
    assert len(got) == 1
    assert len(limiter._turns.queue) == 0
    assert not lost.done()
