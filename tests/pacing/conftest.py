"""Fixtures of the pacing tests: a redis-server of the session's own, key prefixes of each
test's own, and limiters of both kinds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from keap_adapter.pacing import Limiter, Limits, RedisLimiter

from .redis_server import redis_url

__all__ = ["redis_url"]  # the fixture, re-exported so pytest finds it here

Make = Callable[..., "Limiter | RedisLimiter"]


@pytest.fixture
def prefix() -> str:
    """A key prefix of the test's own: tests share one server, never their counts."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def shared(redis_url: str, prefix: str) -> Make:
    """Workers on the test's key prefix, as separate processes would make them."""

    def make(limits: Limits | None = None, **options: Any) -> RedisLimiter:
        return RedisLimiter(redis_url, limits, key=prefix, **options)

    return make


@pytest.fixture(params=["memory", "redis"])
def make(request: pytest.FixtureRequest) -> Make:
    """Each semantics test runs on the in-process limiter and on RedisLimiter."""
    if request.param == "memory":
        return lambda limits=None: Limiter(limits)
    made: Make = request.getfixturevalue("shared")
    return made
