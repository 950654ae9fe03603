"""Every Contact column REST v2 can carry, on both of FakeKeap's faces: REST's names (ids as
strings, ``company {id, company_name}``, ``fax_numbers``, ``zip_four``), XML-RPC's columns
(ids as ints with 0 for none, Anniversary as a dateTime), and the XML-RPC-only columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from keap_core_v2_client.models.contact import Contact

from keap_adapter._xmlrpc_server._schema import CONTACT_READ_ONLY
from keap_adapter.testing import FakeKeap
from keap_adapter.testing._fake_columns import CONTACT_COLUMNS, READ_ONLY_KINDS
from tests.fake.test_fake_rest import fits
from tests.fake.wire import fake, fault_of, rest, xml

__all__ = ["fake", "rest"]  # fixtures

EVERYTHING: dict[str, Any] = {
    "prefix": "Dr.", "given_name": "Ada", "suffix": "Jr.", "preferred_name": "Countess",
    "company": {"id": "12", "company_name": "Analytical Engines"},
    "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
    "fax_numbers": [{"number": "555-0200", "field": "FAX1", "type": "Office"},
                    {"number": "555-0201", "field": "FAX2"}],
    "addresses": [{"field": "BILLING", "line1": "1 Main St", "zip_four": "1234",
                   "country_code": "GBR"}],
    "anniversary_date": "1835-07-08", "spouse_name": "William", "website": "https://ada.example",
    "time_zone": "Europe/London", "preferred_locale": "en_GB", "contact_type": "Customer",
    "owner_id": "7", "leadsource_id": "3", "referral_code": "ADA", "assistant_name": "Charles",
    "assistant_phone": "555-0300", "billing_information": "Net 30",
}  # fmt: skip


def test_every_rest_field_round_trips_and_fits_the_sdk(fake: FakeKeap, rest: httpx.Client) -> None:
    made = rest.post("contacts", json=EVERYTHING)

    assert made.status_code == 201, made.text
    body = made.json()
    fits(Contact, body)
    assert {k: body[k] for k in EVERYTHING} == EVERYTHING
    assert xml(
        fake,
        "ContactService.load",
        1,
        ["CompanyID", "OwnerID", "Anniversary", "ZipFour1", "Fax1Type", "Language"],
    ) == {
        "CompanyID": 12,
        "OwnerID": 7,
        "Anniversary": datetime(1835, 7, 8),
        "ZipFour1": "1234",
        "Fax1Type": "Office",
        "Language": "en_GB",
    }


def test_fields_and_masks_name_the_new_fields(rest: httpx.Client) -> None:
    rest.post("contacts", json=EVERYTHING)

    some = rest.get("contacts/1", params={"fields": "company,fax_numbers,owner_id"}).json()
    cleared = rest.patch(
        "contacts/1",
        json={"website": "https://new.example"},
        params=[("update_mask", "company"), ("update_mask", "owner_id")],
    ).json()

    assert set(some) == {"id", "company", "fax_numbers", "owner_id"}
    assert "company" not in cleared and "owner_id" not in cleared  # masked, not in the body
    assert cleared["website"] == "https://ada.example"  # in the body, not masked: unchanged


def test_read_only_ids_are_answered_as_strings(fake: FakeKeap, rest: httpx.Client) -> None:
    rest.post("contacts", json={"email_addresses": [{"email": "a@example.com", "field": "EMAIL1"}]})
    fake.store.contacts[1] |= {"account_id": 4, "created_by": 5, "last_updated_by": 6}

    body = fits(Contact, rest.get("contacts/1").json())

    assert (body.account_id, body.created_by, body.last_updated_by) == ("4", "5", "6")


@pytest.mark.parametrize(
    "extra",
    [
        {"owner_id": "seven"},
        {"owner_id": 7},
        {"company": {"id": "x"}},
        {"anniversary_date": "08/07/1835"},
        {"website": "x" * 101},
        {"fax_numbers": [{"number": "1", "field": "FAX3"}]},
        {"fax_numbers": [{"type": "Home", "field": "FAX1"}]},
    ],
)
def test_bad_new_fields_are_400(rest: httpx.Client, extra: dict[str, Any]) -> None:
    body = {"email_addresses": [{"email": "a@example.com", "field": "EMAIL1"}], **extra}
    assert rest.post("contacts", json=body).status_code == 400


def test_xmlrpc_ids_are_ints_and_zero_clears(fake: FakeKeap, rest: httpx.Client) -> None:
    cid = xml(fake, "ContactService.add", {"Email": "a@example.com", "OwnerID": 7, "CompanyID": 9})
    xml(fake, "ContactService.update", cid, {"OwnerID": 0, "Anniversary": "2024-05-06"})

    body = rest.get(f"contacts/{cid}").json()

    assert (body.get("owner_id"), body["company"], body["anniversary_date"]) == (
        None,
        {"id": "9"},
        "2024-05-06",
    )
    assert fault_of(fake, "ContactService.update", cid, {"OwnerID": "7"}) == (
        12,
        "[InvalidParameter]Invalid value for Contact.OwnerID",
    )
    assert fault_of(fake, "ContactService.update", cid, {"Anniversary": "soon"})[0] == 12


def test_xmlrpc_only_columns_are_kept_and_rest_cannot_see_them(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    only = {"ContactNotes": "Met at the fair", "Leadsource": "Fair", "Username": "ada",
            "Password": "secret", "Address1Type": "Home", "AccountId": 4}  # fmt: skip
    cid = xml(fake, "ContactService.add", {"Email": "a@example.com", **only})

    assert xml(fake, "ContactService.load", cid, list(only)) == only
    assert fits(Contact, rest.get(f"contacts/{cid}").json()).account_id == "4"
    assert "Met at the fair" not in rest.get(f"contacts/{cid}").text
    assert fault_of(fake, "ContactService.update", cid, {"Validated": "1"})[0] == 8


def test_the_fakes_read_only_columns_are_keaps() -> None:
    fake_read_only = {c.name for c in CONTACT_COLUMNS if c.kind in READ_ONLY_KINDS}
    assert fake_read_only == CONTACT_READ_ONLY
