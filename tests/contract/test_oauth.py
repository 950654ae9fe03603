"""OAuth2 on both backends: lazy refresh, 401 then refresh, 30-day rollover, single flight.

Every test runs against the fake's token endpoint (Keap's rules: 24-hour access tokens,
single-use refresh tokens that live 45 days) on a clock the test moves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.auth import FileTokenStore, OAuth2, Tokens
from keap_adapter.testing import FakeKeap

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
REDIRECT = "http://127.0.0.1:8765/callback"


class Clock:
    """The one clock of the fake and the app: tests move it."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keap(clock: Clock) -> FakeKeap:
    fake = FakeKeap()
    fake.now = clock
    return fake


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    return tmp_path / "tokens.json"


@pytest.fixture
def make_oauth(keap: FakeKeap, clock: Clock, token_file: Path) -> Callable[[], OAuth2]:
    def make() -> OAuth2:
        return OAuth2(
            keap.oauth.client_id,
            keap.oauth.client_secret,
            store=FileTokenStore(token_file),
            redirect_uri=REDIRECT,
            clock=clock,
            transport=keap.transport,
        )

    return make


@pytest.fixture
def oauth(make_oauth: Callable[[], OAuth2], keap: FakeKeap) -> OAuth2:
    """An app authorised through the consent step, as a user would."""
    app = make_oauth()
    redirected = httpx.URL(keap.oauth.authorize(REDIRECT, state="s"))
    app.exchange_code(redirected.params["code"])
    return app


@pytest.fixture
def client(backend: BackendName, oauth: OAuth2, keap: FakeKeap) -> Iterator[ka.KeapClient]:
    with ka.KeapClient(backend, auth=oauth, transport=keap.transport) as c:
        yield c


def _bearers(keap: FakeKeap) -> list[str]:
    return [r.headers.get("authorization", "") for r in keap.requests if _is_api(r)]


def _is_api(request: httpx.Request) -> bool:
    return "/crm/" in request.url.path


def test_requests_carry_the_access_token_as_bearer_and_no_key(
    client: ka.KeapClient, keap: FakeKeap, oauth: OAuth2
) -> None:
    created = client.contacts.create(ka.NewContact(email="ada@example.com"))
    assert client.contacts.get(created.id).email == "ada@example.com"
    tokens = oauth.tokens()
    assert tokens is not None
    assert set(_bearers(keap)) == {f"Bearer {tokens.access_token}"}
    assert not any("x-keap-api-key" in r.headers for r in keap.requests)
    assert keap.oauth.refreshes == 0


def test_an_access_token_near_expiry_is_refreshed_first(
    client: ka.KeapClient, keap: FakeKeap, clock: Clock, oauth: OAuth2
) -> None:
    list(client.tags.list())
    clock.advance(hours=23, minutes=57)  # within the 5-minute margin of the 24 hours
    list(client.tags.list())
    assert keap.oauth.refreshes == 1
    assert keap.oauth.refused == 0  # never sent a token Keap would refuse
    clock.advance(hours=1)
    list(client.tags.list())
    assert keap.oauth.refreshes == 1  # the new token is good for 24 hours


