"""Every Contact column through each codec: REST v2 bodies fit the official schema, and
the XML-RPC struct uses Keap's column names (its Contact table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import keap_adapter as ka
from keap_adapter.backends import _rest_json as wire
from keap_adapter.backends._fields import (
    CONTACT_FIELDS,
    UNMODELLED,
    WRITABLE,
    from_struct,
    to_struct,
)
from tests.contract.test_columns import EVERYTHING, WRITTEN
from tests.oracle import assert_fits


def test_rest_body_carries_every_field_and_fits_the_schema() -> None:
    body = wire.contact_body(EVERYTHING.changes(), {})
    assert_fits("CreateUpdateContactRequest", body)
    assert body["company"] == {"company_name": "Analytical Engines", "id": "12"}
    assert (body["owner_id"], body["leadsource_id"]) == ("7", "3")
    assert body["anniversary_date"] == "1835-07-08"
    assert body["fax_numbers"] == [
        {"number": "555-0200", "field": "FAX1", "type": "Office"},
        {"number": "555-0201", "field": "FAX2"},
    ]
    assert body["addresses"][0]["zip_four"] == "1234"
    assert {k for k in WRITTEN if k not in ("company_name", "company_id")} <= set(body)


def test_rest_update_mask_names_company_once() -> None:
    assert wire.update_mask({"company_name": "A", "company_id": 3, "website": None}) == [
        "company",
        "website",
    ]


def test_rest_reads_every_field_back() -> None:
    body: dict[str, Any] = wire.contact_body(EVERYTHING.changes(), {})
    answer = {**body, "id": "5", "account_id": "2", "created_by": "9", "last_updated_by": "0"}
    contact = wire.contact_from_json(answer, {})
    assert contact.model_dump(include=set(WRITTEN), exclude_none=True) == WRITTEN
    assert (contact.account_id, contact.created_by, contact.last_updated_by) == (2, 9, None)


def test_xmlrpc_struct_uses_keaps_column_names() -> None:
    struct = to_struct(EVERYTHING.changes(), clear_missing_slots=False)
    assert {
        k: struct[k]
        for k in ("Title", "Suffix", "Nickname", "CompanyID", "OwnerID", "LeadSourceId",
                  "Website", "SpouseName", "TimeZone", "Language", "ContactType",
                  "ReferralCode", "AssistantName", "AssistantPhone", "BillingInformation",
                  "Fax1", "Fax1Type", "Fax2", "ZipFour1")
    } == {
        "Title": "Dr.", "Suffix": "Jr.", "Nickname": "Countess", "CompanyID": 12,
        "OwnerID": 7, "LeadSourceId": 3, "Website": "https://example.com/ada",
        "SpouseName": "William King", "TimeZone": "Europe/London", "Language": "en_GB",
        "ContactType": "Customer", "ReferralCode": "ADA-1815", "AssistantName": "Charles",
        "AssistantPhone": "555-0300", "BillingInformation": "Net 30", "Fax1": "555-0200",
        "Fax1Type": "Office", "Fax2": "555-0201", "ZipFour1": "1234",
    }  # fmt: skip
    assert struct["Anniversary"] == datetime(1835, 7, 8)
    assert set(struct) <= set(CONTACT_FIELDS)
    back = from_struct({**struct, "Id": 5, "AccountId": 2, "CreatedBy": 0})
    contact = ka.Contact.model_validate(back)
    assert contact.model_dump(include=set(WRITTEN), exclude_none=True) == WRITTEN
    assert (contact.account_id, contact.created_by) == (2, None)


def test_xmlrpc_clears_ids_with_zero_and_text_with_empty() -> None:
    cleared = ka.ContactUpdate(owner_id=None, website=None, anniversary_date=None, fax_numbers=[])
    struct = to_struct(cleared.changes(), clear_missing_slots=True)
    assert struct == {
        "OwnerID": 0, "Website": "", "Anniversary": "", "Fax1": "", "Fax1Type": "",
        "Fax2": "", "Fax2Type": "",
    }  # fmt: skip


def test_every_writable_field_has_columns_and_unmodelled_ones_say_why() -> None:
    assert set(WRITABLE) == set(ka.ContactUpdate.model_fields)
    assert not set(UNMODELLED) & set(CONTACT_FIELDS)
    assert all("REST v2" in why for why in UNMODELLED.values())
