"""Property tests and fuzzing (issue 10).

* Any valid :class:`ka.NewContact` created through one backend reads back equal, field by
  field, through the other (both clients on one FakeKeap).
* The XML-RPC reader (``loads_response``) answers any body with a value, an ``XmlRpcFault``
  or an ``XmlRpcParseError``, in bounded time.
* A client reading random and mutated answers (truncated, bytes flipped, deep nesting
  inserted, values of the wrong type, random JSON / XML / bytes, odd statuses and
  encodings) ends in a result or a :class:`ka.KeapError`, in bounded time.

Raw exceptions the fuzzing found are library defects: each has a minimal repro below,
kept as a strict xfail (``test_known_raw_exception``); the fuzz tests recognise those
defects by where they are raised (``KNOWN_RAW``) so they keep hunting for new ones.
Budgets: ``tests/hostile/conftest.py`` (``KEAP_HOSTILE_PROFILE``).
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import time
import traceback
import xmlrpc.client
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.backends._xmlrpc_wire import XmlRpcFault, XmlRpcParseError, loads_response
from keap_adapter.testing import FakeKeap
from tests.hostile.conftest import hostile_profile

BUDGET = hostile_profile()
# Each example's own bound, in CPU seconds (``time.process_time``): what a hostile body could
# blow up is work, and CPU time does not flake on a busy machine the way wall time does.
# Hypothesis's deadline (wall time, conftest.py) stays as the guard against a hang.
PER_EXAMPLE = 1.0
_XML_ILLEGAL = [chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)] + ["\ufffe", "\uffff"]

# ------------------------------------------------------------- valid NewContact values

CHARS = st.characters(codec="utf-8", exclude_characters=_XML_ILLEGAL)
# No white space, no control or format characters, no "@": what an address part may hold.
ADDRESS_CHARS = st.characters(codec="utf-8", exclude_categories=("Z", "C"), exclude_characters="@")


@functools.cache
def texts(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(CHARS, min_size=min_size, max_size=max_size)


@functools.cache
def given_texts(max_size: int) -> st.SearchStrategy[str]:
    """Text that says something (a slot's main value may not be blank)."""
    return texts(max_size, 1).filter(str.strip)


@st.composite
def emails(draw: st.DrawFn, max_size: int) -> str:
    local = draw(st.text(ADDRESS_CHARS, min_size=1, max_size=16))
    domain = draw(st.text(ADDRESS_CHARS, min_size=1, max_size=12))
    top = draw(st.text(ADDRESS_CHARS.filter(lambda c: c != "."), min_size=1, max_size=6))
    address = f"{local}@{domain}.{top}"
    assume(len(address) <= max_size)
    return address


@functools.cache
def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def slots(
    draw: st.DrawFn, names: tuple[str, ...], item: Callable[[str], st.SearchStrategy[Any]]
) -> list[Any] | None:
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    return [draw(item(name)) for name in chosen] or None


_EMAIL_LIMITS = {"EMAIL1": 75, "EMAIL2": 100, "EMAIL3": 100}
_PHONE_LIMITS = {"PHONE1": 40, "PHONE2": 40, "PHONE3": 40, "PHONE4": 20, "PHONE5": 20}
_ADDRESS_LIMITS = {
    "BILLING": {"line1": 75, "line2": 75, "locality": 50, "postal_code": 15},
    "SHIPPING": {"line1": 100, "line2": 100, "locality": 100, "postal_code": 20},
    "OTHER": {"line1": 100, "line2": 100, "locality": 100, "postal_code": 15},
}


@functools.cache
def email_item(slot: str) -> st.SearchStrategy[ka.EmailAddress]:
    return st.builds(ka.EmailAddress, email=emails(_EMAIL_LIMITS[slot]), field=st.just(slot))


@functools.cache
def phone_item(slot: str) -> st.SearchStrategy[ka.PhoneNumber]:
    return st.builds(
        ka.PhoneNumber,
        number=given_texts(_PHONE_LIMITS[slot]),
        field=st.just(slot),
        type=optional(texts(20)),
        extension=optional(texts(20)),
    )


@functools.cache
def fax_item(slot: str) -> st.SearchStrategy[ka.FaxNumber]:
    return st.builds(
        ka.FaxNumber, number=given_texts(40), field=st.just(slot), type=optional(texts(20))
    )


@st.composite
def address_item(draw: st.DrawFn, slot: str) -> ka.Address:
    limits = _ADDRESS_LIMITS[slot]
    parts: dict[str, Any] = {
        name: draw(optional(texts(limits[name]))) for name in limits
    }  # line1, line2, locality, postal_code
    parts["zip_four"] = draw(optional(texts(10)))
    parts["country_code"] = draw(optional(st.from_regex(r"[A-Z]{3}", fullmatch=True)))
    if parts["country_code"]:  # REST v2's rule: a region needs a country code
        parts["region"] = draw(optional(texts(50)))
    assume(any((value or "").strip() for value in parts.values()))
    return ka.Address(field=slot, **parts)


CUSTOM_FIELDS = {
    "Favorite": "TEXT",
    "Count": "WHOLE_NUMBER",
    "Since": "DATE",
    "Ratio": "DECIMAL_NUMBER",
}
CUSTOM_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "Favorite": given_texts(60),
    "Count": st.integers(-(2**31), 2**31 - 1),
    "Since": st.dates(),
    "Ratio": st.floats(allow_nan=False, allow_infinity=False, width=32),
}
IDS = st.integers(1, 2**31 - 1)
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "prefix": texts(20),
    "given_name": texts(40),
    "middle_name": texts(100),
    "family_name": texts(40),
    "suffix": texts(20),
    "preferred_name": texts(100),
    "company_name": texts(100),
    "company_id": IDS,
    "job_title": texts(255),
    "birth_date": st.dates(),
    "anniversary_date": st.dates(),
    "spouse_name": texts(100),
    "website": texts(100),
    "time_zone": texts(40),
    "preferred_locale": texts(20),
    "contact_type": texts(40),
    "owner_id": IDS,
    "leadsource_id": IDS,
    "referral_code": texts(40),
    "assistant_name": texts(20),
    "assistant_phone": texts(15),
    "billing_information": texts(100),
}


