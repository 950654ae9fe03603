"""Helpers for driving FakeKeap's two faces in process: one XML-RPC call built and read by
the stdlib, and fixtures for a fake on a pinned clock and a REST client on it."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from keap_adapter.testing import FakeKeap

KEY = "fake-key"
BASE = "https://api.infusionsoft.com/crm/rest/v2/"
URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"
NOW = datetime(2024, 7, 1, 16, 0, tzinfo=timezone.utc)


@pytest.fixture
def fake() -> FakeKeap:
    """A fake on a pinned clock, with the key every helper here sends."""
    fake = FakeKeap(api_key=KEY)
    fake.now = lambda: NOW
    return fake


@pytest.fixture
def rest(fake: FakeKeap) -> Iterator[httpx.Client]:
    """An httpx client on the fake's REST v2 face."""
    headers = {"X-Keap-API-Key": KEY}
    with httpx.Client(transport=fake.transport, base_url=BASE, headers=headers) as client:
        yield client


def xml(fake: FakeKeap, method: str, *params: Any) -> Any:
    """One XML-RPC call (the key comes first), built and read by the stdlib; a fault is
    raised as ``xmlrpc.client.Fault``."""
    body = xmlrpc.client.dumps((KEY, *params), method)
    with httpx.Client(transport=fake.transport) as http:
        response = http.post(URL, content=body.encode())
    (answer,), _method = xmlrpc.client.loads(response.content, use_builtin_types=True)
    return answer


def fault_of(fake: FakeKeap, method: str, *params: Any) -> tuple[int, str]:
    """The (faultCode, faultString) an XML-RPC call answers."""
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xml(fake, method, *params)
    return caught.value.faultCode, caught.value.faultString
