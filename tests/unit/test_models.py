"""Request models refuse bad input with a clear ValueError; response models tolerate Keap's."""

from __future__ import annotations

from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter._models import LENIENT


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "no-at-sign"}, "not a valid email"),
        ({"email": "a" * 70 + "@b.com"}, "Keap allows 75"),
        ({"given_name": "x" * 41}, "at most 40"),
        ({"family_name": "x" * 41}, "at most 40"),
        ({"job_title": "x" * 256}, "at most 255"),
        ({"given_name": "bell\x07"}, "XML cannot carry"),
        ({"given_name": "half \ud800"}, "unicode"),
        ({"nickname": "Ada"}, "Extra inputs"),
        ({"phone_numbers": [{"number": "1" * 21, "field": "PHONE4"}]}, "Keap allows 20"),
        ({"phone_numbers": [{"number": "1", "field": "PHONE9"}]}, "PHONE1"),
        ({"addresses": [{"line1": "x" * 76}]}, "Keap allows 75"),
        ({"addresses": [{"country_code": "United States"}]}, "alpha-3"),
        ({"email_addresses": [{"email": "a@b.co"}, {"email": "c@d.co"}]}, "same slot twice"),
        ({"custom_fields": {"bad name": 1}}, "pattern"),
    ],
)
def test_new_contact_refuses(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ka.NewContact(**fields)


def test_email_shorthand_is_email1_and_keeps_other_slots() -> None:
    contact = ka.NewContact(
        email="a@b.co", email_addresses=[{"email": "c@d.co", "field": "EMAIL2"}]
    )
    assert contact.email == "a@b.co"
    assert [e.field for e in contact.email_addresses or []] == ["EMAIL1", "EMAIL2"]


def test_update_knows_which_fields_were_set() -> None:
    update = ka.ContactUpdate(family_name="B", middle_name=None)
    assert update.changes() == {"family_name": "B", "middle_name": None}
    assert ka.ContactUpdate().changes() == {}


def test_responses_keep_what_keap_stores_even_if_we_would_refuse_it() -> None:
    data = {
        "id": 1,
        "given_name": "x" * 60,
        "email_addresses": [{"email": "legacy-without-domain", "field": "EMAIL1"}],
        "addresses": [{"field": "BILLING", "country_code": "United States"}],
        "new_server_field": True,
    }
    contact = ka.Contact.model_validate(data, context=LENIENT)
    assert contact.email == "legacy-without-domain"
    assert contact.addresses[0].country_code == "United States"


def test_models_are_frozen_values() -> None:
    tag = ka.Tag(id=1, name="Lead")
    assert tag == ka.Tag(id=1, name="Lead")
    with pytest.raises(ValueError, match="frozen"):
        tag.name = "x"  # type: ignore[misc]


def test_email_is_always_the_email1_address_and_not_sent_twice() -> None:
    given = ka.NewContact(email_addresses=[ka.EmailAddress(email="x@y.co", field="EMAIL1")])
    assert given.email == "x@y.co"
    assert "email" not in given.model_dump()
    assert "email" not in ka.NewContact(email="a@b.co").changes()
    assert ka.NewContact(phone_numbers=[ka.PhoneNumber(number="555")]).email is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "a@example.com\n"}, "not a valid email"),
        ({"custom_fields": {"Note": "bell\x07"}}, "XML cannot carry"),
        ({"custom_fields": {"Note": "x" * 65536}}, "65535"),
        ({"custom_fields": None}, "map each field to None"),
    ],
)
def test_more_input_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ka.NewContact(**fields)
