"""Reading an answer's body within bounds: at most ``cap`` bytes once decompressed, and
only until the attempt's deadline.

httpx would read and inflate a whole body, however large; a gzip bomb (a megabyte that
inflates to a gibibyte) would then exhaust memory. Here the raw bytes are read in small
pieces and inflated with ``zlib``'s ``max_length`` (Python's zlib documentation,
``Decompress.decompress``), so memory stays near the cap whatever the ratio. Only ``gzip``
and ``deflate`` are asked for (``Accept-Encoding``), so only those are decoded, at most
:data:`MAX_CODINGS` of them on one body.

A coded body must end exactly where its coding does: bytes after the end marker (zlib's
``unused_data``, which nothing would count) and a body that stops before it are both
``httpx.DecodingError``, which the clients report as a lost answer (``TransportError``),
like a plain body cut short. A second gzip member (RFC 1952 allows several) is refused too.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator

import httpx

from ._exceptions import ResponseTooLargeError

__all__ = ["ACCEPT_ENCODING", "MAX_CODINGS", "Reader", "deadline_passed"]

ACCEPT_ENCODING = "gzip, deflate"
# What we ask for, each once, is two codings; more on one body is no server of ours.
MAX_CODINGS = 2
_PIECE = 64 * 1024


def deadline_passed(seconds: float) -> httpx.ReadTimeout:
    """The error that ends an attempt at its deadline: a lost answer, for the retry policy."""
    return httpx.ReadTimeout(f"no complete answer within the whole-call deadline of {seconds:g} s")


class _Inflate:
    """One content-coding undone, in pieces of at most ``_PIECE`` bytes, refusing anything
    after the end of the coded stream and, at the end of the body, a stream cut short."""

    def __init__(self, coding: str) -> None:
        # gzip: zlib's wbits 16+MAX_WBITS; deflate: zlib-wrapped, though some servers send
        # it raw (RFC 9110 8.4.1.2 notes the confusion), so the first bytes decide.
        self._coding = coding
        self._inflater = zlib.decompressobj(
            16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
        )
        self._started = False

    def inflate(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        """``pieces`` decoded, lazily: a bomb is stopped one output piece at a time."""
        for piece in pieces:
            yield from self.feed(piece)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        if self._inflater.eof:
            raise self._after_end()
        if not self._started and self._coding == "deflate" and data[0] & 0x0F != 8:
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
        self._started = True
        yield from self._run(data)
        # While zlib holds input back (the output piece was full), go on with it.
        while self._inflater.unconsumed_tail:
            yield from self._run(self._inflater.unconsumed_tail)

    def end(self) -> Iterator[bytes]:
        """What zlib still holds, then an error if the stream has not reached its end."""
        if not self._started:
            return  # an empty body (a 204 declared gzip, say): nothing was coded
        while not self._inflater.eof:
            out = self._decompress(b"")
            if not out:
                raise httpx.DecodingError(
                    f"the {self._coding} body ends before its end marker (truncated)"
                )
            yield out

    def _run(self, data: bytes) -> Iterator[bytes]:
        out = self._decompress(data)
        # Past the end, zlib keeps the rest in unused_data, uncounted and copied again on
        # each call; RFC 1952 allows more gzip members, but one answer is one member.
        if self._inflater.unused_data:
            raise self._after_end()
        if out:
            yield out

    def _decompress(self, data: bytes) -> bytes:
        try:
            return self._inflater.decompress(data, _PIECE)
        except zlib.error as exc:
            raise httpx.DecodingError(f"the {self._coding} body is corrupt: {exc}") from exc

    def _after_end(self) -> httpx.DecodingError:
        return httpx.DecodingError(f"data after the end of the {self._coding} body")


class Reader:
    """Decodes and counts one answer's body; raises past the cap or the deadline."""

    def __init__(self, response: httpx.Response, cap: int, deadline: float, limit: float) -> None:
        self._cap, self._deadline, self._limit = cap, deadline, limit
        codings = [
            c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")
        ]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > MAX_CODINGS:
            raise httpx.DecodingError(
                f"{len(codings)} content-codings on one body; at most {MAX_CODINGS} are read"
            )
        unknown = [c for c in codings if c not in ("gzip", "deflate")]
        if unknown:
            raise httpx.DecodingError(f"unasked-for content-encoding {', '.join(unknown)}")
        # The last coding applied is the first undone (RFC 9110 8.4).
        self._layers = [_Inflate(c) for c in reversed(codings)]
        self._parts: list[bytes] = []
        self._size = 0

    def take(self, raw: bytes) -> None:
        """Add one raw piece."""
        if time.monotonic() > self._deadline:
            raise deadline_passed(self._limit)
        self._keep(self._decoded(iter((raw,)), 0))

    def finish(self) -> None:
        """The body has ended: take what each layer still holds, and raise if one of them
        stopped before its end marker (a truncated answer, like a cut plain body)."""
        for depth, layer in enumerate(self._layers):
            self._keep(self._decoded(layer.end(), depth + 1))

    def check(self, size: int) -> None:
        """Raise if ``size`` bytes are over the cap."""
        if size > self._cap:
            raise ResponseTooLargeError(
                f"the answer is larger than max_response_size ({_size(self._cap)}); "
                "reading stopped there"
            )

    def _keep(self, pieces: Iterable[bytes]) -> None:
        for piece in pieces:
            self._size += len(piece)
            self.check(self._size)
            self._parts.append(piece)

    def _decoded(self, pieces: Iterator[bytes], start: int) -> Iterator[bytes]:
        """``pieces`` through the layers from ``start`` on: a chain of at most
        ``MAX_CODINGS`` generators, built in a loop."""
        for layer in self._layers[start:]:
            pieces = layer.inflate(pieces)
        return pieces

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
    reader.finish()
    return _holding(response, reader.body())


async def aread(response: httpx.Response, reader: Reader) -> httpx.Response:
    """:func:`read`, for the async client."""
    if _in_memory(response, reader):
        return response
    async for raw in response.aiter_raw():
        reader.take(raw)
    reader.finish()
    return _holding(response, reader.body())


def _holding(response: httpx.Response, body: bytes) -> httpx.Response:
    """``response`` holding its decoded ``body``, as ``Response.read()`` leaves it (httpx
    keeps a read body in ``_content``; ``.content``, ``.text`` and ``.json()`` use it and
    decode nothing again). Setting it spares building a second response on every call."""
    response._content = body
    return response
