"""FakeKeap.serve(): the fake over a real loopback socket, from a background thread."""

from __future__ import annotations

import socket
import threading
import xmlrpc.client

import httpx
import pytest

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
