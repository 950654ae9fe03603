"""Cassette: record against the in-process fake, replay with no network, on both backends."""

from __future__ import annotations

import asyncio
import json
import re
import xmlrpc.client
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.backends._xmlrpc_wire import XmlRpcFault, loads_response
from keap_adapter.testing import FakeKeap
from keap_adapter.testing._cassette import Cassette, CassetteError, CassetteMiss
from keap_adapter.testing._codec import build_response, decode_response

FIXED = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
Run = Callable[[ka.KeapClient], Any]


@pytest.fixture
def fake() -> FakeKeap:
    server = FakeKeap()
    server.now = lambda: FIXED
    return server


@pytest.fixture(params=["rest", "xmlrpc"])
def backend(request: pytest.FixtureRequest) -> BackendName:
    return cast("BackendName", request.param)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cassettes" / "scenario.json"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to create a real httpx transport fails the test."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a real transport was created")

    monkeypatch.setattr(httpx, "HTTPTransport", refuse)
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", refuse)


def error(exc: ka.KeapError) -> tuple[Any, ...]:
    api = exc if isinstance(exc, ka.APIError) else None
    codes = (api.status_code, api.fault_code, api.request_id) if api else ()
    return (type(exc).__name__, str(exc), *codes)


def scenario(client: ka.KeapClient) -> list[Any]:
    ada = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
    for name in ("Bob", "Cy"):
        client.contacts.create(ka.NewContact(given_name=name, email=f"{name}@example.com"))
    tag = client.tags.create("Lead")
    out: list[Any] = [ada, client.contacts.get(ada.id), list(client.contacts.list(page_size=2))]
    out += [tag, client.tags.apply(tag.id, [ada.id])]
    with pytest.raises(ka.NotFoundError) as caught:
        client.contacts.get(999999)
    return [*out, error(caught.value)]


async def async_scenario(client: ka.AsyncKeapClient) -> list[Any]:
    ada = await client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
    for name in ("Bob", "Cy"):
        await client.contacts.create(ka.NewContact(given_name=name, email=f"{name}@example.com"))
    tag = await client.tags.create("Lead")
    listed = [c async for c in client.contacts.list(page_size=2)]
    out: list[Any] = [ada, await client.contacts.get(ada.id), listed]
    out += [tag, await client.tags.apply(tag.id, [ada.id])]
    with pytest.raises(ka.NotFoundError) as caught:
        await client.contacts.get(999999)
    return [*out, error(caught.value)]


def record(
    path: Path, backend: BackendName, fake: FakeKeap, run: Run = scenario, mode: str = "once"
) -> Any:
    with (
        Cassette(path, mode, real_transport=fake.transport) as cassette,
        ka.KeapClient(backend, fake.api_key, transport=cassette.transport) as client,
    ):
        return run(client)


def replay(path: Path, backend: BackendName, run: Run = scenario, mode: str = "none") -> Any:
    with (
        Cassette(path, mode) as cassette,
        ka.KeapClient(backend, "a-different-key-entirely", transport=cassette.transport) as client,
    ):
        result = run(client)
    assert cassette.all_played
    return result


def stored(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text("utf-8"))
    assert data["format"] == 1
    return cast("list[dict[str, Any]]", data["interactions"])


# ----------------------------------------------------------------- record and replay


def test_replay_gives_the_recorded_results_and_errors(
    path: Path, fake: FakeKeap, backend: BackendName, no_network: None
) -> None:
    recorded = record(path, backend, fake)
    assert len(stored(path)) == len(fake.requests)
    assert replay(path, backend) == recorded


def test_async_clients_record_and_replay_the_same_file(
    path: Path, fake: FakeKeap, backend: BackendName, no_network: None
) -> None:
    async def run(mode: str, real: httpx.MockTransport | None) -> list[Any]:
        async with Cassette(path, mode, real_transport=real) as cassette:
            key = fake.api_key if real else "another-key-entirely"
            async with ka.AsyncKeapClient(backend, key, transport=cassette.transport) as client:
                return await async_scenario(client)

    recorded = asyncio.run(run("once", fake.transport))
    assert asyncio.run(run("none", None)) == recorded
    assert replay(path, backend) == recorded  # and the sync client reads the same file


