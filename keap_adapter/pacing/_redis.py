"""A limiter kept in Redis, shared by every process and machine sending with one Keap key.

Each decision is one Lua script, run atomically by Redis (EVALSHA, see "Scripting with Lua"
on redis.io): acquiring checks every sliding window and the daily quota and either takes a
slot or answers the wait; releasing stamps the request with its arrival time and records
what the answer announced. Time is Redis's own (the ``TIME`` command), so machines whose
clocks disagree still count alike (a script may read the clock before writing since Redis 5,
which replicates a script's effects rather than the script: Redis 5 or later is needed).

Keys, all under ``{key}:`` (the braces are a Redis Cluster hash tag, so one script's keys
share a slot): ``stamps`` (sorted set: answered requests by arrival time), ``flight``
(sorted set: requests in flight by the end of their lease), ``day`` (hash: UTC day number
and requests counted that day), ``quota`` (hash: what Keap said is left today and when it
resets), ``learned`` (hash: ``scope|seconds`` -> limit announced by Keap, and ``_v``, a
token changed on every change) and ``seq`` (counter naming the members). The API key is
never stored.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._exceptions import ConfigurationError
from ._base import POLL, BaseLimiter, Slot, quota_exhausted
from ._headers import Announced, read
from ._limits import DOCUMENTED, LONGEST_WINDOW, Budget, Limits, budget

if TYPE_CHECKING:
    import redis

__all__ = ["LEASE", "RedisLimiter"]

LEASE = 60.0
"""Seconds a request may stay in flight before its slot is taken to be answered at the
lease's end: a process that died mid-request must not hold its slot for ever. Keep it above
the clients' ``timeout``."""


# Shared by both scripts: Redis's clock, and scores written with microsecond precision.
_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function f(x) return string.format('%.6f', x) end
"""

# KEYS: stamps, flight, day, quota, learned, seq.
# ARGV: learned version, lease, poll, per_day or '', trim horizon, idle ttl, then
# (length, limit) pairs.
_ACQUIRE = (
    _PRELUDE
    + """
local version = redis.call('HGET', KEYS[5], '_v') or ''
if version ~= ARGV[1] then
  return {'stale', version, redis.call('HGETALL', KEYS[5])}
end
local lease, poll, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[6])
-- a lease that ran out: the answer never came back, count it as answered then
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', f(now), 'WITHSCORES')
for i = 1, #expired, 2 do
  redis.call('ZADD', KEYS[1], expired[i + 1], expired[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', f(now))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. f(now - tonumber(ARGV[5])))
local day = math.floor(now / 86400)
local midnight = (day + 1) * 86400
if tonumber(redis.call('HGET', KEYS[3], 'day')) ~= day then
  redis.call('HSET', KEYS[3], 'day', day, 'count', 0)
  redis.call('EXPIREAT', KEYS[3], midnight + 86400)
end
local reset = tonumber(redis.call('HGET', KEYS[4], 'reset'))
if reset and now >= reset then
  redis.call('DEL', KEYS[4])
  reset = nil
end
local per_day = tonumber(ARGV[4])
if per_day and tonumber(redis.call('HGET', KEYS[3], 'count')) >= per_day then
  return {'quota', f(midnight)}
end
local left = tonumber(redis.call('HGET', KEYS[4], 'left'))
if left and left <= 0 then
  return {'quota', f(reset or midnight)}
end
local flying = redis.call('ZCARD', KEYS[2])
local wait = 0
for i = 7, #ARGV, 2 do
  local length, limit = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local since = '(' .. f(now - length)
  local done = redis.call('ZCOUNT', KEYS[1], since, '+inf')
  local excess = flying + done - limit + 1
  if excess > done then
    -- only answers still in flight can free a place
    wait = math.max(wait, poll)
  elseif excess > 0 then
    local s = redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf',
                         'WITHSCORES', 'LIMIT', excess - 1, 1)
    wait = math.max(wait, tonumber(s[2]) + length - now, poll)
  end
end
if wait > 0 then
  return {'wait', f(wait)}
end
local member = tostring(redis.call('INCR', KEYS[6]))
redis.call('ZADD', KEYS[2], f(now + lease), member)
redis.call('HINCRBY', KEYS[3], 'count', 1)
if left then
  redis.call('HINCRBY', KEYS[4], 'left', -1)
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[6], ttl)
return {'ok', member, f(now)}
"""
)

# KEYS: stamps, flight, quota, learned, seq.
# ARGV: member, new learned version, day left or '', reset or '', idle ttl, learned count n,
# then n (field, limit) pairs, then (length, used) pairs to pad.
_RELEASE = (
    _PRELUDE
    + """
