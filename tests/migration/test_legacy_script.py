"""The proof: a legacy XML-RPC script sees the same answers through the shim as from Keap.

``sync_leads.run`` is plain XML-RPC code. It runs once with the stdlib's ``ServerProxy``
against FakeKeap's real XML-RPC server, then through ``keap_adapter.legacy.ServerProxy``
on a fresh fake (same pinned clock, same custom field), on each backend; everything the
script saw must be equal.
"""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime, timezone
from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter.legacy import ServerProxy
from keap_adapter.testing import FakeKeap

from .legacy_scripts import sync_leads

KEY = "legacy-script-key"
LEGACY_KEY = "the key the old code passes, ignored by the shim"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


def _fake() -> FakeKeap:
    fake = FakeKeap(api_key=KEY)
    fake.now = lambda: NOW
    fake.add_custom_field("Custom")
    return fake


@pytest.fixture(scope="module")
def over_xmlrpc() -> dict[str, Any]:
    """What the script saw from a real XML-RPC server (the stdlib proxy over a socket)."""
    with (
        _fake().serve() as server,
        xmlrpc.client.ServerProxy(server.url + "/crm/xmlrpc/v1", use_builtin_types=True) as proxy,
    ):
        return sync_leads.run(proxy, KEY)


def _through_shim(backend: ka.BackendName) -> tuple[dict[str, Any], FakeKeap]:
    fake = _fake()
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client:
        return sync_leads.run(ServerProxy(client), LEGACY_KEY), fake


def test_the_baseline_exercises_what_it_should(over_xmlrpc: dict[str, Any]) -> None:
    found, failed = over_xmlrpc["found"], over_xmlrpc["failed"]
    assert [len(page) for page in found["pages"]] == [2, 2, 1]
    assert over_xmlrpc["created"]["resubmitted"] == over_xmlrpc["created"]["ids"][1]
    assert over_xmlrpc["read"]["after"]["_Custom"] == "Referral"
    assert isinstance(over_xmlrpc["read"]["after"]["DateCreated"], datetime)
    assert failed["missing"] == (5, "[RecordNotFound]Record was not found")
    assert failed["unknown_field"] == (10, "[NoFieldFound]No field found: Contact.Xyz")
    assert failed["too_many"][0] == 12
    assert failed["assign_code"] == 7


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
def test_the_script_sees_the_same_through_the_shim(
    over_xmlrpc: dict[str, Any], backend: ka.BackendName
) -> None:
    seen, _ = _through_shim(backend)

    for part, expected in over_xmlrpc.items():  # part by part first: a readable failure
        assert seen[part] == expected, part
    assert seen == over_xmlrpc


def test_on_rest_the_shim_sends_no_xmlrpc_at_all() -> None:
    _, fake = _through_shim("rest")

    paths = {request.url.path for request in fake.requests}
    assert all("/rest/v2/" in path for path in paths)
    sent = [str(r.url) + str(r.headers) + r.content.decode() for r in fake.requests]
    assert not any(LEGACY_KEY in text for text in sent)
