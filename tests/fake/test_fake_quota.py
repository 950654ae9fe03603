"""The fake's gateway: Keap's quota headers, generous by default, enforced when asked."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from keap_adapter.pacing import Limits
from keap_adapter.testing import FakeKeap

BASE = "https://api.infusionsoft.com/crm/rest/v2/"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client(fake: FakeKeap) -> httpx.Client:
    headers = {"X-Keap-API-Key": fake.api_key}
    return httpx.Client(transport=fake.transport, base_url=BASE, headers=headers)


def test_by_default_the_fake_announces_a_plan_no_test_reaches_and_refuses_nothing() -> None:
    fake = FakeKeap()
    with _client(fake) as client:
        answers = [client.get("contacts") for _ in range(50)]
    assert {a.status_code for a in answers} == {200}
    assert answers[0].headers["x-keap-product-spike-limit"] == "100000ps"
    assert answers[-1].headers["x-keap-product-quota-used"] == "50"
    assert fake.throttled == 0


def test_asked_for_limits_the_fake_enforces_a_sliding_second_with_keaps_429() -> None:
    fake = FakeKeap(limits=Limits(per_second=3, per_minute=100, per_day=None))
    fake.gateway.clock = clock = Clock()
    with _client(fake) as client:
        first = [client.get("contacts").status_code for _ in range(4)]
        clock.now += 0.5
        refused = client.get("contacts")
        clock.now += 0.6  # the first three left the window
        again = client.get("contacts")
    assert first == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "429",
        "message": "Quota Exceeded",
        "status": "Request Throttled",
        "details": None,
    }
    assert again.status_code == 200
    assert fake.throttled == 2
    assert again.headers["x-keap-product-spike-limit"] == "3ps"
    assert again.headers["x-keap-product-throttle-used"] == "4"  # refused ones are not counted
    assert "x-keap-product-quota-limit" not in again.headers


def test_the_minute_window_slides_and_the_headers_count_it() -> None:
    fake = FakeKeap(limits=Limits(per_second=None, per_minute=2, per_day=None))
    fake.gateway.clock = clock = Clock()
    with _client(fake) as client:
        ok = client.get("contacts")
        clock.now += 30
        client.get("contacts")
        clock.now += 29
        refused = client.get("contacts")
        clock.now += 2  # 61 s after the first
        later = client.get("contacts")
    assert ok.headers["x-keap-product-throttle-available"] == "1"
    assert refused.status_code == 429
    assert later.status_code == 200


def test_a_spent_daily_quota_is_refused_until_the_utc_day_ends() -> None:
    fake = FakeKeap(limits=Limits(per_second=None, per_minute=None, per_day=2))
    fake.now = lambda: datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc)
    with _client(fake) as client:
        answers = [client.get("contacts") for _ in range(3)]
        fake.now = lambda: datetime(2026, 11, 30, 0, 0, 1, tzinfo=timezone.utc)
        tomorrow = client.get("contacts")
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["x-keap-product-quota-available"] == "0"
    midnight = datetime(2026, 11, 30, tzinfo=timezone.utc).timestamp() * 1000
    assert answers[2].headers["x-keap-product-quota-expiry-time"] == str(int(midnight))
    assert tomorrow.status_code == 200


@pytest.mark.parametrize("method", ["ContactService.load"])
def test_the_xmlrpc_face_is_counted_and_refused_by_the_same_gateway(method: str) -> None:
    fake = FakeKeap(limits=Limits(per_second=1, per_minute=None, per_day=None))
    body = f"<methodCall><methodName>{method}</methodName></methodCall>".encode()
    url = "https://api.infusionsoft.com/crm/xmlrpc/v1"
    with httpx.Client(transport=fake.transport) as client:
        client.get(BASE + "contacts", headers={"X-Keap-API-Key": fake.api_key})
        refused = client.post(url, content=body, headers={"X-Keap-API-Key": fake.api_key})
    assert refused.status_code == 429
    assert refused.headers["x-keap-product-spike-limit"] == "1ps"
