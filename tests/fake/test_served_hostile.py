"""The served fake against hostile or broken HTTP, spoken over raw loopback sockets.

Every malformed request gets an answer (4xx, or 501 for a transfer coding the server does
not implement, as RFC 9112 section 6.1 says), a chunked body is one request, a request framed
by both Content-Length and Transfer-Encoding is refused with its connection closed (so no
request smuggled behind it is answered), bodies are capped, idle connections are closed, so
are connections whose request is not sent whole in time (slowloris), and the threads
answering stay few.
"""

from __future__ import annotations

import contextlib
import io
import resource
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from keap_adapter.testing import FakeKeap, FakeServer
from keap_adapter.testing._wsgi import WsgiApp

KEY = "fake-keap-api-key"
TAGS = "/crm/rest/v2/tags"
Answer = tuple[int, dict[str, str], bytes]


@pytest.fixture
def fake() -> FakeKeap:
    return FakeKeap()


@pytest.fixture
def server(fake: FakeKeap) -> Iterator[FakeServer]:
    with fake.serve(max_body=4096, idle_timeout=1) as served:
        yield served


def _address(server: FakeServer) -> tuple[str, int]:
    host, _, port = server.url.removeprefix("http://").rpartition(":")
    return host, int(port)


def _connect(server: FakeServer, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(_address(server), timeout=timeout)


def _read_to_eof(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or the socket times out)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _exchange(server: FakeServer, raw: bytes, timeout: float = 5.0) -> list[Answer]:
    """Send raw bytes on one connection; every answer until the server closes it."""
    with _connect(server, timeout) as sock:
        sock.sendall(raw)
        return _parse(_read_to_eof(sock))


def _parse(data: bytes) -> list[Answer]:
    """Split a byte stream into HTTP/1.x answers; each carries Content-Length."""
    answers: list[Answer] = []
    stream = io.BytesIO(data)
    while status_line := stream.readline():
        version, code, *_ = status_line.split(b" ", 2)
        # A request too broken to show its version is answered in HTTP/1.0.
        assert version in (b"HTTP/1.0", b"HTTP/1.1"), status_line
        headers: dict[str, str] = {}
        while (line := stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = stream.read(int(headers.get("content-length", "0")))
        answers.append((int(code), headers, body))
    return answers


def _request(method: str, path: str, *lines: str, body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: fake", f"X-Keap-API-Key: {KEY}", *lines]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _still_answers(server: FakeServer) -> None:
    response = httpx.get(server.url + TAGS, headers={"X-Keap-API-Key": KEY}, timeout=5)
    assert response.status_code == 200


# ------------------------------------------------------------------ framing


def test_a_chunked_body_is_read_as_one_request(fake: FakeKeap, server: FakeServer) -> None:
    chunks = b'7\r\n{"name"\r\n7\r\n:"VIP"}\r\n0\r\n\r\n'
    raw = _request(
        "POST",
        TAGS,
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "Connection: close",
        body=chunks,
    )

    answers = _exchange(server, raw)

    assert [code for code, _, _ in answers] == [201]  # no second, smuggled answer
    assert [(r.method, r.url.path, r.content) for r in fake.requests] == [
        ("POST", TAGS, b'{"name":"VIP"}')
    ]


def _exchange_until_quiet(
    server: FakeServer, raw: bytes, quiet: float = 2.0
) -> tuple[list[Answer], bool]:
    """Send raw bytes on one connection: the answers, and whether the server closed it.

    Reads until the server closes the connection or sends nothing for ``quiet`` seconds.
    """
    with _connect(server, timeout=quiet) as sock:
        sock.sendall(raw)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except TimeoutError:
            return _parse(data), False
        except ConnectionResetError:
            pass
        return _parse(data), True


# A request framed by both Content-Length and Transfer-Encoding, and a second request
# hidden in its body: a front end reading by Content-Length (4) sees one request, a server
# reading the chunks two. RFC 9112 section 6.1 (and 6.3): such a message is an error, or
# the connection is closed after it; HTTP/1.0 has no Transfer-Encoding, so one in an
# HTTP/1.0 request is faulty framing. Either way the hidden request must go unanswered.
_SMUGGLED = _request("GET", TAGS, "Connection: close")
_FRAMED_TWICE = {
    "http/1.1": _request(
        "POST", TAGS, "Content-Length: 4", "Transfer-Encoding: chunked", body=b"0\r\n\r\n"
    ),
    "http/1.1 te first": _request(
        "POST", TAGS, "Transfer-Encoding: chunked", "Content-Length: 5", body=b"0\r\n\r\n"
    ),
    **{
        f"http/{version} keep-alive": (
            f"POST {TAGS} HTTP/{version}\r\nHost: fake\r\nX-Keap-API-Key: {KEY}\r\n"
            "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"
            "\r\n0\r\n\r\n"
        ).encode()
        for version in ("1.0", "1.2")
    },
}


@pytest.mark.parametrize("first", list(_FRAMED_TWICE.values()), ids=list(_FRAMED_TWICE))
def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(
    fake: FakeKeap, server: FakeServer, first: bytes
) -> None:
    answers, closed = _exchange_until_quiet(server, first + _SMUGGLED)

    assert [code for code, _, _ in answers] == [400]  # the smuggled GET got no answer
    assert answers[0][1].get("connection") == "close"
    assert closed
    assert fake.requests == []  # the fake saw neither
    _still_answers(server)


def test_a_chunked_request_without_content_length_keeps_the_connection(
    server: FakeServer,
) -> None:
    chunked = _request("POST", TAGS, "Transfer-Encoding: chunked", body=b"0\r\n\r\n")

    answers, closed = _exchange_until_quiet(server, chunked + _SMUGGLED)

    # Not refused for being chunked: the empty body is a 400 from the fake itself.
    assert [code for code, _, _ in answers] == [400, 200]
    assert answers[0][1].get("connection") != "close"
    assert closed  # by the second request's Connection: close


def test_a_pipelined_pair_gets_two_answers_in_order(server: FakeServer) -> None:
    raw = _request("GET", TAGS) + _request("GET", "/nowhere", "Connection: close")

    answers = _exchange(server, raw)

    assert [code for code, _, _ in answers] == [200, 404]
    assert b'"tags"' in answers[0][2]


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("Content-Length: abc", 400),
        ("Content-Length: -1", 400),
        ("Content-Length: 1.5", 400),
        ("Content-Length: 3, 4", 400),
        ("Content-Length: +3", 400),
        ("No colon on this line", 400),
        # RFC 9112 section 6.1: a transfer coding the server does not understand is a 501.
        ("Transfer-Encoding: gzip", 501),
    ],
)
def test_a_malformed_request_gets_an_answer_promptly(
    fake: FakeKeap, server: FakeServer, header: str, status: int
) -> None:
    started = time.monotonic()

    answers = _exchange(server, _request("POST", TAGS, header, body=b"abc"), timeout=3)

    assert [code for code, _, _ in answers] == [status]
    assert time.monotonic() - started < 2  # answered, not left waiting for a body
    assert fake.requests == []  # the fake never saw it
    _still_answers(server)


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /\rx HTTP/1.1\r\nHost: fake\r\n\r\n",
        b"GET / HTTP/1.1\r\n Host: fake\r\n\r\n",
        b"\x16\x03\x01\x00\x05hello\r\n\r\n",
    ],
    ids=["bare-cr-in-target", "folded-header", "tls-hello"],
)
def test_garbage_gets_a_400(server: FakeServer, raw: bytes) -> None:
    answers = _exchange(server, raw, timeout=3)

    assert [code for code, _, _ in answers] == [400]