@st.composite
def new_contacts(draw: st.DrawFn) -> ka.NewContact:
    """A ``NewContact`` built from the model's own fields and limits."""
    fields: dict[str, Any] = {
        name: draw(strategy) for name, strategy in SCALARS.items() if draw(st.booleans())
    }
    fields["email_addresses"] = draw(slots(("EMAIL1", "EMAIL2", "EMAIL3"), email_item))
    fields["phone_numbers"] = draw(
        slots(("PHONE1", "PHONE2", "PHONE3", "PHONE4", "PHONE5"), phone_item)
    )
    fields["fax_numbers"] = draw(slots(("FAX1", "FAX2"), fax_item))
    fields["addresses"] = draw(slots(("BILLING", "SHIPPING", "OTHER"), address_item))
    custom = draw(st.lists(st.sampled_from(sorted(CUSTOM_FIELDS)), unique=True, max_size=4))
    if custom:
        fields["custom_fields"] = {name: draw(CUSTOM_VALUES[name]) for name in custom}
    fields = {k: v for k, v in fields.items() if v is not None}
    try:
        return ka.NewContact(**fields)
    except ValidationError:  # what the model refuses is not a valid contact: skip it
        assume(False)
        raise


def _plain(value: Any) -> Any:
    """A value as the comparison sees it: "" is unset, as both protocols store it."""
    if value == "":
        return None
    if isinstance(value, list):
        items = [
            {k: v for k, v in item.model_dump().items() if v not in (None, "")} for item in value
        ]
        return sorted(items, key=lambda item: str(item.get("field"))) or None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, "")} or None
    return value