def test_the_transport_serves_sync_and_async_clients(path: Path) -> None:
    transport = Cassette(path).transport
    assert isinstance(transport, httpx.BaseTransport)
    assert isinstance(transport, httpx.AsyncBaseTransport)


# ----------------------------------------------------------------------------- modes


def test_none_mode_without_a_file_misses_every_request(
    path: Path, backend: BackendName, no_network: None
) -> None:
    with pytest.raises(CassetteMiss, match="does not exist, so every request is a miss") as miss:
        replay(path, backend, lambda c: c.contacts.get(7))
    assert f"cassette: {path} (mode 'none')" in str(miss.value)
    assert not path.exists()


def test_once_records_when_the_file_is_new_then_only_replays(
    path: Path, fake: FakeKeap, backend: BackendName
) -> None:
    recorded = record(path, backend, fake, mode="once")
    untouched = FakeKeap()
    assert record(path, backend, untouched, mode="once") == recorded
    assert untouched.requests == []
    with pytest.raises(CassetteMiss, match=r"mode 'once'"):
        record(path, backend, untouched, lambda c: c.tags.create("New"), mode="once")


def test_new_episodes_replays_what_matches_and_appends_only_the_new(
    path: Path, fake: FakeKeap, backend: BackendName
) -> None:
    def create_ada(client: ka.KeapClient) -> ka.Contact:
        return client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))

    record(path, backend, fake, create_ada)
    before = stored(path)
    fresh = FakeKeap()
    record(path, backend, fresh, lambda c: (create_ada(c), c.tags.create("Lead")), "new_episodes")
    after = stored(path)
    assert fresh.requests  # the tag was new, so it was sent
    assert not any(b"Ada" in r.content for r in fresh.requests)  # the contact was replayed
    assert after[: len(before)] == before
    assert len(after) == len(before) + len(fresh.requests)


def test_all_ignores_the_file_and_overwrites_it(
    path: Path, fake: FakeKeap, backend: BackendName
) -> None:
    record(path, backend, fake)
    fresh = FakeKeap()
    tag = record(path, backend, fresh, lambda c: c.tags.create("Only"), mode="all")
    assert len(stored(path)) == len(fresh.requests)
    assert replay(path, backend, lambda c: c.tags.create("Only")) == tag


def test_a_cassette_that_records_nothing_leaves_the_file_alone(path: Path, fake: FakeKeap) -> None:
    with Cassette(path, "all", real_transport=fake.transport):
        pass
    assert not path.exists()


def test_repeated_identical_requests_replay_in_recorded_order(
    path: Path, fake: FakeKeap, backend: BackendName
) -> None:
    def get_update_get(client: ka.KeapClient) -> list[str | None]:
        ada = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
        first = client.contacts.get(ada.id).given_name
        client.contacts.update(ada.id, ka.ContactUpdate(given_name="Grace"))
        return [first, client.contacts.get(ada.id).given_name]

    assert record(path, backend, fake, get_update_get) == ["Ada", "Grace"]
    assert replay(path, backend, get_update_get) == ["Ada", "Grace"]

    def one_get_too_many(client: ka.KeapClient) -> None:
        get_update_get(client)
        client.contacts.get(1)

    with pytest.raises(
        CassetteMiss, match=r"all \d recorded answers for this request were already"
    ):
        replay(path, backend, one_get_too_many)


def test_an_invalid_mode_is_refused(path: Path) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        Cassette(path, "sometimes")


