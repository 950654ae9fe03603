"""Token stores: what they keep, how they write it, and their lock, on a file and in Redis."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import pytest

import keap_adapter as ka
from keap_adapter.auth import FileTokenStore, Tokens, TokenStore

T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)
TOKENS = Tokens("AT-0123456789abcdef", "RT-0123456789abcdef", T0 + timedelta(days=1), T0)


@pytest.fixture(params=["file", "redis"])
def make_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], TokenStore]]:
    if request.param == "file":
        yield lambda: FileTokenStore(tmp_path / "tokens.json")
        return
    from keap_adapter.auth import RedisTokenStore

    url = request.getfixturevalue("redis_url")
    key = f"test:{request.node.name}:{time.monotonic_ns()}"
    yield lambda: RedisTokenStore(url, key=key)


def test_tokens_hide_their_values_and_check_their_times() -> None:
    assert "AT-" not in repr(TOKENS) and "RT-" not in repr(TOKENS)
    with pytest.raises(ka.ConfigurationError, match="aware"):
        Tokens("a" * 10, "b" * 10, datetime(2026, 1, 1), T0)
    with pytest.raises(ka.ConfigurationError, match="access token") as caught:
        Tokens("bad token\n", "b" * 10, T0, T0)
    assert "bad token" not in str(caught.value)


def test_a_store_gives_back_what_it_saved(make_store: Callable[[], TokenStore]) -> None:
    store = make_store()
    assert store.load() is None
    store.save(TOKENS)
    assert make_store().load() == TOKENS
    newer = Tokens("AT-new-456789abcdef", "RT-new-456789abcdef", T0, T0)
    store.save(newer)
    assert make_store().load() == newer
    assert "RT-" not in repr(store)


def test_the_lock_is_exclusive(make_store: Callable[[], TokenStore]) -> None:
    held, overlaps = [0], [0]

    def hold() -> None:
        with make_store().lock():
            held[0] += 1
            overlaps[0] = max(overlaps[0], held[0])
            time.sleep(0.01)
            held[0] -= 1

    threads = [threading.Thread(target=hold) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps[0] == 1


def test_the_file_is_private_and_replaced_whole(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "deep" / "tokens.json")
    store.save(TOKENS)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert json.loads(store.path.read_text())["issued_at"] == T0.isoformat()
    full = OSError("disk full")
    with mock.patch("json.dump", side_effect=full), pytest.raises(OSError, match="disk full"):
        store.save(Tokens("AT-other-6789abcdef", "RT-other-6789abcdef", T0, T0))
    assert store.load() == TOKENS  # the old tokens, whole
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["tokens.json"]


def test_a_file_that_is_not_tokens_is_a_configuration_error_quoting_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    path.write_text('{"access_token": "AT-secret-in-file", "refresh_token": 5}')
    with pytest.raises(ka.ConfigurationError, match="refresh_token") as caught:
        store.load()
    assert "AT-secret" not in str(caught.value)
    path.write_text("not json AT-secret-in-file")
    with pytest.raises(ka.ConfigurationError, match="not JSON") as caught:
        store.load()
    assert "AT-secret" not in str(caught.value)


def test_a_lock_held_too_long_is_a_typed_error(tmp_path: Path) -> None:
    holder = FileTokenStore(tmp_path / "t.json")
    waiter = FileTokenStore(tmp_path / "t.json", lock_timeout=0.2)
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with holder.lock():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    entered.wait(5)
    try:
        with pytest.raises(ka.TransportError, match="locked"), waiter.lock():
            pass
    finally:
        release.set()
        thread.join()


def test_a_redis_store_that_cannot_be_reached_is_a_transport_error() -> None:
    from keap_adapter.auth import RedisTokenStore

    store = RedisTokenStore("redis://:hunter2-secret@127.0.0.1:1/0")
    assert "hunter2" not in repr(store)
    with pytest.raises(ka.TransportError) as caught:
        store.load()
    assert "hunter2" not in str(caught.value)
