"""keap_adapter.legacy.ServerProxy on what surrounds contacts and tags: every Contact
column REST v2 can carry, tag categories (ContactGroupCategory), custom field definitions
(DataFormField, addCustomField) and email opt-in status (APIEmailService), on both
backends."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter.backends._fields import UNMODELLED
from keap_adapter.testing import FakeKeap
from tests.migration.test_legacy_shim import KEY, LEGACY_KEY, NOW, client, proxy

__all__ = ["client", "proxy"]  # fixtures shared with the shim's own tests

Fault = xmlrpc.client.Fault


@pytest.fixture
def fake() -> FakeKeap:
    fake = FakeKeap(api_key=KEY)
    fake.now = lambda: NOW
    return fake


def fault_of(call: Callable[..., Any], *params: Any) -> tuple[int, str]:
    with pytest.raises(Fault) as caught:
        call(*params)
    return caught.value.faultCode, caught.value.faultString


# ------------------------------------------------------------------ Contact columns

EVERY_COLUMN = {
    "Title": "Dr.", "FirstName": "Ada", "Suffix": "Jr.", "Nickname": "Countess",
    "Company": "Analytical Engines", "CompanyID": 12, "Email": "ada@example.com",
    "Fax1": "555-0200", "Fax1Type": "Office", "Fax2": "555-0201", "Fax2Type": "Home",
    "StreetAddress1": "1 Main St", "ZipFour1": "1111", "Country": "GBR",
    "Address3Street1": "Ockham Park", "ZipFour3": "3333", "Country3": "GBR",
    "Anniversary": datetime(1835, 7, 8), "SpouseName": "William",
    "Website": "https://ada.example", "TimeZone": "Europe/London", "Language": "en_GB",
    "ContactType": "Customer", "OwnerID": 7, "LeadSourceId": 3, "ReferralCode": "ADA",
    "AssistantName": "Charles", "AssistantPhone": "555-0300", "BillingInformation": "Net 30",
}  # fmt: skip


def test_every_column_is_written_and_read_through_the_facade(
    proxy: Any, client: ka.KeapClient
) -> None:
    cid = proxy.ContactService.add(LEGACY_KEY, EVERY_COLUMN)

    assert proxy.ContactService.load(LEGACY_KEY, cid, list(EVERY_COLUMN)) == EVERY_COLUMN
    contact = client.contacts.get(cid)
    assert (contact.prefix, contact.preferred_name, contact.owner_id) == ("Dr.", "Countess", 7)
    assert contact.anniversary_date == date(1835, 7, 8)
    assert [(f.field, f.type) for f in contact.fax_numbers] == [("FAX1", "Office"),
                                                               ("FAX2", "Home")]  # fmt: skip
    assert [a.zip_four for a in contact.addresses] == ["1111", "3333"]


def test_an_update_changes_only_the_named_columns_and_zero_clears_an_id(proxy: Any) -> None:
    cid = proxy.ContactService.add(LEGACY_KEY, EVERY_COLUMN)

    proxy.ContactService.update(LEGACY_KEY, cid, {"Fax2Type": "Mobile", "OwnerID": 0,
                                                  "Website": "", "ZipFour3": "4444"})  # fmt: skip
    loaded = proxy.ContactService.load(LEGACY_KEY, cid, list(EVERY_COLUMN))

    changed = {"Fax2Type": "Mobile", "ZipFour3": "4444"}
    gone = ("OwnerID", "Website")
    assert loaded == {k: v for k, v in EVERY_COLUMN.items() if k not in gone} | changed


def test_the_ids_keap_keeps_read_and_cannot_be_written(
    proxy: Any, fake: FakeKeap, client: ka.KeapClient
) -> None:
    cid = proxy.ContactService.add(LEGACY_KEY, {"Email": "ada@example.com"})
    fake.store.contacts[cid] |= {"account_id": 4, "created_by": 5, "last_updated_by": 6}
    ids = ["AccountId", "CreatedBy", "LastUpdatedBy"]

    assert proxy.ContactService.load(LEGACY_KEY, cid, ids) == dict(zip(ids, (4, 5, 6), strict=True))
    code, text = fault_of(proxy.ContactService.update, LEGACY_KEY, cid, {"AccountId": 9})
    assert (code, text) == (
        0,
        "[NotTranslated]Contact.AccountId is not translated by keap_adapter's legacy shim: "
        "REST v2 only reads account_id",
    )
    assert fault_of(proxy.ContactService.update, LEGACY_KEY, cid, {"CreatedBy": 9})[0] == 8


@pytest.mark.parametrize("column", sorted(UNMODELLED))
def test_columns_rest_v2_has_no_field_for_say_what_to_use_instead(proxy: Any, column: str) -> None:
    cid = proxy.ContactService.add(LEGACY_KEY, {"Email": "ada@example.com"})
    expected = (
        0,
        f"[NotTranslated]Contact.{column} is not translated by keap_adapter's legacy shim: "
        f"{UNMODELLED[column]}",
    )

    assert fault_of(proxy.ContactService.load, LEGACY_KEY, cid, ["Id", column]) == expected
    assert fault_of(proxy.ContactService.update, LEGACY_KEY, cid, {column: "x"}) == expected
    query = ("Contact", 10, 0, {column: "%"}, ["Id"])
    assert fault_of(proxy.DataService.query, LEGACY_KEY, *query) == expected


@pytest.mark.parametrize(
    ("struct", "expected"),
    [
        ({"OwnerID": "7"}, (12, "[InvalidParameter]Invalid value for Contact.OwnerID")),
        ({"Anniversary": "soon"}, (12, "[InvalidParameter]Invalid date for Contact.Anniversary: "
                                       "'soon'")),
    ],
)  # fmt: skip
def test_new_column_values_fault_as_keap(
    proxy: Any, struct: dict[str, Any], expected: tuple[int, str]
) -> None:
    assert (
        fault_of(proxy.ContactService.add, LEGACY_KEY, {"Email": "a@x.com", **struct}) == expected
    )


# ----------------------------------------------------------------- ContactGroupCategory

CATEGORY_FIELDS = ["Id", "CategoryName", "CategoryDescription"]


def test_data_service_on_contact_group_category(proxy: Any, client: ka.KeapClient) -> None:
    data = proxy.DataService
    table = "ContactGroupCategory"
    made = data.add(LEGACY_KEY, table, {"CategoryName": "Sources", "CategoryDescription": "Leads"})
    other = data.add(LEGACY_KEY, table, {"CategoryName": "Events"})

    assert client.tags.categories.get(made) == ka.TagCategory(
        id=made, name="Sources", description="Leads"
    )
    assert data.load(LEGACY_KEY, table, other, CATEGORY_FIELDS) == {
        "Id": other,
        "CategoryName": "Events",
    }
    assert data.update(LEGACY_KEY, table, made, {"CategoryDescription": ""}) == made
    rows = data.query(LEGACY_KEY, table, 10, 0, {"CategoryName": "%s"}, CATEGORY_FIELDS)
    assert rows == [
        {"Id": made, "CategoryName": "Sources"},
        {"Id": other, "CategoryName": "Events"},
    ]
    assert data.count(LEGACY_KEY, table, {"CategoryName": "ev%"}) == 1
    assert data.delete(LEGACY_KEY, table, other) is True
    assert fault_of(data.load, LEGACY_KEY, table, other, ["Id"])[0] == 5


def test_category_refusals_are_faults_clients_do_not_retry(
    proxy: Any, client: ka.KeapClient
) -> None:
    data = proxy.DataService
    table = "ContactGroupCategory"
    made = data.add(LEGACY_KEY, table, {"CategoryName": "Sources"})
    client.tags.create("Web", category_id=made)

    assert fault_of(data.add, LEGACY_KEY, table, {"CategoryName": "SOURCES"})[0] == 12
    assert fault_of(data.delete, LEGACY_KEY, table, made)[0] == 12  # tags still in it
    assert fault_of(data.add, LEGACY_KEY, table, {"CategoryDescription": "x"}) == (
        12,
        "[InvalidParameter]CategoryName is required",
    )
    assert [c.name for c in client.tags.categories.list()] == ["Sources"]


# ------------------------------------------------------------------------ DataFormField

FIELD_COLUMNS = ["Id", "Name", "Label", "DataType", "Values", "FormId"]


def test_data_form_field_reads_the_facades_custom_fields(proxy: Any, client: ka.KeapClient) -> None:
    size = client.contacts.custom_fields.create("Shirt Size", "DROPDOWN", options=["S", "M"])
    notes = client.contacts.custom_fields.create("Notes", "TEXT_AREA")
    data = proxy.DataService

    rows = data.query(LEGACY_KEY, "DataFormField", 10, 0, {"FormId": -1}, FIELD_COLUMNS)

    assert rows == [
        {"Id": size.id, "Name": "ShirtSize", "Label": "Shirt Size", "DataType": 21,
         "Values": "S\nM", "FormId": -1},
        {"Id": notes.id, "Name": "Notes", "Label": "Notes", "DataType": 16, "FormId": -1},
    ]  # fmt: skip
    assert data.load(LEGACY_KEY, "DataFormField", notes.id, ["Name"]) == {"Name": "Notes"}
    assert data.count(LEGACY_KEY, "DataFormField", {"Label": "shirt%"}) == 1
    assert fault_of(data.load, LEGACY_KEY, "DataFormField", 99, ["Id"])[0] == 5
    for call, args in [
        (data.query, (10, 0, {}, ["Id", "GroupId"])),
        (data.load, (notes.id, ["GroupId"])),
        (data.count, ({"GroupId": 2},)),
    ]:
        code, text = fault_of(call, LEGACY_KEY, "DataFormField", *args)
        assert code == 0
        assert text.startswith("[NotTranslated]DataFormField.GroupId is not translated")
        assert "group_id in GET /rest/v2/contacts/model" in text


def test_data_form_field_is_written_with_add_custom_field_only(proxy: Any) -> None:
    code, text = fault_of(proxy.DataService.add, LEGACY_KEY, "DataFormField", {"Label": "X"})

    assert code == 7
    assert text.startswith("[NoTableAccess]Access denied to table DataFormField for add")
    assert "DataService.addCustomField" in text
    assert "POST /rest/v2/contacts/model/customFields" in text


def test_add_custom_field_creates_through_the_facade(proxy: Any, client: ka.KeapClient) -> None:
    field_id = proxy.DataService.addCustomField(LEGACY_KEY, "Contact", "Shirt Size", "Text", 2)
    cid = proxy.ContactService.add(LEGACY_KEY, {"Email": "a@example.com", "_ShirtSize": "M"})

    assert type(field_id) is int
    made = client.contacts.custom_fields.list()[-1]
    assert (made.id, made.name, made.label, made.field_type) == (
        field_id,
        "ShirtSize",
        "Shirt Size",
        "TEXT",
    )
    assert client.contacts.get(cid).custom_fields == {"ShirtSize": "M"}


def test_a_list_field_is_added_without_options(proxy: Any, client: ka.KeapClient) -> None:
    # addCustomField takes no options (updateCustomField sets them, and REST v2 has no way
    # to), so the shim asks the facade for a DROPDOWN without any.
    field_id = proxy.DataService.addCustomField(LEGACY_KEY, "Contact", "Size", "Select", 2)

    made = client.contacts.custom_fields.list()[-1]
    assert (made.id, made.field_type, made.options) == (field_id, "DROPDOWN", [])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (("Contact", "X", "Shoe", 2), "[InvalidParameter]Invalid dataType: Shoe"),
        (("Company", "X", "Text", 2), "[NotTranslated]DataService.addCustomField is not "
                                      "translated by keap_adapter's legacy shim (the facade "
                                      "has Contact custom fields only, not Company)"),
    ],
)  # fmt: skip
def test_add_custom_field_refusals(proxy: Any, params: tuple[Any, ...], expected: str) -> None:
    assert fault_of(proxy.DataService.addCustomField, LEGACY_KEY, *params)[1].startswith(expected)


def test_update_custom_field_says_rest_v2_cannot(proxy: Any) -> None:
    code, text = fault_of(proxy.DataService.updateCustomField, LEGACY_KEY, 1, {"Values": "a"})

    assert code == 0
    assert text == (
        "[NotTranslated]DataService.updateCustomField is not translated by keap_adapter's "
        "legacy shim; in REST v2: (none: REST v2 cannot change a contact custom field's "
        "label or options)"
    )


# ---------------------------------------------------------------------- APIEmailService


def test_opt_status_opt_in_and_opt_out(proxy: Any, client: ka.KeapClient) -> None:
    email = proxy.APIEmailService
    client.contacts.create(ka.NewContact(email="news@example.com"))

    assert email.getOptStatus(LEGACY_KEY, "never-seen@example.com") == 0
    assert email.getOptStatus(LEGACY_KEY, "news@example.com") == 0
    assert email.optIn(LEGACY_KEY, "news@example.com", "Web form") is True
    assert email.getOptStatus(LEGACY_KEY, "news@example.com") == 1
    assert email.optOut(LEGACY_KEY, "news@example.com", "Asked to stop") is True
    assert email.getOptStatus(LEGACY_KEY, "news@example.com") == 0
    assert email.optIn(LEGACY_KEY, "news@example.com", "Form again") is False  # Keap's rule
    assert client.contacts.email_status("news@example.com").status == "NON_MARKETABLE"


def test_a_confirmed_address_reads_as_double_opt_in(proxy: Any, fake: FakeKeap) -> None:
    fake.set_email_status("ann@example.com", "CONFIRMED")

    assert proxy.APIEmailService.getOptStatus(LEGACY_KEY, "ann@example.com") == 2


def test_refused_input_faults_and_an_empty_reason_still_opts_out(proxy: Any) -> None:
    email = proxy.APIEmailService

    assert email.getOptStatus(LEGACY_KEY, "not an email") == 0
    code, text = fault_of(email.optIn, LEGACY_KEY, "not an email", "why")
    assert (code, text.startswith("[InvalidParameter]optIn: ")) == (12, True)
    assert fault_of(email.optOut, LEGACY_KEY, "a@example.com", "x" * 256)[0] == 12
    assert fault_of(email.optIn, LEGACY_KEY, 5, "why")[0] == 0  # no method matching
    # Keap takes an empty reason; an unsubscribe sent with one is never lost.
    assert email.optIn(LEGACY_KEY, "a@example.com", "signup") is True
    assert email.optOut(LEGACY_KEY, "a@example.com", "") is True
    assert email.getOptStatus(LEGACY_KEY, "a@example.com") == 0
