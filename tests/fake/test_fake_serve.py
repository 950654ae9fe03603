"""FakeKeap.serve(): the fake over a real loopback socket, from a background thread."""

from __future__ import annotations

import errno
import re
import socket
import subprocess
import sys
import threading
import xmlrpc.client

import httpx
import pytest

from keap_adapter.cli import main
from keap_adapter.testing import FakeKeap

KEY = "fake-keap-api-key"


def test_default_key_and_url_shape() -> None:
    fake = FakeKeap()

    with fake.serve() as server:
        host, _, port = server.url.removeprefix("http://").partition(":")
        response = httpx.get(server.url + "/crm/rest/v2/contacts", headers={"X-Keap-API-Key": KEY})

    assert host == "127.0.0.1"
    assert int(port) > 0
    assert response.status_code == 200
    assert response.json() == {"contacts": [], "next_page_token": ""}
    assert response.headers["x-keap-product-quota-limit"] == "100000000"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeKeap().serve(host=host)


def test_localhost_is_allowed() -> None:
    with FakeKeap().serve(host="localhost") as server:
        assert server.url.startswith("http://localhost:")


def test_ipv6_loopback() -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")

    with FakeKeap().serve(host="::1") as server:
        response = httpx.get(server.url + "/crm/rest/v2/tags", headers={"X-Keap-API-Key": KEY})

    assert server.url.startswith("http://[::1]:")
    assert response.status_code == 200


def test_served_requests_are_recorded_as_httpx_requests() -> None:
    fake = FakeKeap()
    with fake.serve() as server, httpx.Client(base_url=server.url) as client:
        client.post("/crm/rest/v2/tags", json={"name": "VIP"}, headers={"X-Keap-API-Key": KEY})
        client.get("/nowhere")

    assert [(r.method, r.url.path) for r in fake.requests] == [
        ("POST", "/crm/rest/v2/tags"),
        ("GET", "/nowhere"),
    ]
    assert fake.requests[0].content == b'{"name":"VIP"}'
    assert fake.requests[0].headers["x-keap-api-key"] == KEY


def test_unknown_paths_are_404_over_the_socket() -> None:
    with FakeKeap().serve() as server:
        response = httpx.get(server.url + "/crm/rest/v1/contacts")

    assert response.status_code == 404
    assert response.json()["status"] == "NOT_FOUND"


def test_close_stops_serving_and_joins_its_threads() -> None:
    server = FakeKeap().serve()
    with httpx.Client() as client:
        client.get(server.url + "/x")  # leaves a kept-alive connection open

        server.close()

        with pytest.raises(httpx.TransportError):
            httpx.get(server.url + "/x")
    assert not any(t.name == "FakeKeap-server" for t in threading.enumerate())


def test_concurrent_clients_share_one_consistent_store() -> None:
    fake = FakeKeap()
    ids: list[str] = []

    def create_many(server_url: str, worker: int) -> None:
        with httpx.Client(base_url=server_url, headers={"X-Keap-API-Key": KEY}) as client:
            for n in range(10):
                body = {"email_addresses": [{"email": f"w{worker}n{n}@x.com", "field": "EMAIL1"}]}
                ids.append(client.post("/crm/rest/v2/contacts", json=body).json()["id"])

    with fake.serve() as server:
        workers = [threading.Thread(target=create_many, args=(server.url, w)) for w in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    assert sorted(map(int, ids)) == list(range(1, 81))
    assert len(fake.requests) == 80


def test_xmlrpc_and_rest_served_side_by_side() -> None:
    fake = FakeKeap()
    with (
        fake.serve() as server,
        xmlrpc.client.ServerProxy(server.url + "/crm/xmlrpc/v1") as proxy,
    ):
        contact_id = proxy.ContactService.add(KEY, {"FirstName": "Ann", "Email": "ann@x.com"})
        assert isinstance(contact_id, int)
        response = httpx.get(
            f"{server.url}/crm/rest/v2/contacts/{contact_id}", headers={"X-Keap-API-Key": KEY}
        )

    assert response.json()["given_name"] == "Ann"


# ------------------------------------------------------------------ the serve extra


def test_without_waitress_serve_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "waitress", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "waitress.server", None)

    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install 'keap-adapter[serve]'")):
        FakeKeap().serve()


def test_without_waitress_the_cli_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "waitress", None)
    monkeypatch.setitem(sys.modules, "waitress.server", None)

    assert main(["serve", "--port", "0"]) == 3

    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("keap-adapter: ")
    assert "pip install 'keap-adapter[serve]'" in line


def test_the_in_process_transport_does_not_import_waitress() -> None:
    code = (
        "import sys, httpx\n"
        "from keap_adapter.testing import FakeKeap\n"
        "fake = FakeKeap()\n"
        "with httpx.Client(transport=fake.transport) as client:\n"
        "    assert client.get('http://fake/crm/rest/v2/tags').status_code == 401\n"
        "assert 'waitress' not in sys.modules, 'imported waitress'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "option",
    [{"max_body": -1}, {"idle_timeout": 0}, {"threads": 0}, {"connection_limit": 0}],
)
def test_limits_that_make_no_sense_are_refused(option: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=">="):
        FakeKeap().serve("127.0.0.1", 0, **option)


def test_a_busy_port_is_an_os_error_and_leaves_nothing_running() -> None:
    before = set(threading.enumerate())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(OSError, match="in use") as raised:
            FakeKeap().serve(port=busy.getsockname()[1])
    assert raised.value.errno == errno.EADDRINUSE
    assert set(threading.enumerate()) <= before


def test_the_cli_server_keeps_stderr_quiet_under_concurrent_load() -> None:
    # waitress warns "Task queue depth is N" whenever a request waits for a thread; the fake
    # answers one request at a time anyway, so under load that would be a line per request.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-m", "keap_adapter", "serve", "--port", str(port)]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        try:
            assert f"127.0.0.1:{port}" in proc.stdout.readline()

            def client() -> None:
                with httpx.Client(headers={"X-Keap-API-Key": KEY}) as http:
                    for _ in range(10):
                        http.get(f"http://127.0.0.1:{port}/crm/rest/v2/tags")

            clients = [threading.Thread(target=client) for _ in range(16)]
            for each in clients:
                each.start()
            for each in clients:
                each.join()
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=10)

    assert "Task queue depth" not in err
