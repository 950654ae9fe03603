"""Every Contact column REST v2 can carry, written and read on both backends."""

from __future__ import annotations

from datetime import date

import keap_adapter as ka

EVERYTHING = ka.NewContact(
    prefix="Dr.",
    given_name="Ada",
    middle_name="Augusta",
    family_name="Lovelace",
    suffix="Jr.",
    preferred_name="Countess",
    company_name="Analytical Engines",
    company_id=12,
    job_title="Mathematician",
    email_addresses=[
        ka.EmailAddress(email="ada@example.com", field="EMAIL1"),
        ka.EmailAddress(email="ada@example.org", field="EMAIL2"),
        ka.EmailAddress(email="countess@example.net", field="EMAIL3"),
    ],
    phone_numbers=[
        ka.PhoneNumber(number=f"555-010{n}", field=f"PHONE{n}", type="Work", extension=f"{n}")
        for n in range(1, 6)
    ],
    fax_numbers=[
        ka.FaxNumber(number="555-0200", field="FAX1", type="Office"),
        ka.FaxNumber(number="555-0201", field="FAX2"),
    ],
    addresses=[
        ka.Address(field="BILLING", line1="12 St James's Square", line2="Flat 1",
                   locality="London", region="London", postal_code="SW1Y 4JH",
                   country_code="GBR", zip_four="1234"),
        ka.Address(field="SHIPPING", line1="1 Main St", locality="Springfield",
                   postal_code="12345", country_code="USA"),
        ka.Address(field="OTHER", line1="Ockham Park", country_code="GBR"),
    ],
    birth_date=date(1815, 12, 10),
    anniversary_date=date(1835, 7, 8),
    spouse_name="William King",
    website="https://example.com/ada",
    time_zone="Europe/London",
    preferred_locale="en_GB",
    contact_type="Customer",
    owner_id=7,
    leadsource_id=3,
    referral_code="ADA-1815",
    assistant_name="Charles",
    assistant_phone="555-0300",
    billing_information="Net 30",
)  # fmt: skip
WRITTEN = EVERYTHING.model_dump(exclude_none=True)


def test_every_column_round_trips(client: ka.KeapClient, other: ka.KeapClient) -> None:
    made = client.contacts.create(EVERYTHING)
    for read in (made, client.contacts.get(made.id), other.contacts.get(made.id)):
        assert read.model_dump(include=set(WRITTEN), exclude_none=True) == WRITTEN


def test_every_column_updates_and_clears(client: ka.KeapClient, other: ka.KeapClient) -> None:
    made = client.contacts.create(ka.NewContact(email="ada@example.com"))
    client.contacts.update(
        made.id, ka.ContactUpdate(**{k: getattr(EVERYTHING, k) for k in WRITTEN})
    )
    assert (
        other.contacts.get(made.id).model_dump(include=set(WRITTEN), exclude_none=True) == WRITTEN
    )
    cleared = {k: None for k in WRITTEN if k not in ("email_addresses",)}
    after = client.contacts.update(made.id, ka.ContactUpdate(**cleared))
    for read in (after, other.contacts.get(made.id)):
        dumped = read.model_dump(include=set(cleared))
        assert all(v in (None, []) for v in dumped.values()), dumped


def test_one_company_part_changes_alone(client: ka.KeapClient, other: ka.KeapClient) -> None:
    # REST v2 holds both in one ``company`` object; changing one must keep the other.
    made = client.contacts.create(
        ka.NewContact(email="co@example.com", company_name="Acme", company_id=5)
    )
    renamed = client.contacts.update(made.id, ka.ContactUpdate(company_name="Acme Ltd"))
    assert (renamed.company_name, renamed.company_id) == ("Acme Ltd", 5)
    moved = client.contacts.update(made.id, ka.ContactUpdate(company_id=9))
    assert (moved.company_name, moved.company_id) == ("Acme Ltd", 9)
    cleared = client.contacts.update(made.id, ka.ContactUpdate(company_name=None))
    assert (cleared.company_name, cleared.company_id) == (None, 9)
    upserted = client.contacts.upsert(ka.NewContact(email="co@example.com", company_name="Other"))
    got = other.contacts.get(upserted.contact.id)
    assert (got.company_name, got.company_id) == ("Other", 9)
