"""Malformed and tampered cassette files fail at load with ``CassetteError``, never later.

A cassette is a file in the repository that anyone can edit (or a merge can garble): it must
either load and replay what it says, or be refused when opened, with an error naming the file
and what is wrong. Never a raw ``RecursionError``, ``AttributeError`` or
``decimal.InvalidOperation``, and never a nonsense answer such as status -1 replayed as a
success.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.backends._xmlrpc_wire import XmlRpcFault, dumps_call, loads_response
from keap_adapter.testing import FakeKeap
from keap_adapter.testing._cassette import Cassette, CassetteError
from keap_adapter.testing._codec import from_jsonable

# A valid file, written by hand: one interaction of each body kind the format has.
VALID: dict[str, Any] = {
    "format": 1,
    "redacted": {"fields": ["email"], "headers": ["x-keap-api-key"], "placeholder": "<R>"},
    "interactions": [
        {
            "request": {
                "method": "GET",
                "path": "/crm/rest/v2/contacts/1",
                "query": [["fields", "id"]],
                "headers": {"x-keap-api-key": "<R>"},
            },
            "response": {
                "status": 200,
                "headers": {"content-type": "application/json"},
                "json": {"id": 1, "given_name": "Ada", "email": "<R>"},
            },
        },
        {
            "note": "a note for the reader",
            "request": {
                "method": "POST",
                "path": "/crm/xmlrpc/v1",
                "headers": {},
                "xmlrpc": {"method": "ContactService.load", "params": ["<R>", 1, ["Id"]]},
            },
            "response": {
                "status": 200,
                "headers": {},
                "xmlrpc": {
                    "result": {
                        "Id": 1,
                        "When": {"$datetime": "20260102T03:04:05"},
                        "Price": {"$decimal": "1.50"},
                        "Raw": {"$base64": "AAE="},
                        "Odd": {"$double": "nan"},
                        "Tagged": {"$struct": {"$datetime": "not a date: a member"}},
                    }
                },
            },
        },
        {
            "request": {
                "method": "POST",
                "path": "/crm/xmlrpc/v1",
                "headers": {},
                "xmlrpc": {"method": "ContactService.load", "params": ["<R>", 2, ["Id"]]},
            },
            "response": {
                "status": 200,
                "headers": {},
                "xmlrpc": {"fault": {"code": 5, "string": "[RecordNotFound] Id 2"}},
            },
        },
        {
            "request": {"method": "PUT", "path": "/files/1", "headers": {}, "base64": "/w=="},
            "response": {"status": 204, "headers": {}, "text": "done"},
        },
    ],
}
REST, XMLRPC, FAULT, FILE = 0, 1, 2, 3
DEEP = 100_000
Edit = Callable[[dict[str, Any]], Any]


def edited(edit: Edit) -> Callable[[], str]:
    """The file text of VALID after ``edit`` (which changes it in place)."""

    def text() -> str:
        data = copy.deepcopy(VALID)
        edit(data)
        return json.dumps(data)  # NaN and Infinity are written as JavaScript literals

    return text


def part(index: int, name: str, **changes: Any) -> Callable[[], str]:
    """VALID with keys of interaction ``index``'s request or response changed (or deleted)."""

    def edit(data: dict[str, Any]) -> None:
        target = data["interactions"][index][name]
        for key, value in changes.items():
            if value is DELETE:
                del target[key]
            else:
                target[key] = value

    return edited(edit)


def result(value: Any) -> Callable[[], str]:
    """VALID with the XML-RPC result replaced by ``value``."""
    return part(XMLRPC, "response", xmlrpc={"result": value})