class Seen(httpx.BaseTransport):
    """The fake, noting each request's Authorization header as it was sent (a retry sends
    the same request object again, with the header changed)."""

    def __init__(self, keap: FakeKeap) -> None:
        self.keap = keap
        self.sent: list[tuple[str, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _is_api(request):
            self.sent.append((request.headers.get("authorization", ""), request.content))
        return self.keap.handle(request)


def test_a_401_refreshes_once_and_retries_the_request(
    backend: BackendName, oauth: OAuth2, keap: FakeKeap
) -> None:
    seen = Seen(keap)
    with ka.KeapClient(backend, auth=oauth, transport=seen) as client:
        contact = client.contacts.create(ka.NewContact(email="grace@example.com"))
        first, sent_before = seen.sent[-1][0], len(seen.sent)
        keap.oauth.expire_access_tokens()  # Keap dropped the token early
        assert client.contacts.get(contact.id).id == contact.id
    assert keap.oauth.refreshes == 1
    tokens = oauth.tokens()
    assert tokens is not None
    after = seen.sent[sent_before:]
    assert after[0][0] == first  # refused with 401 ...
    assert {bearer for bearer, _ in after[1:]} == {f"Bearer {tokens.access_token}"}  # ... then
    assert after[1][1] == after[0][1]  # the same request, sent again with the new token


def test_a_second_401_after_the_refresh_is_raised_not_looped(
    client: ka.KeapClient, keap: FakeKeap
) -> None:
    keap.fail(401, times=2, path="/crm/")
    keap.fail(200, times=2, path="ContactService.load", fault="[InvalidKey]Invalid key")
    with pytest.raises(ka.AuthenticationError):
        list(client.tags.list()) if client.backend == "rest" else client.contacts.get(1)
    assert keap.oauth.refreshes == 1


def test_a_refresh_token_older_than_30_days_is_rolled_over(
    backend: BackendName, keap: FakeKeap, clock: Clock, token_file: Path,
    make_oauth: Callable[[], OAuth2],
) -> None:  # fmt: skip
    granted = keap.oauth.grant()
    old = Tokens(
        access_token=str(granted["access_token"]),
        refresh_token=str(granted["refresh_token"]),
        expires_at=clock.now + timedelta(hours=20),  # the access token itself is fine
        issued_at=clock.now - timedelta(days=31),
    )
    FileTokenStore(token_file).save(old)
    with ka.KeapClient(backend, auth=make_oauth(), transport=keap.transport) as client:
        list(client.tags.list())
    new = FileTokenStore(token_file).load()
    assert keap.oauth.refreshes == 1
    assert new is not None and new.issued_at == clock.now
    assert new.refresh_token != old.refresh_token


def test_an_app_used_once_a_month_never_meets_the_45_day_expiry(
    client: ka.KeapClient, keap: FakeKeap, clock: Clock
) -> None:
    for _month in range(6):
        list(client.tags.list())
        clock.advance(days=31)
    assert keap.oauth.refused == 0
    assert keap.oauth.refreshes == 5


def test_sixteen_threads_share_one_refresh(
    client: ka.KeapClient, keap: FakeKeap, clock: Clock
) -> None:
    clock.advance(hours=25)
    with ThreadPoolExecutor(16) as pool:
        pages = list(pool.map(lambda _: list(client.tags.list()), range(64)))
    assert len(pages) == 64
    assert keap.oauth.refreshes == 1
    assert keap.oauth.refused == 0


def test_sixteen_clients_sharing_one_oauth_share_one_refresh(
    backend: BackendName, oauth: OAuth2, keap: FakeKeap, clock: Clock
) -> None:
    clock.advance(hours=25)

    def work(_: int) -> int:
        with ka.KeapClient(backend, auth=oauth, transport=keap.transport) as c:
            return len(list(c.tags.list()))

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(work, range(16)))
    assert keap.oauth.refreshes == 1


def test_forty_async_tasks_share_one_refresh(
    backend: BackendName, oauth: OAuth2, keap: FakeKeap, clock: Clock
) -> None:
    clock.advance(hours=25)

    async def main() -> list[int]:
        async with ka.AsyncKeapClient(backend, auth=oauth, transport=keap.transport) as c:
            return await asyncio.gather(*(_count_tags(c) for _ in range(40)))

    assert len(asyncio.run(main())) == 40
    assert keap.oauth.refreshes == 1
    assert keap.oauth.refused == 0


async def _count_tags(client: ka.AsyncKeapClient) -> int:
    return len([tag async for tag in client.tags.list()])


def test_an_async_401_refreshes_once_and_retries(
    backend: BackendName, oauth: OAuth2, keap: FakeKeap
) -> None:
    async def main() -> int:
        async with ka.AsyncKeapClient(backend, auth=oauth, transport=keap.transport) as c:
            made = await c.contacts.create(ka.NewContact(email="kj@example.com"))
            keap.oauth.expire_access_tokens()
            return (await c.contacts.get(made.id)).id

    assert asyncio.run(main()) > 0
    assert keap.oauth.refreshes == 1


def test_a_revoked_app_is_told_to_authorise_again_and_the_file_is_untouched(
    client: ka.KeapClient, keap: FakeKeap, clock: Clock, token_file: Path
) -> None:
    before = token_file.read_bytes()
    keap.oauth.revoke()
    clock.advance(hours=25)
    with pytest.raises(ka.AuthenticationError) as caught:
        list(client.tags.list())
    assert "authorise the app again" in str(caught.value)
    assert "keap-adapter oauth authorize" in str(caught.value)
    assert caught.value.operation == "tags.list"
    assert token_file.read_bytes() == before


def test_no_secret_in_logs_errors_or_reprs(
    client: ka.KeapClient, keap: FakeKeap, clock: Clock, oauth: OAuth2,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    list(client.tags.list())
    clock.advance(hours=25)
    list(client.tags.list())  # a refresh
    keap.oauth.revoke()
    clock.advance(hours=25)
    with pytest.raises(ka.AuthenticationError) as caught:
        list(client.tags.list())
    shown = "\n".join(
        [
            caplog.text,
            str(caught.value),
            repr(caught.value),
            repr(client),
            repr(oauth),
            repr(oauth.tokens()),
            repr(oauth.store),
        ]
    )
    secrets = [keap.oauth.client_secret, *_issued_tokens(keap)]
    assert len(secrets) >= 5
    assert [s for s in secrets if s in shown] == []


def _issued_tokens(keap: FakeKeap) -> list[str]:
    """Every token the fake's token endpoint handed out, read from its answers' requests."""
    found = []
    for request in keap.requests:
        for value in httpx.QueryParams(request.content.decode()).values():
            if value.startswith(("rt-", "at-")):
                found.append(value)
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer at-"):
            found.append(auth.removeprefix("Bearer "))
    return sorted(set(found))
