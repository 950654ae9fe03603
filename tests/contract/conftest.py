"""The contract suite runs every test on both backends against one in-process fake Keap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap


@pytest.fixture
def fake() -> FakeKeap:
    return FakeKeap()


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the client asked for (tests never sleep for real)."""
    return []


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


@pytest.fixture
def client(fake: FakeKeap, backend: BackendName, sleeps: list[float]) -> Iterator[ka.KeapClient]:
    with ka.KeapClient(
        backend,
        fake.api_key,
        transport=fake.transport,
        sleep=sleeps.append,
        retry_policy=ka.RetryPolicy(jitter=lambda cap: cap),
    ) as c:
        yield c


@pytest.fixture
def other(fake: FakeKeap, backend: BackendName) -> Iterator[ka.KeapClient]:
    """A client on the other backend, same store."""
    name: BackendName = "xmlrpc" if backend == "rest" else "rest"
    with ka.KeapClient(name, fake.api_key, transport=fake.transport) as c:
        yield c