def differences(given: ka.NewContact, read: ka.Contact) -> dict[str, tuple[Any, Any]]:
    """The fields set on ``given`` that ``read`` holds differently."""
    out = {}
    for name, value in given.changes().items():
        mine, theirs = _plain(value), _plain(getattr(read, name))
        if name == "custom_fields" and isinstance(theirs, dict):
            theirs = {k: v for k, v in theirs.items() if k in (mine or {})} or None
        if mine != theirs:
            out[name] = (mine, theirs)
    return out


def test_the_comparison_sees_a_difference() -> None:
    """``differences`` is not vacuous: a changed name, slot part or custom value shows."""
    given = ka.NewContact(
        given_name="Ada",
        email="ada@example.com",
        phone_numbers=[{"number": "555", "field": "PHONE2", "type": "Work"}],
        custom_fields={"Favorite": "tea"},
    )
    same = {"given_name": "Ada", "email_addresses": [{"email": "ada@example.com"}]}
    read = {
        **same,
        "phone_numbers": [{"number": "555", "field": "PHONE2", "type": "Work"}],
        "custom_fields": {"Favorite": "tea", "Other": 1},
    }
    assert differences(given, ka.Contact(id=1, **read)) == {}
    for change in (
        {"given_name": "Ava"},
        {"phone_numbers": [{"number": "555", "field": "PHONE2"}]},
        {"custom_fields": {"Favorite": "coffee"}},
        {"email_addresses": [{"email": "ada@example.com", "field": "EMAIL2"}]},
    ):
        assert differences(given, ka.Contact(id=1, **{**read, **change})) != {}, change


@pytest.fixture(scope="module")
def pair() -> Iterator[dict[str, ka.KeapClient]]:
    """A REST and an XML-RPC client on one fake that knows ``CUSTOM_FIELDS``."""
    fake = FakeKeap()
    for name, field_type in CUSTOM_FIELDS.items():
        fake.add_custom_field(name, field_type)
    clients = {
        backend: ka.KeapClient(backend, fake.api_key, transport=fake.transport, limits=None)
        for backend in ("rest", "xmlrpc")
    }
    yield clients
    for client in clients.values():
        client.close()


@settings(BUDGET)
@given(contact=new_contacts(), writer=st.sampled_from(["rest", "xmlrpc"]))
def test_a_new_contact_reads_back_equal_through_the_other_backend(
    pair: dict[str, ka.KeapClient], contact: ka.NewContact, writer: str
) -> None:
    """Create through ``writer``, read through the other backend: every field that was set
    (names, slots, dates, ids, custom fields) holds what was given; "" counts as unset."""
    reader = "xmlrpc" if writer == "rest" else "rest"
    started = time.process_time()
    created = pair[writer].contacts.create(contact)
    read = pair[reader].contacts.get(created.id)
    assert time.process_time() - started < PER_EXAMPLE
    assert differences(contact, created) == {}, f"as {writer} answered the create"
    assert differences(contact, read) == {}, f"as {reader} read it back"


# --------------------------------------------------------------------------- mutations