def test_a_header_that_is_not_ascii_is_passed_on_not_a_crash(
    fake: FakeKeap, server: FakeServer
) -> None:
    raw = _request("GET", TAGS, "X-Note: caf\xe9", "Connection: close")

    answers = _exchange(server, raw)

    assert [code for code, _, _ in answers] == [200]
    assert fake.requests[0].headers.get_list("x-note") == ["caf\xe9"]


# ------------------------------------------------------------------ bodies


def test_a_body_over_the_cap_gets_413_before_it_is_sent(server: FakeServer) -> None:
    raw = _request("POST", TAGS, "Content-Type: application/json", "Content-Length: 100000000")

    started = time.monotonic()
    answers = _exchange(server, raw, timeout=3)  # the 100 MB body is never sent

    assert [code for code, _, _ in answers] == [413]
    assert time.monotonic() - started < 2
    _still_answers(server)


def test_a_chunked_body_over_the_cap_gets_413(server: FakeServer) -> None:
    head = _request("POST", TAGS, "Content-Type: application/json", "Transfer-Encoding: chunked")
    with _connect(server, timeout=3) as sock:
        sock.sendall(head)
        sent = 0
        # A KiB at a time, never a last chunk, until the server answers: it must not wait
        # for the end of a body already over the 4 KiB cap. Pausing between chunks lets the
        # server read each one, so it closes with nothing unread (which would reset).
        while not select.select([sock], [], [], 0.05)[0]:
            assert sent < 100, "no answer after 100 KiB"
            sock.sendall(b"400\r\n" + b" " * 1024 + b"\r\n")
            sent += 1
        answers = _parse(_read_to_eof(sock))

    assert [code for code, _, _ in answers] == [413]
    assert sent <= 6


