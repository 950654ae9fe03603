"""The contract suite: every test runs on both backends, in two modes.

``fake``: against the live in-process fake Keap. ``replay``: from the cassette in
``fixtures/contract/`` with the network blocked; ``--keap-record-mode=all`` re-records those
cassettes from the fake (the README says how to record against a real account instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import cast

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import Cassette, FakeKeap
from keap_adapter.testing._pytest_plugin import block_network, cassette_path

# A pinned clock keeps recorded cassettes identical from one recording to the next.
EPOCH = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


class Sent(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Passes requests through and keeps them, so tests can count what was sent."""

    def __init__(self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return cast(httpx.BaseTransport, self.inner).handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await cast(httpx.AsyncBaseTransport, self.inner).handle_async_request(request)


@pytest.fixture
def fake() -> FakeKeap:
    server = FakeKeap()
    server.now = lambda: EPOCH
    return server


@pytest.fixture(params=["fake", "replay"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sent(
    fake: FakeKeap,
    mode: str,
    request: pytest.FixtureRequest,
    keap_record_mode: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Sent]:
    """The transport every client of the test uses, in the test's mode."""
    if mode == "fake":
        yield Sent(fake.transport)
        return
    if keap_record_mode == "none":
        block_network(monkeypatch)
    path = cassette_path(request)
    with Cassette(path, keap_record_mode, real_transport=fake.transport) as cassette:
        yield Sent(cassette.transport)


@pytest.fixture
def transport(sent: Sent) -> Sent:
    return sent


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the client asked for (tests never sleep for real)."""
    return []


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


@pytest.fixture
def client(
    fake: FakeKeap, backend: BackendName, sleeps: list[float], transport: Sent
) -> Iterator[ka.KeapClient]:
    with ka.KeapClient(
        backend,
        fake.api_key,
        transport=transport,
        sleep=sleeps.append,
        retry_policy=ka.RetryPolicy(jitter=lambda cap: cap),
    ) as c:
        yield c


@pytest.fixture
def other(fake: FakeKeap, backend: BackendName, transport: Sent) -> Iterator[ka.KeapClient]:
    """A client on the other backend, same store (and, in replay, the same cassette)."""
    name: BackendName = "xmlrpc" if backend == "rest" else "rest"
    with ka.KeapClient(name, fake.api_key, transport=transport) as c:
        yield c
