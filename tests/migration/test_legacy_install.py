"""``legacy.install(client)``: untouched XML-RPC code, wrapper libraries and Python 2-era
``xmlrpclib`` imports switch to the shim with one line."""

from __future__ import annotations

import importlib
import sys
import xmlrpc.client
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter import legacy
from keap_adapter.testing import FakeKeap

ORIGINAL = xmlrpc.client.ServerProxy
KEAP_URLS = [
    "https://api.infusionsoft.com/crm/xmlrpc/v1",
    "https://api.infusionsoft.com/crm/xmlrpc",
    "https://myapp.infusionsoft.com:443/api/xmlrpc",
    "https://api.keap.com/crm/xmlrpc/v1",
    b"https://api.infusionsoft.com/crm/xmlrpc/v1",
]


@pytest.fixture
def fake() -> FakeKeap:
    return FakeKeap()


@pytest.fixture(params=["rest", "xmlrpc"])
def client(fake: FakeKeap, request: pytest.FixtureRequest) -> Iterator[ka.KeapClient]:
    with ka.KeapClient(request.param, fake.api_key, transport=fake.transport) as c:
        yield c


@pytest.fixture(autouse=True)
def _always_uninstalled() -> Iterator[None]:
    yield
    legacy.uninstall()
    assert xmlrpc.client.ServerProxy is ORIGINAL


def add_ada(proxy: object) -> int:
    struct = {"FirstName": "Ada", "Email": "ada@example.com"}
    return int(proxy.ContactService.add("key", struct))  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", KEAP_URLS)
def test_keap_urls_get_the_shim(client: ka.KeapClient, fake: FakeKeap, url: str | bytes) -> None:
    legacy.install(client)
    proxy = xmlrpc.client.ServerProxy(url)  # type: ignore[arg-type]
    assert isinstance(proxy, legacy.ServerProxy)
    new_id = add_ada(proxy)
    assert client.contacts.get(new_id).email == "ada@example.com"


def test_the_clients_own_endpoint_and_extra_urls_get_the_shim(fake: FakeKeap) -> None:
    local = fake.serve()
    try:
        with ka.KeapClient("rest", fake.api_key, base_url=local.url) as client:
            legacy.install(client, urls=["https://crm.example.com/xmlrpc"])
            own = xmlrpc.client.ServerProxy(local.url + "/xmlrpc/v1")
            extra = xmlrpc.client.ServerProxy("https://crm.example.com/xmlrpc/v2")
            assert isinstance(own, legacy.ServerProxy) and isinstance(extra, legacy.ServerProxy)
            assert add_ada(own) == 1
    finally:
        local.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/RPC2",
        "https://example.com/xmlrpc",
        "https://infusionsoft.com.evil.example/x",
    ],
)
def test_other_urls_get_the_ordinary_proxy(client: ka.KeapClient, url: str) -> None:
    legacy.install(client)
    proxy = xmlrpc.client.ServerProxy(url, allow_none=True)
    assert isinstance(proxy, ORIGINAL) and not isinstance(proxy, legacy.ServerProxy)
    assert "ServerProxy" in repr(proxy)


def test_uninstall_and_the_context_manager_restore_the_stdlib(client: ka.KeapClient) -> None:
    with legacy.install(client) as installed:
        assert installed.client is client
        assert xmlrpc.client.ServerProxy is not ORIGINAL
        assert xmlrpc.client.Server is xmlrpc.client.ServerProxy
    assert xmlrpc.client.ServerProxy is ORIGINAL and xmlrpc.client.Server is ORIGINAL
    legacy.install(client)
    legacy.install(client)  # installing again replaces, never stacks
    legacy.uninstall()
    assert xmlrpc.client.ServerProxy is ORIGINAL
    legacy.uninstall()  # a second uninstall is harmless


def test_python2_xmlrpclib_imports_work(client: ka.KeapClient) -> None:
    assert "xmlrpclib" not in sys.modules
    with legacy.install(client):
        xmlrpclib = importlib.import_module("xmlrpclib")
        proxy = xmlrpclib.ServerProxy("https://app1.infusionsoft.com/api/xmlrpc")
        assert add_ada(proxy) > 0
        with pytest.raises(xmlrpclib.Fault):
            proxy.ContactService.load("key", 999_999, ["Id"])
    assert "xmlrpclib" not in sys.modules