def raw(text: str) -> Callable[[], str]:
    return lambda: text


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DELETE = object()
SENTINEL = "@@nested@@"
HOSTILE: dict[str, tuple[Callable[[], str], str]] = {
    # the file as a whole
    "not json": (raw("{not json"), "cannot read"),
    "empty": (raw(""), "cannot read"),
    "a list": (raw("[]"), "format"),
    "deep at the top": (raw(nested(DEEP)), "nested"),
    "format 2": (edited(lambda d: d.update(format=2)), "format 2"),
    "format true": (edited(lambda d: d.update(format=True)), "format True"),
    "format 1.0": (edited(lambda d: d.update(format=1.0)), "format 1.0"),
    "format '1'": (edited(lambda d: d.update(format="1")), "format '1'"),
    "no format": (edited(lambda d: d.pop("format")), "format None"),
    "no interactions": (edited(lambda d: d.pop("interactions")), "interactions"),
    "interactions an object": (edited(lambda d: d.update(interactions={})), "interactions"),
    "interaction a list": (edited(lambda d: d["interactions"].append([])), "interaction #4"),
    "interaction a number": (edited(lambda d: d["interactions"].insert(0, 7)), "interaction #0"),
    "note a number": (edited(lambda d: d["interactions"][1].update(note=7)), "note"),
    "redacted a string": (edited(lambda d: d.update(redacted="all")), "redacted"),
    "redacted fields a string": (
        edited(lambda d: d["redacted"].update(fields="email")),
        "redacted.fields",
    ),
    "redacted headers": (edited(lambda d: d["redacted"].update(headers=[1])), "redacted.headers"),
    "empty placeholder": (edited(lambda d: d["redacted"].update(placeholder="")), "placeholder"),
    # numbers JSON does not have, or Python cannot hold
    "NaN": (part(REST, "response", json={"n": float("nan")}), "NaN"),
    "Infinity": (part(REST, "response", json=[float("inf")]), "Infinity"),
    "-Infinity": (part(REST, "response", json=float("-inf")), "-Infinity"),
    "1e999": (raw(json.dumps(VALID).replace('"id": 1', '"id": 1e999')), "not finite"),
    "a 5000-digit number": (raw(json.dumps(VALID).replace('"id": 1', '"id": ' + "9" * 5000)), ""),
    "deep in a body": (part(REST, "response", json=SENTINEL), "nested"),
    "deep, but parseable": (part(REST, "response", json=json.loads(nested(600))), "nested"),
    # the status
    "status -1": (part(REST, "response", status=-1), "status"),
    "status 0": (part(REST, "response", status=0), "status"),
    "status 99": (part(REST, "response", status=99), "status"),
    "status 600": (part(REST, "response", status=600), "status"),
    "status 10**30": (part(REST, "response", status=10**30), "status"),
    "status true": (part(REST, "response", status=True), "status"),
    "status '200'": (part(REST, "response", status="200"), "status"),
    "status 200.0": (part(REST, "response", status=200.0), "status"),
    "status null": (part(REST, "response", status=None), "status"),
    "no status": (part(REST, "response", status=DELETE), "status"),
    "response a list": (edited(lambda d: d["interactions"][0].update(response=[])), "response"),
    "no response": (edited(lambda d: d["interactions"][0].pop("response")), "response"),
    # headers
    "headers a list": (part(REST, "response", headers=[["a", "b"]]), "headers"),
    "headers a string": (part(REST, "request", headers="a: b"), "headers"),
    "a header value a number": (part(REST, "response", headers={"a": 1}), "headers"),
    "a header value not ascii": (
        part(REST, "response", headers={"a": "é"}),
        "interaction #0: the response cannot be replayed",
    ),
    # the request
    "request a list": (
        edited(lambda d: d["interactions"][0].update(request=[["path", "/"]])),
        "request",
    ),
    "no path": (part(REST, "request", path=DELETE), "path"),
    "path a number": (part(REST, "request", path=7), "path"),
    "no method": (part(REST, "request", method=DELETE), "method"),
    "method a list": (part(REST, "request", method=["GET"]), "method"),
    "query a string": (part(REST, "request", query="a=b"), "query"),
    "query pair of one": (part(REST, "request", query=[["a"]]), "query"),
    "query value a number": (part(REST, "request", query=[["a", 1]]), "query"),
    "two bodies": (part(REST, "response", text="x"), "body"),
    "text a number": (part(FILE, "response", text=7), "text"),
    "a lone surrogate": (part(FILE, "response", text="\ud800"), "surrogate"),
    "a lone surrogate in a path": (part(REST, "request", path="/\udfff"), "surrogate"),
    "bad base64": (part(FILE, "request", base64="not base64!"), "base64"),
    "base64 a number": (part(FILE, "request", base64=7), "base64"),
    # XML-RPC
    "xmlrpc a string": (part(XMLRPC, "request", xmlrpc="ContactService.load"), "xmlrpc"),
    "params an object": (
        part(XMLRPC, "request", xmlrpc={"method": "ContactService.load", "params": {"0": 1}}),
        "params",
    ),
    "no methodName": (part(XMLRPC, "request", xmlrpc={"params": []}), "method"),
    "result and fault": (
        part(XMLRPC, "response", xmlrpc={"result": 1, "fault": {"code": 1, "string": "x"}}),
        "xmlrpc",
    ),
    "no result": (part(XMLRPC, "response", xmlrpc={}), "xmlrpc"),
    "bad decimal": (result({"$decimal": "one and a half"}), "$decimal"),
    "decimal a number": (result({"$decimal": 1.5}), "$decimal"),
    "bad datetime": (result({"$datetime": "yesterday"}), "$datetime"),
    "bad tagged base64": (result({"$base64": "@@@"}), "$base64"),
    "bad double": (result({"$double": "lots"}), "$double"),
    "struct a list": (result({"$struct": [1]}), "$struct"),
    "fault code a string": (
        part(FAULT, "response", xmlrpc={"fault": {"code": "5", "string": "x"}}),
        "fault",
    ),
    "fault without string": (part(FAULT, "response", xmlrpc={"fault": {"code": 5}}), "fault"),
    "a control character": (result("a\x01b"), "interaction #1"),
    "an XML-RPC nesting libxml2 refuses": (result(json.loads(nested(150))), "interaction #1"),
}


