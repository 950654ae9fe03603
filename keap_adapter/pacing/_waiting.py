"""Waiting for a slot: first come, first served, woken instead of polling.

Threads and tasks waiting on one limiter stand in one queue. Only its head asks the limiter
(sleeping for the wait it is told, at most :data:`MAX_NAP`); the others sleep until the head
leaves with a slot (or an error) and wakes the next, or a release wakes the head. So a
thousand waiters cost what one does, instead of each polling on its own, and a shared
limiter (Redis) is asked by one waiter per process at a time.

A thread waits on a :class:`threading.Event`; a task on a future of its own loop, woken
from other threads with ``loop.call_soon_threadsafe`` ("Concurrency and Multithreading" in
the asyncio documentation), so sync and async clients can share a limiter.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from ._slot import Slot

__all__ = ["MAX_NAP", "Turns"]

# The head sleeps at most this long between asks, so limits learned meanwhile (a first answer
# announcing a bigger plan, or another process's) take effect without sleeping out a wait
# computed before them.
MAX_NAP = 0.25
# The second in line looks at the head this often, to take over from one that stopped
# asking; the others sleep until a waiter ahead of them leaves (which wakes those moved up).
FALLBACK = 1.0
# The shortest nap: a limiter answering 0 must not make its head spin.
LEAST_NAP = 0.001
# A head that has not asked for this long is taken to be gone (a task whose event loop was
# closed under it never runs its cleanup): the next waiter takes its place.
STALE = 30.0


def _nap(wait: float) -> float:
    return min(max(wait, LEAST_NAP), MAX_NAP)


class _Waiter(Protocol):
    queued: bool
    active_at: float

    def wake(self) -> None: ...


class _ThreadWaiter:
    __slots__ = ("_event", "active_at", "queued")

    def __init__(self) -> None:
        self._event = threading.Event()
        self.queued = False
        self.active_at = time.monotonic()

    def wake(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def wait(self, timeout: float | None) -> None:
        self._event.wait(timeout)


class _TaskWaiter:
    __slots__ = ("_future", "_loop", "_thread", "active_at", "queued")

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._future: asyncio.Future[None] = self._loop.create_future()
        self.queued = False
        self.active_at = time.monotonic()

    def wake(self) -> None:
        if threading.get_ident() == self._thread:
            self._set()
            return
        try:
            self._loop.call_soon_threadsafe(self._set)
        except RuntimeError:  # its loop is closed: it will never ask again
            self.active_at = float("-inf")

    def _set(self) -> None:
        if not self._future.done():
            self._future.set_result(None)

    def clear(self) -> None:
        if self._future.done():
            self._future = self._loop.create_future()

    async def wait(self, timeout: float | None) -> None:
        if timeout is None:
            await self._future
            return
        timer = self._loop.call_later(timeout, self._set)
        try:
            await self._future
        finally:
            timer.cancel()


class Turns:
    """The queue of one limiter's waiters.

    The head asks; the second in line watches the head (it takes over one that stopped
    asking); the rest sleep until a waiter ahead of them leaves and wakes them.
    """

    __slots__ = ("_lock", "queue")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.queue: deque[_Waiter] = deque()

    def wait(self, attempt: Callable[[], Slot | float]) -> Slot:
        """Wait in line (this thread) until ``attempt`` gives a slot; return it."""
        waiter = _ThreadWaiter()
        try:
            while True:
                waiter.clear()
                place = self._place(waiter)
                if place == _HEAD:
                    waiter.active_at = time.monotonic()
                    answer = attempt()
                    if isinstance(answer, Slot):
                        return answer
                    waiter.wait(_nap(answer))
                elif place == _NEXT:
                    waiter.wait(FALLBACK)
                    self._evict_stale()
                else:
                    waiter.wait(None)
        finally:
            self._leave(waiter)

    async def await_(self, attempt: Callable[[], Awaitable[Slot | float]]) -> Slot:
        """Wait in line (this task) until ``attempt`` gives a slot; return it."""
        waiter = _TaskWaiter()
        try:
            while True:
                waiter.clear()
                place = self._place(waiter)
                if place == _HEAD:
                    waiter.active_at = time.monotonic()
                    answer = await attempt()
                    if isinstance(answer, Slot):
                        return answer
                    await waiter.wait(_nap(answer))
                elif place == _NEXT:
                    await waiter.wait(FALLBACK)
                    self._evict_stale()
                else:
                    await waiter.wait(None)
        finally:
            self._leave(waiter)

    def wake(self) -> None:
        """Wake the head: a place may have been freed."""
        if not self.queue:
            return
        with self._lock:
            head = self.queue[0] if self.queue else None
        if head is not None:
            head.wake()

    def _place(self, waiter: _Waiter) -> int:
        with self._lock:
            if not waiter.queued:
                self.queue.append(waiter)
                waiter.queued = True
            if self.queue[0] is waiter:
                return _HEAD
            return _NEXT if self.queue[1] is waiter else _BEHIND

    def _leave(self, waiter: _Waiter) -> None:
        with self._lock:
            if not waiter.queued:
                return
            waiter.queued = False
            place = 0 if self.queue[0] is waiter else self.queue.index(waiter)
            del self.queue[place]
            moved = self._moved_up(place)
        for each in moved:
            each.wake()

    def _evict_stale(self) -> None:
        with self._lock:
            head = self.queue[0] if self.queue else None
            if head is None or head.active_at >= time.monotonic() - STALE:
                return
            self.queue.popleft()
            head.queued = False
            moved = self._moved_up(0)
        for each in moved:
            each.wake()

    def _moved_up(self, place: int) -> list[_Waiter]:
        """The waiters whose part changed when the one at ``place`` left (under the lock):
        a new head (given its full time to ask) and a new second."""
        queue = self.queue
        if place == 0 and queue:
            queue[0].active_at = time.monotonic()
            return list(itertools.islice(queue, 2))
        if place == 1 and len(queue) > 1:
            return [queue[1]]
        return []


_HEAD, _NEXT, _BEHIND = 0, 1, 2
