"""A loopback server that answers slowly on purpose: headers then a body a byte at a time,
or headers a byte at a time. Each connection gets one scripted answer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


def _serve(
    listener: socket.socket, answer: bytes, split: int, pause: float, stop: threading.Event
) -> None:
    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        threading.Thread(target=_drip, args=(conn, answer, split, pause, stop), daemon=True).start()


def _drip(
    conn: socket.socket, answer: bytes, split: int, pause: float, stop: threading.Event
) -> None:
    with conn:
        conn.settimeout(5)
        try:
            conn.recv(65536)
            conn.sendall(answer[:split])
            for i in range(split, len(answer)):
                if stop.is_set():
                    return
                conn.sendall(answer[i : i + 1])
                time.sleep(pause)
        except OSError:
            return


@contextmanager
def dripping(answer: bytes, *, split: int, pause: float) -> Iterator[str]:
    """Serve ``answer``: the first ``split`` bytes at once, then one byte every ``pause`` s.
    Yields the base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    thread = threading.Thread(
        target=_serve, args=(listener, answer, split, pause, stop), daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/crm"
    finally:
        stop.set()
        thread.join()
        listener.close()


def http_answer(
    body: bytes, *, status: str = "200 OK", content_type: str = "application/json"
) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def chunked_answer(body: bytes, content_type: str = "application/json") -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"1\r\n" + body[i : i + 1] + b"\r\n" for i in range(len(body)))
    return head.encode() + chunks + b"0\r\n\r\n"