def hostile_text(name: str) -> str:
    text = HOSTILE[name][0]()
    # The 100,000-deep body is put in as text: json.dumps itself would hit the recursion limit.
    return text.replace(json.dumps(SENTINEL), nested(DEEP))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "fixtures" / "hostile.json"


def test_the_valid_file_loads_and_replays_every_body_kind(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(VALID), "utf-8")
    with Cassette(path) as cassette:
        assert replay_all(cassette) == [200, 200, 200, 204]
        assert cassette.all_played


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_malformed_file_is_refused_at_load_naming_the_file_and_the_fault(
    path: Path, name: str
) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(hostile_text(name), "utf-8", errors="surrogatepass")
    started = time.monotonic()
    with pytest.raises(CassetteError) as refused:
        Cassette(path)
    assert time.monotonic() - started < 5
    message = str(refused.value)
    assert str(path) in message
    assert HOSTILE[name][1] in message
    assert len(message) < 2000  # says what is wrong without quoting the whole file


def test_a_file_that_is_not_utf8_is_refused(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps(VALID).encode().replace(b"Ada", b"Ad\xff"))
    with pytest.raises(CassetteError, match="cannot read"):
        Cassette(path)


@pytest.mark.parametrize("mode", ["none", "once", "new_episodes"])
def test_every_mode_that_reads_the_file_refuses_a_bad_one(path: Path, mode: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(hostile_text("status -1"), "utf-8")
    with pytest.raises(CassetteError, match="status"):
        Cassette(path, mode)


def test_mode_all_overwrites_a_bad_file(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(hostile_text("deep at the top"), "utf-8")
    server = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    with (
        Cassette(path, "all", real_transport=server) as cassette,
        httpx.Client(transport=cassette.transport) as client,
    ):
        client.get("https://x.test/a")
    assert len(Cassette(path).interactions) == 1


def test_a_server_json_body_with_nan_records_as_text_that_replays(path: Path) -> None:
    # Python's JSON reader takes NaN, which the file must not hold: stored as text instead.
    content = b'{"score": NaN, "big": 1e999}'
    server = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=content, headers={"content-type": "application/json"}
        )
    )

    def get(cassette: Cassette) -> bytes:
        with httpx.Client(transport=cassette.transport) as client:
            return client.get("https://x.test/a").content

    with Cassette(path, "once", real_transport=server) as cassette:
        assert get(cassette) == content
    with Cassette(path) as cassette:
        assert get(cassette) == content


# ------------------------------------------------------------------------ replaying


def rebuild(stored: dict[str, Any]) -> httpx.Request:
    """A live request that the stored one records (the key is any: it is never compared)."""
    url = httpx.URL("http://127.0.0.1:9").copy_with(path=stored["path"])
    url = url.copy_merge_params(stored.get("query") or [])
    if "xmlrpc" in stored:
        call = stored["xmlrpc"]
        params = tuple(from_jsonable(call["params"]))
        return httpx.Request("POST", url, content=dumps_call(call["method"], params))
    if "json" in stored:
        return httpx.Request(stored["method"], url, json=stored["json"])
    if "text" in stored:
        return httpx.Request(stored["method"], url, content=stored["text"].encode())
    if "base64" in stored:
        return httpx.Request(stored["method"], url, content=base64.b64decode(stored["base64"]))
    return httpx.Request(stored["method"], url)


