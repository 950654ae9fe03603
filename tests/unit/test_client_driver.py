"""The client: settings checks, auth headers, the retry driver, logging and key hygiene."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

import keap_adapter as ka
from keap_adapter._retry import RetryPolicy, parse_retry_after

KEY = "KeapAK-test-not-a-real-key-0000000000000000"
CONTACT = {
    "id": "1",
    "given_name": "Ada",
    "email_addresses": [{"email": "a@b.co", "field": "EMAIL1"}],
}


class Script:
    """A transport that answers from a list and records what it was sent."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(
    script: Script, sleeps: list[float] | None = None, max_retries: int = 3
) -> ka.KeapClient:
    record: Callable[[float], None] = (sleeps if sleeps is not None else []).append
    return ka.KeapClient(
        "rest",
        KEY,
        transport=httpx.MockTransport(script),
        sleep=record,
        retry_policy=RetryPolicy(max_retries=max_retries, jitter=lambda cap: cap),
    )


def test_the_key_travels_only_in_the_header() -> None:
    script = Script(httpx.Response(200, json=CONTACT))
    client_for(script).contacts.get(1)
    (request,) = script.requests
    assert request.headers["X-Keap-API-Key"] == KEY
    assert KEY not in str(request.url)
    assert request.headers["User-Agent"].startswith("keap-adapter/")


def test_the_key_never_shows_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    body = {"code": 401, "message": f"bad key {KEY}", "status": "UNAUTHENTICATED"}
    client = client_for(Script(httpx.Response(401, json=body)))
    caplog.set_level(logging.DEBUG, logger="keap_adapter")
    with pytest.raises(ka.AuthenticationError) as caught:
        client.contacts.get(1)
    assert KEY not in repr(client) and KEY not in repr(client._settings)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value.args)
    assert "***" in str(caught.value)
    assert caplog.records and all(KEY not in r.getMessage() for r in caplog.records)


def test_one_debug_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="keap_adapter")
    client_for(Script(httpx.Response(200, json=CONTACT))).contacts.get(1)
    (record,) = [r for r in caplog.records if r.name == "keap_adapter"]
    message = record.getMessage()
    assert "contacts.get" in message and "backend=rest" in message and "-> 200" in message
    assert " ms" in message


@pytest.mark.parametrize(
    "url",
    [
        "http://api.infusionsoft.com/crm",
        "http://10.0.0.1/crm",
        "ftp://x/y",
        "https://u:p@h/x",
        "https://h/x?k=1",
    ],
)
def test_unsafe_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ka.ConfigurationError):
        ka.KeapClient("rest", KEY, base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/crm", "http://localhost/crm", "http://[::1]:9/crm"]
)
def test_loopback_http_is_allowed_for_local_fakes(url: str) -> None:
    assert ka.KeapClient("rest", KEY, base_url=url).backend == "rest"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rest", ""), "API key is required"),
        (("soap", KEY), "backend must be"),
        (("rest", "a b"), "white space"),
    ],
)
def test_bad_settings_fail_before_any_request(args: tuple[str, str], message: str) -> None:
    with pytest.raises(ka.ConfigurationError, match=message):
        ka.KeapClient(*args)  # type: ignore[arg-type]


def test_from_env_reads_key_backend_and_base_url() -> None:
    env = {"KEAP_API_KEY": KEY, "KEAP_BACKEND": "rest", "KEAP_BASE_URL": "http://127.0.0.1:9/crm"}
    client = ka.KeapClient.from_env(env)
    assert client.backend == "rest"
    assert "127.0.0.1:9/crm/rest/v2" in repr(client)
    with pytest.raises(ka.ConfigurationError, match="KEAP_API_KEY"):
        ka.KeapClient.from_env({})


def test_429_waits_for_retry_after_then_succeeds() -> None:
    sleeps: list[float] = []
    script = Script(
        httpx.Response(
            429, headers={"Retry-After": "2"}, json={"code": "429", "message": "Quota Exceeded"}
        ),
        httpx.Response(200, json=CONTACT),
    )
    assert client_for(script, sleeps).contacts.get(1).id == 1
    assert sleeps == [2.0]


