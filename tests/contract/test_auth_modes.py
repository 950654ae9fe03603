"""Where the key travels: a header (PAT/SAK), or the first XML-RPC parameter (legacy URL)."""

from __future__ import annotations

import xmlrpc.client

import keap_adapter as ka
from keap_adapter.testing import FakeKeap
from tests.contract.conftest import Sent


def test_header_auth_sends_a_placeholder_as_the_key_parameter(
    fake: FakeKeap, transport: Sent, sent: Sent
) -> None:
    with ka.KeapClient("xmlrpc", fake.api_key, transport=transport) as client:
        client.contacts.find_by_email("a@example.com")
    (request,) = sent.requests[-1:]
    params, method = xmlrpc.client.loads(request.content)
    assert method == "ContactService.findByEmail"
    assert request.headers["X-Keap-API-Key"] == fake.api_key
    assert params[0] != fake.api_key
    assert fake.api_key.encode() not in request.content


def test_the_legacy_url_sends_the_key_as_the_first_parameter_only(
    fake: FakeKeap, transport: Sent, sent: Sent
) -> None:
    legacy = "https://myapp.infusionsoft.com/api/xmlrpc"
    with ka.KeapClient("xmlrpc", fake.api_key, xmlrpc_url=legacy, transport=transport) as client:
        created = client.contacts.create(ka.NewContact(email="legacy@example.com"))
        assert client.contacts.get(created.id).email == "legacy@example.com"
    request = sent.requests[-1]
    assert str(request.url) == legacy
    assert "X-Keap-API-Key" not in request.headers
    assert xmlrpc.client.loads(request.content)[0][0] == fake.api_key


def test_rest_sends_the_key_in_the_header_only(fake: FakeKeap, transport: Sent, sent: Sent) -> None:
    with ka.KeapClient("rest", fake.api_key, transport=transport) as client:
        client.contacts.create(ka.NewContact(email="h@example.com"))
    request = sent.requests[-1]
    assert request.headers["X-Keap-API-Key"] == fake.api_key
    assert fake.api_key not in str(request.url)
    assert fake.api_key.encode() not in request.content
