"""``RedisTokenStore``: one app's tokens in Redis, for workers on several machines.

The tokens are one JSON string under ``key`` (``SET`` replaces it atomically); the refresh
lock is ``<key>:lock``, taken with ``SET NX PX`` and released only by its holder (a Lua
compare-and-delete, the single-instance lock of redis.io/docs/latest/develop/use/patterns/
distributed-locks). Its lease ends a lock whose holder died, so a crashed worker cannot stop
the others refreshing for longer than ``lease`` seconds.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

from .._exceptions import ConfigurationError, TransportError
from ._tokens import Tokens

__all__ = ["RedisTokenStore"]

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_POLL = 0.02


class RedisTokenStore:
    """Tokens under ``key`` in the Redis at ``url`` (needs the ``redis`` extra).

    ``lease``: seconds a refresh may hold the lock before others may take it (longer than a
    refresh may take, 3 x the OAuth2 ``timeout``: OAuth2 checks). ``lock_timeout``: seconds
    to wait for the lock.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        key: str = "keap-adapter:oauth:tokens",
        lease: float = 300.0,
        lock_timeout: float = 360.0,
    ) -> None:
        try:
            import redis  # noqa: PLC0415 - the optional extra
        except ImportError as exc:
            raise ConfigurationError(
                "RedisTokenStore needs the redis extra: pip install 'keap-adapter[redis]'"
            ) from exc
        self.key, self.lease, self.lock_timeout = key, lease, lock_timeout
        self._redis: Any = redis.Redis.from_url(url)
        self._url_shown = _without_password(url)

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._url_shown!r}, key={self.key!r})"

    def load(self) -> Tokens | None:
        """The stored tokens, or ``None``."""
        raw = self._do(self._redis.get, self.key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            raise ConfigurationError(f"Redis key {self.key} does not hold JSON") from None
        return Tokens.from_json(data)

    def save(self, tokens: Tokens) -> None:
        """Replace the stored tokens (one ``SET``: atomic)."""
        self._do(self._redis.set, self.key, json.dumps(tokens.to_json()))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """The refresh lock, across every worker using this key."""
        name, mine = f"{self.key}:lock", secrets.token_hex(16)
        deadline = time.monotonic() + self.lock_timeout
        lease_ms = int(self.lease * 1000)
        while not self._do(self._redis.set, name, mine, nx=True, px=lease_ms):
            if time.monotonic() > deadline:
                raise TransportError(
                    f"the Redis token lock {name} stayed taken; try again",
                    operation="oauth.refresh",
                )
            time.sleep(_POLL)
        try:
            yield
        finally:
            self._do(self._redis.eval, _RELEASE, 1, name, mine)

    def _do(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        import redis  # noqa: PLC0415

        try:
            return command(*args, **kwargs)
        except redis.RedisError as exc:
            raise TransportError(
                f"the Redis token store failed ({type(exc).__name__})", operation="oauth"
            ) from None


def _without_password(url: str) -> str:
    # redis://user:password@host: the password stays out of the repr.
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}"