def test_429_past_max_retries_raises_with_retry_after() -> None:
    sleeps: list[float] = []
    limited = httpx.Response(429, headers={"Retry-After": "1"}, json={"message": "Quota Exceeded"})
    script = Script(*[limited] * 3)
    with pytest.raises(ka.RateLimitError) as caught:
        client_for(script, sleeps, max_retries=2).contacts.get(1)
    assert caught.value.retry_after == 1.0
    assert sleeps == [1.0, 1.0]
    assert len(script.requests) == 3


def test_a_429_on_create_is_retried_because_nothing_was_done() -> None:
    script = Script(httpx.Response(429, json={}), httpx.Response(201, json=CONTACT))
    client_for(script).contacts.create(ka.NewContact(email="a@b.co"))
    assert len(script.requests) == 2


def test_backoff_is_exponential_and_capped_without_a_hint() -> None:
    sleeps: list[float] = []
    script = Script(*[httpx.Response(503, json={})] * 3, httpx.Response(200, json=CONTACT))
    client_for(script, sleeps).contacts.get(1)
    assert sleeps == [0.5, 1.0, 2.0]
    policy = RetryPolicy(max_retries=20, jitter=lambda cap: cap)
    assert (
        policy.delay(ka.ServerError("x", status_code=503), attempt=15, idempotent=True, sent=True)
        == 30.0
    )


def test_jitter_stays_under_the_cap() -> None:
    policy = RetryPolicy()
    for attempt in range(3):
        delay = policy.delay(
            ka.ServerError("x", status_code=502), attempt=attempt, idempotent=True, sent=True
        )
        assert delay is not None and 0 <= delay <= 0.5 * 2**attempt


def test_a_create_is_never_resent_after_a_502_or_a_lost_answer() -> None:
    script = Script(httpx.Response(502, json={}))
    with pytest.raises(ka.ServerError):
        client_for(script).contacts.create(ka.NewContact(email="a@b.co"))
    script = Script(httpx.ReadTimeout("lost"))
    with pytest.raises(ka.TransportError):
        client_for(script).contacts.create(ka.NewContact(email="a@b.co"))
    assert len(script.requests) == 1


def test_a_create_that_never_connected_is_retried() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(201, json=CONTACT))
    assert client_for(script).contacts.create(ka.NewContact(email="a@b.co")).id == 1


def test_reads_retry_connection_failures_then_raise_transport_error() -> None:
    script = Script(*[httpx.ReadTimeout("slow")] * 4)
    with pytest.raises(ka.TransportError, match=r"contacts\.get"):
        client_for(script).contacts.get(1)
    assert len(script.requests) == 4


def test_client_errors_are_not_retried() -> None:
    script = Script(httpx.Response(404, json={"message": "Not found"}))
    with pytest.raises(ka.NotFoundError):
        client_for(script).contacts.get(1)
    assert len(script.requests) == 1


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("3") == 3.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now)
        == 30.0
    )
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_a_repeating_page_token_is_an_error_not_a_loop() -> None:
    page = {"contacts": [CONTACT], "next_page_token": "same"}
    script = Script(*[httpx.Response(200, json=page)] * 2)
    with pytest.raises(ka.ResponseValidationError, match="repeats"):
        list(client_for(script).contacts.list())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.contacts.get(0), "positive int"),
        (lambda c: c.contacts.get("12"), "positive int"),
        (lambda c: c.contacts.find_by_email("not-an-email"), "valid email"),
        (lambda c: list(c.contacts.list(page_size=1001)), "page_size"),
        (lambda c: c.tags.apply(1, []), "empty"),
        (lambda c: c.tags.create(""), "non-empty"),
        (lambda c: c.tags.create("x" * 256), "255"),
        (
            lambda c: c.contacts.upsert(ka.NewContact(email="a@b.co"), match="phone"),
            "match must be",
        ),
        (lambda c: c.contacts.create({"given_name": "A", "shoe_size": 9}), "shoe_size"),
        (lambda c: c.contacts.upsert({"phone_numbers": [{"number": "555"}]}), "no EMAIL1"),
        (lambda c: c.contacts.create({"given_name": "A"}), "at least one of email_addresses"),
        (lambda c: c.tags.update(1, {"name": None}), "name"),
        (lambda c: c.tags.list(name="a;b"), "cannot contain"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    call: Callable[[ka.KeapClient], object], message: str
) -> None:
    script = Script()
    with pytest.raises(ValueError, match=message):
        call(client_for(script))
    assert script.requests == []