NESTING = (
    b"[" * 5000,
    b'{"a":' * 3000,
    b"<value><array><data>" * 2000,
    b"<value><struct><member><name>a</name>" * 1000,
)
JUNK = (
    b"\x00", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"<!DOCTYPE r [<!ENTITY e 'x'>]>", b"&e;",
    b"<![CDATA[", b"]]>", b"<!--", b"-->", b"<?pi x?>", b'"', b"}", b"]", b"<", b">", b"&",
    b"\\u0000", b"\\ud800", b"1e999999", b"NaN", b"-", b"\r\n", b"</value>", b"<value>",
    b"<int>", b"</int>", b"<nil/>", b"<i8>99999999999999999999</i8>", b"<double>1e400</double>",
    b"<dateTime.iso8601>99999999T99:99:99</dateTime.iso8601>", b"<base64>!!</base64>",
    b"<fault>", b'xmlns:ex="urn:x"', b"<ex:i8>1</ex:i8>",
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, body: bytes) -> bytes:
    """``body`` after one to three mutations: cut short, a byte flipped, junk or deep
    nesting inserted, a slice deleted or repeated."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cut", "flip", "insert", "nest", "delete", "repeat"]))
        at = draw(st.integers(0, len(body)))
        if kind == "cut":
            body = body[:at]
        elif kind == "flip" and body:
            at = min(at, len(body) - 1)
            body = body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1 :]
        elif kind == "insert":
            junk = draw(st.sampled_from(JUNK) | st.binary(min_size=1, max_size=8))
            body = body[:at] + junk + body[at:]
        elif kind == "nest":
            body = body[:at] + draw(st.sampled_from(NESTING)) + body[at:]
        elif kind == "delete":
            body = body[:at] + body[at + draw(st.integers(1, 32)) :]
        elif kind == "repeat":
            end = min(len(body), at + draw(st.integers(1, 64)))
            body = body[:end] + body[at:end] + body[end:]
    return body


# ------------------------------------------------------------------------ XML-RPC bodies

xml_scalars = (
    st.integers(-(2**31), 2**31 - 1)
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts(20)
    | st.binary(max_size=16)
    | st.datetimes(min_value=datetime(1900, 1, 1)).map(lambda d: d.replace(microsecond=0))
)
xml_values = st.recursive(
    xml_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts(8), inner, max_size=4),
    max_leaves=16,
)
CONTACT_STRUCT: dict[str, Any] = {
    "Id": 7, "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com",
    "Phone1": "555", "Phone1Type": "Work", "Groups": "1,2", "StreetAddress1": "1 Main St",
    "Country": "USA", "DateCreated": datetime(2020, 1, 2, 3, 4, 5),
    "LastUpdated": datetime(2021, 1, 2, 3, 4, 5), "Birthday": datetime(1990, 5, 6),
    "CompanyID": 3, "OwnerID": 4, "_Favorite": "tea",
}  # fmt: skip
FIELD_ROW: dict[str, Any] = {"Id": 1, "Name": "Favorite", "Label": "Fav", "DataType": 15}
TAGGED_ROW: dict[str, Any] = {
    "ContactId": 7, "Contact.FirstName": "Ada", "Contact.Email": "ada@example.com",
    "DateCreated": datetime(2020, 1, 2, 3, 4, 5),
}  # fmt: skip


@st.composite
def retyped(draw: st.DrawFn, value: Any, values: st.SearchStrategy[Any]) -> Any:
    """``value`` (a struct, or a list of them) with some members given other values or
    dropped: the right layout holding the wrong types."""
    value = copy.deepcopy(value)
    structs = value if isinstance(value, list) else [value]
    for struct in structs:
        if not isinstance(struct, dict) or not struct:
            continue
        for key in draw(st.lists(st.sampled_from(sorted(struct)), unique=True, max_size=3)):
            if draw(st.booleans()):
                struct[key] = draw(values)
            else:
                del struct[key]
    return value


def xml_answer(value: Any) -> bytes:
    return xmlrpc.client.dumps((value,), methodresponse=True, encoding="utf-8").encode()


xml_faults = st.builds(
    lambda c, s: xmlrpc.client.dumps(xmlrpc.client.Fault(c, s), methodresponse=True).encode(),
    st.integers(-(2**31), 2**31 - 1),
    texts(40),
)
xml_shapes = st.sampled_from(
    [CONTACT_STRUCT, [CONTACT_STRUCT, CONTACT_STRUCT], [FIELD_ROW], [TAGGED_ROW], [], True, 1]
)
xml_wellformed = (
    xml_values.map(xml_answer)
    | xml_faults
    | xml_shapes.flatmap(lambda v: retyped(v, xml_values)).map(xml_answer)
)
XML_TAGS = (
    "methodResponse", "params", "param", "value", "struct", "member", "name", "array", "data",
    "int", "i4", "i8", "string", "boolean", "double", "dateTime.iso8601", "base64", "nil",
    "fault", "bogus", "ex:i8",
)  # fmt: skip


@st.composite
def xml_soup(draw: st.DrawFn, depth: int = 0) -> str:
    """Random XML over XML-RPC's vocabulary: right names in wrong places."""
    tag = draw(st.sampled_from(XML_TAGS))
    if depth > 6 or draw(st.integers(0, 3)) == 0:
        text = draw(texts(8)).replace("&", "&amp;").replace("<", "&lt;")
        return f"<{tag}>{text}</{tag}>"
    children = draw(st.lists(xml_soup(depth + 1), max_size=3))
    return f"<{tag}>{''.join(children)}</{tag}>"