def replay_all(cassette: Cassette) -> list[int]:
    """Send every loaded request through the cassette; the statuses replayed."""
    statuses = []
    with httpx.Client(transport=cassette.transport) as client:
        for interaction in list(cassette.interactions):
            try:
                request = rebuild(interaction.request)
            except Exception:  # a request this helper cannot rebuild: not the cassette's fault
                continue
            try:
                response = client.send(request)
            except CassetteError:
                continue  # another recording took its answer: a miss is a clean refusal
            assert 100 <= response.status_code <= 599
            if "xmlrpc" in interaction.response:
                with contextlib.suppress(XmlRpcFault):  # a recorded fault replays as one
                    loads_response(response.content)
            statuses.append(response.status_code)
    return statuses


# ------------------------------------------------------------------------ fuzzing

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([-1, 0, 99, 100, 599, 600, 200.0, float("nan"), float("inf")]),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["", "\ud800", "<R>", "a\x00b", "not base64!", "20260102T03:04:05"]),
    st.just([]),
    st.just({}),
    st.sampled_from(
        [
            {"$decimal": "junk"},
            {"$datetime": "junk"},
            {"$base64": "@@"},
            {"$double": "junk"},
            {"$struct": 1},
            {"$unknown": 1},
            {"code": "x", "string": 1},
            {"result": 1, "fault": 2},
            ["a"],
            [["a", 1]],
        ]
    ),
    st.lists(st.integers(), max_size=3),
)


def junk(draw: st.DataObject) -> Any:
    # A copy: st.just({}) and sampled_from return the same object every time, which a later
    # mutation must not change for the examples after it.
    return copy.deepcopy(draw.draw(JUNK))


def containers(value: Any) -> Iterator[Any]:
    """Every list and object in ``value``, itself first."""
    if isinstance(value, (dict, list)):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


def mutate(data: Any, draw: st.DataObject) -> None:
    """One change somewhere in ``data``: a key or item deleted, replaced or added."""
    target = draw.draw(st.sampled_from(list(containers(data))))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    action = draw.draw(st.sampled_from(["delete", "replace", "add"] if keys else ["add"]))
    if action == "add":
        if isinstance(target, dict):
            name = draw.draw(st.sampled_from(["status", "json", "text", "base64", "xmlrpc", "x"]))
            target[name] = junk(draw)
        else:
            target.insert(draw.draw(st.integers(0, len(target))), junk(draw))
        return
    key = draw.draw(st.sampled_from(keys))
    if action == "delete":
        del target[key]
    else:
        target[key] = junk(draw)


RECORDED: dict[str, str] = {}


def recorded(backend: BackendName, folder: Path) -> str:
    """A cassette recorded from the fake (once per backend), as text."""
    if backend not in RECORDED:
        path = folder / f"recorded-{backend}.json"
        fake = FakeKeap()
        with (
            Cassette(path, "all", real_transport=fake.transport, redact_fields=["email"]) as c,
            ka.KeapClient(backend, fake.api_key, transport=c.transport) as client,
        ):
            ada = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
            client.contacts.get(ada.id)
            client.tags.apply(client.tags.create("Lead").id, [ada.id])
            with pytest.raises(ka.NotFoundError):
                client.contacts.get(999999)
        RECORDED[backend] = path.read_text("utf-8")
    return RECORDED[backend]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def load_or_refuse(path: Path, text: str) -> None:
    """The property: the file loads and replays, or is refused with CassetteError, quickly."""
    path.write_text(text, "utf-8", errors="surrogatepass")
    started = time.monotonic()
    try:
        cassette = Cassette(path)
    except CassetteError as refused:
        message = str(refused)
    else:
        message = str(path)
        replay_all(cassette)
    assert str(path) in message
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), edits=st.integers(1, 3))
def test_a_mutated_recording_loads_or_is_refused(
    folder: Path, backend: str, data: st.DataObject, edits: int
) -> None:
    document = json.loads(recorded(cast("BackendName", backend), folder))
    for _ in range(edits):
        mutate(document, data)
    load_or_refuse(folder / f"mutated-{backend}.json", json.dumps(document))


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_garbled_recording_loads_or_is_refused(
    folder: Path, backend: str, data: st.DataObject
) -> None:
    text = recorded(cast("BackendName", backend), folder)
    at = data.draw(st.integers(0, len(text)))
    junk = data.draw(
        st.sampled_from(
            ["", "NaN", "-Infinity", "1e999", "[" * 2000, '"', "}", "\\ud800", ",", "-1"]
        )
    )
    cut = data.draw(st.integers(0, 8))
    load_or_refuse(folder / f"garbled-{backend}.json", text[:at] + junk + text[at + cut :])
