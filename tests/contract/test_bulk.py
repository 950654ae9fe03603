"""Bulk writes: one outcome per item, in input order, on both backends, sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter.testing import FakeKeap
from tests.contract.conftest import Sent

ITEMS: list[Any] = [
    ka.NewContact(email="a@example.com", given_name="Ada"),
    {"given_name": "No way to reach"},  # refused by the facade: nothing sent for it
    {"email": "b@example.com", "shoe": 9},  # an unknown field: refused too
    ka.NewContact(email="c@example.com"),
]


def test_create_many_keeps_every_outcome_in_order(client: ka.KeapClient, transport: Sent) -> None:
    before = len(transport.requests)
    results = client.contacts.create_many(ITEMS)
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.ok for r in results] == [True, False, False, True]
    assert isinstance(results[1].error, ValueError) and "email_addresses" in str(results[1].error)
    assert isinstance(results[2].error, ValueError) and "shoe" in str(results[2].error)
    made = [r.value for r in results if r.value is not None]
    assert [c.email for c in made] == ["a@example.com", "c@example.com"]
    assert [client.contacts.get(c.id).email for c in made] == ["a@example.com", "c@example.com"]
    assert len(transport.requests) - before >= 2


def test_a_keap_refusal_fails_its_item_alone(client: ka.KeapClient) -> None:
    first = client.contacts.create(ka.NewContact(email="u@example.com"))
    results = client.contacts.update_many(
        [(first.id, {"given_name": "Una"}), (999_999, {"given_name": "Nobody"}), ("x", {})]  # type: ignore[list-item]
    )
    assert [r.ok for r in results] == [True, False, False]
    assert isinstance(results[1].error, ka.NotFoundError)
    assert isinstance(results[2].error, ValueError)
    assert client.contacts.get(first.id).given_name == "Una"


def test_upsert_many_creates_then_matches(client: ka.KeapClient) -> None:
    results = client.contacts.upsert_many(
        [{"email": "m@example.com", "given_name": "One"}, {"email": "m@example.com"}]
    )
    assert [(r.value.created if r.value else None) for r in results] == [True, False]
    assert results[0].value and results[1].value
    assert results[0].value.contact.id == results[1].value.contact.id


@pytest.mark.parametrize("concurrency", [1, 3])
def test_async_bulk_is_concurrent_and_ordered(
    fake: FakeKeap, backend: ka.BackendName, concurrency: int
) -> None:
    async def run() -> list[ka.BulkItem[ka.Contact]]:
        async with ka.AsyncKeapClient(backend, fake.api_key, transport=fake.transport) as client:
            many = [{"email": f"p{i}@example.com"} for i in range(6)]
            return await client.contacts.create_many([*many, {}], concurrency=concurrency)

    results = asyncio.run(run())
    assert [r.index for r in results] == list(range(7))
    assert [r.value.email for r in results if r.value] == [f"p{i}@example.com" for i in range(6)]
    assert not results[6].ok


def test_async_concurrency_is_checked(fake: FakeKeap) -> None:
    async def run() -> None:
        async with ka.AsyncKeapClient("rest", fake.api_key, transport=fake.transport) as client:
            await client.contacts.create_many([], concurrency=0)

    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(run())
