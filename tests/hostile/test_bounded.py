"""Hostile answers end in typed errors, in bounded memory and time, on both backends:
oversized and decompression-bomb bodies, deep nesting, slow drips and redirects."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import tracemalloc
import xmlrpc.client
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName, _body
from keap_adapter.testing import FakeKeap
from tests.hostile.drip import chunked_answer, dripping, http_answer

NO_RETRY = ka.RetryPolicy(max_retries=0)
KEY = "KeapAK-hostile-test-key-0123"  # a key of a plausible length


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
        KEY,
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
            KEY,
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
            KEY,
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
            KEY,
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
            KEY,
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
            KEY,
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
            ka.KeapClient(backend, KEY, **options)


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


# ------------------------------------------------- compressed bodies that do not end right
# Served from a real socket to the sync and the async client, on both backends. Unlike
# drip.py's server, this one reads the whole request first and closes only after the client
# has, so an answer of megabytes is never cut by a reset.


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            return data
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        more = conn.recv(65536)
        if not more:
            break
        body += more
    return head + b"\r\n\r\n" + body


def _answer_one(conn: socket.socket, answer: Callable[[bytes], bytes]) -> None:
    with conn:
        conn.settimeout(5)
        try:
            conn.sendall(answer(_read_request(conn)))
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                pass
        except OSError:
            return


@contextmanager
def _serving(answer: Callable[[bytes], bytes]) -> Iterator[str]:
    """Answer each connection's one request with ``answer(request)``; yields the base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_answer_one, args=(conn, answer), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/crm"
    finally:
        stop.set()
        thread.join()
        listener.close()


def _contact_body(backend: BackendName, request: bytes) -> bytes:
    """What contacts.get reads; on XML-RPC, the custom fields' query (none) then the load."""
    if backend == "rest":
        return _ok_body(backend)
    if b"ContactService.load" in request:
        answer: tuple[Any, ...] = ({"Id": 1, "FirstName": "Ada"},)
    else:
        answer = ([],)
    return xmlrpc.client.dumps(answer, methodresponse=True).encode()


def _coded(body: bytes, coding: str) -> bytes:
    if coding == "gzip":
        packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    elif coding == "deflate":
        packer = zlib.compressobj(6, zlib.DEFLATED, 15)
    else:  # raw deflate, as some servers send for "deflate"
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(body) + packer.flush()


def _header_coding(coding: str) -> str:
    return "deflate" if coding == "raw-deflate" else coding


def _coded_answers(
    backend: BackendName,
    code: Callable[[bytes], bytes],
    header: str,
    status: str = "200 OK",
) -> Callable[[bytes], bytes]:
    """Each request answered with its contact body passed through ``code``, declared as
    ``Content-Encoding: header``."""
    content_type = "text/xml" if backend == "xmlrpc" else "application/json"

    def answer(request: bytes) -> bytes:
        body = code(_contact_body(backend, request)) if status.startswith("200") else b""
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Encoding: {header}"
            f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body

    return answer


def _get_contact(
    backend: BackendName, answer: Callable[[bytes], bytes], mode: str, **options: object
) -> ka.Contact:
    with _serving(answer) as url:
        settings: dict[str, object] = {
            "base_url": url,
            "timeout": 5,
            "retry_policy": NO_RETRY,
            "limits": None,
            **options,
        }
        if mode == "sync":
            with ka.KeapClient(backend, KEY, **settings) as client:  # type: ignore[arg-type]
                return client.contacts.get(1)

        async def main() -> ka.Contact:
            async with ka.AsyncKeapClient(backend, KEY, **settings) as client:  # type: ignore[arg-type]
                return await client.contacts.get(1)

        return asyncio.run(main())


