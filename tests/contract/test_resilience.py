"""Retries and error mapping against the fake's injected failures, on both backends."""

from __future__ import annotations

import asyncio

import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap
from tests.contract.conftest import Sent


def test_429_waits_for_retry_after_then_succeeds(
    fake: FakeKeap, client: ka.KeapClient, sleeps: list[float]
) -> None:
    created = client.contacts.create(ka.NewContact(email="r@example.com"))
    fake.fail(429, times=1, headers={"Retry-After": "3"})
    assert client.contacts.get(created.id) == created
    assert sleeps == [3.0]


def test_rate_limited_past_max_retries_raises_with_retry_after(
    fake: FakeKeap, client: ka.KeapClient, sleeps: list[float]
) -> None:
    fake.fail(429, times=10, headers={"Retry-After": "1"})
    with pytest.raises(ka.RateLimitError) as caught:
        client.contacts.get(1)
    assert caught.value.retry_after == 1.0
    assert sleeps == [1.0, 1.0, 1.0]


def test_a_503_on_a_read_is_retried_with_backoff(
    fake: FakeKeap, client: ka.KeapClient, sleeps: list[float]
) -> None:
    created = client.contacts.create(ka.NewContact(email="r@example.com"))
    fake.fail(503, times=2)
    assert client.contacts.get(created.id) == created
    assert sleeps == [0.5, 1.0]


def test_a_503_on_create_is_not_resent(fake: FakeKeap, client: ka.KeapClient) -> None:
    fake.fail(503, times=1)
    with pytest.raises(ka.ServerError) as caught:
        client.contacts.create(ka.NewContact(email="once@example.com"))
    assert caught.value.operation == "contacts.create"
    assert (
        client.contacts.find_by_email("once@example.com") == []
    )  # nothing half-done, no duplicate


def test_an_xmlrpc_throttle_fault_is_a_rate_limit(
    fake: FakeKeap, sleeps: list[float], transport: Sent
) -> None:
    fault = "com.infusionsoft.throttle.ThrottlingException: Maximum number of threads throttled"
    fake.fail(200, times=1, fault=fault)
    with ka.KeapClient("xmlrpc", fake.api_key, transport=transport, sleep=sleeps.append) as client:
        assert client.contacts.find_by_email("x@example.com") == []
    assert len(sleeps) == 1


def test_from_env_builds_a_working_client(
    fake: FakeKeap, backend: BackendName, transport: Sent
) -> None:
    env = {"KEAP_API_KEY": fake.api_key, "KEAP_BACKEND": backend}
    with ka.KeapClient.from_env(env, transport=transport) as client:
        assert client.backend == backend
        assert (
            client.contacts.create(ka.NewContact(email="env@example.com")).email
            == "env@example.com"
        )


def test_the_async_client_has_the_same_surface(
    fake: FakeKeap, backend: BackendName, transport: Sent
) -> None:
    async def scenario() -> None:
        async with ka.AsyncKeapClient(backend, fake.api_key, transport=transport) as client:
            created = await client.contacts.create(
                ka.NewContact(given_name="As", email="as@example.com")
            )
            assert await client.contacts.get(created.id) == created
            upsert = await client.contacts.upsert(
                ka.NewContact(email="as@example.com", family_name="Y")
            )
            assert (upsert.created, upsert.contact.id) == (False, created.id)
            tag = await client.tags.create("Async")
            assert (await client.tags.apply(tag.id, [created.id])).ok
            assert [c.id async for c in client.contacts.list(page_size=1)] == [created.id]
            assert [c.id async for c in client.tags.contacts(tag.id)] == [created.id]
            assert [t.id async for t in client.tags.list(name="Async")] == [tag.id]
            assert [t.id for t in await client.contacts.tags(created.id)] == [tag.id]
            assert await client.contacts.find_by_email("as@example.com") == [
                await client.contacts.get(created.id)
            ]
            await client.tags.remove(tag.id, [created.id])
            await client.contacts.delete(created.id)
            with pytest.raises(ka.NotFoundError):
                await client.contacts.get(created.id)

    asyncio.run(scenario())


def test_async_retries_use_the_injected_sleep(
    fake: FakeKeap, backend: BackendName, transport: Sent
) -> None:
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    async def scenario() -> None:
        async with ka.AsyncKeapClient(
            backend, fake.api_key, transport=transport, sleep=record
        ) as client:
            fake.fail(429, times=1, headers={"Retry-After": "2"})
            assert await client.contacts.find_by_email("a@example.com") == []

    asyncio.run(scenario())
    assert waited == [2.0]
