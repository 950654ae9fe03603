"""Odd values from a server or a user end in typed errors, never raw ones, and bad input
is refused before any request (issue 10, defect 5)."""

from __future__ import annotations

import httpx
import pytest

import keap_adapter as ka
from keap_adapter._retry import parse_retry_after
from keap_adapter.testing import FakeKeap


@pytest.mark.parametrize("value", ["²", "١٢", "1e3", "-5", "NaN", "inf", " ", "1.2.3", "9" * 40])
def test_odd_retry_after_values_are_ignored_not_raised(value: str) -> None:
    assert parse_retry_after(value) is None


def test_plain_retry_after_values_are_read() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
def test_a_429_with_a_unicode_digit_retry_after_is_retried_by_backoff(backend: str) -> None:
    fake = FakeKeap()
    answers = iter([httpx.Response(429, headers=[(b"Retry-After", "²".encode())], json={})])

    def answer(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or fake.handle(request)

    sleeps: list[float] = []
    with ka.KeapClient(
        backend,  # type: ignore[arg-type]
        fake.api_key,
        transport=httpx.MockTransport(answer),
        sleep=sleeps.append,
        retry_policy=ka.RetryPolicy(jitter=lambda cap: cap),
    ) as client:
        assert list(client.tags.list()) == []
    assert sleeps == [0.5]


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_custom_value_is_refused_before_any_request(
    backend: str, value: float
) -> None:
    fake = FakeKeap()
    fake.add_custom_field("Score", "DECIMAL_NUMBER")
    with pytest.raises(ValueError, match="finite"):
        ka.NewContact(email="a@example.com", custom_fields={"Score": value})
    with pytest.raises(ValueError, match="finite"):
        ka.ContactUpdate(custom_fields={"Score": value})
    client = ka.KeapClient(backend, fake.api_key, transport=fake.transport)  # type: ignore[arg-type]
    with client, pytest.raises(ValueError, match="finite"):
        client.contacts.update(1, {"custom_fields": {"Score": value}})
    assert fake.requests == []
