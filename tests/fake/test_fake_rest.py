"""FakeKeap's REST v2 face: behaviour, error bodies, and fit with the official SDK's models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pydantic
import pytest
from keap_core_v2_client.api.contact_api import ContactApi
from keap_core_v2_client.api.tags_api import TagsApi
from keap_core_v2_client.api_client import ApiClient
from keap_core_v2_client.configuration import Configuration
from keap_core_v2_client.models.apply_remove_tag_request import ApplyRemoveTagRequest
from keap_core_v2_client.models.apply_tags_response import ApplyTagsResponse
from keap_core_v2_client.models.contact import Contact
from keap_core_v2_client.models.create_update_contact_request import CreateUpdateContactRequest
from keap_core_v2_client.models.create_update_tag_request import CreateUpdateTagRequest
from keap_core_v2_client.models.email_address_request import EmailAddressRequest
from keap_core_v2_client.models.error import Error
from keap_core_v2_client.models.list_contact_tags_response import ListContactTagsResponse
from keap_core_v2_client.models.list_contacts_response import ListContactsResponse
from keap_core_v2_client.models.list_tagged_contacts_response import ListTaggedContactsResponse
from keap_core_v2_client.models.list_tags_response import ListTagsResponse
from keap_core_v2_client.models.object_model import ObjectModel
from keap_core_v2_client.models.tag import Tag

from keap_adapter.testing import FakeKeap

BASE = "https://api.infusionsoft.com/crm/rest/v2/"
NOW = datetime(2024, 3, 15, 10, 30, tzinfo=timezone.utc)


@pytest.fixture
def fake() -> FakeKeap:
    fake = FakeKeap(api_key="fake-key")
    fake.now = lambda: NOW
    return fake


@pytest.fixture
def client(fake: FakeKeap) -> Iterator[httpx.Client]:
    headers = {"X-Keap-API-Key": "fake-key"}
    with httpx.Client(transport=fake.transport, base_url=BASE, headers=headers) as client:
        yield client


def fits(model: Any, body: dict[str, Any]) -> Any:
    """Parse ``body`` with an SDK model and insist that nothing was left unrecognised."""
    parsed = model.from_dict(body)
    _no_extras(parsed)
    return parsed


def _no_extras(value: Any) -> None:
    if isinstance(value, pydantic.BaseModel):
        assert getattr(value, "additional_properties", {}) == {}, type(value).__name__
        for name in type(value).model_fields:
            _no_extras(getattr(value, name))
    elif isinstance(value, list):
        for item in value:
            _no_extras(item)
    elif isinstance(value, dict):
        for item in value.values():
            _no_extras(item)


def new_contact(client: httpx.Client, email: str = "ann@example.com", **extra: Any) -> Any:
    body = {"email_addresses": [{"email": email, "field": "EMAIL1"}], **extra}
    response = client.post("contacts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_returns_a_schema_valid_contact(client: httpx.Client, fake: FakeKeap) -> None:
    field_id = fake.add_custom_field("Color")
    body = new_contact(
        client,
        given_name="Ann",
        family_name="Lee",
        company={"company_name": "Acme"},
        phone_numbers=[{"number": "555-1234", "field": "PHONE1", "type": "Work"}],
        addresses=[
            {"field": "BILLING", "line1": "1 Main St", "region": "Arizona", "country_code": "USA"}
        ],
        birth_date="1985-03-15",
        custom_fields=[{"id": str(field_id), "content": "blue"}],
    )

    contact = fits(Contact, body)
    assert contact.id == "1"
    assert contact.company.company_name == "Acme"
    assert body["birth_date"] == "1985-03-15"
    assert body["create_time"] == "2024-03-15T10:30:00Z"
    assert body["custom_fields"] == [{"id": str(field_id), "content": "blue"}]
    assert body["addresses"][0]["region"] == "Arizona"
    assert "tag_ids" not in body  # empty fields are left out


def test_get_and_fields_shape_the_answer(client: httpx.Client) -> None:
    new_contact(client, given_name="Ann")

    full = client.get("contacts/1").json()
    some = client.get("contacts/1", params={"fields": "given_name,email_addresses"}).json()

    assert fits(Contact, full).given_name == "Ann"
    assert set(some) == {"id", "given_name", "email_addresses"}


def test_missing_contact_is_a_404_error_body(client: httpx.Client) -> None:
    response = client.get("contacts/99")

    assert response.status_code == 404
    error = fits(Error, response.json())
    assert (error.code, error.status, error.details) == (404, "NOT_FOUND", [])


def test_patch_with_mask_changes_only_masked_fields(client: httpx.Client) -> None:
    new_contact(client, given_name="Ann", family_name="Lee", job_title="CEO")
    body = {
        "given_name": "Anne",
        "job_title": "CTO",
        "email_addresses": [{"email": "new@example.com", "field": "EMAIL1"}],
    }

    response = client.patch(
        "contacts/1",
        json=body,
        params=[("update_mask", "given_name"), ("update_mask", "family_name")],
    )

    contact = fits(Contact, response.json())
    assert contact.given_name == "Anne"
    assert contact.family_name is None  # masked but missing from the body: cleared
    assert contact.job_title == "CEO"  # in the body but not masked: unchanged
    assert contact.email_addresses[0].email == "ann@example.com"


def test_patch_without_mask_changes_every_given_field_and_arrays_replace(
    client: httpx.Client,
) -> None:
    new_contact(
        client,
        given_name="Ann",
        phone_numbers=[{"number": "1", "field": "PHONE1"}, {"number": "2", "field": "PHONE2"}],
    )

    body = {"family_name": "Lee", "phone_numbers": [{"number": "3", "field": "PHONE3"}]}
    contact = client.patch("contacts/1", json=body).json()

    assert contact["given_name"] == "Ann"
    assert contact["family_name"] == "Lee"
    assert contact["phone_numbers"] == [{"number": "3", "field": "PHONE3"}]


@pytest.mark.parametrize("mask", ["nickname", "social_accounts", "tag_ids"])
def test_patch_with_an_unknown_or_unmodelled_mask_is_400(client: httpx.Client, mask: str) -> None:
    new_contact(client)

    response = client.patch("contacts/1", json={}, params={"update_mask": mask})

    assert response.status_code == 400
    assert mask in response.json()["message"]


def test_unknown_fields_param_is_400(client: httpx.Client) -> None:
    new_contact(client)

    assert client.get("contacts/1", params={"fields": "given_name,shoe_size"}).status_code == 400


def test_update_time_moves_on_patch(client: httpx.Client, fake: FakeKeap) -> None:
    new_contact(client)
    fake.now = lambda: datetime(2024, 3, 16, tzinfo=timezone.utc)

    contact = client.patch("contacts/1", json={"given_name": "Ann"}).json()

    assert (contact["create_time"], contact["update_time"]) == (
        "2024-03-15T10:30:00Z",
        "2024-03-16T00:00:00Z",
    )


def test_delete_then_get_is_404(client: httpx.Client) -> None:
    new_contact(client)

    assert client.delete("contacts/1").status_code == 204
    assert client.get("contacts/1").status_code == 404
    assert client.delete("contacts/1").status_code == 404


def test_list_pages_in_ascending_id_order_until_an_empty_token(client: httpx.Client) -> None:
    for n in range(5):
        new_contact(client, f"c{n}@example.com")

    seen, token, pages = [], "", 0
    while True:
        body = client.get("contacts", params={"page_size": 2, "page_token": token}).json()
        listing = fits(ListContactsResponse, body)
        seen += [c.id for c in listing.contacts]
        pages, token = pages + 1, listing.next_page_token
        if token == "":
            break

    assert seen == ["1", "2", "3", "4", "5"]
    assert pages == 3


def test_list_default_page_size_is_50(client: httpx.Client) -> None:
    for n in range(51):
        new_contact(client, f"c{n}@example.com")

    body = client.get("contacts").json()

    assert len(body["contacts"]) == 50
    assert body["next_page_token"] != ""


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "1001"},
        {"page_size": "-1"},
        {"page_token": "garbage"},
        {"filter": "website==x"},
    ],
)
def test_bad_list_parameters_are_400(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get("contacts", params=params)

    assert response.status_code == 400
    fits(Error, response.json())


def test_filter_by_email_and_name_prefix_case_insensitively(client: httpx.Client) -> None:
    new_contact(client, "ann@example.com", given_name="Ann")
    new_contact(client, "bob@example.com", given_name="Annabel")
    new_contact(
        client,
        "cy@example.com",
        given_name="Cy",
        email_addresses=[
            {"email": "cy@example.com", "field": "EMAIL1"},
            {"email": "ANN@example.com", "field": "EMAIL2"},
        ],
    )

    def ids(flt: str) -> list[str]:
        return [c["id"] for c in client.get("contacts", params={"filter": flt}).json()["contacts"]]

    assert ids("email==ann@example.com") == ["1", "3"]
    assert ids("given_name==ann*") == ["1", "2"]
    assert ids("given_name==ann*;email==bob@example.com") == ["2"]


def test_upsert_updates_a_match_with_200_and_creates_with_201(client: httpx.Client) -> None:
    new_contact(client, given_name="Ann")
    body = {
        "email_addresses": [{"email": "ANN@example.com", "field": "EMAIL1"}],
        "family_name": "Lee",
    }

    matched = client.post("contacts", params={"duplicate_option": "Email"}, json=body)
    by_name = client.post("contacts", params={"duplicate_option": "EmailAndName"}, json=body)

    assert matched.status_code == 200
    assert (matched.json()["id"], matched.json()["given_name"]) == ("1", "Ann")
    assert matched.json()["family_name"] == "Lee"
    assert by_name.status_code == 201  # "Ann Lee" vs no given name: no match
    assert by_name.json()["id"] == "2"


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"given_name": "Ann"}, {}),  # no email, phone or address
        ({"nickname": "x", "email_addresses": []}, {}),  # not in the schema
        ({"source_type": "API"}, {}),  # in the schema, not modelled by the fake
        ({"email_addresses": [{"email": "a@b.co", "field": "EMAIL9"}]}, {}),
        ({"email_addresses": [{"email": "a@b.co", "field": "EMAIL1", "x": 1}]}, {}),
        ({"addresses": [{"field": "BILLING", "region": "Arizona"}]}, {}),  # region needs country
        ({"phone_numbers": [{"number": "1", "field": "PHONE1"}], "birth_date": "15/03/1985"}, {}),
        (
            {
                "phone_numbers": [{"number": "1", "field": "PHONE1"}],
                "custom_fields": [{"id": "77", "content": "x"}],
            },
            {},
        ),
        ({"phone_numbers": [{"number": "1", "field": "PHONE1"}]}, {"duplicate_option": "Name"}),
    ],
)
def test_invalid_create_bodies_are_400(
    client: httpx.Client, body: dict[str, Any], params: dict[str, str]
) -> None:
    response = client.post("contacts", json=body, params=params)

    assert response.status_code == 400, response.text
    assert fits(Error, response.json()).status == "INVALID_ARGUMENT"
    assert client.get("contacts").json()["contacts"] == []


def test_contact_model_lists_custom_fields(client: httpx.Client, fake: FakeKeap) -> None:
    fake.add_custom_field("Color", "DROPDOWN")

    model = fits(ObjectModel, client.get("contacts/model").json())

    assert [(f.id, f.field_name, f.field_type) for f in model.custom_fields] == [
        ("1", "Color", "DROPDOWN")
    ]


def test_tags_create_get_list_and_conflict(client: httpx.Client) -> None:
    created = client.post("tags", json={"name": "VIP", "description": "d", "category": {"id": "7"}})
    client.post("tags", json={"name": "Lead"})

    assert created.status_code == 201
    tag = fits(Tag, created.json())
    assert (tag.id, tag.name, tag.category.id) == ("1", "VIP", "7")
    assert fits(Tag, client.get("tags/1").json()).name == "VIP"
    listing = fits(ListTagsResponse, client.get("tags", params={"filter": "name==lead"}).json())
    assert [t.id for t in listing.tags] == ["2"]
    assert client.post("tags", json={"name": "VIP"}).status_code == 409
    assert client.get("tags/9").status_code == 404


def test_apply_and_remove_tags(client: httpx.Client) -> None:
    new_contact(client, given_name="Ann", family_name="Lee")
    new_contact(client, "bob@example.com")
    client.post("tags", json={"name": "VIP"})

    applied = client.post("tags/1/contacts:applyTags", json={"contact_ids": ["1", "2", "42"]})

    results = fits(ApplyTagsResponse, applied.json()).results
    assert results == {"1": "SUCCESS", "2": "SUCCESS", "42": "NOT_FOUND"}
    assert client.get("contacts/1").json()["tag_ids"] == ["1"]
    of_contact = fits(ListContactTagsResponse, client.get("contacts/1/tags").json())
    assert [(t.tag.name, t.applied_time) for t in of_contact.tags] == [
        ("VIP", "2024-03-15T10:30:00Z")
    ]
    tagged = fits(ListTaggedContactsResponse, client.get("tags/1/contacts").json())
    assert [(c.id, c.email, c.given_name) for c in tagged.contacts] == [
        ("1", "ann@example.com", "Ann"),
        ("2", "bob@example.com", None),
    ]

    removed = client.post("tags/1/contacts:removeTags", json={"contact_ids": ["1"]})

    assert removed.status_code == 204
    assert "tag_ids" not in client.get("contacts/1").json()
    assert client.get("tags/1/contacts").json()["contacts"][0]["id"] == "2"


def test_tagged_contacts_page(client: httpx.Client) -> None:
    for n in range(3):
        new_contact(client, f"c{n}@example.com")
    client.post("tags", json={"name": "VIP"})
    client.post("tags/1/contacts:applyTags", json={"contact_ids": ["1", "2", "3"]})

    first = client.get("tags/1/contacts", params={"page_size": 2}).json()
    token = first["next_page_token"]
    second = client.get("tags/1/contacts", params={"page_size": 2, "page_token": token}).json()

    assert [c["id"] for c in first["contacts"] + second["contacts"]] == ["1", "2", "3"]
    assert second["next_page_token"] == ""


def test_tag_routes_on_a_missing_tag_are_404(client: httpx.Client) -> None:
    body = {"contact_ids": ["1"]}

    assert client.post("tags/5/contacts:applyTags", json=body).status_code == 404
    assert client.post("tags/5/contacts:removeTags", json=body).status_code == 404
    assert client.get("tags/5/contacts").status_code == 404
    assert client.get("contacts/5/tags").status_code == 404


def test_unknown_route_is_404_and_wrong_method_405(client: httpx.Client) -> None:
    assert client.get("opportunities").status_code == 404
    assert client.get("https://api.infusionsoft.com/crm/other").status_code == 404
    wrong = client.put("contacts/1", json={})
    assert wrong.status_code == 405
    assert fits(Error, wrong.json()).code == 405


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Keap-API-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "fake-key"},
    ],
)
def test_bad_credentials_are_401(fake: FakeKeap, headers: dict[str, str]) -> None:
    with httpx.Client(transport=fake.transport, base_url=BASE, headers=headers) as client:
        response = client.get("contacts")

    assert response.status_code == 401
    assert response.json() == {
        "code": 401,
        "message": "Invalid API key",
        "status": "UNAUTHENTICATED",
        "details": [],
    }


def test_bearer_key_is_accepted(fake: FakeKeap) -> None:
    headers = {"Authorization": "Bearer fake-key"}
    with httpx.Client(transport=fake.transport, base_url=BASE, headers=headers) as client:
        assert client.get("contacts").status_code == 200


def test_every_response_carries_request_id_and_quota_headers(client: httpx.Client) -> None:
    first = client.get("contacts")
    second = client.get("contacts/99")

    for response in (first, second):
        assert response.headers["x-request-id"]
        assert response.headers["x-keap-product-throttle-limit"] == "1000000"
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert second.headers["x-keap-product-throttle-available"] == "999998"


def test_injected_429s_come_first_and_have_no_effect(client: httpx.Client, fake: FakeKeap) -> None:
    fake.fail(429, times=2, headers={"Retry-After": "3"})
    body = {"email_addresses": [{"email": "ann@example.com", "field": "EMAIL1"}]}

    answers = [client.post("contacts", json=body) for _ in range(3)]

    assert [r.status_code for r in answers] == [429, 429, 201]
    assert answers[0].headers["Retry-After"] == "3"
    assert answers[0].json() == {
        "code": "429",
        "message": "Quota Exceeded",
        "status": "Request Throttled",
        "details": None,
    }
    assert answers[2].json()["id"] == "1"  # the throttled creates stored nothing
    assert len(fake.requests) == 3


def test_injected_failures_can_target_a_path(client: httpx.Client, fake: FakeKeap) -> None:
    fake.fail(503, path="/tags")

    assert client.get("contacts").status_code == 200
    failed = client.get("tags")
    assert failed.status_code == 503
    assert failed.json()["status"] == "UNAVAILABLE"
    assert client.get("tags").status_code == 200


def test_injected_failures_are_consumed_in_order(client: httpx.Client, fake: FakeKeap) -> None:
    fake.fail(500)
    fake.fail(502)

    assert [client.get("contacts").status_code for _ in range(3)] == [500, 502, 200]


def test_requests_are_recorded(client: httpx.Client, fake: FakeKeap) -> None:
    client.get("contacts")
    client.get("tags")

    assert [r.url.path for r in fake.requests] == ["/crm/rest/v2/contacts", "/crm/rest/v2/tags"]


@pytest.mark.anyio
async def test_async_client_works_through_the_transport(fake: FakeKeap) -> None:
    headers = {"X-Keap-API-Key": "fake-key"}
    async with httpx.AsyncClient(
        transport=fake.transport, base_url=BASE, headers=headers
    ) as client:
        body = {"email_addresses": [{"email": "ann@example.com", "field": "EMAIL1"}]}
        created = await client.post("contacts", json=body)
        got = await client.get("contacts/1")

    assert created.status_code == 201
    assert got.json()["email_addresses"][0]["email"] == "ann@example.com"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_official_sdk_works_against_the_served_fake(fake: FakeKeap) -> None:
    with fake.serve() as server:
        api_client = ApiClient(Configuration(host=server.url + "/crm"))
        # The SDK leaves this helper unannotated.
        api_client.set_default_header("X-Keap-API-Key", "fake-key")  # type: ignore[no-untyped-call]
        try:
            contacts, tags = ContactApi(api_client), TagsApi(api_client)
            email = EmailAddressRequest(email="ann@example.com", field="EMAIL1")
            request = CreateUpdateContactRequest(given_name="Ann", email_addresses=[email])
            created = contacts.create_contact(request)
            assert created.id is not None
            got = contacts.get_contact(created.id, fields=["given_name", "tag_ids"])
            listed = contacts.list_contacts(filter="given_name==An*", page_size=10)
            tag = tags.create_tag(CreateUpdateTagRequest(name="VIP"))
            assert tag.id is not None
            applied = tags.apply_tags(tag.id, ApplyRemoveTagRequest(contact_ids=[created.id]))
            tagged = contacts.list_tags_for_contact(created.id)
        finally:
            api_client.rest_client.pool_manager.clear()

    assert (created.id, got.given_name) == ("1", "Ann")
    assert [c.id for c in listed.contacts or []] == ["1"]
    assert listed.next_page_token == ""
    assert applied.results == {"1": "SUCCESS"}
    assert [t.tag.name for t in tagged.tags or [] if t.tag] == ["VIP"]