local member = ARGV[1]
if redis.call('ZREM', KEYS[2], member) == 1 then
  redis.call('ZADD', KEYS[1], f(now), member)
else
  -- its lease ran out first: it was counted as answered then; it arrived later, now
  local score = tonumber(redis.call('ZSCORE', KEYS[1], member))
  if score and score < now then
    redis.call('ZADD', KEYS[1], f(now), member)
  end
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
local n = tonumber(ARGV[6])
local changed = false
for i = 7, 6 + 2 * n, 2 do
  if redis.call('HGET', KEYS[4], ARGV[i]) ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
    changed = true
  end
end
if changed then
  redis.call('HSET', KEYS[4], '_v', ARGV[2])
end
if n > 0 then
  -- a plan changes rarely; a day after the last answer announcing it, it is relearned
  redis.call('EXPIRE', KEYS[4], 86400)
end
if ARGV[3] ~= '' then
  local reset = tonumber(ARGV[4]) or (math.floor(now / 86400) + 1) * 86400
  redis.call('HSET', KEYS[3], 'left', ARGV[3], 'reset', f(reset))
  redis.call('EXPIREAT', KEYS[3], math.ceil(reset) + 1)
end
-- requests Keap saw that no worker counted (senders not sharing this limiter)
local flying = redis.call('ZCOUNT', KEYS[2], '(' .. f(now), '+inf')
for i = 7 + 2 * n, #ARGV, 2 do
  local length, used = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local done = redis.call('ZCOUNT', KEYS[1], '(' .. f(now - length), '+inf')
  for _ = 1, used - done - flying do
    redis.call('ZADD', KEYS[1], f(now), 'p' .. redis.call('INCR', KEYS[5]))
  end
end
return 1
"""
)


def _redis() -> Any:
    try:
        return importlib.import_module("redis")
    except ImportError:
        raise ConfigurationError(
            "RedisLimiter needs the redis package: pip install keap-adapter[redis]"
        ) from None


def _connect(url: str | None) -> Any:
    """A client for ``url`` (connecting lazily, on the first command)."""
    module = _redis()
    try:
        return module.Redis.from_url(url, decode_responses=True)
    except ValueError as error:  # an unknown scheme, a bad port: name the URL, not its password
        raise ConfigurationError(f"not a Redis URL: {_shown(str(url))}") from error


def _shown(url: str) -> str:
    """``url`` without its password (in the user part or a ``password=`` parameter)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: show nothing that might be secret
        return "<unreadable URL>"
    netloc = parts.netloc
    if parts.password is not None:
        user, host = netloc.rpartition("@")[::2]
        netloc = f"{user.partition(':')[0]}:***@{host}"
    query = [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="*")))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _field(scope: str, length: float) -> str:
    return f"{scope}|{length!r}"


def _learned(flat: Sequence[Any]) -> dict[tuple[str, float], int]:
    """Learned limits from the ``learned`` hash's HGETALL reply (field, value, ...)."""
    found: dict[tuple[str, float], int] = {}
    for raw_field, raw_limit in zip(flat[::2], flat[1::2], strict=True):
        scope, _, length = _text(raw_field).rpartition("|")
        if scope:
            found[(scope, float(length))] = int(_text(raw_limit))
    return found


