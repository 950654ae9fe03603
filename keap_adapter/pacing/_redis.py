"""A limiter kept in Redis, shared by every process and machine sending with one Keap key.

Each decision is one Lua script, run atomically by Redis (EVALSHA, see "Scripting with Lua"
on redis.io): acquiring checks every sliding window and the daily quota and either takes a
slot or answers the wait; releasing stamps the request with its arrival time and records
what the answer announced. Time is Redis's own (the ``TIME`` command), so machines whose
clocks disagree still count alike (a script may read the clock before writing since Redis 5,
which replicates a script's effects rather than the script: Redis 5 or later is needed).

Keys, all under ``{key}:`` (the braces are a Redis Cluster hash tag, so one script's keys
share a slot): ``stamps`` (sorted set: answered requests by arrival time), ``pads`` (sorted
set: requests Keap reported that no worker counted, one weighted member per answer),
``flight`` (sorted set: requests in flight by the end of their lease), ``day`` (hash: UTC day
number and requests counted that day), ``quota`` (hash: what Keap said is left today, as a
slot number, and when it resets), ``learned`` (hash: limits announced by Keap, when each was
last announced, and ``_v``, a token changed on every change) and ``seq`` (counter naming
the slots). The API key is never stored.

In one process, waiters queue and one asks Redis at a time (see ``_waiting``); async
callers reach Redis through a small pool of threads of the limiter's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigurationError, TransportError
from ._base import BaseLimiter, Slot, quota_exhausted
from ._headers import Announced, read
from ._limits import LONGEST_WINDOW, Budget, Limits, budget, configured
from ._redis_scripts import ACQUIRE, ACQUIRE_KEYS, NAMES, RELEASE, RELEASE_KEYS
from ._redis_wire import (
    connect,
    learn_args,
    learned_from,
    lease_seconds,
    quota_args,
    redis_module,
    shown,
    text,
)
from ._waiting import Turns

if TYPE_CHECKING:
    import redis

__all__ = ["LEASE", "RedisLimiter"]

logger = logging.getLogger("keap_adapter")

LEASE = 60.0
"""Seconds a request may stay in flight before its slot is taken to be answered at the
lease's end: a process that died mid-request must not hold its slot for ever. Keep it above
the clients' ``timeout``."""

# When every counted request is in flight, the waiter asking Redis looks again this soon:
# answers to this process wake it at once, other processes' only show in Redis.
POLL = 0.02
# Threads through which async callers reach Redis (one asks at a time; the rest release).
THREADS = 4
# A failing Redis is reported at most this often (seconds); the rest go to DEBUG.
WARN_EVERY = 10.0
# The same announced limits are recorded at most this often by one worker: Redis keeps when
# each was last announced to decide when to forget it, to the second.
SHARE_EVERY = 1.0


