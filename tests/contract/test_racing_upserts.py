"""Racing upserts of one email through one client: exactly one caller is told ``created``.

Over XML-RPC an upsert is a lookup then ``addWithDupCheck``; without a lock per email,
racers all saw no contact and all reported ``created`` (issue 10, defect 6)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap


class Yielding(httpx.AsyncBaseTransport):
    """The fake, letting other tasks run before each answer, as a network would."""

    def __init__(self, fake: FakeKeap) -> None:
        self.fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.001)
        return self.fake.handle(request)


def test_fifty_async_upserts_of_one_email_create_once(backend: BackendName) -> None:
    fake = FakeKeap()

    async def main() -> list[ka.UpsertResult]:
        async with ka.AsyncKeapClient(backend, fake.api_key, transport=Yielding(fake)) as client:
            return await asyncio.gather(
                *(
                    client.contacts.upsert(
                        ka.NewContact(email="race@example.com", given_name=f"R{i}")
                    )
                    for i in range(50)
                )
            )

    results = asyncio.run(main())
    assert sum(r.created for r in results) == 1
    assert len({r.contact.id for r in results}) == 1


def test_sixteen_threads_upserting_one_email_create_once(backend: BackendName) -> None:
    fake = FakeKeap()
    client = ka.KeapClient(backend, fake.api_key, transport=fake.transport)
    with client, ThreadPoolExecutor(16) as pool:
        results = list(
            pool.map(
                lambda i: client.contacts.upsert(ka.NewContact(email="RACE@example.com")),
                range(32),
            )
        )
    assert sum(r.created for r in results) == 1
    assert len({r.contact.id for r in results}) == 1


def test_upserts_of_different_emails_still_run_side_by_side(backend: BackendName) -> None:
    fake = FakeKeap()

    async def main() -> list[ka.UpsertResult]:
        async with ka.AsyncKeapClient(backend, fake.api_key, transport=Yielding(fake)) as client:
            return await asyncio.gather(
                *(
                    client.contacts.upsert(ka.NewContact(email=f"p{i}@example.com"))
                    for i in range(20)
                )
            )

    assert all(r.created for r in asyncio.run(main()))


class LookupsMeet(httpx.BaseTransport):
    """The fake, holding each upsert's lookup answer until both racers have looked.

    Two clients stand for two processes: neither client's per-email lock can see the other,
    so both look the email up before either creates it.
    """

    def __init__(self, fake: FakeKeap) -> None:
        self.fake = fake
        self.met = threading.Barrier(2, timeout=10)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.fake.handle(request)
        body = request.content
        if (request.method == "GET" and "contacts" in request.url.path) or (b"findByEmail" in body):
            self.met.wait()
        return response


def test_upserts_racing_from_two_processes_never_both_claim_created(
    backend: BackendName,
) -> None:
    """A ``created`` the client cannot vouch for says so (``certain=False``).

    REST has Keap's word (201 or 200); XML-RPC answers only an id, so a contact it did not
    find before ``addWithDupCheck`` may have been made by the other process in between.
    """
    fake = FakeKeap()
    meet = LookupsMeet(fake)

    def upsert(name: str) -> ka.UpsertResult:
        with ka.KeapClient(backend, fake.api_key, transport=meet) as client:
            return client.contacts.upsert(ka.NewContact(email="two@example.com", given_name=name))

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(upsert, ["A", "B"]))
    assert len({r.contact.id for r in results}) == 1
    assert sum(r.created and r.certain for r in results) <= 1
    vouched = [r.created for r in results if r.certain]
    assert vouched.count(True) <= 1
    if backend == "rest":
        assert sorted(r.created for r in results) == [False, True]
        assert all(r.certain for r in results)
    else:
        assert all(not r.certain for r in results if r.created)