class RedisLimiter(BaseLimiter):
    """The :class:`~keap_adapter.pacing.Limiter`'s semantics, kept in Redis, so that every
    process and machine sending with one Keap key shares the key's limits.

    ``url`` names the Redis server (``redis://host:6379/0``); or give ``client``, a
    ``redis.Redis``. ``limits`` is a ceiling as for :class:`Limiter`. ``key`` prefixes the
    Redis keys: give each Keap key (not the API key itself) a prefix of its own. Limits
    learned from Keap's answers are shared: a worker that starts late uses them at once.
    A request in flight longer than ``lease`` seconds is counted as answered then.
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
        if not lease > 0:
            raise ConfigurationError(f"lease must be positive seconds, not {lease!r}")
        if client is None and url is None:
            raise ConfigurationError("RedisLimiter needs a url or a client")
        self._url = _shown(url) if url is not None else None
        self._owned = client is None
        self._client = client if client is not None else _connect(url)
        self._key = key
        self._keys = {name: f"{{{key}}}:{name}" for name in _NAMES}
        self._lease = float(lease)
        # Idle keys outlive every window and lease, then Redis drops them by itself.
        self._ttl = int(LONGEST_WINDOW + self._lease) * 2
        self._configured = limits or DOCUMENTED
        self._ceiling = limits is not None and limits is not DOCUMENTED
        self._lock = threading.Lock()
        self._learned: dict[tuple[str, float], int] = {}
        self._version = ""
        self._budget = budget(self._configured, ceiling=self._ceiling, learned={})
        self._acquire = self._client.register_script(_ACQUIRE)
        self._release = self._client.register_script(_RELEASE)

    def __repr__(self) -> str:
        b = self._budget
        where = repr(self._url) if self._url is not None else "client=..."
        return (
            f"RedisLimiter({where}, key={self._key!r}, "
            f"windows={dict(b.windows)!r}, per_day={b.per_day!r})"
        )

    @property
    def budget(self) -> Budget:
        """The limits in force now (configured, merged with what Keap announced to any
        worker sharing the key prefix)."""
        return self._budget

    def close(self) -> None:
        """Close the connections this limiter opened (a given ``client`` stays open)."""
        if self._owned:
            self._client.close()

    def try_acquire(self) -> Slot | float:
        """A slot if a request may go now, else the seconds to wait.

        Raises :class:`~keap_adapter.QuotaExhaustedError` when the daily quota is spent.
        """
        for _ in range(3):
            with self._lock:
                version, now_budget = self._version, self._budget
            args = self._args(version, now_budget)
            reply = self._acquire(keys=self._names(_ACQUIRE_KEYS), args=args)
            kind = _text(reply[0])
            if kind == "ok":
                return Slot(float(reply[2]), _text(reply[1]))
            if kind == "wait":
                return float(reply[1])
            if kind == "quota":
                resets_at = datetime.fromtimestamp(float(reply[1]), tz=timezone.utc)
                raise quota_exhausted(now_budget.per_day, resets_at)
            self._adopt(_text(reply[1]), reply[2])
        return POLL  # the learned limits keep changing under us: look again soon

    def release(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """Stamp ``slot``'s request with its arrival time and share what the answer said."""
        if not slot.close():
            return
        announced = read(headers) if headers is not None else Announced()
        args = [slot.member, uuid.uuid4().hex, *self._quota_args(announced), self._ttl]
        args += self._learn_args(announced)
        self._release(keys=self._names(_RELEASE_KEYS), args=args)

    async def arelease(self, slot: Slot, headers: Iterable[tuple[str, str]] | None) -> None:
        """:meth:`release` on a worker thread: the event loop never waits on Redis."""
        await asyncio.to_thread(self.release, slot, headers)

    async def _atry_acquire(self) -> Slot | float:
        return await asyncio.to_thread(self.try_acquire)

    # -- script arguments -------------------------------------------------------------------

    def _names(self, names: Sequence[str]) -> list[str]:
        return [self._keys[name] for name in names]

    def _args(self, version: str, b: Budget) -> list[Any]:
        horizon = max(b.windows, default=0.0)
        args: list[Any] = [version, self._lease, POLL, b.per_day or "", horizon, self._ttl]
        for length, limit in b.windows.items():
            args += [length, limit]
        return args

    @staticmethod
    def _quota_args(announced: Announced) -> list[Any]:
        left = announced.day_left
        if left is None:
            return ["", ""]
        reset = announced.resets_at
        return [left, reset.timestamp() if reset is not None else ""]

    def _learn_args(self, announced: Announced) -> list[Any]:
        """The learned limits to share and the counts to pad, learning them here too."""
        pairs = [[_field(*k), v] for k, v in announced.limits.items()]
        with self._lock:
            if any(self._learned.get(k) != v for k, v in announced.limits.items()):
                self._learned.update(announced.limits)
                self._budget = self._merged()
            windows = self._budget.windows
        args: list[Any] = [len(pairs), *(x for pair in pairs for x in pair)]
        for (scope, length), left in announced.available.items():
            limit = windows.get(length)
            if limit is not None:
                used = announced.limits.get((scope, length), limit) - left
                args += [length, min(used, limit)]
        return args

    # -- learned limits -----------------------------------------------------------------------

    def _adopt(self, version: str, flat: Sequence[Any]) -> None:
        """Take the limits learned by every worker (the ``learned`` hash at ``version``)."""
        learned = _learned(flat)
        with self._lock:
            self._learned, self._version = learned, version
            self._budget = self._merged()

    def _merged(self) -> Budget:
        return budget(self._configured, ceiling=self._ceiling, learned=self._learned)


_NAMES = ("stamps", "flight", "day", "quota", "learned", "seq")
_ACQUIRE_KEYS = ("stamps", "flight", "day", "quota", "learned", "seq")
_RELEASE_KEYS = ("stamps", "flight", "quota", "learned", "seq")
