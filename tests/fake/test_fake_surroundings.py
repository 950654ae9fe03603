"""FakeKeap's tag categories, custom field definitions and email opt-in status, on both
faces over one store: REST v2 answers checked against the official SDK's models, XML-RPC
driven by the stdlib as legacy code drives Keap."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from keap_core_v2_client.models.custom_field_meta_data import CustomFieldMetaData
from keap_core_v2_client.models.error import Error
from keap_core_v2_client.models.get_tag_category_response import GetTagCategoryResponse
from keap_core_v2_client.models.list_tag_categories_response import ListTagCategoriesResponse
from keap_core_v2_client.models.object_model import ObjectModel
from keap_core_v2_client.models.rest_email_address_status import RestEmailAddressStatus
from keap_core_v2_client.models.tag_category import TagCategory
from keap_core_v2_client.models.update_tag_category_response import UpdateTagCategoryResponse

from keap_adapter.testing import FakeKeap
from tests.fake.test_fake_rest import fits
from tests.fake.wire import fake, fault_of, rest, xml

__all__ = ["fake", "rest"]  # fixtures


# ------------------------------------------------------------------ tag categories


def test_rest_categories_fit_the_sdk_and_read_over_xmlrpc(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    made = rest.post("tags/categories", json={"name": "Sources", "description": "Leads"})
    rest.post("tags/categories", json={"name": "Events"})

    assert made.status_code == 201
    assert fits(TagCategory, made.json()).name == "Sources"
    assert fits(GetTagCategoryResponse, rest.get("tags/categories/1").json()).id == "1"
    listing = fits(ListTagCategoriesResponse, rest.get("tags/categories").json())
    assert [c.name for c in listing.tag_categories or []] == ["Sources", "Events"]
    rows = xml(fake, "DataService.query", "ContactGroupCategory", 10, 0, {}, ["Id", "CategoryName",
               "CategoryDescription"])  # fmt: skip
    assert rows == [
        {"Id": 1, "CategoryName": "Sources", "CategoryDescription": "Leads"},
        {"Id": 2, "CategoryName": "Events"},
    ]


def test_rest_categories_filter_order_and_page(rest: httpx.Client) -> None:
    for name in ("Sources", "Events", "Awards"):
        rest.post("tags/categories", json={"name": name})

    def names(**params: str) -> list[str]:
        body = rest.get("tags/categories", params=params).json()
        return [c["name"] for c in body["tag_categories"]]

    assert names(filter="name==events") == ["Events"]
    assert names(filter="description==NONE", order_by="name") == ["Awards", "Events", "Sources"]
    assert names(order_by="name desc", page_size="2") == ["Sources", "Events"]
    assert rest.get("tags/categories", params={"order_by": "id"}).status_code == 400


def test_xmlrpc_categories_read_over_rest(fake: FakeKeap, rest: httpx.Client) -> None:
    made = xml(fake, "DataService.add", "ContactGroupCategory", {"CategoryName": "Sources"})
    xml(fake, "DataService.update", "ContactGroupCategory", made, {"CategoryDescription": "x"})

    got = fits(GetTagCategoryResponse, rest.get(f"tags/categories/{made}").json())
    assert (got.name, got.description) == ("Sources", "x")
    assert xml(fake, "DataService.load", "ContactGroupCategory", made, ["CategoryName"]) == {
        "CategoryName": "Sources"
    }
    assert xml(fake, "DataService.delete", "ContactGroupCategory", made) is True
    assert rest.get(f"tags/categories/{made}").status_code == 404


def test_category_names_are_unique_ignoring_case_on_both_faces(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    rest.post("tags/categories", json={"name": "Sources"})
    other = rest.post("tags/categories", json={"name": "Events"}).json()["id"]

    assert rest.post("tags/categories", json={"name": "SOURCES"}).status_code == 409
    renamed = rest.patch(f"tags/categories/{other}", json={"name": "sources"})
    assert renamed.status_code == 409
    code, text = fault_of(
        fake, "DataService.add", "ContactGroupCategory", {"CategoryName": "sources"}
    )
    assert (code, text) == (
        12,
        "[InvalidParameter]Invalid value for ContactGroupCategory.CategoryName: "
        "a tag category named 'sources' exists",
    )
    assert [c["name"] for c in fake.store.all_categories()] == ["Sources", "Events"]


def test_category_patch_with_a_mask_clears_what_the_body_leaves_out(rest: httpx.Client) -> None:
    rest.post("tags/categories", json={"name": "Sources", "description": "Leads"})

    masked = rest.patch("tags/categories/1", json={}, params={"update_mask": "description"})
    unmasked = rest.patch("tags/categories/1", json={"name": "Origins"})

    assert "description" not in fits(UpdateTagCategoryResponse, masked.json()).to_dict()
    assert unmasked.json()["name"] == "Origins"
    no_name = rest.patch("tags/categories/1", json={}, params={"update_mask": "name"})
    assert no_name.status_code == 400


def test_a_tag_refers_to_a_category_and_a_category_in_use_is_not_deleted(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    category = rest.post("tags/categories", json={"name": "Events"}).json()["id"]
    tag = xml(fake, "DataService.add", "ContactGroup", {"GroupName": "Webinar",
              "GroupCategoryId": int(category)})  # fmt: skip

    assert rest.get(f"tags/{tag}").json()["category"] == {"id": category}
    refused = rest.delete(f"tags/categories/{category}")
    assert refused.status_code == 400
    assert fits(Error, refused.json()).status == "FAILED_PRECONDITION"
    code, text = fault_of(fake, "DataService.delete", "ContactGroupCategory", int(category))
    assert (code, text) == (12, f"[InvalidParameter]Tag category {category} still has tags; "
                                "move or delete them first")  # fmt: skip
    xml(fake, "DataService.update", "ContactGroup", tag, {"GroupCategoryId": 0})
    assert rest.delete(f"tags/categories/{category}").status_code == 204


def test_category_writes_fault_as_keap(fake: FakeKeap) -> None:
    for struct, expected in [
        ({}, (11, "[NoFields]No fields to add to ContactGroupCategory")),
        ({"CategoryDescription": "x"}, (12, "[InvalidParameter]CategoryName is required")),
        ({"CategoryName": 5}, (12, "[InvalidParameter]Invalid value for "
                                   "ContactGroupCategory.CategoryName")),
        ({"Name": "x"}, (10, "[NoFieldFound]No field found: ContactGroupCategory.Name")),
    ]:  # fmt: skip
        assert fault_of(fake, "DataService.add", "ContactGroupCategory", struct) == expected
    assert fault_of(fake, "DataService.delete", "ContactGroupCategory", 9)[0] == 5


# ------------------------------------------------------------ custom field definitions


def test_rest_creates_fields_named_as_keap_names_them(fake: FakeKeap, rest: httpx.Client) -> None:
    body = {"label": "Shirt Size", "field_type": "DROPDOWN", "options": [{"label": "S"},
            {"label": "M"}]}  # fmt: skip
    made = rest.post("contacts/model/customFields", json=body)
    again = rest.post(
        "contacts/model/customFields", json={"label": "shirt size!", "field_type": "TEXT"}
    )
    digits = rest.post(
        "contacts/model/customFields", json={"label": "1st Pet", "field_type": "TEXT"}
    )

    assert made.status_code == 201
    field = fits(CustomFieldMetaData, made.json())
    assert (field.field_name, field.label, field.record_type) == (
        "ShirtSize",
        "Shirt Size",
        "CONTACT",
    )
    assert [o.label for o in field.options or []] == ["S", "M"]
    assert again.json()["field_name"] == "shirtsize1"
    assert digits.json()["field_name"] == "Field1stPet"  # a name starts with a letter
    model = fits(ObjectModel, rest.get("contacts/model").json())
    assert [f.field_name for f in model.custom_fields or []] == ["ShirtSize", "shirtsize1",
                                                                 "Field1stPet"]  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        {"field_type": "TEXT"},
        {"label": "X", "field_type": "SHOE"},
        {"label": "X", "field_type": "TEXT", "group_id": "99"},
        {"label": "X", "field_type": "DROPDOWN", "options": [{"label": ""}]},
        {"label": "X", "field_type": "TEXT", "default_value": "y"},
    ],
)
def test_bad_custom_field_bodies_are_400(rest: httpx.Client, body: dict[str, Any]) -> None:
    assert rest.post("contacts/model/customFields", json=body).status_code == 400


def test_rest_fields_read_over_xmlrpc_with_values_one_a_line(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    body = {"label": "Shirt Size", "field_type": "DROPDOWN", "options": [{"label": "S"},
            {"label": "M"}]}  # fmt: skip
    rest.post("contacts/model/customFields", json=body)

    columns = ["Id", "Name", "Label", "DataType", "FormId", "GroupId", "Values"]
    rows = xml(fake, "DataService.query", "DataFormField", 10, 0, {"FormId": -1}, columns)

    assert rows == [{"Id": 1, "Name": "ShirtSize", "Label": "Shirt Size", "DataType": 21,
                     "FormId": -1, "GroupId": 2, "Values": "S\nM"}]  # fmt: skip


def test_xmlrpc_adds_a_field_under_a_group_and_sets_its_options(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    tabs = xml(fake, "DataService.query", "DataFormTab", 10, 0, {"FormId": -1}, ["Id", "TabName"])
    tab = tabs[0]["Id"]
    groups = xml(fake, "DataService.query", "DataFormGroup", 10, 0, {"TabId": tab}, ["Id"])

    field = xml(fake, "DataService.addCustomField", "Contact", "Shirt Size", "Select",
                groups[0]["Id"])  # fmt: skip
    assert xml(fake, "DataService.updateCustomField", field, {"Values": "S\nM\r\nL\n"}) is True

    assert tabs == [{"Id": 1, "TabName": "Custom Fields"}]
    meta = rest.get("contacts/model").json()["custom_fields"][0]
    assert (meta["field_name"], meta["field_type"]) == ("ShirtSize", "DROPDOWN")
    assert [o["label"] for o in meta["options"]] == ["S", "M", "L"]
    assert xml(fake, "DataService.load", "DataFormField", field, ["Values", "Label"]) == {
        "Values": "S\nM\nL",
        "Label": "Shirt Size",
    }


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("DataService.addCustomField", ("Contact", "X", "Shoe", 2),
         (12, "[InvalidParameter]Invalid dataType: Shoe")),
        ("DataService.addCustomField", ("Contact", " ", "Text", 2),
         (12, "[InvalidParameter]displayName is required")),
        ("DataService.addCustomField", ("Invoice", "X", "Text", 2),
         (12, "[InvalidParameter]Invalid context: Invoice")),
        ("DataService.addCustomField", ("Company", "X", "Text", 2),
         (12, "[InvalidParameter]FakeKeap keeps Contact custom fields only, not Company")),
        ("DataService.addCustomField", ("Contact", "X", "Text", 1),
         (5, "[RecordNotFound]Record was not found")),  # 1 is the tab, not a group
        ("DataService.addCustomField", ("Contact", "X", "Text", "2"),
         (0, "No method matching arguments: java.lang.String, java.lang.String, "
             "java.lang.String, java.lang.String, java.lang.String")),
        ("DataService.updateCustomField", (9, {"Label": "X"}),
         (5, "[RecordNotFound]Record was not found")),
        ("DataService.updateCustomField", (1, {"Name": "X"}),
         (8, "[NoFieldAccess]Field is read-only: DataFormField.Name")),
        ("DataService.updateCustomField", (1, {"Colour": "X"}),
         (10, "[NoFieldFound]No field found: DataFormField.Colour")),
        ("DataService.add", ("DataFormField", {"Label": "X"}),
         (7, "[NoTableAccess]Access denied to table DataFormField for add")),
    ],
)  # fmt: skip
def test_custom_field_calls_fault_as_keap(
    fake: FakeKeap, method: str, params: tuple[Any, ...], expected: tuple[int, str]
) -> None:
    fake.add_custom_field("Colour")
    assert fault_of(fake, method, *params) == expected


# ------------------------------------------------------------------- email status


def test_an_address_never_seen_is_not_marketable(fake: FakeKeap, rest: httpx.Client) -> None:
    missing = rest.get("emailAddresses/nobody@example.com/status")

    assert xml(fake, "APIEmailService.getOptStatus", "nobody@example.com") == 0
    assert missing.status_code == 404
    assert fits(Error, missing.json()).status == "NOT_FOUND"


def test_a_contacts_address_is_known_and_not_marketable(fake: FakeKeap, rest: httpx.Client) -> None:
    xml(fake, "ContactService.add", {"Email": "Ann@Example.com"})

    status = fits(RestEmailAddressStatus, rest.get("emailAddresses/ann@example.com/status").json())

    assert (status.email, status.opted_in, status.status) == ("Ann@Example.com", False,
                                                              "NON_MARKETABLE")  # fmt: skip
    assert xml(fake, "APIEmailService.getOptStatus", "ann@example.com") == 0


def test_opt_in_then_out_and_an_api_opt_in_cannot_undo_an_opt_out(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    path = "emailAddresses/ann@example.com/status"

    assert xml(fake, "APIEmailService.optIn", "ann@example.com", "Web form") is True
    opted = fits(RestEmailAddressStatus, rest.get(path).json())
    assert (opted.opted_in, opted.status, xml(fake, "APIEmailService.getOptStatus",
            "ann@example.com")) == (True, "SINGLE_OPT_IN", 1)  # fmt: skip

    out = rest.patch(path, json={"opted_in": False, "reason": "Asked to stop"})
    assert (out.json()["opted_in"], out.json()["status"]) == (False, "NON_MARKETABLE")
    assert xml(fake, "APIEmailService.getOptStatus", "ann@example.com") == 0

    assert xml(fake, "APIEmailService.optIn", "ann@example.com", "Form again") is False
    again = rest.patch(path, json={"opted_in": True, "reason": "Form again"})
    assert (again.status_code, again.json()["status"]) == (200, "NON_MARKETABLE")


def test_a_double_opt_in_only_a_person_can_give_reads_as_two(
    fake: FakeKeap, rest: httpx.Client
) -> None:
    fake.set_email_status("ann@example.com", "CONFIRMED")

    assert xml(fake, "APIEmailService.getOptStatus", "ann@example.com") == 2
    assert xml(fake, "APIEmailService.optIn", "ann@example.com", "again") is True  # kept
    assert rest.get("emailAddresses/ann@example.com/status").json()["status"] == "CONFIRMED"
    assert xml(fake, "APIEmailService.optOut", "ann@example.com", "stop") is True
    fake.set_email_status("bob@example.com", "LIST_UNSUBSCRIBE")  # the person opted out
    assert xml(fake, "APIEmailService.optIn", "bob@example.com", "please") is False


@pytest.mark.parametrize(
    "body",
    [{"opted_in": True}, {"reason": "x"}, {"opted_in": "yes", "reason": "x"},
     {"opted_in": True, "reason": "x", "email": "a@b.c"}],
)  # fmt: skip
def test_bad_status_bodies_are_400(rest: httpx.Client, body: dict[str, Any]) -> None:
    assert rest.patch("emailAddresses/a@example.com/status", json=body).status_code == 400


def test_an_empty_address_is_never_opted_in(fake: FakeKeap) -> None:
    assert xml(fake, "APIEmailService.optIn", " ", "why") is False
    assert xml(fake, "APIEmailService.getOptStatus", "") == 0
    assert fake.store.email_statuses == {}
