"""Same call, same outcome: the edges where the two backends used to disagree.

Each case runs on REST v2 and XML-RPC (and, like the rest of the contract suite, against the
live fake and from its recorded cassette). Where a protocol cannot report something, the
result says so (``reported``) instead of guessing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter import BackendName, TagOutcome
from tests.contract.conftest import Sent


def person(client: ka.KeapClient, n: int = 0) -> ka.Contact:
    return client.contacts.create(
        ka.NewContact(given_name=f"G{n}", family_name=f"F{n}", email=f"p{n}@example.com")
    )


# --- tags.apply / tags.remove


def test_apply_of_a_missing_tag_is_not_found(client: ka.KeapClient) -> None:
    someone = person(client)
    with pytest.raises(ka.NotFoundError, match=r"tags\.apply"):
        client.tags.apply(999_999, [someone.id])
    assert client.contacts.tags(someone.id) == []


def test_remove_of_a_missing_tag_is_not_found(client: ka.KeapClient) -> None:
    someone = person(client)
    with pytest.raises(ka.NotFoundError, match=r"tags\.remove"):
        client.tags.remove(999_999, [someone.id])


def test_apply_outcomes_are_an_enum(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead")
    a = person(client)
    result = client.tags.apply(tag.id, [a.id, 999_999])
    assert result.outcomes == {a.id: TagOutcome.SUCCESS, 999_999: TagOutcome.NOT_FOUND}
    assert result.failed == {999_999: TagOutcome.NOT_FOUND}
    assert not result.ok and result.reported


def test_applying_twice_is_a_success(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead")
    a = person(client)
    client.tags.apply(tag.id, [a.id])
    assert client.tags.apply(tag.id, [a.id]).outcomes == {a.id: TagOutcome.SUCCESS}


def test_remove_with_a_missing_contact_keeps_what_was_done(
    client: ka.KeapClient, backend: BackendName
) -> None:
    tag = client.tags.create("Lead")
    a, b = person(client, 1), person(client, 2)
    client.tags.apply(tag.id, [a.id, b.id])
    result = client.tags.remove(tag.id, [a.id, 999_999, b.id])
    assert isinstance(result, ka.RemoveResult)
    assert client.contacts.tags(a.id) == client.contacts.tags(b.id) == []
    assert list(result.outcomes) == [a.id, 999_999, b.id]
    if backend == "xmlrpc":  # removeFromGroup answers per contact
        assert result.reported
        assert result.failed == {999_999: TagOutcome.NOT_FOUND}
    else:  # removeTags answers 204 and says nothing per contact
        assert not result.reported and result.ok
        assert set(result.outcomes.values()) == {TagOutcome.UNREPORTED}


def test_remove_reports_every_contact_it_did(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead")
    a = person(client)
    client.tags.apply(tag.id, [a.id])
    result = client.tags.remove(tag.id, [a.id])
    assert result.ok and set(result.outcomes) == {a.id}
    assert result.outcomes[a.id] in {TagOutcome.SUCCESS, TagOutcome.UNREPORTED}


# --- tags: names, updates, tagged contacts


def test_a_duplicate_tag_name_is_a_conflict(client: ka.KeapClient) -> None:
    client.tags.create("Lead")
    with pytest.raises(ka.ConflictError, match=r"tags\.create"):
        client.tags.create("Lead")
    assert [t.name for t in client.tags.list()] == ["Lead"]


def test_tag_update_can_clear_the_description_and_category(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead", description="From the web form", category_id=3)
    cleared = client.tags.update(tag.id, ka.TagUpdate(description=None, category_id=None))
    assert (cleared.name, cleared.description, cleared.category_id) == ("Lead", None, None)
    assert client.tags.get(tag.id) == cleared
    renamed = client.tags.update(tag.id, {"name": "Hot lead"})
    assert (renamed.name, renamed.description) == ("Hot lead", None)


def test_tag_update_refuses_bad_input_before_sending(
    client: ka.KeapClient, transport: Sent
) -> None:
    before = len(transport.requests)
    for bad in ({"name": None}, {"name": ""}, {"colour": "red"}, {"category_id": 0}, {}):
        with pytest.raises(ValueError):  # noqa: PT011 - each has its own message
            client.tags.update(1, bad)
    assert len(transport.requests) == before


def test_tagged_contacts_are_what_keap_returns(client: ka.KeapClient, other: ka.KeapClient) -> None:
    tag = client.tags.create("Lead")
    a = person(client)
    client.tags.apply(tag.id, [a.id])
    (tagged,) = client.tags.contacts(tag.id)
    assert isinstance(tagged, ka.TaggedContact)
    assert (tagged.id, tagged.email, tagged.given_name, tagged.family_name) == (
        a.id,
        a.email,
        "G0",
        "F0",
    )
    assert isinstance(tagged.applied_time, datetime) and tagged.applied_time.tzinfo
    assert list(other.tags.contacts(tag.id)) == [tagged]


# --- bad input refused by the facade, on both


@pytest.mark.parametrize(
    "contact",
    [
        {},
        {"given_name": "Only a name"},
        {"custom_fields": {"Colour": "red"}},
    ],
)
def test_a_contact_without_email_phone_or_address_is_refused(
    client: ka.KeapClient, transport: Sent, contact: dict[str, Any]
) -> None:
    before = len(transport.requests)
    with pytest.raises(ValueError, match="email_addresses, phone_numbers or addresses"):
        client.contacts.create(contact)
    assert len(transport.requests) == before


def test_a_phone_only_contact_is_accepted(client: ka.KeapClient) -> None:
    made = client.contacts.create({"phone_numbers": [{"number": "555-0100"}]})
    assert client.contacts.get(made.id).phone_numbers[0].number == "555-0100"


@pytest.mark.parametrize("value", ["x;email==y", "a==b", "semi;colon"])
def test_filters_that_could_inject_a_condition_are_refused(
    client: ka.KeapClient, transport: Sent, value: str
) -> None:
    before = len(transport.requests)
    with pytest.raises(ValueError, match="cannot contain"):
        client.contacts.list(given_name=value)
    with pytest.raises(ValueError, match="cannot contain"):
        client.tags.list(name=value)
    assert len(transport.requests) == before


def test_upsert_match_is_keyword_only_and_checked(client: ka.KeapClient) -> None:
    new = ka.NewContact(email="u@example.com")
    with pytest.raises(TypeError):
        client.contacts.upsert(new, "email")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="match must be one of"):
        client.contacts.upsert(new, match="phone")  # type: ignore[arg-type]
    assert client.contacts.upsert(new, match="email").created


# --- found by review: each once differed between the backends


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.contacts.get(2**31),
        lambda c: c.tags.apply(1, [2**31]),
        lambda c: c.contacts.create({"phone_numbers": [{"number": ""}]}),
        lambda c: c.contacts.create({"phone_numbers": [{"number": " "}]}),
        lambda c: c.contacts.create({"addresses": [{}]}),
        lambda c: c.contacts.create({"addresses": [{"line1": ""}]}),
        lambda c: c.contacts.create({"addresses": [{"region": "NY"}]}),
        lambda c: c.contacts.list(given_name="Ada "),
        lambda c: c.contacts.list(given_name=b"Ada"),
    ],
)
def test_more_bad_input_is_refused_before_sending(
    client: ka.KeapClient, transport: Sent, call: Any
) -> None:
    before = len(transport.requests)
    with pytest.raises(ValueError):  # noqa: PT011 - each has its own message
        call(client)
    assert len(transport.requests) == before


def test_an_unknown_custom_field_is_a_bad_request(client: ka.KeapClient) -> None:
    with pytest.raises(ka.BadRequestError, match=r"contacts\.create.*Nope"):
        client.contacts.create(ka.NewContact(email="c@example.com", custom_fields={"Nope": "x"}))


def test_a_wildcard_tag_name_is_compared_exactly(client: ka.KeapClient) -> None:
    client.tags.create("Z%")
    client.tags.create("Za")  # what '%' matches as a wildcard: no conflict
    with pytest.raises(ka.ConflictError, match=r"tags\.create"):
        client.tags.create("z%")
    assert sorted(t.name for t in client.tags.list()) == ["Z%", "Za"]


def test_renaming_a_missing_tag_is_not_found_first(client: ka.KeapClient) -> None:
    client.tags.create("Taken")
    with pytest.raises(ka.NotFoundError, match=r"tags\.update"):
        client.tags.update(999_999, {"name": "Taken"})


def test_names_equal_only_by_unicode_folding_are_two_names(client: ka.KeapClient) -> None:
    # Keap's XML-RPC queries compare case-insensitively (lower), not by Unicode folding.
    client.tags.create("STRASSE")
    client.tags.create("straße")
    client.tags.categories.create("STRASSE")
    client.tags.categories.create("straße")
    assert sorted(t.name for t in client.tags.list()) == ["STRASSE", "straße"]
    assert [t.name for t in client.tags.list(name="strasse")] == ["STRASSE"]
