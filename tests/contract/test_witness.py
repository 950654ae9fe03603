"""The fake as an independent witness of what each backend writes.

A contact with every slot set goes in through the facade, on REST v2 and on XML-RPC, sync
and async; then the fake's *stored* record is compared with literal values, and the
contact is read back through the fake's XML-RPC face with the stdlib ``xmlrpc.client``
against literal column names. The fake keeps its own table of Keap's columns, so a codec
that writes a column or slot wrong (EmailAddress2 for EmailAddress3, Phone4Ext for
Phone5Ext...) makes this fail instead of reading its own mistake back.

Only the live fake can be a witness, so these tests do not run from a cassette.
"""

from __future__ import annotations

import asyncio
import xmlrpc.client
from datetime import date, datetime
from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap
from tests.contract.conftest import EPOCH, Sent

XMLRPC_URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"


@pytest.fixture(params=["fake"])
def mode(request: pytest.FixtureRequest) -> str:
    """Only the live fake: a replayed cassette has no store to look at."""
    return str(request.param)


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _slots(n: int) -> dict[str, Any]:
    return {"number": f"555-010{n}", "field": f"PHONE{n}", "type": "Work", "extension": f"{n}{n}"}


NEW = ka.NewContact(
    given_name="Grace",
    middle_name="Brewster",
    family_name="Murray",
    company_name="US Navy",
    job_title="Rear Admiral",
    email_addresses=[
        ka.EmailAddress(email="a@example.com", field="EMAIL1"),
        ka.EmailAddress(email="b@example.com", field="EMAIL2"),
        ka.EmailAddress(email="c@example.com", field="EMAIL3"),
    ],
    phone_numbers=[ka.PhoneNumber.model_validate(_slots(n)) for n in range(1, 6)],
    addresses=[
        ka.Address(
            field="BILLING",
            line1="1 Main St",
            line2="Suite 1",
            locality="Arlington",
            region="Virginia",
            postal_code="22201",
            country_code="USA",
        ),
        ka.Address(
            field="SHIPPING",
            line1="2 Dock Rd",
            line2="Pier 2",
            locality="Norfolk",
            region="Virginia",
            postal_code="23501",
            country_code="USA",
        ),
        ka.Address(
            field="OTHER",
            line1="3 Yard Ln",
            line2="Bldg 3",
            locality="New York",
            region="New York",
            postal_code="10001",
            country_code="USA",
        ),
    ],
    birth_date=date(1906, 12, 9),
    custom_fields={"Rank": "Commodore", "Renewal": date(2024, 5, 6)},
)
CHANGE = ka.ContactUpdate(
    family_name="Hopper",
    phone_numbers=[
        *(ka.PhoneNumber.model_validate(_slots(n)) for n in (1, 2, 3, 5)),
        ka.PhoneNumber(number="555-0104", field="PHONE4", type="Mobile", extension="44"),
    ],
    custom_fields={"Rank": "Rear Admiral"},
)


def _write(client: ka.KeapClient) -> int:
    created = client.contacts.create(NEW)
    client.contacts.update(created.id, CHANGE)
    return created.id


async def _write_async(backend: BackendName, fake: FakeKeap, transport: Sent) -> int:
    async with ka.AsyncKeapClient(backend, fake.api_key, transport=transport) as client:
        created = await client.contacts.create(NEW)
        await client.contacts.update(created.id, CHANGE)
        return created.id


@pytest.fixture
def written(
    flavour: str, fake: FakeKeap, backend: BackendName, transport: Sent, client: ka.KeapClient
) -> int:
    """The id of the contact written through the facade, sync or async."""
    fake.add_custom_field("Rank")
    fake.add_custom_field("Renewal", "DATE")
    if flavour == "async":
        return asyncio.run(_write_async(backend, fake, transport))
    return _write(client)


def _phone(n: int, kind: str = "Work", extension: str | None = None) -> dict[str, str]:
    number = {"field": f"PHONE{n}", "number": f"555-010{n}", "type": kind}
    return number | {"extension": extension or f"{n}{n}"}


