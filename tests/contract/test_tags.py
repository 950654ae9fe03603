"""Tag operations: the same assertions on REST v2 and XML-RPC."""

from __future__ import annotations

import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from tests.contract.conftest import Sent


def contacts(client: ka.KeapClient, n: int) -> list[ka.Contact]:
    return [
        client.contacts.create(
            ka.NewContact(given_name=f"G{i}", family_name=f"F{i}", email=f"t{i}@example.com")
        )
        for i in range(n)
    ]


def test_create_get_and_list_tags(client: ka.KeapClient) -> None:
    lead = client.tags.create("Lead", description="From the web form")
    vip = client.tags.create("VIP")
    assert client.tags.get(lead.id) == lead
    assert lead.description == "From the web form"
    assert [t.id for t in client.tags.list()] == [lead.id, vip.id]
    assert list(client.tags.list(name="VIP")) == [vip]
    assert list(client.tags.list(name="Nope")) == []


def test_list_tags_pages(client: ka.KeapClient) -> None:
    made = [client.tags.create(f"T{i}").id for i in range(5)]
    assert [t.id for t in client.tags.list(page_size=2)] == made


def test_apply_contact_tags_and_remove(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead")
    a, b = contacts(client, 2)
    result = client.tags.apply(tag.id, [a.id, b.id])
    assert result.ok and set(result.outcomes) == {a.id, b.id}
    assert [t.id for t in client.contacts.tags(a.id)] == [tag.id]
    assert client.contacts.get(a.id).tag_ids == [tag.id]
    client.tags.remove(tag.id, [a.id])
    assert client.contacts.tags(a.id) == []
    assert [c.id for c in client.tags.contacts(tag.id)] == [b.id]


def test_apply_in_chunks_reports_every_contact(
    fake: object, backend: BackendName, transport: Sent
) -> None:
    from keap_adapter.testing import FakeKeap

    assert isinstance(fake, FakeKeap)
    with ka.KeapClient(backend, fake.api_key, transport=transport, tag_chunk_size=2) as client:
        tag = client.tags.create("Chunked")
        people = contacts(client, 5)
        result = client.tags.apply(tag.id, [p.id for p in people])
        assert list(result.outcomes) == [p.id for p in people]
        assert result.ok
        assert sorted(c.id for c in client.tags.contacts(tag.id)) == [p.id for p in people]


def test_apply_to_a_missing_contact_is_reported_not_dropped(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead")
    (real,) = contacts(client, 1)
    result = client.tags.apply(tag.id, [real.id, 999_999])
    assert result.outcomes[real.id] is ka.TagOutcome.SUCCESS
    assert set(result.failed) == {999_999}


def test_tagged_contacts_carry_names_and_email(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead")
    people = contacts(client, 3)
    client.tags.apply(tag.id, [p.id for p in people])
    listed = list(client.tags.contacts(tag.id, page_size=2))
    assert [(c.id, c.given_name, c.family_name, c.email) for c in listed] == [
        (p.id, p.given_name, p.family_name, p.email) for p in people
    ]


def test_tags_applied_on_one_backend_show_on_the_other(
    client: ka.KeapClient, other: ka.KeapClient
) -> None:
    tag = client.tags.create("Lead")
    (person,) = contacts(client, 1)
    client.tags.apply(tag.id, [person.id])
    assert other.contacts.tags(person.id) == client.contacts.tags(person.id)


def test_get_of_a_missing_tag_is_not_found(client: ka.KeapClient) -> None:
    with pytest.raises(ka.NotFoundError, match=r"tags\.get"):
        client.tags.get(424242)


def test_update_changes_only_the_given_fields(client: ka.KeapClient) -> None:
    tag = client.tags.create("Lead", description="From the web form")
    renamed = client.tags.update(tag.id, {"name": "Hot lead"})
    assert (renamed.name, renamed.description) == ("Hot lead", "From the web form")
    assert client.tags.get(tag.id) == renamed
    described = client.tags.update(tag.id, ka.TagUpdate(description="Called back"))
    assert (described.name, described.description) == ("Hot lead", "Called back")


def test_delete_removes_the_tag_and_its_applications(client: ka.KeapClient) -> None:
    tag = client.tags.create("Temporary")
    (person,) = contacts(client, 1)
    client.tags.apply(tag.id, [person.id])
    client.tags.delete(tag.id)
    with pytest.raises(ka.NotFoundError, match=r"tags\.get"):
        client.tags.get(tag.id)
    assert client.contacts.tags(person.id) == []
    with pytest.raises(ka.NotFoundError, match=r"tags\.delete"):
        client.tags.delete(tag.id)
