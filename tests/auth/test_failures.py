"""When refreshing goes wrong: a store that cannot save, a refusal many callers wait on, a
token file behind a symbolic link, a lock lease shorter than a refresh."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import httpx
import pytest

import keap_adapter as ka
from keap_adapter.auth import FileTokenStore, OAuth2, Tokens
from keap_adapter.testing import FakeKeap

T0 = datetime(2026, 7, 1, tzinfo=timezone.utc)


@pytest.fixture
def keap() -> FakeKeap:
    fake = FakeKeap()
    fake.now = lambda: T0
    return fake


def expired(keap: FakeKeap) -> Tokens:
    granted = keap.oauth.grant()
    return Tokens(str(granted["access_token"]), str(granted["refresh_token"]),
                  T0 - timedelta(minutes=1), T0 - timedelta(days=1))  # fmt: skip


def app(keap: FakeKeap, path: Path, transport: httpx.BaseTransport | None = None) -> OAuth2:
    return OAuth2(keap.oauth.client_id, keap.oauth.client_secret, store=FileTokenStore(path),
                  clock=lambda: T0, transport=transport or keap.transport)  # fmt: skip


def test_tokens_the_store_cannot_save_are_kept_and_saved_on_the_next_call(
    keap: FakeKeap, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "t.json"
    FileTokenStore(path).save(expired(keap))
    oauth = app(keap, path)
    client = ka.KeapClient("rest", auth=oauth, transport=keap.transport)
    full = OSError(28, "No space left on device")
    with mock.patch.object(FileTokenStore, "save", side_effect=full):
        assert list(client.tags.list()) == []  # the call goes on, on the new tokens
        assert list(client.tags.list()) == []  # and the next one: no second refresh
    assert keap.oauth.refreshes == 1
    assert "could not be saved" in caplog.text and "No space left" in caplog.text
    list(client.tags.list())  # the disk has room again: saved now
    saved = FileTokenStore(path).load()
    assert saved is not None and keap.oauth.accepts(saved.access_token)
    assert keap.oauth.refreshes == 1


def test_an_explicit_refresh_the_store_cannot_save_says_so(keap: FakeKeap, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    FileTokenStore(path).save(expired(keap))
    oauth = app(keap, path)
    with mock.patch.object(FileTokenStore, "save", side_effect=OSError(30, "Read-only")):
        with pytest.raises(ka.ConfigurationError, match=r"could not be saved.*Read-only"):
            oauth.refresh()
        assert oauth.access_token()  # kept in memory: this process goes on
    assert keap.oauth.refreshes == 1


class Refusing(httpx.BaseTransport):
    """A token endpoint that answers 500 after a moment, counting requests."""

    def __init__(self) -> None:
        self.count = 0
        self.guard = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.guard:
            self.count += 1
        threading.Event().wait(0.3)  # long enough for every caller to queue
        return httpx.Response(500, json={"error": "server_error"})


def test_threads_queued_behind_a_failed_refresh_get_its_error(
    keap: FakeKeap, tmp_path: Path
) -> None:
    path = tmp_path / "t.json"
    FileTokenStore(path).save(expired(keap))
    endpoint = Refusing()
    oauth = app(keap, path, endpoint)
    barrier = threading.Barrier(16)

    def call(_: int) -> str:
        barrier.wait()
        try:
            return oauth.access_token()
        except ka.KeapError as error:
            return type(error).__name__

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(call, range(16)))
    assert outcomes == ["ServerError"] * 16
    assert endpoint.count == 1


def test_tasks_queued_behind_a_failed_refresh_get_its_error(keap: FakeKeap, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    FileTokenStore(path).save(expired(keap))
    endpoint = Refusing()
    oauth = app(keap, path, endpoint)

    async def main() -> list[BaseException | str]:
        return await asyncio.gather(
            *(oauth.aaccess_token() for _ in range(40)), return_exceptions=True
        )

    outcomes = asyncio.run(main())
    assert {type(o).__name__ for o in outcomes} == {"ServerError"}
    assert endpoint.count == 1


def test_a_token_file_behind_a_link_is_replaced_where_the_link_points(
    keap: FakeKeap, tmp_path: Path
) -> None:
    real = tmp_path / "shared" / "tokens.json"
    real.parent.mkdir()
    FileTokenStore(real).save(expired(keap))
    link = tmp_path / "tokens.json"
    link.symlink_to(real)
    app(keap, link).refresh()
    assert link.is_symlink()
    fresh = FileTokenStore(real).load()
    assert fresh is not None and keap.oauth.accepts(fresh.access_token)
    assert not (tmp_path / "tokens.json.lock").exists()  # locked where the file is


def test_a_lock_lease_shorter_than_a_refresh_is_refused(tmp_path: Path) -> None:
    class Leased(FileTokenStore):
        lease = 60.0

    with pytest.raises(ka.ConfigurationError, match="lease"):
        OAuth2("id", "secret", store=Leased(tmp_path / "t.json"), timeout=30)
    OAuth2("id", "secret", store=Leased(tmp_path / "t.json"), timeout=10)


def test_a_failed_save_is_logged_without_secrets(
    keap: FakeKeap, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "t.json"
    FileTokenStore(path).save(expired(keap))
    oauth = app(keap, path)
    with mock.patch.object(FileTokenStore, "save", side_effect=OSError(28, "full")):
        oauth.access_token()
    assert [s for s in oauth.secrets() if s in caplog.text] == []


def test_the_secrets_to_redact_stay_few_and_hold_the_current_tokens(
    keap: FakeKeap, tmp_path: Path
) -> None:
    path = tmp_path / "t.json"
    FileTokenStore(path).save(expired(keap))
    oauth = app(keap, path)
    for _ in range(12):  # a year of monthly refreshes in one process
        oauth.refresh()
    current = FileTokenStore(path).load()
    assert current is not None
    secrets = oauth.secrets()
    assert len(secrets) <= 9
    assert {keap.oauth.client_secret, current.access_token, current.refresh_token} <= set(secrets)