xml_bodies = (
    xml_wellformed
    | xml_wellformed.flatmap(mutated)
    | xml_soup().map(lambda s: s.encode())
    | xml_soup().map(lambda s: s.encode()).flatmap(mutated)
    | st.binary(max_size=300)
)


@settings(BUDGET, max_examples=BUDGET.max_examples * 4)
@given(body=xml_bodies)
def test_loads_response_raises_only_its_own_errors(body: bytes) -> None:
    started = time.process_time()
    try:
        loads_response(body)
    except XmlRpcFault:
        event("fault")
    except XmlRpcParseError:
        event("unreadable")
    else:
        event("value")
    assert time.process_time() - started < PER_EXAMPLE


# ---------------------------------------------------------------------- REST JSON bodies

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts(12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts(8), inner, max_size=4),
    max_leaves=12,
)
CONTACT_JSON: dict[str, Any] = {
    "id": "7", "given_name": "Ada", "family_name": "Lovelace",
    "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
    "phone_numbers": [{"number": "555", "field": "PHONE1", "type": "Work"}],
    "addresses": [{"field": "BILLING", "line1": "1 Main St", "country_code": "USA"}],
    "company": {"id": "3", "company_name": "Analytical"}, "tag_ids": ["1", "2"],
    "custom_fields": [{"id": "1", "content": "tea"}], "birth_date": "1990-05-06",
    "owner_id": "4", "create_time": "2020-01-02T03:04:05Z",
}  # fmt: skip
MODEL_JSON: dict[str, Any] = {
    "custom_fields": [{"id": "1", "field_name": "Favorite", "label": "Fav", "field_type": "TEXT"}]
}


