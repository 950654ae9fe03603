"""The OAuth2 tests' fixtures; ``redis_url`` starts a redis-server of this session's own."""

from __future__ import annotations

from tests.pacing.redis_server import redis_url

__all__ = ["redis_url"]  # the fixture, re-exported so pytest finds it here