STORED = {
    "given_name": "Grace",
    "middle_name": "Brewster",
    "family_name": "Hopper",
    "company_name": "US Navy",
    "job_title": "Rear Admiral",
    "email_addresses": [
        {"field": "EMAIL1", "email": "a@example.com"},
        {"field": "EMAIL2", "email": "b@example.com"},
        {"field": "EMAIL3", "email": "c@example.com"},
    ],
    "phone_numbers": [_phone(1), _phone(2), _phone(3), _phone(4, "Mobile", "44"), _phone(5)],
    "addresses": [
        {
            "field": "BILLING",
            "line1": "1 Main St",
            "line2": "Suite 1",
            "locality": "Arlington",
            "region": "Virginia",
            "postal_code": "22201",
            "country_code": "USA",
        },
        {
            "field": "SHIPPING",
            "line1": "2 Dock Rd",
            "line2": "Pier 2",
            "locality": "Norfolk",
            "region": "Virginia",
            "postal_code": "23501",
            "country_code": "USA",
        },
        {
            "field": "OTHER",
            "line1": "3 Yard Ln",
            "line2": "Bldg 3",
            "locality": "New York",
            "region": "New York",
            "postal_code": "10001",
            "country_code": "USA",
        },
    ],
    "birth_date": date(1906, 12, 9),
    "custom_fields": {"Rank": "Rear Admiral", "Renewal": date(2024, 5, 6)},
    "create_time": EPOCH,
    "update_time": EPOCH,
}
# Keap's Contact columns, written out by hand from its table docs, and what each must hold.
COLUMNS = {
    "FirstName": "Grace", "MiddleName": "Brewster", "LastName": "Hopper",
    "Company": "US Navy", "JobTitle": "Rear Admiral",
    "Email": "a@example.com", "EmailAddress2": "b@example.com", "EmailAddress3": "c@example.com",
    "Phone1": "555-0101", "Phone1Ext": "11", "Phone1Type": "Work",
    "Phone2": "555-0102", "Phone2Ext": "22", "Phone2Type": "Work",
    "Phone3": "555-0103", "Phone3Ext": "33", "Phone3Type": "Work",
    "Phone4": "555-0104", "Phone4Ext": "44", "Phone4Type": "Mobile",
    "Phone5": "555-0105", "Phone5Ext": "55", "Phone5Type": "Work",
    "StreetAddress1": "1 Main St", "StreetAddress2": "Suite 1", "City": "Arlington",
    "State": "Virginia", "PostalCode": "22201", "Country": "USA",
    "Address2Street1": "2 Dock Rd", "Address2Street2": "Pier 2", "City2": "Norfolk",
    "State2": "Virginia", "PostalCode2": "23501", "Country2": "USA",
    "Address3Street1": "3 Yard Ln", "Address3Street2": "Bldg 3", "City3": "New York",
    "State3": "New York", "PostalCode3": "10001", "Country3": "USA",
    "Birthday": datetime(1906, 12, 9, 0, 0),  # a dateTime at midnight, no zone
    "_Rank": "Rear Admiral",
    "_Renewal": datetime(2024, 5, 6, 0, 0),
    "DateCreated": datetime(2026, 1, 15, 7, 0),  # EPOCH (12:00 UTC) in New York, EST
    "LastUpdated": datetime(2026, 1, 15, 7, 0),
}  # fmt: skip


def _load_over_xmlrpc(fake: FakeKeap, contact_id: int, columns: list[str]) -> Any:
    """``ContactService.load`` built and read by the stdlib, posted to the fake's face."""
    body = xmlrpc.client.dumps((fake.api_key, contact_id, columns), "ContactService.load")
    with httpx.Client(transport=fake.transport) as http:
        response = http.post(XMLRPC_URL, content=body.encode())
    (struct,), _method = xmlrpc.client.loads(response.content, use_builtin_types=True)
    return struct


def test_the_stored_record_holds_every_slot_where_it_belongs(fake: FakeKeap, written: int) -> None:
    stored = fake.store.contacts[written]  # the store itself, not through any face

    assert stored == {"id": written, **STORED}


def test_keaps_columns_hold_what_was_written(fake: FakeKeap, written: int) -> None:
    struct = _load_over_xmlrpc(fake, written, ["Id", "Groups", *COLUMNS])

    assert struct == {"Id": written, **COLUMNS}  # Groups: no tags, so left out


def test_a_query_on_a_third_slot_column_finds_it(fake: FakeKeap, written: int) -> None:
    query = xmlrpc.client.dumps(
        (fake.api_key, "Contact", 10, 0, {"EmailAddress3": "C@EXAMPLE.COM"}, ["Id", "Phone4Ext"]),
        "DataService.query",
    )
    with httpx.Client(transport=fake.transport) as http:
        response = http.post(XMLRPC_URL, content=query.encode())

    assert xmlrpc.client.loads(response.content)[0] == ([{"Id": written, "Phone4Ext": "44"}],)