class RedisLimiter(BaseLimiter):
    """The :class:`~keap_adapter.pacing.Limiter`'s semantics, kept in Redis, so that every
    process and machine sending with one Keap key shares the key's limits.

    ``url`` names the Redis server (``redis://host:6379/0``); or give ``client``, a
    ``redis.Redis``. ``limits`` is a ceiling as for :class:`Limiter` (``None``: Keap's
    documented limits, replaced by announced ones). ``key`` prefixes the Redis keys: give
    each Keap key (not the API key itself) a prefix of its own. Limits learned from Keap's
    answers are shared: a worker that starts late uses them at once. A request in flight
    longer than ``lease`` seconds (at least 1) is counted as answered then.

    If Redis cannot be reached, taking a slot raises :class:`~keap_adapter.TransportError`;
    giving one back never raises (it logs a warning, and the lease frees the slot).
    """

    def __init__(
        self,
        url: str | None = None,
        limits: Limits | None = None,
        *,
        key: str = "keap-adapter",
        client: redis.Redis | None = None,
        lease: float = LEASE,
    ) -> None:
        if not isinstance(key, str) or not key:
            raise ConfigurationError(f"key must be a non-empty str, not {key!r}")
        self._lease = lease_seconds(lease)
        self._configured, self._ceiling = configured(limits)
        if client is None and url is None:
            raise ConfigurationError("RedisLimiter needs a url or a client")
        module = redis_module()
        self._errors: type[Exception] = module.RedisError
        self._url = shown(url) if isinstance(url, str) else None
        self._owned = client is None
        self._client = client if client is not None else connect(module, url)
        self._key = key
        self._keys = {name: f"{{{key}}}:{name}" for name in NAMES}
        # Idle keys outlive every window and lease, then Redis drops them by itself.
        self._ttl = int(LONGEST_WINDOW + self._lease) * 2
        self._lock = threading.Lock()
        self._turns = Turns()
        self._pool: ThreadPoolExecutor | None = None
        self._warned_at = -math.inf
        self._shared: tuple[object, float] = (None, -math.inf)  # limits last recorded, when
        self._learned: dict[tuple[str, float], int] = {}
        self._version = ""
        self._budget = budget(self._configured, ceiling=self._ceiling, learned={})
        self._acquire = self._client.register_script(ACQUIRE)
        self._release = self._client.register_script(RELEASE)

    def __repr__(self) -> str:
        b = self._budget
        return (
            f"RedisLimiter({self._where()}, key={self._key!r}, "
            f"windows={dict(b.windows)!r}, per_day={b.per_day!r})"
        )

    @property
    def budget(self) -> Budget:
        """The limits in force now (configured, merged with what Keap announced to any
        worker sharing the key prefix)."""
        return self._budget

    @property
    def lease(self) -> float:
        """Seconds a slot stays in flight at most (see :data:`LEASE`)."""
        return self._lease

    def close(self) -> None:
        """Close the connections this limiter opened (a given ``client`` stays open)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
        if self._owned:
            self._client.close()

    def try_acquire(self) -> Slot | float:
        """A slot if a request may go now, else the seconds to wait.

        Raises :class:`~keap_adapter.QuotaExhaustedError` when the daily quota is spent and
        :class:`~keap_adapter.TransportError` when Redis cannot be reached.
        """
        try:
            return self._try()
        except self._errors as error:
            raise TransportError(
                f"the shared limiter is unreachable (Redis at {self._where()}: "
                f"{type(error).__name__}); nothing was sent"
            ) from None

    def release(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """Stamp ``slot``'s request with its arrival time and share what the answer said.

        Never raises: the answer already arrived and must reach the caller. If Redis fails,
        a warning is logged and the slot is left to its lease.
        """
        if not slot.close():
            return
        try:
            self._give_back(slot, headers)
        except Exception as error:  # whatever went wrong, the caller's answer comes first
            self._warn(error)
        finally:
            self._turns.wake()

    async def arelease(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """:meth:`release` on the limiter's threads: the event loop never waits on Redis,
        and a cancelled caller still gives its slot back."""
        future = asyncio.get_running_loop().run_in_executor(
            self._threads(), self.release, slot, headers
        )
        await asyncio.shield(future)

    async def _atry_acquire(self) -> Slot | float:
        future = asyncio.get_running_loop().run_in_executor(self._threads(), self.try_acquire)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # The thread runs on and may take a slot nobody will use: give it back.
            future.add_done_callback(self._abandoned)
            raise

    # -- talking to Redis ---------------------------------------------------------------------

    def _try(self) -> Slot | float:
        for _ in range(3):
            with self._lock:
                version, now_budget = self._version, self._budget
            args = self._args(version, now_budget)
            reply = self._acquire(keys=self._names(ACQUIRE_KEYS), args=args)
            kind = text(reply[0])
            if kind == "ok":
                return Slot(float(reply[2]), text(reply[1]), int(text(reply[1])))
            if kind == "wait":
                return float(reply[1])
            if kind == "quota":
                resets_at = datetime.fromtimestamp(float(reply[1]), tz=timezone.utc)
                raise quota_exhausted(now_budget.per_day, resets_at)
            self._adopt(text(reply[1]), reply[2])
        return POLL  # the learned limits keep changing under us: look again soon

    def _give_back(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        announced = read(headers) if headers is not None else Announced()
        with self._lock:
            version, learned, windows = self._version, self._learned, self._budget.windows
        if any(learned.get(k) != v for k, v in announced.limits.items()):
            # counts to pad are bounded by the windows as this answer will have made them
            merged = budget(self._configured, ceiling=self._ceiling, learned=announced.limits)
            windows = {**windows, **merged.windows}
        args: list[Any] = [slot.member, repr(slot.sent_at), uuid.uuid4().hex, version]
        share = self._worth_sharing(announced.limits)
        args += [*quota_args(announced), self._ttl, *learn_args(announced, windows, share)]
        reply = self._release(keys=self._names(RELEASE_KEYS), args=args)
        if text(reply[0]) != version:
            self._adopt(text(reply[0]), reply[1])

    def _worth_sharing(self, limits: Mapping[tuple[str, float], int]) -> bool:
        """Whether to record ``limits`` in Redis: the same figures (the cached parse) this
        worker recorded less than :data:`SHARE_EVERY` seconds ago would change nothing."""
        now = time.monotonic()
        if limits is self._shared[0] and now - self._shared[1] < SHARE_EVERY:
            return False
        self._shared = (limits, now)
        return True

    def _abandoned(self, future: asyncio.Future[Slot | float]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        got = future.result()
        if isinstance(got, Slot):
            # (after the interpreter began shutting down there are no threads: the lease frees it)
            with contextlib.suppress(RuntimeError):
                self._threads().submit(self.release, got, None)

    def _threads(self) -> ThreadPoolExecutor:
        # Our own pool: waiting on Redis never starves the loop's default executor.
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="keap-redis")
        return self._pool

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        level = logging.WARNING if now - self._warned_at >= WARN_EVERY else logging.DEBUG
        if level == logging.WARNING:
            self._warned_at = now
        logger.log(
            level,
            "could not give a slot back to the shared limiter (Redis at %s: %s); "
            "it stays counted until its lease of %.0f s ends",
            self._where(),
            type(error).__name__,
            self._lease,
        )

    def _where(self) -> str:
        return repr(self._url) if self._url is not None else "client=..."

    # -- script arguments -------------------------------------------------------------------

    def _names(self, names: Sequence[str]) -> list[str]:
        return [self._keys[name] for name in names]

    def _args(self, version: str, b: Budget) -> list[Any]:
        horizon = max(b.windows, default=0.0)
        args: list[Any] = [version, self._lease, POLL, b.per_day or "", horizon, self._ttl]
        for length, limit in b.windows.items():
            args += [length, limit]
        return args

    # -- learned limits -----------------------------------------------------------------------

    def _adopt(self, version: str, flat: Sequence[Any]) -> None:
        """Take the limits learned by every worker (the ``learned`` hash at ``version``)."""
        learned = learned_from(flat)
        with self._lock:
            self._learned, self._version = learned, version
            self._budget = budget(self._configured, ceiling=self._ceiling, learned=learned)
