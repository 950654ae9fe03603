"""The fake as an independent witness of what each backend writes.

A contact with every column and slot REST v2 can carry goes in through the facade, on
REST v2 and on XML-RPC, sync and async; then the fake's *stored* record is compared with
literal values, and the contact is read back through the fake's XML-RPC face with the
stdlib ``xmlrpc.client`` against literal column names. The fake keeps its own table of
Keap's columns, so a codec that writes a column or slot wrong (EmailAddress2 for
EmailAddress3, Phone4Ext for Phone5Ext, Nickname for Title...) makes this fail instead of
reading its own mistake back. The ids Keap keeps for itself (AccountId, CreatedBy,
LastUpdatedBy) are put in the store directly and read through each backend.

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
    prefix="Dr.",
    given_name="Grace",
    middle_name="Brewster",
    family_name="Murray",
    suffix="PhD",
    preferred_name="Amazing Grace",
    company_name="US Navy",
    company_id=12,
    job_title="Rear Admiral",
    website="https://example.com/grace",
    spouse_name="Vincent Hopper",
    time_zone="America/New_York",
    preferred_locale="en_US",
    contact_type="Customer",
    owner_id=7,
    leadsource_id=3,
    referral_code="COBOL-59",
    assistant_name="Betty",
    assistant_phone="555-0300",
    billing_information="Net 30",
    anniversary_date=date(1930, 6, 15),
    fax_numbers=[
        ka.FaxNumber(number="555-0201", field="FAX1", type="Office"),
        ka.FaxNumber(number="555-0202", field="FAX2", type="Home"),
    ],
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
            zip_four="1111",
            region="Virginia",
            postal_code="22201",
            country_code="USA",
        ),
        ka.Address(
            field="SHIPPING",
            line1="2 Dock Rd",
            line2="Pier 2",
            locality="Norfolk",
            zip_four="2222",
            region="Virginia",
            postal_code="23501",
            country_code="USA",
        ),
        ka.Address(
            field="OTHER",
            line1="3 Yard Ln",
            line2="Bldg 3",
            locality="New York",
            zip_four="3333",
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
    owner_id=8,
    website=None,
    fax_numbers=[ka.FaxNumber(number="555-0202", field="FAX2", type="Mobile")],
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
    "prefix": "Dr.",
    "given_name": "Grace",
    "middle_name": "Brewster",
    "family_name": "Hopper",
    "suffix": "PhD",
    "preferred_name": "Amazing Grace",
    "company_name": "US Navy",
    "company_id": 12,
    "job_title": "Rear Admiral",
    "spouse_name": "Vincent Hopper",
    "time_zone": "America/New_York",
    "preferred_locale": "en_US",
    "contact_type": "Customer",
    "owner_id": 8,
    "leadsource_id": 3,
    "referral_code": "COBOL-59",
    "assistant_name": "Betty",
    "assistant_phone": "555-0300",
    "billing_information": "Net 30",
    "anniversary_date": date(1930, 6, 15),
    "fax_numbers": [{"field": "FAX2", "number": "555-0202", "type": "Mobile"}],
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
            "zip_four": "1111",
            "line2": "Suite 1",
            "locality": "Arlington",
            "region": "Virginia",
            "postal_code": "22201",
            "country_code": "USA",
        },
        {
            "field": "SHIPPING",
            "line1": "2 Dock Rd",
            "zip_four": "2222",
            "line2": "Pier 2",
            "locality": "Norfolk",
            "region": "Virginia",
            "postal_code": "23501",
            "country_code": "USA",
        },
        {
            "field": "OTHER",
            "line1": "3 Yard Ln",
            "zip_four": "3333",
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
    "Title": "Dr.", "FirstName": "Grace", "MiddleName": "Brewster", "LastName": "Hopper",
    "Suffix": "PhD", "Nickname": "Amazing Grace",
    "Company": "US Navy", "CompanyID": 12, "JobTitle": "Rear Admiral",
    "SpouseName": "Vincent Hopper", "TimeZone": "America/New_York", "Language": "en_US",
    "ContactType": "Customer", "OwnerID": 8, "LeadSourceId": 3, "ReferralCode": "COBOL-59",
    "AssistantName": "Betty", "AssistantPhone": "555-0300", "BillingInformation": "Net 30",
    "Anniversary": datetime(1930, 6, 15, 0, 0),
    "Fax2": "555-0202", "Fax2Type": "Mobile",
    "ZipFour1": "1111", "ZipFour2": "2222", "ZipFour3": "3333",
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
    cleared = ["Website", "Fax1", "Fax1Type", "AccountId", "CreatedBy", "LastUpdatedBy"]
    struct = _load_over_xmlrpc(fake, written, ["Id", "Groups", *COLUMNS, *cleared])

    # Groups (no tags), Website and FAX1 (cleared by the update) and the ids Keap keeps
    # for itself (never set here) hold nothing, so they are left out.
    assert struct == {"Id": written, **COLUMNS}


def test_the_ids_keap_keeps_read_back_on_either_backend(
    fake: FakeKeap, written: int, client: ka.KeapClient, other: ka.KeapClient
) -> None:
    fake.store.contacts[written] |= {"account_id": 40, "created_by": 41, "last_updated_by": 42}
    ids = ["AccountId", "CreatedBy", "LastUpdatedBy"]

    assert _load_over_xmlrpc(fake, written, ids) == dict(zip(ids, (40, 41, 42), strict=True))
    for read in (client.contacts.get(written), other.contacts.get(written)):
        assert (read.account_id, read.created_by, read.last_updated_by) == (40, 41, 42)


def test_a_query_on_a_third_slot_column_finds_it(fake: FakeKeap, written: int) -> None:
    query = xmlrpc.client.dumps(
        (fake.api_key, "Contact", 10, 0, {"EmailAddress3": "C@EXAMPLE.COM"}, ["Id", "Phone4Ext"]),
        "DataService.query",
    )
    with httpx.Client(transport=fake.transport) as http:
        response = http.post(XMLRPC_URL, content=query.encode())

    assert xmlrpc.client.loads(response.content)[0] == ([{"Id": written, "Phone4Ext": "44"}],)