@st.composite
def rejigged(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with up to three nodes anywhere in it replaced by random JSON or removed."""
    value = copy.deepcopy(value)
    for _ in range(draw(st.integers(1, 3))):
        holders: list[tuple[Any, Any]] = []
        stack = [value]
        while stack:
            node = stack.pop()
            keys = list(node) if isinstance(node, dict) else range(len(node))
            for key in keys:
                holders.append((node, key))
                if isinstance(node[key], (dict, list)):
                    stack.append(node[key])
        if not holders:
            break
        node, key = draw(st.sampled_from(holders))
        if isinstance(node, dict) and draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(json_values)
    return value


json_shapes = st.sampled_from([
    CONTACT_JSON, {"contacts": [CONTACT_JSON, CONTACT_JSON], "next_page_token": "n2"},
    MODEL_JSON, {"contacts": []},
])  # fmt: skip
json_wellformed = json_shapes.flatmap(rejigged).map(
    lambda v: json.dumps(v).encode()
) | json_values.map(lambda v: json.dumps(v).encode())
json_bodies = (
    json_wellformed
    | json_shapes.map(lambda v: json.dumps(v).encode()).flatmap(mutated)
    | json_wellformed.flatmap(mutated)
    | st.binary(max_size=300)
)

# --------------------------------------------------------------- a client on those bodies

STATUSES = st.sampled_from([200] * 6 + [201, 204, 400, 404, 409, 429, 500, 502, 503])
ENCODINGS = st.sampled_from([None] * 8 + ["gzip", "deflate", "br", "identity"])


class _Stream(httpx.SyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self.body


def answering(
    body: bytes, status: int, content_type: str, encoding: str | None
) -> httpx.MockTransport:
    """Answers the first four requests with ``body``, then an empty page, so a listing
    that keeps finding a next page still ends."""
    calls = itertools.count()
    empty = b"[]" if "xml" in content_type else b"{}"

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": content_type}
        if encoding is not None:
            headers["content-encoding"] = encoding
        if next(calls) >= 4:
            last = xml_answer([]) if "xml" in content_type else empty
            return httpx.Response(200, headers={"content-type": content_type}, content=last)
        return httpx.Response(status, headers=headers, stream=_Stream(body))

    return httpx.MockTransport(handle)


# Raw exceptions the fuzzing found, each a library defect with a strict-xfail repro in
# test_known_raw_exception: (name, exception class, keap_adapter function it surfaces in).
KNOWN_RAW: tuple[tuple[str, tuple[type[BaseException], ...], str], ...] = ()


def known_raw(error: BaseException) -> str | None:
    """The known defect a raw exception is, judged by its class and the innermost
    keap_adapter function it passed through, or ``None`` for a new one."""
    package = str(Path(ka.__file__).parent)
    frames = [
        frame.name
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(package) and not frame.name.startswith("<")
    ]
    for name, classes, where in KNOWN_RAW:
        if isinstance(error, classes) and (not where or where in frames[-3:]):
            return name
    return None


OPERATIONS: dict[str, Callable[[ka.KeapClient], Any]] = {
    "contacts.get": lambda c: c.contacts.get(7),
    "contacts.list": lambda c: list(itertools.islice(c.contacts.list(page_size=2), 50)),
    "contacts.find_by_email": lambda c: c.contacts.find_by_email("ada@example.com"),
    "tags.contacts": lambda c: list(itertools.islice(c.tags.contacts(1, page_size=2), 50)),
    "contacts.custom_fields.list": lambda c: c.contacts.custom_fields.list(),
}


def read_through_client(
    backend: BackendName, operation: str, body: bytes, status: int, encoding: str | None
) -> None:
    content_type = "text/xml" if backend == "xmlrpc" else "application/json"
    transport = answering(body, status, content_type, encoding)
    with ka.KeapClient(
        backend,
        "KeapAK-fuzz-test-key-0001",
        transport=transport,
        limits=None,
        sleep=lambda s: None,
        retry_policy=ka.RetryPolicy(max_retries=1),
    ) as client:
        started = time.process_time()
        try:
            OPERATIONS[operation](client)
        except ka.KeapError as error:
            event(type(error).__name__)
        except Exception as error:  # what must never escape is the point
            defect = known_raw(error)
            if defect is None:
                raise
            event(f"known defect: {defect}")
        else:
            event("result")
        assert time.process_time() - started < PER_EXAMPLE


@settings(BUDGET, max_examples=BUDGET.max_examples * 3)
@given(
    body=json_bodies,
    status=STATUSES,
    encoding=ENCODINGS,
    operation=st.sampled_from(["contacts.get", "contacts.list"]),
)
def test_the_rest_client_reads_any_answer_into_a_result_or_a_typed_error(
    body: bytes, status: int, encoding: str | None, operation: str
) -> None:
    read_through_client("rest", operation, body, status, encoding)


@settings(BUDGET, max_examples=BUDGET.max_examples * 3)
@given(
    body=xml_bodies,
    status=STATUSES,
    encoding=ENCODINGS,
    operation=st.sampled_from(sorted(OPERATIONS)),
)
def test_the_xmlrpc_client_reads_any_answer_into_a_result_or_a_typed_error(
    body: bytes, status: int, encoding: str | None, operation: str
) -> None:
    read_through_client("xmlrpc", operation, body, status, encoding)


# ------------------------------------------------------------- the defects, one by one


def _xml_rows(*rows: dict[str, Any]) -> bytes:
    return xml_answer(list(rows))


REPROS = [
    pytest.param(
        "rest", "contacts.get", b"not gzip", 200, "gzip",
        id="decoding-corrupt-gzip",
    ),
    pytest.param(
        "xmlrpc", "contacts.get", b"x", 200, "br",
        id="decoding-unasked-encoding",
    ),
    pytest.param(
        "rest", "contacts.get", b'{"id": "7", "company": 5}', 200, None,
        id="rest-parse-attribute",
    ),
    pytest.param(
        "rest", "contacts.list", b'{"contacts": [5]}', 200, None,
        id="rest-read-contact-item",
    ),
    pytest.param(
        "rest", "contacts.get", b'{"id": "7", "custom_fields": 5}', 200, None,
        id="rest-read-contact-custom-fields",
    ),
    pytest.param(
        "rest", "contacts.get", b"[" * 100_000 + b"]" * 100_000, 500, None,
        id="rest-error-recursion",
    ),
    pytest.param(
        "xmlrpc", "contacts.get", _xml_rows({"Id": 1, "Name": "Fav", "DataType": "abc"}), 200,
        None, id="xmlrpc-data-type-contact-read",
    ),
    pytest.param(
        "xmlrpc", "contacts.custom_fields.list",
        _xml_rows({"Id": 1, "Name": "Fav", "DataType": "abc"}), 200, None,
        id="xmlrpc-data-type-field-list",
    ),
    pytest.param(
        "xmlrpc", "contacts.find_by_email", _xml_rows({"Id": 1, "Name": "F", "DataType": [15]}),
        200, None, id="xmlrpc-data-type-not-a-scalar",
    ),
    pytest.param(
        "xmlrpc", "tags.contacts", _xml_rows({"ContactId": 7, "DateCreated": "garbage"}), 200,
        None, id="xmlrpc-tagged-date",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("backend", "operation", "body", "status", "encoding"), REPROS)
def test_known_raw_exception(
    backend: BackendName, operation: str, body: bytes, status: int, encoding: str | None
) -> None:
    """Each defect's minimal repro: it must end in a KeapError, not a raw exception."""
    content_type = "text/xml" if backend == "xmlrpc" else "application/json"
    with ka.KeapClient(
        backend,
        "KeapAK-fuzz-test-key-0001",
        transport=answering(body, status, content_type, encoding),
        limits=None,
        sleep=lambda s: None,
        retry_policy=ka.RetryPolicy(max_retries=0),
    ) as client:
        raw: Exception | None = None
        try:
            OPERATIONS[operation](client)
        except ka.KeapError:
            pass
        except Exception as error:
            raw = error
    if raw is not None:
        defect = known_raw(raw) or "a new defect"
        pytest.fail(f"raw {type(raw).__name__} ({defect}): {raw}")


def test_every_known_defect_has_a_repro() -> None:
    ids = [str(p.id) for p in REPROS]
    for name, _cls, _where in KNOWN_RAW:
        assert any(i.startswith(name) for i in ids), f"{name} has no strict-xfail repro"


def test_the_strategy_makes_varied_contacts() -> None:
    """The NewContact strategy reaches every kind of field, so the round trip covers them."""
    seen: set[str] = set()

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(new_contacts())
    def collect(contact: ka.NewContact) -> None:
        seen.update(contact.changes())

    collect()
    slots = {"email_addresses", "phone_numbers", "fax_numbers", "addresses", "custom_fields"}
    assert {*SCALARS, *slots} <= seen
