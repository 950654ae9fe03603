"""Tag categories, custom field definitions and email status: the requests each codec
builds and how it reads the answers (no network; see tests/contract for both on the fake)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter.backends.rest import RestBackend
from keap_adapter.backends.xmlrpc import XmlRpcBackend
from tests.flowkit import drive, json_body
from tests.oracle import assert_fits
from tests.unit.test_xmlrpc_codec import KEY, fault, methods, sent
from tests.unit.test_xmlrpc_codec import ok as xok

BASE = "https://api.infusionsoft.com/crm/rest/v2/"
URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"


@pytest.fixture
def rest() -> RestBackend:
    return RestBackend(url=BASE)


@pytest.fixture
def xb() -> XmlRpcBackend:
    return XmlRpcBackend(url=URL, key_param=KEY)


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


# --------------------------------------------------------------------- REST v2


def test_rest_category_crud(rest: RestBackend) -> None:
    cat = {"id": "4", "name": "Sources", "description": "Where leads came from"}
    made, (call,) = drive(rest, rest.create_tag_category("Sources", "Where"), [ok(cat, 201)])
    assert (call.request.method, call.request.url.path) == ("POST", "/crm/rest/v2/tags/categories")
    assert_fits("CreateUpdateTagCategoryRequest", json_body(call))
    assert call.idempotent is False
    assert made == ka.TagCategory(id=4, name="Sources", description="Where leads came from")
    changes = {"description": None, "name": "Origins"}
    _, (patch,) = drive(rest, rest.update_tag_category(4, changes), [ok(cat)])
    assert patch.request.url.params.get_list("update_mask") == ["description", "name"]
    assert json_body(patch) == {"name": "Origins"}  # a masked field left out is cleared
    _, (delete,) = drive(rest, rest.delete_tag_category(4), [httpx.Response(204)])
    assert (delete.request.method, delete.request.url.path) == (
        "DELETE",
        "/crm/rest/v2/tags/categories/4",
    )


def test_rest_category_pages(rest: RestBackend) -> None:
    answer = ok({"tag_categories": [{"id": "1", "name": "A"}], "next_page_token": "t"})
    page, (call,) = drive(rest, rest.list_tag_categories_page(50, "s"), [answer])
    assert dict(call.request.url.params) == {"page_size": "50", "page_token": "s"}
    assert (page.items, page.next_cursor) == ([ka.TagCategory(id=1, name="A")], "t")


def test_rest_custom_fields(rest: RestBackend) -> None:
    model = {
        "custom_fields": [
            {"id": "9", "label": "Size", "field_type": "DROPDOWN", "field_name": "Size",
             "options": [{"id": "a", "label": "S"}, {"id": "b", "label": "M"}]},
            {"id": "3", "label": "Colour", "field_type": "TEXT", "field_name": "Colour"},
        ]
    }  # fmt: skip
    fields, _ = drive(rest, rest.list_custom_fields(), [ok(model)])
    assert [(f.id, f.name, f.field_type, f.options) for f in fields] == [
        (3, "Colour", "TEXT", []),
        (9, "Size", "DROPDOWN", ["S", "M"]),
    ]
    made = {"id": "10", "label": "Tier", "field_type": "RADIO", "field_name": "Tier",
            "options": [{"label": "Gold"}]}  # fmt: skip
    field, (call,) = drive(
        rest, rest.create_custom_field("Tier", "RADIO", ["Gold"]), [ok(made, 201)]
    )
    assert call.request.url.path == "/crm/rest/v2/contacts/model/customFields"
    assert json_body(call) == {
        "label": "Tier",
        "field_type": "RADIO",
        "options": [{"label": "Gold"}],
    }
    assert_fits("CreateCustomFieldRequest", json_body(call))
    assert field == ka.CustomField(
        id=10, name="Tier", label="Tier", field_type="RADIO", options=["Gold"]
    )


def test_rest_email_status(rest: RestBackend) -> None:
    status = {"email": "a/b@example.com", "opted_in": True, "status": "SINGLE_OPT_IN",
              "create_time": "2026-01-01T00:00:00Z"}  # fmt: skip
    got, (call,) = drive(rest, rest.email_status("a/b@example.com"), [ok(status)])
    assert call.request.url.raw_path == b"/crm/rest/v2/emailAddresses/a%2Fb@example.com/status"
    assert got == ka.EmailStatus(email="a/b@example.com", opted_in=True, status="SINGLE_OPT_IN")
    unknown, _ = drive(rest, rest.email_status("x@example.com"), [httpx.Response(404, json={})])
    assert (unknown.opted_in, unknown.status) == (False, "NON_MARKETABLE")
    _, (patch,) = drive(rest, rest.set_email_opt_in("a@example.com", False, "asked"), [ok(status)])
    assert (patch.request.method, json_body(patch)) == (
        "PATCH",
        {"opted_in": False, "reason": "asked"},
    )
    assert_fits("UpdateEmailAddress", json_body(patch))
    assert patch.operation == "contacts.opt_out"


# --------------------------------------------------------------------- XML-RPC


def test_xmlrpc_category_create_checks_the_name(xb: XmlRpcBackend) -> None:
    row = {"Id": 4, "CategoryName": "Sources"}
    made, calls = drive(xb, xb.create_tag_category("Sources", None), [xok([]), xok(4), xok(row)])
    assert methods(calls) == ["DataService.query", "DataService.add", "DataService.load"]
    assert sent(calls[1])[1][1:] == ("ContactGroupCategory", {"CategoryName": "Sources"})
    assert made == ka.TagCategory(id=4, name="Sources")
    with pytest.raises(ka.ConflictError, match="already exists"):
        drive(xb, xb.create_tag_category("sources", None), [xok([row])])


def test_xmlrpc_category_update_clears_and_delete_false_is_not_found(xb: XmlRpcBackend) -> None:
    row = {"Id": 4, "CategoryName": "Sources"}
    _, calls = drive(xb, xb.update_tag_category(4, {"description": None}), [xok(4), xok(row)])
    assert sent(calls[0])[1][1:] == ("ContactGroupCategory", 4, {"CategoryDescription": ""})
    with pytest.raises(ka.NotFoundError, match=r"tags\.categories\.delete"):
        drive(xb, xb.delete_tag_category(4), [xok(False)])
    with pytest.raises(ka.NotFoundError):
        drive(xb, xb.get_tag_category(5), [fault(5, "[RecordNotFound]Record was not found")])


def test_xmlrpc_custom_fields(xb: XmlRpcBackend) -> None:
    rows = [{"Id": 3, "Name": "Size", "Label": "Size", "DataType": 21, "Values": "S\nM\n"}]
    fields, calls = drive(xb, xb.list_custom_fields(), [xok(rows)])
    assert sent(calls[0])[1][1:5] == ("DataFormField", 1000, 0, {"FormId": -1})
    assert fields == [
        ka.CustomField(id=3, name="Size", label="Size", field_type="DROPDOWN", options=["S", "M"])
    ]
    new = {"Id": 7, "Name": "Tier", "Label": "Tier", "DataType": 20, "Values": "Gold\nSilver"}
    answers = [xok([{"Id": 1}]), xok([{"Id": 2}]), xok(7), xok(True), xok(new)]
    made, calls = drive(xb, xb.create_custom_field("Tier", "RADIO", ["Gold", "Silver"]), answers)
    assert methods(calls) == [
        "DataService.query", "DataService.query", "DataService.addCustomField",
        "DataService.updateCustomField", "DataService.load",
    ]  # fmt: skip
    assert sent(calls[2])[1][1:] == ("Contact", "Tier", "Radio", 2)
    assert sent(calls[3])[1][1:] == (7, {"Values": "Gold\nSilver"})
    assert calls[2].idempotent is False
    assert made.options == ["Gold", "Silver"] and made.field_type == "RADIO"


def test_xmlrpc_email_status(xb: XmlRpcBackend) -> None:
    for code, status in [(0, "NON_MARKETABLE"), (1, "SINGLE_OPT_IN"), (2, "DOUBLE_OPT_IN")]:
        got, (call,) = drive(xb, xb.email_status("a@example.com"), [xok(code)])
        assert sent(call) == ("APIEmailService.getOptStatus", (KEY, "a@example.com"))
        assert (got.opted_in, got.status) == (code > 0, status)
    with pytest.raises(ka.ResponseValidationError, match="getOptStatus answered 7"):
        drive(xb, xb.email_status("a@example.com"), [xok(7)])
    got, calls = drive(xb, xb.set_email_opt_in("a@example.com", True, "form"), [xok(True), xok(1)])
    assert sent(calls[0]) == ("APIEmailService.optIn", (KEY, "a@example.com", "form"))
    assert got.opted_in and {c.operation for c in calls} == {"contacts.opt_in"}


# --------------------------------------------------------------------- facade checks


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.contacts.custom_fields.create("", "TEXT"), "label"),
        (lambda c: c.contacts.custom_fields.create("Size", "SHOE"), "field_type"),
        (lambda c: c.contacts.custom_fields.create("Size", "DROPDOWN", options="SML"), "list"),
        (lambda c: c.contacts.custom_fields.create("Size", "TEXT", options=["a"]), "no options"),
        (lambda c: c.contacts.custom_fields.create("S", "RADIO", options=["a\nb"]), "line"),
        (lambda c: c.contacts.custom_fields.create("S", "RADIO", options=["x", " X "]), "repeat"),
        (lambda c: c.contacts.opt_in("a@example.com", ""), "reason"),
        (lambda c: c.contacts.email_status("not-an-email"), "email"),
        (lambda c: c.tags.categories.create(""), "name"),
        (lambda c: c.tags.categories.update(1, {}), "must set"),
        (lambda c: c.tags.categories.get(0), "category_id"),
    ],
)
def test_bad_input_is_refused_before_sending(call: Any, message: str) -> None:
    sent_requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent_requests.append(request)
        return httpx.Response(500)

    for backend in ("rest", "xmlrpc"):
        client = ka.KeapClient(
            backend, "KeapAK-test-key-0001", transport=httpx.MockTransport(record)
        )
        with pytest.raises(ValueError, match=message):
            call(client)
    assert sent_requests == []


def test_xmlrpc_options_failing_after_the_field_is_made_say_so(xb: XmlRpcBackend) -> None:
    answers = [xok([{"Id": 1}]), xok([{"Id": 2}]), xok(7), fault(3, "[Unexpected]boom")]
    with pytest.raises(ka.ServerError) as caught:
        drive(xb, xb.create_custom_field("Tier", "RADIO", ["Gold"]), answers)
    made = caught.value.partial_result
    assert isinstance(made, ka.CustomField) and (made.id, made.options) == (7, [])