MODES = ["sync", "async"]
CODINGS = ["gzip", "deflate", "raw-deflate"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("coding", CODINGS)
def test_a_well_formed_compressed_answer_still_reads(
    backend: BackendName, mode: str, coding: str
) -> None:
    answer = _coded_answers(backend, lambda body: _coded(body, coding), _header_coding(coding))
    assert _get_contact(backend, answer, mode).given_name == "Ada"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("coding", CODINGS)
def test_data_after_the_end_of_a_compressed_body_is_refused(
    backend: BackendName, mode: str, coding: str
) -> None:
    answer = _coded_answers(
        backend, lambda body: _coded(body, coding) + b"JUNK", _header_coding(coding)
    )
    with pytest.raises(ka.TransportError) as caught:
        _get_contact(backend, answer, mode)
    assert not isinstance(caught.value, ka.ResponseTooLargeError)
    assert "after the end" in str(caught.value)
    assert caught.value.operation == "contacts.get"


@pytest.mark.parametrize("mode", MODES)
def test_megabytes_of_junk_after_a_gzip_body_are_refused_at_once(
    backend: BackendName, mode: str
) -> None:
    # More junk than the cap: before, it was neither refused nor counted (zlib kept it in
    # unused_data, copied again on each read); now the first junk byte ends the read.
    answer = _coded_answers(backend, lambda body: _coded(body, "gzip") + b"J" * (4 << 20), "gzip")
    started = time.monotonic()
    with pytest.raises(ka.TransportError) as caught:
        _get_contact(backend, answer, mode, max_response_size=1 << 20)
    assert "after the end" in str(caught.value)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("mode", MODES)
def test_a_second_gzip_member_is_refused_too(backend: BackendName, mode: str) -> None:
    # RFC 1952 allows concatenated members; Keap sends one, so a second is refused.
    answer = _coded_answers(
        backend, lambda body: _coded(body, "gzip") + _coded(b" ", "gzip"), "gzip"
    )
    with pytest.raises(ka.TransportError, match="after the end"):
        _get_contact(backend, answer, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("coding", CODINGS)
@pytest.mark.parametrize("cut", ["trailer", "half"])
def test_a_truncated_compressed_body_is_a_transport_error(
    backend: BackendName, mode: str, coding: str, cut: str
) -> None:
    def truncated(body: bytes) -> bytes:
        whole = _coded(body, coding)
        return whole[:-4] if cut == "trailer" else whole[: len(whole) // 2]

    with pytest.raises(ka.TransportError) as caught:
        _get_contact(backend, _coded_answers(backend, truncated, _header_coding(coding)), mode)
    assert type(caught.value) is ka.TransportError  # not ResponseValidationError
    assert "truncated" in str(caught.value)


def test_a_truncated_compressed_body_is_retried_like_a_lost_answer(backend: BackendName) -> None:
    answer = _coded_answers(backend, lambda body: _coded(body, "gzip")[:-8], "gzip")
    sleeps: list[float] = []
    with pytest.raises(ka.TransportError, match="truncated"):
        _get_contact(backend, answer, "sync", retry_policy=None, max_retries=1, sleep=sleeps.append)
    assert len(sleeps) == 1


@pytest.mark.parametrize("mode", MODES)
def test_an_empty_body_declared_gzip_is_empty_not_truncated(mode: str) -> None:
    # A 204 (a delete) may carry the header with nothing coded: nothing is missing.
    answer = _coded_answers("rest", lambda body: body, "gzip", status="204 No Content")
    with _serving(answer) as url:
        if mode == "sync":
            with ka.KeapClient("rest", KEY, base_url=url, retry_policy=NO_RETRY, limits=None) as c:
                c.contacts.delete(1)
        else:

            async def main() -> None:
                async with ka.AsyncKeapClient(
                    "rest", KEY, base_url=url, retry_policy=NO_RETRY, limits=None
                ) as client:
                    await client.contacts.delete(1)

            asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_thousands_of_content_codings_are_a_typed_error(backend: BackendName, mode: str) -> None:
    answer = _coded_answers(
        backend, lambda body: _coded(body, "gzip"), ", ".join(["gzip"] * 10_000)
    )
    with pytest.raises(ka.TransportError, match="content-codings"):
        _get_contact(backend, answer, mode)


@pytest.mark.parametrize("mode", MODES)
def test_two_content_codings_are_read_and_three_refused(backend: BackendName, mode: str) -> None:
    def twice(body: bytes) -> bytes:
        return _coded(_coded(body, "gzip"), "deflate")

    answer = _coded_answers(backend, twice, "gzip, deflate")
    assert _get_contact(backend, answer, mode).given_name == "Ada"
    answer = _coded_answers(
        backend, lambda body: _coded(twice(body), "gzip"), "gzip, deflate, gzip"
    )
    with pytest.raises(ka.TransportError, match="content-codings"):
        _get_contact(backend, answer, mode)


def test_many_codings_are_refused_before_any_is_set_up() -> None:
    # No zlib object, nor a nested generator, per declared coding: refused at once.
    response = httpx.Response(200, headers={"content-encoding": ", ".join(["gzip"] * 10_000)})
    with pytest.raises(httpx.DecodingError, match="content-codings"):
        _body.Reader(response, 1 << 20, time.monotonic() + 5, 5)


def test_junk_after_an_inner_coding_is_refused_too() -> None:
    inner = _coded(b'{"id": 1}', "gzip") + b"JUNK"
    response = httpx.Response(200, headers={"content-encoding": "gzip, gzip"})
    reader = _body.Reader(response, 1 << 20, time.monotonic() + 5, 5)
    with pytest.raises(httpx.DecodingError, match="after the end"):
        reader.take(_coded(inner, "gzip"))


def test_a_truncated_inner_coding_is_refused_at_the_end() -> None:
    inner = _coded(b'{"id": 1}', "gzip")[:-3]
    response = httpx.Response(200, headers={"content-encoding": "gzip, gzip"})
    reader = _body.Reader(response, 1 << 20, time.monotonic() + 5, 5)
    reader.take(_coded(inner, "gzip"))
    with pytest.raises(httpx.DecodingError, match="truncated"):
        reader.finish()


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 30])
def test_a_body_read_in_any_pieces_is_whole(piece: int) -> None:
    # What zlib holds back when an output piece fills up comes out by the end.
    data = bytes(range(256)) * 2048 + b"\0" * (3 << 20)
    coded = _coded(_coded(data, "gzip"), "deflate")
    response = httpx.Response(200, headers={"content-encoding": "gzip, deflate"})
    reader = _body.Reader(response, 8 << 20, time.monotonic() + 60, 60)
    for i in range(0, len(coded), piece):
        reader.take(coded[i : i + piece])
    reader.finish()
    assert reader.body() == data
