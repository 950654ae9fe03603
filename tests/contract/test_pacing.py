"""Pacing on both backends, against the fake enforcing Keap-style limits in real time.

These run against the live fake only (a cassette has no clock to pace against). The fake
counts on its own (``testing/_fake_quota.py``), so it catches a limiter that undercounts.
Limits are small enough that each test takes a second or two.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.pacing import Limiter, Limits, RedisLimiter
from keap_adapter.testing import FakeKeap

from ..pacing.redis_server import own_server

NO_RETRY = ka.RetryPolicy(max_retries=0)  # a 429 surfaces instead of being retried


def _today() -> datetime:
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _midday() -> datetime:
    return _today() + timedelta(hours=12)


def _client(fake: FakeKeap, backend: BackendName, **options: object) -> ka.KeapClient:
    return ka.KeapClient(
        backend,
        fake.api_key,
        transport=fake.transport,
        retry_policy=NO_RETRY,
        **options,  # type: ignore[arg-type]
    )


def _one_contact(client: ka.KeapClient) -> int:
    return client.contacts.create(ka.NewContact(email="ada@example.com")).id


def _one_tag(client: ka.KeapClient) -> int:
    return client.tags.create("Paced").id


def test_a_loop_of_reads_stays_under_announced_limits_with_no_429(backend: BackendName) -> None:
    fake = FakeKeap(limits=Limits(per_second=40, per_minute=1200, per_day=None))
    with _client(fake, backend) as client:
        contact_id = _one_contact(client)
        for _ in range(70):
            assert client.contacts.get(contact_id).id == contact_id
    assert fake.throttled == 0
    assert client.limiter is not None
    assert client.limiter.budget.windows == {1.0: 40, 60.0: 1200}  # type: ignore[attr-defined]


def test_threads_of_one_client_share_its_limiter(backend: BackendName) -> None:
    fake = FakeKeap(limits=Limits(per_second=30, per_minute=None, per_day=None))
    errors: list[Exception] = []
    with _client(fake, backend) as client:
        contact_id = _one_contact(client)

        def reads() -> None:
            try:
                for _ in range(5):
                    client.contacts.get(contact_id)
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reads) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert fake.throttled == 0


def test_concurrent_async_creates_all_land_with_no_429(backend: BackendName) -> None:
    fake = FakeKeap(limits=Limits(per_second=50, per_minute=None, per_day=None))

    async def main() -> list[int]:
        async with ka.AsyncKeapClient(
            backend, fake.api_key, transport=fake.transport, retry_policy=NO_RETRY
        ) as client:
            made = await asyncio.gather(
                *(
                    client.contacts.create(ka.NewContact(email=f"p{i}@example.com"))
                    for i in range(90)
                )
            )
        return [c.id for c in made]

    ids = asyncio.run(main())
    assert len(set(ids)) == 90
    assert fake.throttled == 0


def test_limits_none_turns_pacing_off(backend: BackendName) -> None:
    fake = FakeKeap(limits=Limits(per_second=3, per_minute=None, per_day=None))
    with _client(fake, backend, limits=None) as client:
        tag_id = _one_tag(client)
        with pytest.raises(ka.RateLimitError) as caught:  # noqa: PT012 - the loop is the test
            for _ in range(6):
                client.tags.get(tag_id)
    assert client.limiter is None
    assert caught.value.operation == "tags.get"
    assert fake.throttled == 1


def test_a_spent_daily_quota_is_refused_before_sending_naming_the_reset(
    backend: BackendName,
) -> None:
    fake = FakeKeap(limits=Limits(per_second=None, per_minute=None, per_day=None))
    fake.now = _midday  # the day the wall clock is in: the client reads both clocks
    with _client(fake, backend) as client:
        contact_id = _one_contact(client)
        fake.gateway.limits = Limits(
            per_second=None, per_minute=None, per_day=len(fake.requests) + 2
        )
        client.contacts.get(contact_id)
        client.contacts.get(contact_id)
        sent = len(fake.requests)
        with pytest.raises(ka.QuotaExhaustedError) as caught:
            client.contacts.get(contact_id)
    assert len(fake.requests) == sent  # nothing was sent into the wall
    assert caught.value.operation == "contacts.get"
    assert caught.value.backend == backend
    assert caught.value.resets_at == _today() + timedelta(days=1)  # the next 00:00 UTC


def test_a_429_saying_the_day_is_spent_is_typed_and_not_retried(backend: BackendName) -> None:
    fake = FakeKeap(limits=Limits(per_second=None, per_minute=None, per_day=None))
    fake.now = _midday  # the day the wall clock is in: the client reads both clocks
    sleeps: list[float] = []
    with ka.KeapClient(
        backend, fake.api_key, transport=fake.transport, limits=None, sleep=sleeps.append
    ) as client:
        tag_id = _one_tag(client)
        fake.gateway.limits = Limits(
            per_second=None, per_minute=None, per_day=len(fake.requests) + 1
        )
        client.tags.get(tag_id)
        with pytest.raises(ka.QuotaExhaustedError) as caught:
            client.tags.get(tag_id)
    assert sleeps == []
    assert caught.value.status_code == 429
    assert caught.value.resets_at == _today() + timedelta(days=1)  # the next 00:00 UTC


def test_one_limiter_shared_by_two_clients_counts_both(backend: BackendName) -> None:
    fake = FakeKeap(limits=Limits(per_second=20, per_minute=None, per_day=None))
    shared = Limiter()
    other: BackendName = "xmlrpc" if backend == "rest" else "rest"
    with _client(fake, backend, limiter=shared) as one, _client(fake, other, limiter=shared) as two:
        tag_id = _one_tag(one)
        for _ in range(15):
            one.tags.get(tag_id)
            two.tags.get(tag_id)
    assert fake.throttled == 0


def test_limits_and_limiter_together_are_refused(backend: BackendName) -> None:
    key = "KeapAK-test-0001"  # a Keap key is at least 16 characters
    with pytest.raises(ka.ConfigurationError, match="not both"):
        ka.KeapClient(backend, key, limits=Limits(), limiter=Limiter())
    with pytest.raises(ka.ConfigurationError, match="limits must be"):
        ka.KeapClient(backend, key, limits={"per_second": 5})  # type: ignore[arg-type]


def test_a_shared_limiter_lost_mid_request_never_costs_the_answer(backend: BackendName) -> None:
    fake = FakeKeap()
    with _client(fake, backend, limits=None) as plain:
        tag_id = _one_tag(plain)
    before = len(fake.requests)
    with own_server() as (port, redis_server):

        def redis_dies_meanwhile(request: httpx.Request) -> httpx.Response:
            answer = fake.handle(request)
            if redis_server.poll() is None:
                redis_server.kill()
                redis_server.wait()
            return answer

        limiter = RedisLimiter(f"redis://127.0.0.1:{port}/0", key="lost")
        transport = httpx.MockTransport(redis_dies_meanwhile)
        with ka.KeapClient(
            backend, fake.api_key, transport=transport, limiter=limiter, retry_policy=NO_RETRY
        ) as client:
            assert client.tags.get(tag_id).id == tag_id  # answered: the caller gets it
            with pytest.raises(ka.TransportError, match="shared limiter") as caught:
                client.tags.get(tag_id)
    assert caught.value.operation == "tags.get"
    assert len(fake.requests) == before + 1  # the second was refused before sending