def test_a_sync_only_real_transport_cannot_record_async(path: Path) -> None:
    class SyncOnly:
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(204)

    async def run() -> None:
        async with (
            Cassette(path, "all", real_transport=SyncOnly()) as cassette,
            httpx.AsyncClient(transport=cassette.transport) as client,
        ):
            await client.get("https://x.test/a")

    with pytest.raises(CassetteError, match="cannot send async requests"):
        asyncio.run(run())


# --------------------------------------------------------------------- failing loudly


@pytest.mark.parametrize(
    ("backend", "difference"),
    [("rest", "body.given_name: 'Bob' != 'Ada'"), ("xmlrpc", "param 1.FirstName: 'Bob' != 'Ada'")],
)
def test_a_changed_request_fails_loudly_naming_the_difference(
    path: Path, fake: FakeKeap, backend: BackendName, difference: str
) -> None:
    def create(name: str) -> Run:
        return lambda c: c.contacts.create(ka.NewContact(given_name=name, email="a@example.com"))

    record(path, backend, fake, create("Ada"))
    with pytest.raises(CassetteMiss) as miss:
        replay(path, backend, create("Bob"))
    message = str(miss.value)
    assert message.startswith("no recorded interaction matches ")
    assert "Bob" in message.splitlines()[0]
    assert f"cassette: {path} (mode 'none')" in message
    assert re.search(r"nearest recorded requests .*\n  #\d+ .*Ada", message)
    assert difference in message
    assert fake.api_key not in message


# --------------------------------------------------------------------------- the file


def test_the_rest_file_is_decoded_json(path: Path, fake: FakeKeap) -> None:
    def run(client: ka.KeapClient) -> None:
        client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
        with pytest.raises(ka.NotFoundError):
            client.contacts.get(999999)

    record(path, "rest", fake, run)
    created, missing = stored(path)
    assert created["request"]["method"] == "POST"
    assert created["request"]["path"] == "/crm/rest/v2/contacts"
    assert created["request"]["json"]["given_name"] == "Ada"
    assert created["request"]["headers"]["x-keap-api-key"] == "<REDACTED>"
    assert created["response"]["status"] == 201
    assert created["response"]["json"]["given_name"] == "Ada"
    assert "content-length" not in created["response"]["headers"]
    assert list(created["response"]["headers"]) == sorted(created["response"]["headers"])
    assert missing["request"]["query"][0][0] == "fields"
    assert missing["response"]["status"] == 404
    assert missing["response"]["json"]["status"] == "NOT_FOUND"


def test_the_xmlrpc_file_holds_method_params_result_and_fault(path: Path, fake: FakeKeap) -> None:
    def run(client: ka.KeapClient) -> None:
        ada = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
        client.contacts.get(ada.id)
        with pytest.raises(ka.NotFoundError):
            client.contacts.get(999999)

    record(path, "xmlrpc", fake, run)
    calls = [(i["request"]["xmlrpc"], i["response"]) for i in stored(path)]
    add = next(r for c, r in calls if c["method"] == "ContactService.add")
    loads = [(c, r) for c, r in calls if c["method"] == "ContactService.load"]
    assert calls[0][0]["params"][0] == "<REDACTED>"
    assert add["xmlrpc"] == {"result": 1}
    found = next(r for c, r in loads if c["params"][1] == 1)
    missing = next(r for c, r in loads if c["params"][1] == 999999)
    assert found["xmlrpc"]["result"]["FirstName"] == "Ada"
    assert found["xmlrpc"]["result"]["DateCreated"] == {"$datetime": "20260115T07:00:00"}
    assert missing["status"] == 200
    assert missing["xmlrpc"]["fault"]["code"] == 5
    assert missing["xmlrpc"]["fault"]["string"].startswith("[RecordNotFound]")


def test_rerecording_a_deterministic_scenario_gives_the_same_bytes(
    tmp_path: Path, backend: BackendName
) -> None:
    files = [tmp_path / "one.json", tmp_path / "two.json"]
    for file in files:
        server = FakeKeap()
        server.now = lambda: FIXED
        record(file, backend, server, mode="all")
    assert files[0].read_bytes() == files[1].read_bytes()
    assert files[0].read_text("utf-8").endswith("}\n")


