"""Tagging many contacts on the async client: XML-RPC's one call per contact runs side by
side (paced), REST stays at one call per chunk, and the result is the sync client's."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap


class Overlap(httpx.AsyncBaseTransport):
    """The fake, answering after a short wait; counts calls and how many overlapped."""

    def __init__(self, fake: FakeKeap) -> None:
        self.fake = fake
        self.going = self.most = 0
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.going += 1
        self.most = max(self.most, self.going)
        self.bodies.append(request.content)
        try:
            await asyncio.sleep(0.005)
            return self.fake.handle(request)
        finally:
            self.going -= 1


def _people(fake: FakeKeap, backend: BackendName, n: int) -> list[int]:
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client:
        made = client.contacts.create_many(
            ka.NewContact(email=f"p{i}@example.com") for i in range(n)
        )
    return [item.value.id for item in made if item.value is not None]


def _apply(fake: FakeKeap, backend: BackendName, tag_id: int, ids: list[int]) -> ka.ApplyResult:
    async def main() -> ka.ApplyResult:
        async with ka.AsyncKeapClient(
            backend, fake.api_key, transport=Overlap(fake), tag_chunk_size=10
        ) as client:
            return await client.tags.apply(tag_id, ids)

    return asyncio.run(main())


def test_async_apply_reports_what_sync_apply_reports_in_input_order(backend: BackendName) -> None:
    fake = FakeKeap()
    ids = _people(fake, backend, 12)
    asked = [*ids[:6], 999_999, *ids[6:]]
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client:
        sync_tag, async_tag = client.tags.create("Sync"), client.tags.create("Async")
        expected = client.tags.apply(sync_tag.id, asked)
    result = _apply(fake, backend, async_tag.id, asked)
    assert list(result.outcomes) == asked
    assert result.outcomes == expected.outcomes
    assert set(result.failed) == {999_999}


def test_xmlrpc_calls_run_side_by_side_and_rest_stays_one_call_per_chunk(
    backend: BackendName,
) -> None:
    fake = FakeKeap()
    ids = _people(fake, backend, 25)
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client:
        tag_id = client.tags.create("Many").id
    transport = Overlap(fake)

    async def main() -> ka.ApplyResult:
        async with ka.AsyncKeapClient(
            backend, fake.api_key, transport=transport, tag_chunk_size=10
        ) as client:
            return await client.tags.apply(tag_id, ids)

    result = asyncio.run(main())
    assert result.ok and list(result.outcomes) == ids
    if backend == "xmlrpc":
        calls = [b for b in transport.bodies if b"ContactService.addToGroup" in b]
        assert len(calls) == 25
        assert transport.most > 1
    else:
        assert len(transport.bodies) == math.ceil(25 / 10)


def test_async_apply_of_a_missing_tag_is_not_found(backend: BackendName) -> None:
    fake = FakeKeap()
    ids = _people(fake, backend, 3)
    with pytest.raises(ka.NotFoundError):
        _apply(fake, backend, 424_242, ids)


def test_an_error_midway_keeps_every_contact_already_done(backend: BackendName) -> None:
    fake = FakeKeap()
    ids = _people(fake, backend, 30)
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client:
        tag_id = client.tags.create("Half").id
    fake.fail(403, path="ContactService.addToGroup" if backend == "xmlrpc" else "tags/")
    if backend == "rest":
        fake.failures[0].times = 1  # the first chunk's call
    with pytest.raises(ka.PermissionDeniedError) as caught:
        _apply(fake, backend, tag_id, ids)
    partial = caught.value.partial_result
    assert isinstance(partial, ka.ApplyResult)
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client:
        tagged = {c.id for c in client.tags.contacts(tag_id)}
    assert tagged == {cid for cid, o in partial.outcomes.items() if o is ka.TagOutcome.SUCCESS}
    assert len(tagged) < len(ids)
