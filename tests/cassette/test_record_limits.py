"""Recording reads the real answer within the same bounds as the client: the size cap once
decompressed, the coded stream's end, and (sync) the whole-call deadline down to each read.

Before, the cassette read the real answer whole with httpx (``response.read()``): a 64 KiB
gzip bomb became 64 MiB in memory and in the file before the client's cap ever ran, and the
sync client's deadline did not reach the cassette's own transport. An answer refused while
recording is never written to the file, and the client raises what it raises without a
cassette (``ResponseTooLargeError``, ``TransportError``).
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter._config import MAX_RESPONSE_SIZE
from keap_adapter.testing._cassette import Cassette
from tests.hostile.drip import dripping, http_answer
from tests.hostile.test_bounded import _coded, _coded_answers, _contact_body, _serving

NO_RETRY = ka.RetryPolicy(max_retries=0)
KEY = "KeapAK-hostile-test-key-0123"  # a key of a plausible length
MODES = ["sync", "async"]


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


def _gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"0" * (1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(size >> 20)) + packer.flush()


def _bomb_answers(bomb: bytes, backend: BackendName) -> Callable[[bytes], bytes]:
    content_type = "text/xml" if backend == "xmlrpc" else "application/json"
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(bomb)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return lambda request: head + bomb


def _get(
    backend: BackendName,
    cassette: Cassette,
    mode: str,
    url: str = "https://api.infusionsoft.com/crm",
    **options: Any,
) -> ka.Contact:
    """contacts.get(1) through ``cassette``, by the sync or the async client."""
    settings: dict[str, Any] = {"base_url": url, "retry_policy": NO_RETRY, "limits": None}
    settings |= options
    if mode == "sync":
        with cassette, ka.KeapClient(backend, KEY, transport=cassette.transport, **settings) as c:
            return c.contacts.get(1)

    async def main() -> ka.Contact:
        async with (
            cassette,
            ka.AsyncKeapClient(backend, KEY, transport=cassette.transport, **settings) as client,
        ):
            return await client.contacts.get(1)

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_recording_a_gzip_bomb_stops_at_the_cap_and_writes_nothing(
    tmp_path: Path, backend: BackendName, mode: str
) -> None:
    path = tmp_path / "bomb.json"
    bomb = _gzip_bomb(64 << 20)  # 64 MiB of "0" in about 64 KB
    with _serving(_bomb_answers(bomb, backend)) as url:
        tracemalloc.start()
        try:
            with pytest.raises(ka.ResponseTooLargeError) as caught:
                _get(backend, Cassette(path, "once"), mode, url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < MAX_RESPONSE_SIZE + (16 << 20)
    assert caught.value.operation == "contacts.get"
    assert "16 MiB" in str(caught.value)
    assert not path.exists()  # nothing was recorded, so nothing is saved


class _SyncBomb(httpx.SyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.body), 4096):
            yield self.body[i : i + 4096]


class _AsyncBomb(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.body), 4096):
            yield self.body[i : i + 4096]


@pytest.mark.parametrize("mode", MODES)
def test_a_given_real_transport_is_read_within_the_cap_too(
    tmp_path: Path, backend: BackendName, mode: str
) -> None:
    bomb = _gzip_bomb(64 << 20)
    stream = _SyncBomb(bomb) if mode == "sync" else _AsyncBomb(bomb)
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    real = httpx.MockTransport(lambda request: httpx.Response(200, headers=headers, stream=stream))
    path = tmp_path / "bomb.json"
    tracemalloc.start()
    try:
        with pytest.raises(ka.ResponseTooLargeError):
            _get(backend, Cassette(path, "once", real_transport=real), mode)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_RESPONSE_SIZE + (16 << 20)
    assert not path.exists()


@pytest.mark.parametrize("mode", MODES)
def test_the_cassette_has_a_cap_of_its_own(tmp_path: Path, mode: str) -> None:
    body = b'{"id": 1, "given_name": "' + b"a" * 1000 + b'"}'
    real = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    path = tmp_path / "capped.json"
    with pytest.raises(ka.ResponseTooLargeError, match="1000 bytes"):
        _get("rest", Cassette(path, "once", real_transport=real, max_response_size=1000), mode)
    assert not path.exists()
    # Within the cassette's cap: recorded, and the client's own cap still applies on top.
    assert _get("rest", Cassette(path, "once", real_transport=real), mode).id == 1
    assert path.exists()


@pytest.mark.parametrize("cap", [0, -1, 1.5, True, "16"])
def test_a_bad_cassette_cap_is_refused(tmp_path: Path, cap: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        Cassette(tmp_path / "c.json", "once", max_response_size=cap)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flaw", ["truncated", "junk after the end"])
def test_a_badly_coded_answer_is_a_transport_error_and_not_recorded(
    tmp_path: Path, backend: BackendName, mode: str, flaw: str
) -> None:
    def code(body: bytes) -> bytes:
        whole = _coded(body, "gzip")
        return whole[:-6] if flaw == "truncated" else whole + b"JUNK"

    path = tmp_path / "flawed.json"
    with _serving(_coded_answers(backend, code, "gzip")) as url, pytest.raises(ka.TransportError):
        _get(backend, Cassette(path, "once"), mode, url)
    assert not path.exists()


@pytest.mark.parametrize("mode", MODES)
def test_a_well_coded_answer_is_recorded_decoded_and_replays(
    tmp_path: Path, backend: BackendName, mode: str
) -> None:
    path = tmp_path / "good.json"
    answers = _coded_answers(backend, lambda body: _coded(body, "gzip"), "gzip")
    with _serving(answers) as url:
        assert _get(backend, Cassette(path, "once"), mode, url).given_name == "Ada"
    text = path.read_text("utf-8")
    assert "Ada" in text
    assert "content-encoding" not in text.lower()
    assert _get(backend, Cassette(path, "none"), mode).given_name == "Ada"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_recording_keeps_the_call_deadline(tmp_path: Path, mode: str) -> None:
    # Sync: the cassette's own HTTPTransport gets the per-read deadline (before, each byte
    # came within `timeout`, so the call went on until the whole body had dripped in).
    answer = http_answer(_contact_body("rest", b"") + b" " * 40)
    split = answer.index(b"\r\n\r\n") + 4
    path = tmp_path / "slow.json"
    with dripping(answer, split=split, pause=0.05) as url:
        started = time.monotonic()
        with pytest.raises(ka.TransportError, match="deadline"):
            _get("rest", Cassette(path, "once"), mode, url, timeout=0.2, call_deadline=0.6)
        took = time.monotonic() - started
    assert took < 1.5
    assert not path.exists()


class _SlowStream(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b'{"id": 1, "given_name": "Ada"'
        for _ in range(60):
            time.sleep(0.05)
            yield b" "
        yield b"}"


def test_a_slow_given_real_transport_ends_at_the_sync_deadline(tmp_path: Path) -> None:
    # No socket to bound: the reader checks the attempt's deadline between pieces.
    real = httpx.MockTransport(lambda request: httpx.Response(200, stream=_SlowStream()))
    path = tmp_path / "slow.json"
    started = time.monotonic()
    with pytest.raises(ka.TransportError, match="deadline"):
        _get("rest", Cassette(path, "once", real_transport=real), "sync", call_deadline=0.6)
    assert time.monotonic() - started < 1.5
    assert not path.exists()