def test_a_body_of_exactly_the_cap_is_read(fake: FakeKeap, server: FakeServer) -> None:
    body = b'{"name":"' + b"x" * (4096 - 11) + b'"}'
    assert len(body) == 4096

    answers = _exchange(
        server,
        _request("POST", TAGS, f"Content-Length: {len(body)}", "Connection: close", body=body),
    )

    assert answers[0][0] != 413
    assert fake.requests[0].content == body


def _nested_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "body",
    [
        _nested_json(5000),
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        _nested_json(500),  # under the interpreter's recursion limit, over the fake's
        b'{"name":' + _nested_json(200) + b"}",
    ],
    ids=["list-5000", "object-5000", "list-500", "inside-an-object-200"],
)
@pytest.mark.parametrize("path", [TAGS, "/crm/rest/v2/contacts"])
def test_deeply_nested_json_gets_400_and_the_server_goes_on(
    path: str, body: bytes, fake: FakeKeap
) -> None:
    with fake.serve() as server:
        response = httpx.post(
            server.url + path,
            content=body,
            headers={"X-Keap-API-Key": KEY, "Content-Type": "application/json"},
        )
        _still_answers(server)

    assert response.status_code == 400
    assert "nested" in response.json()["message"]


def test_nesting_within_the_limit_is_read(fake: FakeKeap) -> None:
    # What the fake does with the body is its routes' business; the depth alone is fine.
    body = b'{"name": "VIP", "extra": ' + _nested_json(50) + b"}"

    response = fake.handle(
        httpx.Request("POST", "http://fake" + TAGS, content=body, headers={"X-Keap-API-Key": KEY})
    )

    assert "nested" not in response.text


def _nested_xmlrpc(depth: int) -> bytes:
    value = b"<array><data><value>" * depth + b"<int>1</int>" + b"</value></data></array>" * depth
    return (
        b"<?xml version='1.0'?><methodCall><methodName>ContactService.add</methodName>"
        b"<params><param><value><string>" + KEY.encode() + b"</string></value></param>"
        b"<param><value>" + value + b"</value></param></params></methodCall>"
    )


@pytest.mark.parametrize("depth", [5000, 500])
def test_deeply_nested_xmlrpc_gets_a_fault_and_the_server_goes_on(
    depth: int, fake: FakeKeap
) -> None:
    with fake.serve() as server:
        response = httpx.post(server.url + "/crm/xmlrpc/v1", content=_nested_xmlrpc(depth))
        _still_answers(server)

    # XML-RPC answers an unreadable call with a fault on HTTP 200, as for any other.
    assert response.status_code == 200
    assert b"<fault>" in response.content
    assert b"nested" in response.content


# ------------------------------------------------------------------ connections and threads


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def _room_for_sockets(count: int) -> None:
    """Raise the open-file limit if it is too low for ``count`` sockets at both ends."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * count + 256  # the test's end, the server's end, and what pytest holds
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the open-file limit ({hard}) is too low for {count} connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _ended(threads: set[threading.Thread]) -> bool:
    """Whether these threads end soon: waitress's workers leave its pool, then return."""
    for thread in threads:
        thread.join(timeout=5)
    return not [thread for thread in threads if thread.is_alive()]


def test_idle_connections_are_closed_and_cost_no_thread(fake: FakeKeap) -> None:
    _room_for_sockets(401)
    before = threading.active_count()
    with fake.serve(idle_timeout=1, threads=4, connection_limit=1000) as server:
        during = threading.active_count()
        idle = [_connect(server, timeout=10) for _ in range(400)]
        half_sent = _connect(server, timeout=10)
        half_sent.sendall(b"POST /crm/rest/v2/tags HTTP/1.1\r\nHost: fake\r\nContent-Le")
        try:
            time.sleep(0.3)  # let the server accept them all
            assert threading.active_count() <= during  # no thread per connection
            _still_answers(server)  # idle sockets do not starve others

            assert all(_closed_by_server(sock) for sock in [*idle, half_sent])
        finally:
            for sock in [*idle, half_sent]:
                sock.close()
    assert during <= before + 4 + 1  # the answering threads and the event loop


