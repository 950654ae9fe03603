"""The REST v2 codec, without a network: the requests it builds and how it reads answers."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import TagOutcome
from keap_adapter.backends._base import ContactFilter
from keap_adapter.backends.rest import RestBackend
from tests.flowkit import drive, json_body
from tests.oracle import assert_fits

SUCCESS = TagOutcome.SUCCESS

BASE = "https://api.infusionsoft.com/crm/rest/v2/"


@pytest.fixture
def rest() -> RestBackend:
    return RestBackend(url=BASE, tag_chunk_size=2)


def contact_json(cid: str = "7", **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1", "is_opt_in": False}],
        "tag_ids": ["3", "4"],
        "create_time": "2026-01-02T03:04:05Z",
        **extra,
    }


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_create_builds_the_schema_body_and_reads_the_contact(rest: RestBackend) -> None:
    new = ka.NewContact(
        given_name="Ada",
        email="ada@example.com",
        company_name="Analytical Engines",
        phone_numbers=[ka.PhoneNumber(number="555-0100", field="PHONE2", type="Work")],
        addresses=[ka.Address(line1="1 Main St", locality="London", country_code="GBR")],
        birth_date=date(1815, 12, 10),
    )
    contact, calls = drive(rest, rest.create_contact(new), [ok(contact_json(), 201)])
    (call,) = calls
    assert call.request.method == "POST"
    assert str(call.request.url) == BASE + "contacts"
    assert call.idempotent is False  # a create is never blindly re-sent
    body = json_body(call)
    assert_fits("CreateUpdateContactRequest", body)
    assert body == {
        "given_name": "Ada",
        "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
        "company": {"company_name": "Analytical Engines"},
        "phone_numbers": [{"number": "555-0100", "field": "PHONE2", "type": "Work"}],
        "addresses": [
            {"field": "BILLING", "line1": "1 Main St", "locality": "London", "country_code": "GBR"}
        ],
        "birth_date": "1815-12-10",
    }
    assert contact.id == 7
    assert contact.tag_ids == [3, 4]
    assert contact.email == "ada@example.com"
    assert contact.create_time is not None and contact.create_time.utcoffset() is not None


def test_get_asks_for_every_modelled_field(rest: RestBackend) -> None:
    _, (call,) = drive(rest, rest.get_contact(7), [ok(contact_json())])
    assert call.request.url.path.endswith("/rest/v2/contacts/7")
    fields = call.request.url.params["fields"].split(",")
    assert {"tag_ids", "custom_fields", "email_addresses", "company"} <= set(fields)


def test_update_sends_only_changed_fields_in_the_mask(rest: RestBackend) -> None:
    update = ka.ContactUpdate(family_name="Byron", middle_name=None)
    _, (call,) = drive(rest, rest.update_contact(7, update), [ok(contact_json())])
    assert call.request.method == "PATCH"
    assert call.request.url.params.get_list("update_mask") == ["family_name", "middle_name"]
    body = json_body(call)
    assert body == {"family_name": "Byron"}  # middle_name is cleared by the mask, arrays untouched
    assert_fits("CreateUpdateContactRequest", body)


def test_update_of_company_uses_the_schema_mask_name_and_keeps_the_other_part(
    rest: RestBackend,
) -> None:
    stored = ok(contact_json(company={"id": "5", "company_name": "Old"}))
    _, (read, call) = drive(
        rest,
        rest.update_contact(7, ka.ContactUpdate(company_name="X")),
        [stored, ok(contact_json())],
    )
    assert read.request.method == "GET"  # REST replaces the whole company object
    assert call.request.url.params.get_list("update_mask") == ["company"]
    assert json_body(call) == {"company": {"company_name": "X", "id": "5"}}


def test_answers_with_slots_no_column_holds_still_read(rest: RestBackend) -> None:
    odd = contact_json(
        fax_numbers=[
            {"number": "1", "field": "FAX_NUMBER_FIELD_UNSPECIFIED"},
            {"number": "2"},
            {"number": "3", "field": "FAX2"},
            {"number": "4", "field": "FAX2"},
        ],
        anniversary_date="",
    )
    contact, _ = drive(rest, rest.get_contact(7), [ok(odd)])
    assert contact.fax_numbers == [ka.FaxNumber(number="3", field="FAX2")]
    assert contact.anniversary_date is None


def test_custom_fields_are_mapped_by_name_through_the_contact_model(rest: RestBackend) -> None:
    model = ok({"custom_fields": [{"id": "12", "field_name": "Color", "label": "Color"}]})
    stored = contact_json(custom_fields=[{"id": "12", "content": "red"}])
    new = ka.NewContact(email="a@b.co", custom_fields={"Color": "red"})
    contact, calls = drive(rest, rest.create_contact(new), [model, ok(stored, 201)])
    assert calls[0].request.url.path.endswith("/contacts/model")
    assert json_body(calls[1])["custom_fields"] == [{"id": "12", "content": "red"}]
    assert contact.custom_fields == {"Color": "red"}
    # the model is cached: a second read needs one request only
    _, again = drive(rest, rest.get_contact(7), [ok(stored)])
    assert len(again) == 1


def test_custom_field_update_merges_with_what_is_stored(rest: RestBackend) -> None:
    model = ok({"custom_fields": [{"id": "1", "field_name": "A"}, {"id": "2", "field_name": "B"}]})
    stored = contact_json(custom_fields=[{"id": "1", "content": "a"}, {"id": "2", "content": "b"}])
    update = ka.ContactUpdate(custom_fields={"B": "new"})
    _, calls = drive(rest, rest.update_contact(7, update), [ok(stored), model, ok(stored)])
    assert [c.request.method for c in calls] == ["GET", "GET", "PATCH"]
    assert json_body(calls[2])["custom_fields"] == [
        {"id": "1", "content": "a"},
        {"id": "2", "content": "new"},
    ]


def test_unknown_custom_field_is_refused_before_the_write(rest: RestBackend) -> None:
    model = ok({"custom_fields": [{"id": "12", "field_name": "Color"}]})
    new = ka.NewContact(email="a@b.co", custom_fields={"Size": "L"})
    with pytest.raises(ka.BadRequestError, match="unknown custom field 'Size'"):
        drive(rest, rest.create_contact(new), [model])


def test_listing_filters_and_pages_with_tokens(rest: RestBackend) -> None:
    where = ContactFilter(email="ada@example.com", given_name="Ad*")
    page, (call,) = drive(
        rest,
        rest.list_contacts_page(where, 2, "tok1"),
        [ok({"contacts": [contact_json("1"), contact_json("2")], "next_page_token": "tok2"})],
    )
    params = call.request.url.params
    assert params["filter"] == "email==ada@example.com;given_name==Ad*"
    assert params["page_size"] == "2"
    assert params["page_token"] == "tok1"
    assert [c.id for c in page.items] == [1, 2]
    assert page.next_cursor == "tok2"


@pytest.mark.parametrize("last", [{"next_page_token": ""}, {"next_page_token": None}, {}])
def test_an_empty_or_missing_token_ends_the_listing(
    rest: RestBackend, last: dict[str, Any]
) -> None:
    page, _ = drive(
        rest, rest.list_contacts_page(ContactFilter(), 10, None), [ok({"contacts": [], **last})]
    )
    assert page.next_cursor is None


def test_filter_values_that_would_break_the_filter_are_refused(rest: RestBackend) -> None:
    with pytest.raises(ValueError, match="cannot contain"):
        drive(rest, rest.list_contacts_page(ContactFilter(given_name="a;email==x"), 10, None), [])


NONE_FOUND = {"contacts": [], "next_page_token": ""}


def test_upsert_uses_duplicate_option_and_reads_201_as_created(rest: RestBackend) -> None:
    new = ka.NewContact(given_name="Ada", email="ada@example.com")
    answers = [ok(NONE_FOUND), ok(contact_json(), 201)]
    result, (find, call) = drive(rest, rest.upsert_contact(new, "Email"), answers)
    assert find.request.url.params["filter"] == "email==ada@example.com"
    assert call.request.url.params["duplicate_option"] == "Email"
    assert json_body(call) == {
        "given_name": "Ada",
        "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
    }
    assert result.created is True
    result, _ = drive(
        rest, rest.upsert_contact(new, "Email"), [ok(NONE_FOUND), ok(contact_json(), 200)]
    )
    assert result.created is False


def test_upsert_keeps_the_slots_of_the_one_match_it_does_not_name(rest: RestBackend) -> None:
    stored = contact_json(
        email_addresses=[
            {"email": "ada@example.com", "field": "EMAIL1"},
            {"email": "w@x.io", "field": "EMAIL2"},
        ],
        phone_numbers=[{"number": "555", "field": "PHONE1"}],
    )
    new = ka.NewContact(
        email="ada@example.com", phone_numbers=[ka.PhoneNumber(number="777", field="PHONE2")]
    )
    answers = [ok({"contacts": [stored]}), ok(stored, 200)]
    _, (_, call) = drive(rest, rest.upsert_contact(new, "Email"), answers)
    body = json_body(call)
    assert body["email_addresses"] == [
        {"email": "ada@example.com", "field": "EMAIL1"},
        {"email": "w@x.io", "field": "EMAIL2"},
    ]
    assert body["phone_numbers"] == [
        {"number": "555", "field": "PHONE1"},
        {"number": "777", "field": "PHONE2"},
    ]
    assert_fits("CreateUpdateContactRequest", body)


def test_upsert_with_names_matches_only_the_same_names(rest: RestBackend) -> None:
    stored = contact_json(
        email_addresses=[
            {"email": "ada@example.com", "field": "EMAIL1"},
            {"email": "w@x.io", "field": "EMAIL2"},
        ]
    )
    new = ka.NewContact(given_name="Other", family_name="Lovelace", email="ada@example.com")
    _, (_, call) = drive(
        rest,
        rest.upsert_contact(new, "EmailAndName"),
        [ok({"contacts": [stored]}), ok(stored, 201)],
    )
    assert [e["field"] for e in json_body(call)["email_addresses"]] == [
        "EMAIL1"
    ]  # no match: nothing merged


def test_apply_tag_is_chunked_with_string_ids(rest: RestBackend) -> None:
    answers = [
        ok({"results": {"1": "SUCCESS", "2": "SUCCESS"}}),
        ok({"results": {"3": "NOT_FOUND"}}),
    ]
    result, calls = drive(rest, rest.apply_tag(9, [1, 2, 3]), answers)
    assert [c.request.url.path for c in calls] == ["/crm/rest/v2/tags/9/contacts:applyTags"] * 2
    bodies = [json_body(c) for c in calls]
    assert bodies == [{"contact_ids": ["1", "2"]}, {"contact_ids": ["3"]}]
    for body in bodies:
        assert_fits("ApplyRemoveTagRequest", body)
    assert result.outcomes == {1: SUCCESS, 2: SUCCESS, 3: TagOutcome.NOT_FOUND}
    assert result.failed == {3: TagOutcome.NOT_FOUND}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("SUCCESS", TagOutcome.SUCCESS),
        ("DUPLICATE", TagOutcome.SUCCESS),
        ("CONTACT_NOT_FOUND", TagOutcome.NOT_FOUND),
        ("REJECTED: locked", TagOutcome.FAILED),
        (None, TagOutcome.UNREPORTED),
    ],
)
def test_apply_statuses_become_outcomes_and_keep_keaps_words(
    rest: RestBackend, status: str | None, outcome: TagOutcome
) -> None:
    results = {} if status is None else {"1": status}
    result, _ = drive(rest, rest.apply_tag(9, [1]), [ok({"results": results})])
    assert result.outcomes == {1: outcome}
    plain = status in (None, "SUCCESS")
    assert result.messages == ({} if plain else {1: status})


def test_remove_tag_is_chunked_and_says_it_cannot_report(rest: RestBackend) -> None:
    result, calls = drive(rest, rest.remove_tag(9, [1, 2, 3]), [httpx.Response(204)] * 2)
    assert [json_body(c) for c in calls] == [{"contact_ids": ["1", "2"]}, {"contact_ids": ["3"]}]
    assert result.outcomes == dict.fromkeys([1, 2, 3], TagOutcome.UNREPORTED)
    assert not result.reported and result.ok


def test_a_failed_chunk_keeps_what_earlier_chunks_did(rest: RestBackend) -> None:
    with pytest.raises(ka.ServerError) as caught:
        drive(rest, rest.remove_tag(9, [1, 2, 3]), [httpx.Response(204), httpx.Response(500)])
    assert caught.value.partial_result == ka.RemoveResult(
        tag_id=9, outcomes=dict.fromkeys([1, 2], TagOutcome.UNREPORTED)
    )


def test_update_tag_clears_with_the_mask(rest: RestBackend) -> None:
    answer = ok({"id": "9", "name": "Lead"})
    _, (call,) = drive(
        rest, rest.update_tag(9, {"description": None, "category_id": None}), [answer]
    )
    assert call.request.url.params.get_list("update_mask") == ["description", "category"]
    assert json_body(call) == {}


def test_contact_tags_follow_every_page(rest: RestBackend) -> None:
    tag = {"id": "3", "name": "Lead", "category": {"id": "5"}}
    answers = [
        ok(
            {"tags": [{"tag": tag, "applied_time": "2026-01-01T00:00:00Z"}], "next_page_token": "n"}
        ),
        ok({"tags": [{"tag": {**tag, "id": "4", "name": "VIP"}}], "next_page_token": ""}),
    ]
    tags, calls = drive(rest, rest.contact_tags(7), answers)
    assert [(t.id, t.name, t.category_id) for t in tags] == [(3, "Lead", 5), (4, "VIP", 5)]
    assert calls[1].request.url.params["page_token"] == "n"


def test_create_tag_body_fits_the_schema(rest: RestBackend) -> None:
    answer = ok({"id": "9", "name": "Lead", "description": "d", "category": {"id": "2"}}, 201)
    tag, (call,) = drive(rest, rest.create_tag("Lead", "d", 2), [answer])
    assert_fits("CreateUpdateTagRequest", json_body(call))
    assert tag == ka.Tag(id=9, name="Lead", description="d", category_id=2)


def test_tagged_contacts_carry_names_email_and_applied_time(rest: RestBackend) -> None:
    row = {
        "id": "1",
        "email": "a@b.co",
        "given_name": "A",
        "family_name": "B",
        "applied_time": "2026-01-02T03:04:05Z",
    }
    page, _ = drive(rest, rest.tagged_contacts_page(9, 50, None), [ok({"contacts": [row]})])
    assert page.items == [
        ka.TaggedContact(
            id=1,
            email="a@b.co",
            given_name="A",
            family_name="B",
            applied_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        )
    ]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ka.BadRequestError),
        (401, ka.AuthenticationError),
        (403, ka.PermissionDeniedError),
        (404, ka.NotFoundError),
        (409, ka.ConflictError),
        (422, ka.BadRequestError),
        (429, ka.RateLimitError),
        (500, ka.ServerError),
        (503, ka.ServerError),
    ],
)
def test_error_statuses_map_to_typed_errors(
    rest: RestBackend, status: int, cls: type[Exception]
) -> None:
    body = {"code": status, "message": "Nope", "status": "X", "details": []}
    response = httpx.Response(status, json=body, headers={"x-request-id": "r-1"})
    with pytest.raises(cls) as caught:
        drive(rest, rest.get_contact(7), [response])
    error = caught.value
    assert isinstance(error, ka.APIError)
    assert error.status_code == status
    assert error.request_id == "r-1"
    assert "contacts.get" in str(error) and "[rest]" in str(error) and "Nope" in str(error)


def test_rate_limit_keeps_retry_after_and_reads_the_gateway_shape(rest: RestBackend) -> None:
    body = {"fault": {"faultstring": "Rate limit quota violation", "detail": {"errorcode": "x"}}}
    response = httpx.Response(429, json=body, headers={"Retry-After": "7"})
    with pytest.raises(ka.RateLimitError) as caught:
        drive(rest, rest.get_contact(7), [response])
    assert caught.value.retry_after == 7.0
    assert "Rate limit quota violation" in str(caught.value)


def test_a_success_body_that_does_not_fit_is_a_validation_error(rest: RestBackend) -> None:
    with pytest.raises(ka.ResponseValidationError, match=r"contacts.get"):
        drive(rest, rest.get_contact(7), [ok({"given_name": "no id"})])
    with pytest.raises(ka.ResponseValidationError, match="not JSON"):
        drive(rest, rest.get_contact(7), [httpx.Response(200, text="<html>")])


def test_unknown_fields_in_answers_are_tolerated(rest: RestBackend) -> None:
    contact, _ = drive(rest, rest.get_contact(7), [ok(contact_json(brand_new_field={"x": 1}))])
    assert contact.id == 7


def test_update_tag_masks_only_the_changed_fields(rest: RestBackend) -> None:
    answer = ok({"id": "9", "name": "New", "category": {"id": "2"}})
    tag, (call,) = drive(rest, rest.update_tag(9, {"name": "New", "category_id": 2}), [answer])
    assert call.request.method == "PATCH"
    assert call.request.url.params.get_list("update_mask") == ["name", "category"]
    assert json_body(call) == {"name": "New", "category": {"id": "2"}}
    assert_fits("CreateUpdateTagRequest", json_body(call))
    assert tag.name == "New"


def test_delete_tag(rest: RestBackend) -> None:
    _, (call,) = drive(rest, rest.delete_tag(9), [httpx.Response(204)])
    assert (call.request.method, call.request.url.path) == ("DELETE", "/crm/rest/v2/tags/9")


def test_upsert_merges_into_the_oldest_of_several_matches(rest: RestBackend) -> None:
    older = contact_json(
        "3",
        email_addresses=[
            {"email": "ada@example.com", "field": "EMAIL1"},
            {"email": "old@x.io", "field": "EMAIL2"},
        ],
    )
    newer = contact_json("9", email_addresses=[{"email": "ada@example.com", "field": "EMAIL1"}])
    new = ka.NewContact(email="ada@example.com")
    _, (_, call) = drive(
        rest, rest.upsert_contact(new, "Email"), [ok({"contacts": [newer, older]}), ok(older, 200)]
    )
    assert [e["email"] for e in json_body(call)["email_addresses"]] == [
        "ada@example.com",
        "old@x.io",
    ]
