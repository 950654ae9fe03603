"""Hostile answers end in typed errors, in bounded memory and time, on both backends:
oversized and decompression-bomb bodies, deep nesting, slow drips and redirects."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import xmlrpc.client
import zlib
from collections.abc import Iterator
from typing import cast

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap
from tests.hostile.drip import chunked_answer, dripping, http_answer

NO_RETRY = ka.RetryPolicy(max_retries=0)


class _Stream(httpx.SyncByteStream):
    """A body that arrives in pieces, as from a socket (``content=`` would be read at once)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.body), 65536):
            yield self.body[i : i + 65536]


def _answering(
    body: bytes, headers: dict[str, str] | None = None, status: int = 200
) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(status, headers=headers, stream=_Stream(body))
    )


def _client(
    backend: BackendName, transport: httpx.BaseTransport, **options: object
) -> ka.KeapClient:
    return ka.KeapClient(
        backend,
        "k",
        transport=transport,
        retry_policy=NO_RETRY,
        limits=None,
        **options,  # type: ignore[arg-type]
    )


def _xmlrpc_contact() -> bytes:
    return xmlrpc.client.dumps(([{"Id": 1, "FirstName": "Ada"}],), methodresponse=True).encode()


def _ok_body(backend: BackendName) -> bytes:
    return _xmlrpc_contact() if backend == "xmlrpc" else b'{"id": 1, "given_name": "Ada"}'


def _bomb(size: int, encoding: str) -> bytes:
    zeros = b"\0" * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    parts = [packer.compress(zeros) for _ in range(size >> 20)]
    return b"".join(parts) + packer.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_decompression_bomb_is_refused_in_bounded_memory(
    backend: BackendName, encoding: str
) -> None:
    bomb = _bomb(256 << 20, encoding)  # 256 MiB of zeros in about 250 KB
    transport = _answering(bomb, {"content-encoding": encoding, "content-type": "application/json"})
    tracemalloc.start()
    try:
        with (
            _client(backend, transport) as client,
            pytest.raises(ka.ResponseTooLargeError) as caught,
        ):
            client.contacts.get(1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 48 << 20
    assert caught.value.operation == "contacts.get"
    assert "16 MiB" in str(caught.value) or "16777216" in str(caught.value)


def test_the_size_cap_is_a_setting(backend: BackendName) -> None:
    fake = FakeKeap()
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client:
        contact_id = client.contacts.create(ka.NewContact(email="ada@example.com")).id
    small = ka.KeapClient(backend, fake.api_key, transport=fake.transport, max_response_size=100)
    with small, pytest.raises(ka.ResponseTooLargeError):
        small.contacts.get(contact_id)
    big = ka.KeapClient(backend, fake.api_key, transport=fake.transport, max_response_size=10**6)
    with big:
        assert big.contacts.get(contact_id).id == contact_id


def test_a_too_large_answer_is_not_retried(backend: BackendName) -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=b" " * 100)

    with (
        ka.KeapClient(
            backend,
            "k",
            transport=httpx.MockTransport(answer),
            limits=None,
            max_response_size=10,
            sleep=lambda s: None,
        ) as client,
        pytest.raises(ka.ResponseTooLargeError),
    ):
        client.contacts.get(1)
    assert len(calls) == 1


def test_deeply_nested_json_is_a_typed_error() -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    client = _client("rest", _answering(body, {"content-type": "application/json"}))
    with client, pytest.raises(ka.ResponseValidationError):
        client.contacts.get(1)


def test_deeply_nested_xml_is_a_typed_error() -> None:
    body = b"<methodResponse><params><param>" + b"<value><array><data>" * 5000
    client = _client("xmlrpc", _answering(body, {"content-type": "text/xml"}))
    with client, pytest.raises(ka.KeapError):
        client.contacts.get(1)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_typed_error_and_never_followed(backend: BackendName, status: int) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            status, headers={"location": "https://elsewhere.example/steal"}, json={"id": 1}
        )

    with _client(backend, httpx.MockTransport(answer)) as client:
        for call in (
            lambda: client.contacts.delete(1),
            lambda: client.tags.delete(1),
            lambda: client.tags.remove(1, [2]),
            lambda: client.contacts.get(1),
        ):
            with pytest.raises(ka.RedirectError) as caught:
                call()
            assert "elsewhere.example" in str(caught.value)
    assert {r.url.host for r in seen} == {"api.infusionsoft.com"}


def _drip_body(backend: BackendName) -> bytes:
    return _ok_body(backend)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_slow_drip_ends_at_the_whole_call_deadline(backend: BackendName, chunked: bool) -> None:
    body = _drip_body(backend)
    answer = chunked_answer(body) if chunked else http_answer(body)
    split = answer.index(b"\r\n\r\n") + 4
    with (
        dripping(answer, split=split, pause=0.05) as url,
        ka.KeapClient(
            backend,
            "k",
            base_url=url,
            timeout=0.2,
            call_deadline=0.6,
            retry_policy=NO_RETRY,
            limits=None,
        ) as client,
    ):
        started = time.monotonic()
        with pytest.raises(ka.TransportError) as caught:
            client.contacts.get(1)
        took = time.monotonic() - started
    assert took < 1.5
    assert "deadline" in str(caught.value)


def test_headers_dripped_a_byte_at_a_time_end_at_the_deadline_too(backend: BackendName) -> None:
    answer = http_answer(_drip_body(backend))
    with (
        dripping(answer, split=1, pause=0.05) as url,
        ka.KeapClient(
            backend,
            "k",
            base_url=url,
            timeout=0.2,
            call_deadline=0.6,
            retry_policy=NO_RETRY,
            limits=None,
        ) as client,
    ):
        started = time.monotonic()
        with pytest.raises(ka.TransportError):
            client.contacts.get(1)
    assert time.monotonic() - started < 1.5


def test_the_async_client_has_the_same_deadline(backend: BackendName) -> None:
    answer = http_answer(_drip_body(backend))

    async def main(url: str) -> None:
        async with ka.AsyncKeapClient(
            backend,
            "k",
            base_url=url,
            timeout=0.2,
            call_deadline=0.6,
            retry_policy=NO_RETRY,
            limits=None,
        ) as client:
            await client.contacts.get(1)

    with dripping(answer, split=1, pause=0.05) as url:
        started = time.monotonic()
        with pytest.raises(ka.TransportError):
            asyncio.run(main(url))
    assert time.monotonic() - started < 1.5


def test_the_deadline_defaults_to_three_timeouts_and_is_retried_like_a_lost_answer(
    backend: BackendName,
) -> None:
    answer = http_answer(_drip_body(backend))
    sleeps: list[float] = []
    with (
        dripping(answer, split=len(answer) - 3, pause=0.2) as url,
        ka.KeapClient(
            backend,
            "k",
            base_url=url,
            timeout=0.1,
            max_retries=1,
            sleep=sleeps.append,
            limits=None,
        ) as client,
        pytest.raises(ka.TransportError),
    ):
        client.contacts.get(1)
    assert len(sleeps) == 1  # a read is retried once, as after any lost answer


def test_bad_deadline_and_cap_settings_are_refused(backend: BackendName) -> None:
    for options in (
        {"call_deadline": 0},
        {"call_deadline": float("nan")},
        {"max_response_size": 0},
    ):
        with pytest.raises(ka.ConfigurationError):
            ka.KeapClient(backend, "k", **options)


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)