def test_slow_requests_cannot_hold_every_connection(fake: FakeKeap) -> None:
    # Slowloris: clients that never finish a request, yet are never idle, fill the
    # connection limit; each must be closed once its request is request_timeout seconds
    # old, so that a client waiting in the listen backlog is answered.
    with FakeServer(fake.handle, connection_limit=5, request_timeout=1) as server:
        head = _request("POST", TAGS, "Content-Length: 1000")
        slow = [_connect(server) for _ in range(6)]
        for sock in slow[:3]:
            sock.sendall(head[:20])  # headers, a byte at a time from here
        for sock in slow[3:5]:
            sock.sendall(head)  # the body, a byte at a time from here
        # slow[5] sends nothing at all: a new connection owes its first request at once.
        stop = threading.Event()

        def drip() -> None:
            while not stop.wait(0.2):
                for sock in slow[:5]:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X")

        dripper = threading.Thread(target=drip)
        dripper.start()
        try:
            time.sleep(0.3)  # the slow clients hold every slot
            started = time.monotonic()
            response = httpx.get(server.url + TAGS, headers={"X-Keap-API-Key": KEY}, timeout=8)
            waited = time.monotonic() - started

            assert response.status_code == 200
            assert waited < 5
            assert all(_closed_by_server(sock) for sock in slow)
        finally:
            stop.set()
            dripper.join()
            for sock in slow:
                sock.close()
    assert fake.requests[-1].method == "GET"  # none of the slow requests reached the fake
    assert all(request.method == "GET" for request in fake.requests)


def test_a_request_sent_within_request_timeout_is_answered(fake: FakeKeap) -> None:
    with FakeServer(fake.handle, request_timeout=1) as server, _connect(server) as sock:
        raw = _request("GET", TAGS, "Connection: close")
        for piece in (raw[:10], raw[10:30], raw[30:]):  # slow, but within the second
            sock.sendall(piece)
            time.sleep(0.2)
        time.sleep(0.5)  # and the answer waits: the deadline is for the request alone

        assert [code for code, _, _ in _parse(_read_to_eof(sock))] == [200]


def test_a_kept_alive_connection_is_closed_by_idle_timeout_not_request_timeout(
    fake: FakeKeap,
) -> None:
    server = FakeServer(fake.handle, idle_timeout=60, request_timeout=1)
    with server, _connect(server) as sock:
        sock.sendall(_request("GET", TAGS))
        time.sleep(2)  # idle between requests, past request_timeout
        sock.sendall(_request("GET", TAGS, "Connection: close"))

        assert [code for code, _, _ in _parse(_read_to_eof(sock))] == [200, 200]


def test_the_answering_threads_are_bounded_under_concurrent_load(fake: FakeKeap) -> None:
    before = set(threading.enumerate())
    with fake.serve(threads=2) as server:

        def client() -> None:
            with httpx.Client(base_url=server.url, headers={"X-Keap-API-Key": KEY}) as http:
                for _ in range(5):
                    assert http.get(TAGS).status_code == 200

        workers = [threading.Thread(target=client) for _ in range(12)]
        for worker in workers:
            worker.start()
        peak = 0
        while any(worker.is_alive() for worker in workers):
            peak = max(peak, len(set(threading.enumerate()) - before - set(workers)))
            time.sleep(0.005)
        for worker in workers:
            worker.join()

    assert 0 < peak <= 2 + 1  # the answering threads and the event loop


def test_close_ends_the_servers_threads(fake: FakeKeap) -> None:
    before = set(threading.enumerate())
    server = fake.serve()
    _still_answers(server)
    started = set(threading.enumerate()) - before

    server.close()
    server.close()  # a second close is harmless

    assert started  # the event loop and the answering threads
    assert not [t for t in started if t.name == "FakeKeap-server" and t.is_alive()]  # joined
    assert _ended(started)


# ------------------------------------------------------------------ the WSGI app alone


def _environ(**extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": TAGS,
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(b'{"name":"VIP"}'),
        **extra,
    }


def _call(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, bytes]:
    said: list[str] = []

    def start_response(status: str, _headers: list[tuple[str, str]], _exc: Any = None) -> Any:
        said.append(status)
        return None

    body = b"".join(app(environ, start_response))
    return said[0], body


@pytest.mark.parametrize(
    ("length", "status"),
    [("-1", "400"), ("abc", "400"), ("5000", "413")],
)
def test_the_app_checks_lengths_itself_for_servers_that_do_not(
    fake: FakeKeap, length: str, status: str
) -> None:
    app = WsgiApp(fake.handle, "http://127.0.0.1:1", max_body=4096)

    said, _ = _call(app, _environ(CONTENT_LENGTH=length))

    assert said.split()[0] == status
    assert fake.requests == []


def test_the_app_rebuilds_a_target_from_path_info(fake: FakeKeap) -> None:
    app = WsgiApp(fake.handle, "http://127.0.0.1:1")
    environ = _environ(REQUEST_METHOD="GET", PATH_INFO="/crm/rest/v2/tags", QUERY_STRING="limit=1")
    environ["HTTP_X_KEAP_API_KEY"] = KEY

    said, _ = _call(app, environ)

    assert said == "200 OK"
    assert str(fake.requests[0].url) == "http://127.0.0.1:1/crm/rest/v2/tags?limit=1"