def test_tag_apply_drops_duplicate_ids_but_keeps_order() -> None:
    script = Script(httpx.Response(200, json={"results": {"2": "SUCCESS", "1": "SUCCESS"}}))
    result = client_for(script).tags.apply(5, [2, 1, 2])
    assert list(result.outcomes) == [2, 1]
    assert b'"contact_ids":["2","1"]' in script.requests[0].content.replace(b" ", b"")


def test_transient_invalid_config_faults_are_retried_only_when_idempotent() -> None:
    policy = RetryPolicy(jitter=lambda cap: cap)
    fault = ka.ServerError("[InvalidConfig]", status_code=200, fault_tag="InvalidConfig")
    assert policy.delay(fault, attempt=0, idempotent=True, sent=True) == 0.5
    assert policy.delay(fault, attempt=0, idempotent=False, sent=True) is None
    other = ka.ServerError("[Unexpected]", status_code=200, fault_tag="Unexpected")
    assert policy.delay(other, attempt=0, idempotent=True, sent=True) is None


def test_a_rest_client_sends_the_key_header_even_with_an_xmlrpc_url() -> None:
    script = Script(httpx.Response(200, json=CONTACT))
    client = ka.KeapClient(
        "rest", KEY, xmlrpc_url="https://myapp.infusionsoft.com/api/xmlrpc",
        transport=httpx.MockTransport(script),
    )  # fmt: skip
    client.contacts.get(1)
    assert script.requests[0].headers["X-Keap-API-Key"] == KEY
    env = {"KEAP_API_KEY": KEY, "KEAP_XMLRPC_URL": "https://myapp.infusionsoft.com/api/xmlrpc"}
    assert ka.KeapClient.from_env(env)._headers()["X-Keap-API-Key"] == KEY


def test_a_retry_after_of_zero_or_in_the_past_backs_off_instead() -> None:
    sleeps: list[float] = []
    script = Script(
        httpx.Response(429, headers={"Retry-After": "0"}, json={}),
        httpx.Response(200, json=CONTACT),
    )
    client_for(script, sleeps).contacts.get(1)
    assert sleeps == [0.5]


def test_a_repeated_token_while_reading_all_pages_is_an_error() -> None:
    page = {"contacts": [CONTACT], "next_page_token": "same"}
    script = Script(*[httpx.Response(200, json=page)] * 3)
    with pytest.raises(ka.ResponseValidationError, match="repeats"):
        client_for(script).contacts.find_by_email("a@b.co")
    assert len(script.requests) == 2


@pytest.mark.parametrize("value", ["50%", "a*b", "%x"])
def test_filters_take_only_a_trailing_star(value: str) -> None:
    script = Script()
    with pytest.raises(ValueError, match="trailing"):
        list(client_for(script).contacts.list(given_name=value))
    assert script.requests == []


def test_a_cycle_of_page_tokens_is_an_error_not_a_loop() -> None:
    pages = [{"contacts": [CONTACT], "next_page_token": t} for t in ("A", "B", "A")]
    script = Script(*[httpx.Response(200, json=p) for p in pages])
    with pytest.raises(ka.ResponseValidationError, match="repeats"):
        list(client_for(script).contacts.list())
    assert len(script.requests) == 3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.contacts.find_by_email("ada@example.co*"), "exact address"),
        (lambda c: list(c.contacts.list(given_name="")), "empty"),
        (lambda c: list(c.contacts.list(email="  ")), "empty"),
    ],
)
def test_lookups_that_would_mean_different_things_per_backend_are_refused(
    call: Callable[[ka.KeapClient], object], message: str
) -> None:
    script = Script()
    with pytest.raises(ValueError, match=message):
        call(client_for(script))
    assert script.requests == []


def test_a_misfit_answer_quoting_the_key_never_shows_it() -> None:
    key = "KeapAK-echoed-secret"
    echo = httpx.MockTransport(lambda request: httpx.Response(200, json={"id": key}))
    for backend in ("rest", "xmlrpc"):
        client = ka.KeapClient(backend, key, transport=echo)
        with client, pytest.raises(ka.KeapError) as caught:
            client.tags.get(3)
        assert key not in str(caught.value) and key not in repr(caught.value.args)
