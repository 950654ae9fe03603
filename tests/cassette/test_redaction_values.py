"""A redacted field's value is gone from the whole file: paths, filters, params, echoes, joins."""

from __future__ import annotations

import html
import json
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, quote_plus

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap
from keap_adapter.testing._cassette import Cassette

# An address and a name with characters that percent-, JSON- and HTML-escaping all change.
EMAIL = "zebedee.secret+x@example.com"
NAME = "Zébedée O'Hara"
FIELDS = ["email", "Email", "given_name", "FirstName"]
Scenario = Callable[[ka.KeapClient], list[Any]]


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "values.json"


def forms(value: str) -> set[str]:
    """The spellings of ``value`` a server may echo, each of which must be gone from a file."""
    spellings = {value, value.lower(), value.upper(), html.escape(value)}
    spellings |= {quote(value, safe=""), quote(value, safe="@+"), quote_plus(value)}
    return spellings | {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


def assert_gone(path: Path, *values: str) -> None:
    data = path.read_bytes()
    for value in values:
        for spelling in forms(value):
            assert spelling.encode() not in data, f"{spelling!r} is in {path.name}"
    assert b"<REDACTED>" in data


def record(
    path: Path, backend: BackendName, run: Scenario, transport: Any = None
) -> tuple[Cassette, list[Any]]:
    fake = FakeKeap()
    with (
        Cassette(
            path, "once", real_transport=transport or fake.transport, redact_fields=FIELDS
        ) as cassette,
        ka.KeapClient(backend, fake.api_key, transport=cassette.transport) as client,
    ):
        return cassette, run(client)


def replay(path: Path, backend: BackendName, run: Scenario) -> tuple[Cassette, list[Any]]:
    with (
        Cassette(path, "none") as cassette,
        ka.KeapClient(backend, "KeapAK-replay-key", transport=cassette.transport) as client,
    ):
        return cassette, run(client)


def reviewers_scenario(client: ka.KeapClient) -> list[Any]:
    """Every place the review found a redacted value in clear."""
    contact = client.contacts.create(ka.NewContact(email=EMAIL, given_name=NAME))
    tag = client.tags.create("Lead")
    client.tags.apply(tag.id, [contact.id])
    return [
        contact,
        client.contacts.find_by_email(EMAIL),
        list(client.contacts.list(email=EMAIL)),
        list(client.contacts.list(given_name=NAME)),
        client.contacts.email_status(EMAIL),
        list(client.tags.contacts(tag.id)),  # XML-RPC joins: Contact.Email, Contact.FirstName
    ]


def test_redacted_values_appear_nowhere_in_the_file(path: Path, backend: BackendName) -> None:
    _, recorded = record(path, backend, reviewers_scenario)
    assert_gone(path, EMAIL, NAME)
    cassette, replayed = replay(path, backend, reviewers_scenario)
    assert cassette.all_played
    assert replayed == recorded


def lookups_only(client: ka.KeapClient) -> list[Any]:
    """Neither value is ever a field's: only a filter, a path or a positional parameter
    (REST: filter, path, filter; XML-RPC: positional, positional, query struct)."""
    return [
        client.contacts.find_by_email(EMAIL),
        client.contacts.email_status(EMAIL),
        list(client.contacts.list(given_name=NAME)),
    ]


def test_lookups_by_a_redacted_field_hide_the_value(path: Path, backend: BackendName) -> None:
    # Never created, so REST answers the status lookup with a 404 naming the address.
    _, recorded = record(path, backend, lookups_only)
    assert_gone(path, EMAIL, NAME)
    cassette, replayed = replay(path, backend, lookups_only)
    assert cassette.all_played
    assert replayed == recorded


def tag_first(client: ka.KeapClient) -> list[Any]:
    """The value is sent (as a tag name) before any redacted field shows it is secret."""
    tag = client.tags.create(NAME)
    contact = client.contacts.create(ka.NewContact(email=EMAIL, given_name=NAME))
    client.tags.apply(tag.id, [contact.id])
    return [tag.id, contact, [t.id for t in client.tags.list(name=NAME)]]


def test_a_value_sent_before_its_field_is_scrubbed_and_still_replays(
    path: Path, backend: BackendName
) -> None:
    record(path, backend, tag_first)
    assert_gone(path, EMAIL, NAME)
    # Replay meets the tag name in clear before it learns it is secret: it still matches.
    cassette, replayed = replay(path, backend, tag_first)
    assert cassette.all_played
    assert replayed[1].given_name == "<REDACTED>"


def echoing(fake: FakeKeap) -> httpx.MockTransport:
    """The fake, plus echoes of each request URL and an error quoting the address every way."""
    echo = f"no {EMAIL!r} / {quote(EMAIL, safe='')} / {html.escape(NAME)} / {json.dumps(NAME)}"

    def handle(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        if b"getOptStatus" in request.content:
            fault = xmlrpc.client.Fault(2, f"[InvalidConfig] {echo}")
            response = httpx.Response(200, text=xmlrpc.client.dumps(fault, methodresponse=True))
        elif "emailAddresses" in request.url.path:
            response = httpx.Response(400, json={"message": echo})
        response.headers["x-echo-url"] = str(request.url)  # the query and path percent-encoded
        return response

    return httpx.MockTransport(handle)


def test_echoed_values_are_scrubbed_in_every_spelling(path: Path, backend: BackendName) -> None:
    def run(client: ka.KeapClient) -> list[Any]:
        client.contacts.create(ka.NewContact(email=EMAIL, given_name=NAME))
        found = list(client.contacts.list(email=EMAIL))
        with pytest.raises(ka.APIError) as caught:
            client.contacts.email_status(EMAIL)
        return [found, str(caught.value)]

    fake = FakeKeap()
    _, recorded = record(path, backend, run, transport=echoing(fake))
    assert_gone(path, EMAIL, NAME)
    assert EMAIL not in recorded[1]  # the code under test sees the stored answer already
    cassette, replayed = replay(path, backend, run)
    assert cassette.all_played
    assert replayed == recorded
