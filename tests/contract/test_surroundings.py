"""Tag categories, custom field definitions and email opt-in status: the same assertions on
REST v2 and XML-RPC."""

from __future__ import annotations

import pytest

import keap_adapter as ka


def test_tag_categories_round_trip(client: ka.KeapClient, other: ka.KeapClient) -> None:
    sources = client.tags.categories.create("Sources", description="Where leads came from")
    events = client.tags.categories.create("Events")
    assert client.tags.categories.get(sources.id) == sources
    assert sources.description == "Where leads came from" and events.description is None
    assert list(client.tags.categories.list()) == [sources, events]
    assert list(client.tags.categories.list(page_size=1)) == [sources, events]
    assert list(other.tags.categories.list()) == [sources, events]  # same store, other protocol
    tag = client.tags.create("Webinar", category_id=events.id)
    assert other.tags.get(tag.id).category_id == events.id


def test_tag_category_update_and_delete(client: ka.KeapClient) -> None:
    made = client.tags.categories.create("Sources", description="Leads")
    renamed = client.tags.categories.update(made.id, {"name": "Origins"})
    assert (renamed.name, renamed.description) == ("Origins", "Leads")
    cleared = client.tags.categories.update(made.id, ka.TagCategoryUpdate(description=None))
    assert cleared == ka.TagCategory(id=made.id, name="Origins")
    client.tags.categories.delete(made.id)
    with pytest.raises(ka.NotFoundError, match=r"tags\.categories\.get"):
        client.tags.categories.get(made.id)
    with pytest.raises(ka.NotFoundError, match=r"tags\.categories\.delete"):
        client.tags.categories.delete(made.id)


def test_a_duplicate_category_name_is_a_conflict(client: ka.KeapClient) -> None:
    client.tags.categories.create("Sources")
    with pytest.raises(ka.ConflictError, match=r"tags\.categories\.create"):
        client.tags.categories.create("sources")


def test_custom_fields_are_listed_created_and_usable(
    client: ka.KeapClient, other: ka.KeapClient
) -> None:
    before = client.contacts.custom_fields.list()
    size = client.contacts.custom_fields.create("Shirt Size", "DROPDOWN", options=["S", "M", "L"])
    note = client.contacts.custom_fields.create("Notes", "TEXT_AREA")
    assert (size.label, size.field_type, size.options) == (
        "Shirt Size",
        "DROPDOWN",
        ["S", "M", "L"],
    )
    assert client.contacts.custom_fields.list() == [*before, size, note]
    assert other.contacts.custom_fields.list() == [*before, size, note]
    assert {size.name, note.name} <= set(client.contacts.custom_field_names())
    made = client.contacts.create(
        ka.NewContact(email="f@example.com", custom_fields={size.name: "M", note.name: "Hi"})
    )
    assert other.contacts.get(made.id).custom_fields == {size.name: "M", note.name: "Hi"}


def test_email_opt_in_status(client: ka.KeapClient, other: ka.KeapClient) -> None:
    address = "news@example.com"
    client.contacts.create(ka.NewContact(email=address))
    unknown = client.contacts.email_status("never-seen@example.com")
    assert unknown == ka.EmailStatus(
        email="never-seen@example.com", opted_in=False, status="NON_MARKETABLE"
    )
    opted = client.contacts.opt_in(address, "Signed up on the web form")
    assert (opted.email, opted.opted_in, opted.status) == (address, True, "SINGLE_OPT_IN")
    assert other.contacts.email_status(address) == opted
    out = client.contacts.opt_out(address, "Asked us to stop")
    assert (out.opted_in, out.status) == (False, "NON_MARKETABLE")
    assert other.contacts.email_status(address) == out
    # Keap: once opted out, only the person can opt back in (by confirming an email)
    assert client.contacts.opt_in(address, "Form again") == out


def test_email_status_names_the_address_as_asked(client: ka.KeapClient) -> None:
    client.contacts.create(ka.NewContact(email="ada@example.com"))
    client.contacts.opt_in("ada@example.com", "form")
    status = client.contacts.email_status("ADA@EXAMPLE.COM")
    assert (status.email, status.opted_in) == ("ADA@EXAMPLE.COM", True)


def test_custom_field_options_are_trimmed_on_both(client: ka.KeapClient) -> None:
    made = client.contacts.custom_fields.create("Tier", "DROPDOWN", options=[" Gold ", "Silver"])
    assert made.options == ["Gold", "Silver"]
