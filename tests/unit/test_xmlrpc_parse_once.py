"""No parse work repeated: over XML-RPC each answer body gets one libxml2 pass (the plain
path's tree-less check, or a parse into a tree; never both for what stdlib and Keap write),
one read by the codec, and a fault one mapping to a typed error.

``tests/unit/test_call_speed.py`` counts reads and classifications at the codec's level;
these count the parser passes under them too, through the client against the fake."""

from __future__ import annotations

import contextlib
import warnings
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter.backends import _xmlrpc_ops
from keap_adapter.backends import _xmlrpc_wire as wire
from keap_adapter.testing import FakeKeap


class Passes:
    """What happened to each answer body: its parser passes, reads and fault mappings."""

    def __init__(self) -> None:
        self.answers: list[bytes] = []  # as the fake sent them, in order
        self.log: list[tuple[str, bytes]] = []  # ("check" | "tree" | "read", body)
        self.mapped: list[xmlrpc.client.Fault] = []

    def of(self, body: bytes) -> list[str]:
        """The events of one body, in order."""
        return [event for event, seen in self.log if seen is body or seen == body]


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Passes:
    record = Passes()
    check, document = wire._validate, wire._document
    loads, map_fault = wire.loads_response, _xmlrpc_ops.fault_error  # ops reads with it

    def counted_check(body: bytes) -> None:
        record.log.append(("check", body))
        check(body)

    def counted_document(body: bytes, what: str, drop_blanks: bool) -> Any:
        record.log.append(("tree", body))
        return document(body, what, drop_blanks)

    def counted_loads(body: bytes) -> Any:
        record.log.append(("read", body))
        return loads(body)

    def counted_map(call: Any, response: httpx.Response, fault: wire.XmlRpcFault) -> Any:
        record.mapped.append(xmlrpc.client.Fault(fault.code, fault.string))
        return map_fault(call, response, fault)

    monkeypatch.setattr(wire, "_validate", counted_check)
    monkeypatch.setattr(wire, "_document", counted_document)
    monkeypatch.setattr(_xmlrpc_ops, "loads_response", counted_loads)
    monkeypatch.setattr(_xmlrpc_ops, "fault_error", counted_map)
    return record


def _client(fake: FakeKeap, transport: httpx.BaseTransport) -> ka.KeapClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ka.KeapClient("xmlrpc", fake.api_key, transport=transport)


@pytest.fixture
def fake() -> FakeKeap:
    return FakeKeap()


@pytest.fixture
def client(fake: FakeKeap, passes: Passes) -> Iterator[ka.KeapClient]:
    """An XML-RPC client whose answers are noted in ``passes.answers``."""

    def answer(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        passes.answers.append(response.content)
        return response

    with _client(fake, httpx.MockTransport(answer)) as made:
        yield made


def test_contacts_get_reads_each_answer_with_one_libxml2_pass(
    fake: FakeKeap, client: ka.KeapClient, passes: Passes
) -> None:
    with _client(fake, fake.transport) as other:  # made elsewhere: not counted
        created = other.contacts.create(ka.NewContact(given_name="Ada", email="a@example.com"))
    passes.log.clear()
    assert client.contacts.get(created.id).given_name == "Ada"
    assert len(passes.answers) == 2  # DataFormField (the custom fields), ContactService.load
    for body in passes.answers:
        assert passes.of(body) == ["read", "check"]  # plain: the check pass, no tree
    assert len(passes.log) == 2 * len(passes.answers)
    assert passes.mapped == []


def test_a_fault_answer_is_parsed_once_and_mapped_once(
    fake: FakeKeap, client: ka.KeapClient, passes: Passes
) -> None:
    client.contacts.custom_field_names()  # the field list, read before the fault
    fake.fail(200, fault="[RecordNotFound]Record was not found", path="ContactService.load")
    passes.answers.clear()
    passes.log.clear()
    with pytest.raises(ka.NotFoundError) as raised:
        client.contacts.get(7)
    [body] = passes.answers
    assert b"<fault>" in body
    assert passes.of(body) == ["read", "tree"]  # faults skip the check: one pass
    assert len(passes.log) == 2
    assert [(f.faultCode, f.faultString) for f in passes.mapped] == [
        (5, "[RecordNotFound]Record was not found")
    ]
    assert raised.value.fault_code == 5


@pytest.mark.parametrize(
    ("body", "events"),
    [
        (xmlrpc.client.dumps(([{"Id": 1, "Name": "x"}],), methodresponse=True), ["check"]),
        (xmlrpc.client.dumps(xmlrpc.client.Fault(2, "[InvalidKey]bad"), methodresponse=True),
         ["tree"]),
        ('<?xml version="1.0"?><methodResponse><params><param><value><!-- c -->x</value>'
         "</param></params></methodResponse>", ["tree"]),  # comments: never plain
        ("<methodResponse><params><param><value><i4>1</i4></value></param></params>"
         "</methodResponse>", ["check"]),
    ],
)  # fmt: skip
def test_loads_response_makes_one_libxml2_pass(
    passes: Passes, body: str, events: list[str]
) -> None:
    data = body.encode()
    with contextlib.suppress(wire.XmlRpcFault):
        wire.loads_response(data)
    assert passes.of(data) == events


def test_only_a_body_outside_the_plain_grammar_costs_a_second_pass(passes: Passes) -> None:
    # Plain as far as cheap byte checks see, but with an attribute: checked, then the tree.
    data = (
        b"<methodResponse><params><param><value><string a='1'>x</string></value></param>"
        b"</params></methodResponse>"
    )
    assert wire.loads_response(data) == "x"
    assert passes.of(data) == ["check", "tree"]
