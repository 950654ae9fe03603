"""A whole-call deadline for the sync client, down to each socket read.

httpx's ``timeout`` bounds each read, not a call: a server sending a byte a second keeps a
call alive for ever. The async client wraps each attempt in ``asyncio.wait_for``; a thread
cannot be interrupted that way, so the sync client's own transport gets a network backend
(httpcore's ``NetworkBackend`` interface) whose every connect, read and write is given at
most the time left before the attempt's deadline, which the driver sets per thread.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from collections.abc import Iterator

import httpcore
import httpx

__all__ = ["DeadlineBackend", "attempt", "with_deadlines"]

_local = threading.local()


@contextlib.contextmanager
def attempt(end: float) -> Iterator[None]:
    """Give this thread's socket operations until ``end`` (``time.monotonic()``)."""
    _local.end = end
    try:
        yield
    finally:
        _local.end = None


def _left(timeout: float | None) -> float | None:
    end: float | None = getattr(_local, "end", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the whole-call deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Wraps a network backend so each socket operation respects the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(
            self._inner.connect_tcp(host, port, _left(timeout), local_address, socket_options)
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def with_deadlines(transport: httpx.HTTPTransport) -> httpx.HTTPTransport:
    """``transport`` with its pool's network backend wrapped (httpcore's ``ConnectionPool``
    keeps it as ``_network_backend``; if a future httpcore moves it, reads are bounded by
    ``timeout`` and the body by the deadline, as before)."""
    pool = getattr(transport, "_pool", None)
    inner = getattr(pool, "_network_backend", None)
    if isinstance(inner, httpcore.NetworkBackend):
        pool._network_backend = DeadlineBackend(inner)  # type: ignore[union-attr]
    return transport
