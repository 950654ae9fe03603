"""Four processes racing on one store: all succeed, and Keap sees exactly one refresh.

Keap kills a refresh token the moment it is used (Keap's OAuth2 guide), so a second
process refreshing with the same one would lock the app out. Each process here is spawned
fresh (nothing shared but the store) and calls a served fake at the same moment, with an
access token that has expired.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from keap_adapter.auth import FileTokenStore, Tokens
from keap_adapter.testing import FakeKeap

from .race_worker import work

WORKERS = 4


@pytest.fixture
def served() -> Iterator[tuple[FakeKeap, str]]:
    fake = FakeKeap()
    with fake.serve() as server:
        yield fake, server.url


def _expired(fake: FakeKeap) -> Tokens:
    granted = fake.oauth.grant()
    now = datetime.now(timezone.utc)
    return Tokens(str(granted["access_token"]), str(granted["refresh_token"]),
                  now - timedelta(minutes=1), now - timedelta(days=1))  # fmt: skip


def _race(url: str, kind: str, where: str) -> list[tuple[str, object]]:
    context = multiprocessing.get_context("spawn")
    gate, queue = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=work, args=(url, kind, where, gate, queue)) for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return results


def test_four_processes_on_one_token_file_refresh_once(
    served: tuple[FakeKeap, str], tmp_path: Path
) -> None:
    fake, url = served
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save(_expired(fake))
    results = _race(url, "file", str(path))
    assert results == [("ok", 0)] * WORKERS
    assert fake.oauth.refreshes == 1
    assert fake.oauth.refused == 0
    saved = FileTokenStore(path).load()
    assert saved is not None and fake.oauth.accepts(saved.access_token)


def test_four_processes_on_one_redis_store_refresh_once(
    served: tuple[FakeKeap, str], redis_url: str
) -> None:
    from keap_adapter.auth import RedisTokenStore

    fake, url = served
    key = f"race:{datetime.now(timezone.utc).timestamp()}"
    RedisTokenStore(redis_url, key=key).save(_expired(fake))
    results = _race(url, "redis", f"{redis_url}|{key}")
    assert results == [("ok", 0)] * WORKERS
    assert fake.oauth.refreshes == 1
    assert fake.oauth.refused == 0
