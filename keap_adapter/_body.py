"""Reading an answer's body within bounds: at most ``cap`` bytes once decompressed, and
only until the attempt's deadline.

httpx would read and inflate a whole body, however large; a gzip bomb (a megabyte that
inflates to a gibibyte) would then exhaust memory. Here the raw bytes are read in small
pieces and inflated with ``zlib``'s ``max_length`` (Python's zlib documentation,
``Decompress.decompress``), so memory stays near the cap whatever the ratio. Only ``gzip``
and ``deflate`` are asked for (``Accept-Encoding``), so only those are decoded.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator

import httpx

from ._exceptions import ResponseTooLargeError

__all__ = ["ACCEPT_ENCODING", "Reader", "deadline_passed"]

ACCEPT_ENCODING = "gzip, deflate"
_PIECE = 64 * 1024


def deadline_passed(seconds: float) -> httpx.ReadTimeout:
    """The error that ends an attempt at its deadline: a lost answer, for the retry policy."""
    return httpx.ReadTimeout(f"no complete answer within the whole-call deadline of {seconds:g} s")


class _Inflate:
    """One content-coding undone, in pieces of at most ``_PIECE`` bytes."""

    def __init__(self, coding: str) -> None:
        # gzip: zlib's wbits 16+MAX_WBITS; deflate: zlib-wrapped, though some servers send
        # it raw (RFC 9110 8.4.1.2 notes the confusion), so the first bytes decide.
        self._coding = coding
        self._inflater = zlib.decompressobj(
            16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
        )
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and self._coding == "deflate" and data and data[0] & 0x0F != 8:
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
        self._started = True
        try:
            out = self._inflater.decompress(data, _PIECE)
            yield out
            while self._inflater.unconsumed_tail:
                yield self._inflater.decompress(self._inflater.unconsumed_tail, _PIECE)
        except zlib.error as exc:
            raise httpx.DecodingError(f"the {self._coding} body is corrupt: {exc}") from exc


class Reader:
    """Decodes and counts one answer's body; raises past the cap or the deadline."""

    def __init__(self, response: httpx.Response, cap: int, deadline: float, limit: float) -> None:
        self._cap, self._deadline, self._limit = cap, deadline, limit
        codings = [
            c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")
        ]
        codings = [c for c in codings if c and c != "identity"]
        unknown = [c for c in codings if c not in ("gzip", "deflate")]
        if unknown:
            raise httpx.DecodingError(f"unasked-for content-encoding {', '.join(unknown)}")
        self._layers = [_Inflate(c) for c in reversed(codings)]
        self._parts: list[bytes] = []
        self._size = 0

    def take(self, raw: bytes) -> None:
        """Add one raw piece."""
        if time.monotonic() > self._deadline:
            raise deadline_passed(self._limit)
        for piece in self._decoded([raw], 0):
            self._size += len(piece)
            self.check(self._size)
            self._parts.append(piece)

    def check(self, size: int) -> None:
        """Raise if ``size`` bytes are over the cap."""
        if size > self._cap:
            raise ResponseTooLargeError(
                f"the answer is larger than max_response_size ({_size(self._cap)}); "
                "reading stopped there"
            )

    def _decoded(self, pieces: Iterable[bytes], depth: int) -> Iterator[bytes]:
        if depth == len(self._layers):
            yield from pieces
            return
        for piece in pieces:
            yield from self._decoded(self._layers[depth].feed(piece), depth + 1)

    def body(self) -> bytes:
        """Everything read, decoded."""
        return b"".join(self._parts)


def _size(cap: int) -> str:
    return f"{cap // (1 << 20)} MiB" if cap % (1 << 20) == 0 else f"{cap} bytes"


def _in_memory(response: httpx.Response, reader: Reader) -> bool:
    """A transport that answered with a body already read and decoded (a mock, a cassette):
    only its size is checked."""
    if not response.is_stream_consumed:
        return False
    reader.check(len(response.content))
    return True


def read(response: httpx.Response, reader: Reader) -> httpx.Response:
    """Read a streamed ``response`` through ``reader``; the answer with its body in memory."""
    if _in_memory(response, reader):
        return response
    for raw in response.iter_raw():
        reader.take(raw)
    return _holding(response, reader.body())


async def aread(response: httpx.Response, reader: Reader) -> httpx.Response:
    """:func:`read`, for the async client."""
    if _in_memory(response, reader):
        return response
    async for raw in response.aiter_raw():
        reader.take(raw)
    return _holding(response, reader.body())


def _holding(response: httpx.Response, body: bytes) -> httpx.Response:
    """``response`` holding its decoded ``body``, as ``Response.read()`` leaves it (httpx
    keeps a read body in ``_content``; ``.content``, ``.text`` and ``.json()`` use it and
    decode nothing again). Setting it spares building a second response on every call."""
    response._content = body
    return response
