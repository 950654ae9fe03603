"""Pacing: keep a key's requests under Keap's limits, in one process or across many.

Every client is paced by default (Keap's documented PAT/SAK limits, replaced by the limits
Keap's answers announce); ``limits=`` sets a ceiling, ``limits=None`` turns pacing off, and
``limiter=`` shares one limiter between clients, or between processes and machines with
:class:`RedisLimiter` (the ``redis`` extra). A limiter made with ``limits=None`` (its
default) starts from the documented limits and gives way to announced ones; given any
:class:`Limits`, it never exceeds them::

    from keap_adapter.pacing import Limits, RedisLimiter

    client = ka.KeapClient("rest", key, limits=Limits(per_second=25, per_minute=1500))
    client = ka.KeapClient("rest", key, limiter=RedisLimiter("redis://127.0.0.1:6379/0"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._exceptions import QuotaExhaustedError
from ._base import BaseLimiter, Slot
from ._headers import Announced, read
from ._limits import DOCUMENTED, Budget, Limits
from ._memory import Limiter

if TYPE_CHECKING:
    from ._redis import RedisLimiter

__all__ = [
    "DOCUMENTED",
    "Announced",
    "BaseLimiter",
    "Budget",
    "Limiter",
    "Limits",
    "QuotaExhaustedError",
    "RedisLimiter",
    "Slot",
    "read",
]


def __getattr__(name: str) -> Any:
    # Only RedisLimiter's users need the ``redis`` package.
    if name == "RedisLimiter":
        from ._redis import RedisLimiter  # noqa: PLC0415

        return RedisLimiter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
