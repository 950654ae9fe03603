"""What :class:`~keap_adapter.pacing.RedisLimiter` sends to Redis and reads back: the
client made from a URL (whose password is never shown), the scripts' arguments, their
replies (bytes or str, as the client decodes them or not)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._exceptions import ConfigurationError
from ._headers import Announced

__all__ = [
    "connect",
    "lease_seconds",
    "learn_args",
    "learned_from",
    "quota_args",
    "redis_module",
    "shown",
    "text",
]


def redis_module() -> Any:
    """The ``redis`` package, or a ConfigurationError saying how to install it."""
    try:
        return importlib.import_module("redis")
    except ImportError:
        raise ConfigurationError(
            "RedisLimiter needs the redis package: pip install keap-adapter[redis]"
        ) from None


def connect(module: Any, url: object) -> Any:
    """A client for ``url`` (connecting lazily, on the first command)."""
    if not isinstance(url, str):
        raise ConfigurationError(f"url must be a str, not {type(url).__name__}")
    try:
        return module.Redis.from_url(url, decode_responses=True)
    except ValueError as error:  # an unknown scheme, a bad port: name the URL, not its password
        raise ConfigurationError(f"not a Redis URL: {shown(url)}") from error


def shown(url: str) -> str:
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


def lease_seconds(lease: object) -> float:
    """``lease`` as seconds: finite, at least one (a shorter lease frees slots still in
    flight)."""
    if isinstance(lease, bool) or not isinstance(lease, (int, float)):
        raise ConfigurationError(f"lease must be seconds (a number), not {lease!r}")
    if not math.isfinite(lease) or lease < 1:
        raise ConfigurationError(f"lease must be finite seconds, at least 1, not {lease!r}")
    return float(lease)


def text(value: Any) -> str:
    """A reply element as str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def learned_from(flat: Sequence[Any]) -> dict[tuple[str, float], int]:
    """Learned limits from the ``learned`` hash's HGETALL reply (field, value, ...)."""
    found: dict[tuple[str, float], int] = {}
    for raw_field, raw_limit in zip(flat[::2], flat[1::2], strict=True):
        scope, _, length = text(raw_field).rpartition("|")
        if scope and scope[0] not in "_~":
            found[(scope, float(length))] = int(text(raw_limit))
    return found


def quota_args(announced: Announced) -> list[Any]:
    """What is left of the day and when it resets, as announced (Redis checks the reset
    against its own clock)."""
    left = announced.day_left
    if left is None:
        return ["", ""]
    reset = announced.resets_at
    return [left, reset.timestamp() if reset is not None else ""]


def learn_args(announced: Announced, windows: Mapping[float, int], share: bool) -> list[Any]:
    """The announced limits to share (if ``share``), then the counts to pad (each at most
    its window's limit)."""
    shared = announced.limits if share else {}
    args: list[Any] = [len(shared)]
    for (scope, length), limit in shared.items():
        args += [f"{scope}|{length!r}", limit]
    for (scope, length), left in announced.available.items():
        most = windows.get(length)
        if most is not None:
            args += [length, min(announced.limits.get((scope, length), most) - left, most)]
    return args