class WrapperLibrary:
    """Like the official old Python library: builds its own proxy with stdlib keywords."""

    def __init__(self, app: str, key: str) -> None:
        url = f"https://{app}.infusionsoft.com:443/api/xmlrpc"
        self.server = xmlrpc.client.ServerProxy(url, encoding="utf-8", allow_none=True)
        self.key = key

    def load(self, contact_id: int, fields: list[str]) -> object:
        return self.server.ContactService.load(self.key, contact_id, fields)


def test_a_wrapper_library_switches_untouched(client: ka.KeapClient) -> None:
    new_id = client.contacts.create(ka.NewContact(given_name="Ada", email="a@example.com")).id
    with legacy.install(client):
        library = WrapperLibrary("myapp", "key")
        assert library.load(new_id, ["FirstName", "DateCreated"]) == {
            "FirstName": "Ada",
            "DateCreated": library.load(new_id, ["DateCreated"])["DateCreated"],  # type: ignore[index]
        }
        # allow_none=True is honoured the way Keap honours <nil/>: a fault, not a TypeError
        with pytest.raises(xmlrpc.client.Fault, match="Unknown type: nil"):
            library.server.ContactService.update("key", new_id, {"FirstName": None})


def test_stdlib_date_keywords_are_honoured(client: ka.KeapClient) -> None:
    new_id = client.contacts.create(ka.NewContact(email="d@example.com")).id
    url = "https://api.infusionsoft.com/crm/xmlrpc/v1"

    def created(**options: Any) -> object:
        proxy = xmlrpc.client.ServerProxy(url, **options)
        answer: Any = proxy.ContactService.load("k", new_id, ["DateCreated"])
        return answer["DateCreated"]

    with legacy.install(client):
        assert isinstance(created(), xmlrpc.client.DateTime)  # the stdlib's default
        assert isinstance(created(use_datetime=True), datetime)
        assert isinstance(created(use_builtin_types=True), datetime)


def test_the_shim_takes_every_stdlib_keyword(client: ka.KeapClient) -> None:
    proxy = legacy.ServerProxy(
        client,
        None,
        "utf-8",
        False,
        True,
        use_datetime=False,
        use_builtin_types=False,
        headers=[("X-Trace", "1")],
        context=None,
    )
    assert add_ada(proxy) > 0


def test_installations_nest(fake: FakeKeap) -> None:
    url = "https://api.infusionsoft.com/crm/xmlrpc/v1"
    with (
        ka.KeapClient("rest", fake.api_key, transport=fake.transport) as outer_client,
        ka.KeapClient("xmlrpc", fake.api_key, transport=fake.transport) as inner_client,
    ):
        with legacy.install(outer_client):
            with legacy.install(inner_client):
                assert "xmlrpc" in repr(xmlrpc.client.ServerProxy(url))
            # leaving the inner block brings the outer installation back, not the stdlib
            assert "rest" in repr(xmlrpc.client.ServerProxy(url))
        assert xmlrpc.client.ServerProxy is ORIGINAL


def test_positional_stdlib_arguments_are_honoured(client: ka.KeapClient) -> None:
    new_id = client.contacts.create(ka.NewContact(email="p@example.com")).id
    url = "https://api.infusionsoft.com/crm/xmlrpc/v1"
    with legacy.install(client):
        # transport, encoding, verbose, allow_none, use_datetime, use_builtin_types
        proxy = xmlrpc.client.ServerProxy(url, None, "utf-8", False, True, True, True)
        answer: Any = proxy.ContactService.load("k", new_id, ["DateCreated"])
    assert isinstance(answer["DateCreated"], datetime)


@pytest.mark.parametrize(
    "url",
    ["https://api.infusionsoft.com./crm/xmlrpc/v1", "https://MyApp.Infusionsoft.com./api/xmlrpc"],
)
def test_a_fully_qualified_host_with_its_trailing_dot_gets_the_shim(
    client: ka.KeapClient, url: str
) -> None:
    with legacy.install(client):
        assert isinstance(xmlrpc.client.ServerProxy(url), legacy.ServerProxy)