def test_an_unknown_format_is_refused_naming_the_file(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text('{"format": 2, "interactions": []}', "utf-8")
    with pytest.raises(CassetteError, match=re.escape(str(path)) + ".*format 2"):
        Cassette(path)
    path.write_text("{not json", "utf-8")
    with pytest.raises(CassetteError, match="cannot read cassette"):
        Cassette(path)
    for bad in (
        '{"request": {}}',
        '{"request": {"path": "/", "xmlrpc": 1}, "response": {"status": 200}}',
    ):
        path.write_text(f'{{"format": 1, "interactions": [{bad}]}}', "utf-8")
        with pytest.raises(CassetteError, match="is malformed"):
            Cassette(path)


def test_save_writes_now_and_counts_what_was_played(path: Path, fake: FakeKeap) -> None:
    cassette = Cassette(path, "once", real_transport=fake.transport)
    with httpx.Client(transport=cassette.transport) as client:
        client.get("https://api.infusionsoft.com/crm/rest/v2/tags")
    cassette.save()
    again = Cassette(path)
    assert (again.play_count, again.all_played, len(again.unplayed)) == (0, False, 1)
    with httpx.Client(transport=again.transport) as client:
        assert client.get("http://127.0.0.1:9/crm/rest/v2/tags").status_code == 401
    assert (again.play_count, again.all_played, again.unplayed) == (1, True, [])


# ---------------------------------------------------------------------- replay codec

XMLRPC_VALUES = [
    "<struct><member><name>When</name><value><dateTime.iso8601>20260102T03:04:05"
    "</dateTime.iso8601></value></member><member><name>Raw</name><value><base64>AAE="
    "</base64></value></member><member><name>Big</name><value><i8>1099511627776</i8></value>"
    "</member><member><name>Empty</name><value/></member></struct>",
    "<array><data><value><i4>1</i4></value><value>two&#13;&#10;lines</value>"
    "<value><boolean>1</boolean></value><value><double>2.5</double></value><value><struct>"
    "<member><name>$datetime</name><value>not a date</value></member></struct></value>"
    "<value><array><data/></array></value><value><struct/></value><value><nil/></value>"
    "</data></array>",
    "<bigdecimal>12.50</bigdecimal>",
    "<string>&lt;fault&gt; in a string is just text</string>",
]


@pytest.mark.parametrize("value_xml", XMLRPC_VALUES)
def test_an_xmlrpc_result_replays_as_the_reader_read_it(value_xml: str) -> None:
    body = f"<methodResponse><params><param><value>{value_xml}</value></param></params>"
    live = httpx.Response(200, content=f"{body}</methodResponse>".encode())
    replayed = build_response(decode_response(live, xmlrpc=True))
    assert loads_response(replayed.content) == loads_response(live.content)
    assert replayed.headers["content-type"] == "text/xml"


def test_a_fault_replays_as_a_fault() -> None:
    body = xmlrpc.client.dumps(xmlrpc.client.Fault(5, "[RecordNotFound] Id 7"), methodresponse=True)
    live = httpx.Response(200, content=body.encode())
    replayed = build_response(decode_response(live, xmlrpc=True))
    with pytest.raises(XmlRpcFault) as fault:
        loads_response(replayed.content)
    assert (fault.value.code, fault.value.string) == (5, "[RecordNotFound] Id 7")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"a": [1, {"b": null}], "c": "\xc3\xa9"}', "application/json"),
        (b"plain text\n", "text/plain"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"", ""),
    ],
)
def test_other_bodies_replay_with_the_same_meaning(content: bytes, content_type: str) -> None:
    live = httpx.Response(418, content=content, headers={"Content-Type": content_type})
    replayed = build_response(decode_response(live, xmlrpc=False))
    assert replayed.status_code == 418
    if content_type == "application/json":
        assert replayed.json() == live.json()
    else:
        assert replayed.content == content
