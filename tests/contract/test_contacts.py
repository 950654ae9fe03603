"""Contact operations: the same assertions on REST v2 and XML-RPC."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap
from tests.contract.conftest import Sent


def full_contact() -> ka.NewContact:
    return ka.NewContact(
        given_name="Ada",
        middle_name="King",
        family_name="Lovelace",
        company_name="Analytical Engines",
        job_title="Analyst",
        email_addresses=[
            ka.EmailAddress(email="ada@example.com", field="EMAIL1"),
            ka.EmailAddress(email="ada@work.example", field="EMAIL2"),
        ],
        phone_numbers=[
            ka.PhoneNumber(number="555-0100", field="PHONE1", type="Mobile"),
            ka.PhoneNumber(number="555-0199", field="PHONE3", extension="12"),
        ],
        addresses=[
            ka.Address(
                field="BILLING",
                line1="1 Main St",
                locality="London",
                postal_code="N1",
                region="Greater London",
                country_code="GBR",
            ),
            ka.Address(field="SHIPPING", line1="2 Side St", line2="Flat 3", locality="Leeds"),
        ],
        birth_date=date(1815, 12, 10),
    )


def test_create_then_get_round_trips_every_field(client: ka.KeapClient) -> None:
    created = client.contacts.create(full_contact())
    loaded = client.contacts.get(created.id)
    assert loaded == created
    assert isinstance(loaded.id, int)
    assert loaded.email == "ada@example.com"
    assert [e.field for e in loaded.email_addresses] == ["EMAIL1", "EMAIL2"]
    assert loaded.phone_numbers[1] == ka.PhoneNumber(
        number="555-0199", field="PHONE3", extension="12"
    )
    assert loaded.addresses[0].country_code == "GBR"
    assert loaded.addresses[1].line2 == "Flat 3"
    assert loaded.birth_date == date(1815, 12, 10)
    assert loaded.company_name == "Analytical Engines"
    assert loaded.create_time is not None and loaded.create_time.utcoffset() is not None


def test_custom_fields_round_trip_by_name(fake: FakeKeap, client: ka.KeapClient) -> None:
    fake.add_custom_field("Color")
    fake.add_custom_field("Size")
    created = client.contacts.create(
        ka.NewContact(email="c@example.com", custom_fields={"Color": "red"})
    )
    assert client.contacts.get(created.id).custom_fields == {"Color": "red"}
    updated = client.contacts.update(created.id, ka.ContactUpdate(custom_fields={"Size": "L"}))
    assert updated.custom_fields == {"Color": "red", "Size": "L"}


def test_update_changes_only_the_fields_set(client: ka.KeapClient) -> None:
    created = client.contacts.create(full_contact())
    updated = client.contacts.update(
        created.id, ka.ContactUpdate(family_name="Byron", middle_name=None)
    )
    assert updated.family_name == "Byron"
    assert updated.middle_name is None
    unchanged = {
        "given_name",
        "company_name",
        "email_addresses",
        "phone_numbers",
        "addresses",
        "birth_date",
    }
    assert updated.model_dump(include=unchanged) == created.model_dump(include=unchanged)


def test_a_list_field_in_an_update_replaces_the_whole_list(client: ka.KeapClient) -> None:
    created = client.contacts.create(full_contact())
    new_emails = [ka.EmailAddress(email="only@example.com", field="EMAIL1")]
    updated = client.contacts.update(created.id, ka.ContactUpdate(email_addresses=new_emails))
    assert updated.email_addresses == new_emails
    assert client.contacts.get(created.id).email_addresses == new_emails


def test_delete_then_get_is_not_found(client: ka.KeapClient) -> None:
    created = client.contacts.create(ka.NewContact(email="gone@example.com"))
    client.contacts.delete(created.id)
    with pytest.raises(ka.NotFoundError) as caught:
        client.contacts.get(created.id)
    assert caught.value.operation == "contacts.get"
    assert caught.value.backend == client.backend
    with pytest.raises(ka.NotFoundError):
        client.contacts.delete(created.id)


def test_get_of_a_missing_contact_is_not_found(client: ka.KeapClient) -> None:
    with pytest.raises(ka.NotFoundError, match=r"contacts\.get"):
        client.contacts.get(999_999)


def test_find_by_email(client: ka.KeapClient) -> None:
    a = client.contacts.create(ka.NewContact(given_name="A", email="same@example.com"))
    b = client.contacts.create(ka.NewContact(given_name="B", email="same@example.com"))
    client.contacts.create(ka.NewContact(given_name="C", email="other@example.com"))
    found = client.contacts.find_by_email("same@example.com")
    assert sorted(c.id for c in found) == [a.id, b.id]
    assert client.contacts.find_by_email("nobody@example.com") == []


def test_list_pages_lazily_through_everything(
    fake: FakeKeap, client: ka.KeapClient, sent: Sent
) -> None:
    ids = [
        client.contacts.create(ka.NewContact(given_name=f"P{i}", email=f"p{i}@example.com")).id
        for i in range(5)
    ]
    before = len(sent.requests)
    listing = client.contacts.list(page_size=2)
    first = next(listing)
    assert len(sent.requests) == before + 1  # one page fetched, not all of them
    assert [first.id, *(c.id for c in listing)] == ids  # ascending id, nothing dropped or repeated


def test_list_filters(client: ka.KeapClient) -> None:
    client.contacts.create(
        ka.NewContact(given_name="Mary", family_name="Jones", email="mary@example.com")
    )
    client.contacts.create(
        ka.NewContact(given_name="Marge", family_name="Smith", email="marge@example.com")
    )
    client.contacts.create(
        ka.NewContact(given_name="Bob", family_name="Jones", email="bob@example.com")
    )
    assert [c.given_name for c in client.contacts.list(family_name="Jones")] == ["Mary", "Bob"]
    assert [c.given_name for c in client.contacts.list(given_name="Mar*")] == ["Mary", "Marge"]
    assert [c.given_name for c in client.contacts.list(email="bob@example.com")] == ["Bob"]
    assert [c.given_name for c in client.contacts.list(given_name="Mar*", family_name="Smith")] == [
        "Marge"
    ]


def test_upsert_creates_then_matches_without_duplicates(client: ka.KeapClient) -> None:
    first = client.contacts.upsert(ka.NewContact(given_name="Ada", email="ada@example.com"))
    second = client.contacts.upsert(
        ka.NewContact(given_name="Ada", family_name="L", email="ada@example.com")
    )
    assert first.created is True
    assert second.created is False
    assert second.contact.id == first.contact.id
    assert second.contact.family_name == "L"
    assert len(client.contacts.find_by_email("ada@example.com")) == 1


def test_a_contact_written_on_one_backend_reads_equal_on_the_other(
    client: ka.KeapClient, other: ka.KeapClient, fake: FakeKeap
) -> None:
    fake.add_custom_field("Color")
    created = client.contacts.create(
        full_contact().model_copy(update={"custom_fields": {"Color": "red"}})
    )
    assert other.contacts.get(created.id) == client.contacts.get(created.id)
    updated = other.contacts.update(created.id, ka.ContactUpdate(job_title="Countess"))
    assert client.contacts.get(created.id) == updated


def test_bad_input_sends_nothing(fake: FakeKeap, client: ka.KeapClient, sent: Sent) -> None:
    with pytest.raises(ValueError, match="at most 40"):
        client.contacts.create({"given_name": "x" * 41, "email": "a@b.co"})
    with pytest.raises(ValueError, match="XML cannot carry"):
        client.contacts.update(1, {"family_name": "nul\x00"})
    assert sent.requests == []


def test_a_wrong_key_is_an_authentication_error(
    fake: FakeKeap, backend: BackendName, transport: Sent
) -> None:
    client = ka.KeapClient(backend, "wrong-key-0123456789", transport=transport)
    with client, pytest.raises(ka.AuthenticationError) as caught:
        client.contacts.get(1)
    assert "wrong-key-0123456789" not in str(caught.value)
    assert caught.value.backend == backend


def test_upsert_keeps_what_the_new_contact_does_not_name(client: ka.KeapClient) -> None:
    created = client.contacts.create(full_contact())
    again = ka.NewContact(
        email="ada@example.com", phone_numbers=[ka.PhoneNumber(number="555-0142", field="PHONE2")]
    )
    result = client.contacts.upsert(again)
    assert result.created is False
    assert result.contact.email_addresses == created.email_addresses  # EMAIL2 survives
    assert [p.field for p in result.contact.phone_numbers] == ["PHONE1", "PHONE2", "PHONE3"]
    assert result.contact.addresses == created.addresses


def test_custom_field_names(fake: FakeKeap, client: ka.KeapClient) -> None:
    fake.add_custom_field("Size")
    fake.add_custom_field("Color")
    assert client.contacts.custom_field_names() == ["Color", "Size"]


def test_date_custom_fields_read_the_same_typed_values_on_both_backends(
    fake: FakeKeap, client: ka.KeapClient, other: ka.KeapClient
) -> None:
    fake.add_custom_field("Renewal", "DATE")
    fake.add_custom_field("LastCall", "DATE_TIME")
    fake.add_custom_field("Notes")
    when = datetime(2024, 1, 2, 8, 4, 5, tzinfo=timezone.utc)
    values = {"Renewal": date(2024, 5, 6), "LastCall": when, "Notes": "2024-05-06"}
    created = client.contacts.create(ka.NewContact(email="d@example.com", custom_fields=values))
    assert created.custom_fields == values  # a text field holding a date stays text
    assert other.contacts.get(created.id).custom_fields == values


def test_upsert_matches_an_address_held_in_another_slot(client: ka.KeapClient) -> None:
    holder = client.contacts.create(
        ka.NewContact(
            given_name="Holder",
            email_addresses=[
                ka.EmailAddress(email="first@example.com", field="EMAIL1"),
                ka.EmailAddress(email="shared@example.com", field="EMAIL2"),
            ],
        )
    )
    other_one = client.contacts.create(ka.NewContact(given_name="Other", email="other@example.com"))
    result = client.contacts.upsert(ka.NewContact(email="shared@example.com", job_title="Chief"))
    assert (result.created, result.contact.id) == (False, holder.id)
    emails = {e.field: e.email for e in client.contacts.get(holder.id).email_addresses}
    assert emails["EMAIL2"] == "shared@example.com"  # the slot that matched is kept
    assert client.contacts.get(other_one.id).job_title is None  # nobody else was touched


def test_a_custom_field_added_while_the_client_lives(fake: FakeKeap, client: ka.KeapClient) -> None:
    fake.add_custom_field("Color")
    created = client.contacts.create(
        ka.NewContact(email="late@example.com", custom_fields={"Color": "red"})
    )
    fake.add_custom_field("Size")  # after the client read the field list
    updated = client.contacts.update(created.id, ka.ContactUpdate(custom_fields={"Size": "L"}))
    assert updated.custom_fields == {"Color": "red", "Size": "L"}
