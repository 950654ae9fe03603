"""FakeKeap's REST v2 listings as the official SDK drives them: order_by, tag contact counts,
and tag names that stay unique."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from keap_core_v2_client.api.contact_api import ContactApi
from keap_core_v2_client.api.tags_api import TagsApi
from keap_core_v2_client.api_client import ApiClient
from keap_core_v2_client.configuration import Configuration
from keap_core_v2_client.exceptions import BadRequestException, NotFoundException
from keap_core_v2_client.models.apply_remove_tag_request import ApplyRemoveTagRequest
from keap_core_v2_client.models.create_update_contact_request import CreateUpdateContactRequest
from keap_core_v2_client.models.create_update_tag_request import CreateUpdateTagRequest
from keap_core_v2_client.models.email_address_request import EmailAddressRequest
from keap_core_v2_client.models.error import Error
from keap_core_v2_client.models.list_contacts_response import ListContactsResponse
from keap_core_v2_client.models.tag_contact_count import TagContactCount

from keap_adapter.testing import FakeKeap
from tests.fake.wire import KEY, NOW, fake, rest

from .test_fake_rest import fits, new_contact

__all__ = ["fake", "rest"]  # fixtures


@pytest.fixture
def sdk(fake: FakeKeap) -> Iterator[ApiClient]:
    """The official SDK's client, pointed at the fake over a real socket."""
    with fake.serve() as server:
        api_client = ApiClient(Configuration(host=server.url + "/crm"))
        # The SDK leaves this helper unannotated.
        api_client.set_default_header("X-Keap-API-Key", KEY)  # type: ignore[no-untyped-call]
        try:
            yield api_client
        finally:
            api_client.rest_client.pool_manager.clear()


def _person(contacts: ContactApi, email: str) -> str:
    request = CreateUpdateContactRequest(
        email_addresses=[EmailAddressRequest(email=email, field="EMAIL1")]
    )
    created = contacts.create_contact(request)
    assert created.id is not None
    return created.id


def _at(stamp: datetime) -> Callable[[], datetime]:
    return lambda: stamp


def _ids(listing: ListContactsResponse) -> list[str | None]:
    fits(ListContactsResponse, listing.to_dict())
    return [c.id for c in listing.contacts or []]


def test_sdk_lists_contacts_in_the_order_asked_for(sdk: ApiClient, fake: FakeKeap) -> None:
    contacts = ContactApi(sdk)
    for n, email in enumerate(("b@example.com", "c@example.com", "a@example.com")):
        fake.now = _at(NOW + timedelta(minutes=10 - n))  # later ids made earlier
        _person(contacts, email)

    assert _ids(contacts.list_contacts(order_by="id desc")) == ["3", "2", "1"]
    assert _ids(contacts.list_contacts(order_by="id")) == ["1", "2", "3"]
    assert _ids(contacts.list_contacts(order_by="email asc")) == ["3", "1", "2"]
    assert _ids(contacts.list_contacts(order_by="email desc")) == ["2", "1", "3"]
    assert _ids(contacts.list_contacts(order_by="create_time")) == ["3", "2", "1"]
    assert _ids(contacts.list_contacts(order_by="update_time desc")) == ["1", "2", "3"]


@pytest.mark.parametrize("order_by", ["name", "id sideways", "id desc extra", "email,id"])
def test_sdk_gets_a_400_for_an_order_it_cannot_have(sdk: ApiClient, order_by: str) -> None:
    with pytest.raises(BadRequestException) as caught:
        ContactApi(sdk).list_contacts(order_by=order_by)

    assert caught.value.status == 400
    assert caught.value.body is not None
    fits(Error, json.loads(caught.value.body))


def test_ordered_pages_follow_one_another(rest: httpx.Client) -> None:
    for n in range(5):
        new_contact(rest, f"c{n}@example.com")

    seen: list[str] = []
    token = ""
    while True:
        params = {"order_by": "id desc", "page_size": "2", "page_token": token}
        body = rest.get("contacts", params=params).json()
        seen += [c["id"] for c in body["contacts"]]
        token = body["next_page_token"]
        if not token:
            break

    assert seen == ["5", "4", "3", "2", "1"]


def test_sdk_counts_the_contacts_of_a_tag(sdk: ApiClient) -> None:
    contacts, tags = ContactApi(sdk), TagsApi(sdk)
    people = [_person(contacts, f"p{n}@example.com") for n in range(3)]
    tag = tags.create_tag(CreateUpdateTagRequest(name="VIP"))
    assert tag.id is not None
    tags.apply_tags(tag.id, ApplyRemoveTagRequest(contact_ids=people[:2]))

    counted = tags.count_contacts_for_tag(tag.id)
    filtered = tags.count_contacts_for_tag(tag.id, filter="email==p1@example.com")

    assert isinstance(counted, TagContactCount)
    assert counted.additional_properties == {}
    assert (counted.count, filtered.count) == (2, 1)


def test_sdk_gets_a_404_counting_a_missing_tag(sdk: ApiClient) -> None:
    with pytest.raises(NotFoundException) as caught:
        TagsApi(sdk).count_contacts_for_tag("99")

    assert caught.value.status == 404


def test_count_and_listing_take_the_same_filters(rest: httpx.Client) -> None:
    new_contact(rest, "ann@example.com", given_name="Ann")
    new_contact(rest, "bob@example.com")
    rest.post("tags", json={"name": "VIP"})
    rest.post("tags/1/contacts:applyTags", json={"contact_ids": ["1", "2"]})

    def both(where: str) -> tuple[Any, list[str]]:
        params = {"filter": where}
        count = rest.get("tags/1/contacts/count", params=params).json()["count"]
        listed = rest.get("tags/1/contacts", params=params).json()["contacts"]
        return count, [c["id"] for c in listed]

    assert both("given_name==An*") == (1, ["1"])
    assert both("given_name==NONE") == (1, ["2"])
    assert both("email==BOB@example.com") == (1, ["2"])
    assert rest.get("tags/1/contacts/count", params={"filter": "city==X"}).status_code == 400


def test_tag_names_are_unique_ignoring_case(rest: httpx.Client) -> None:
    rest.post("tags", json={"name": "VIP"})
    rest.post("tags", json={"name": "Web"})

    created = rest.post("tags", json={"name": "vip"})
    renamed = rest.patch("tags/2", json={"name": "Vip"})

    assert (created.status_code, renamed.status_code) == (409, 409)
    fits(Error, created.json())
    assert rest.patch("tags/1", json={"name": "vip"}).status_code == 200  # itself
