"""The XML-RPC codec without a network: the calls each flow builds and how it reads answers."""

from __future__ import annotations

import re
import xmlrpc.client
from collections.abc import Callable
from datetime import date, datetime, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import TagOutcome
from keap_adapter.backends._base import Call, ContactFilter, Flow, Page
from keap_adapter.backends._fields import CONTACT_FIELDS
from keap_adapter.backends._xmlrpc_ops import FAULT_CLASSES, FAULT_CODE_NAMES, classify_fault
from keap_adapter.backends.xmlrpc import XmlRpcBackend
from tests.flowkit import Answer, drive

URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"
KEY = "keap-adapter"
FIELDS = [*CONTACT_FIELDS, "_Fav"]
TAG_FIELDS = ["Id", "GroupName", "GroupDescription", "GroupCategoryId"]
DISCOVERY = (
    "DataService.query",
    (KEY, "DataFormField", 1000, 0, {"FormId": -1}, ["Id", "Name", "Label", "DataType"]),
)


@pytest.fixture
def xb() -> XmlRpcBackend:
    return XmlRpcBackend(url=URL, key_param=KEY)


def keap_xml(value: Any) -> bytes:
    """An answer as Keap writes it: strings as bare ``<value>``s, ints as ``<i4>``."""
    body = xmlrpc.client.dumps((value,), methodresponse=True, encoding="utf-8")
    body = re.sub(r"<value><string>(.*?)</string></value>", r"<value>\1</value>", body, flags=re.S)
    return body.replace("<int>", "<i4>").replace("</int>", "</i4>").encode()


def ok(value: Any) -> httpx.Response:
    return httpx.Response(200, content=keap_xml(value), headers={"content-type": "text/xml"})


def fault(code: int, string: str, **headers: str) -> httpx.Response:
    body = xmlrpc.client.dumps(xmlrpc.client.Fault(code, string), encoding="utf-8")
    return httpx.Response(200, content=body.encode(), headers=headers)


def sent(call: Call) -> tuple[str, tuple[Any, ...]]:
    """(methodName, params) of a call, checking the envelope every request shares."""
    request = call.request
    assert request.method == "POST"
    assert str(request.url) == URL
    assert request.headers["content-type"] == "text/xml"
    assert "x-keap-api-key" not in request.headers  # auth headers are the client's job
    assert b"<nil" not in request.content
    params, method = xmlrpc.client.loads(request.content, use_builtin_types=True)
    assert method is not None
    assert params[0] == KEY
    return method, params


def methods(calls: list[Call]) -> list[str]:
    return [sent(call)[0] for call in calls]


FORM = ok([{"Id": 3, "Name": "Fav", "Label": "Favourite", "DataType": 15}])


def new_contact(**fields: Any) -> ka.NewContact:
    """A ``NewContact``, letting the ``email=`` shorthand through the type checker."""
    return ka.NewContact.model_validate(fields)


def contact_struct(cid: int = 7, **extra: Any) -> dict[str, Any]:
    return {
        "Id": cid,
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Email": "ada@example.com",
        "Groups": "3,4",
        "DateCreated": datetime(2015, 5, 30, 7, 30),
        "_Fav": "tea",
        **extra,
    }


# ---------------------------------------------------------------------------- contacts


def test_create_adds_then_loads_with_custom_fields(xb: XmlRpcBackend) -> None:
    new = new_contact(
        given_name="Ada",
        email="ada@example.com",
        phone_numbers=[ka.PhoneNumber(number="555-0100", field="PHONE2", type="Work")],
        birth_date=date(1815, 12, 10),
        custom_fields={"Fav": "tea"},
    )
    contact, calls = drive(xb, xb.create_contact(new), [ok(7), FORM, ok(contact_struct())])
    method, params = sent(calls[0])
    assert method == "ContactService.add"
    assert params[1] == {
        "FirstName": "Ada",
        "Email": "ada@example.com",
        "Phone2": "555-0100",
        "Phone2Ext": "",
        "Phone2Type": "Work",
        "Birthday": datetime(1815, 12, 10),
        "_Fav": "tea",
    }
    assert calls[0].idempotent is False
    assert sent(calls[1]) == DISCOVERY
    assert sent(calls[2]) == ("ContactService.load", (KEY, 7, FIELDS))
    assert [c.operation for c in calls] == ["contacts.create"] * 3
    assert contact.id == 7
    assert contact.email == "ada@example.com"
    assert contact.tag_ids == [3, 4]
    assert contact.custom_fields == {"Fav": "tea"}
    assert contact.create_time == datetime(2015, 5, 30, 11, 30, tzinfo=timezone.utc)


def test_custom_fields_are_discovered_once_per_backend(xb: XmlRpcBackend) -> None:
    _, first = drive(xb, xb.get_contact(7), [FORM, ok(contact_struct())])
    _, second = drive(xb, xb.get_contact(7), [ok(contact_struct())])
    assert methods(first) == ["DataService.query", "ContactService.load"]
    assert [sent(c) for c in second] == [("ContactService.load", (KEY, 7, FIELDS))]


def test_without_metadata_access_the_standard_fields_are_read(xb: XmlRpcBackend) -> None:
    denied = fault(7, "[NoTableAccess]No access to DataFormField")
    contact, calls = drive(xb, xb.get_contact(7), [denied, ok(contact_struct())])
    assert sent(calls[1])[1][2] == list(CONTACT_FIELDS)
    assert contact.id == 7


def test_get_of_a_missing_contact_is_not_found(xb: XmlRpcBackend) -> None:
    with pytest.raises(ka.NotFoundError) as caught:
        drive(xb, xb.get_contact(9), [FORM, fault(5, "[RecordNotFound]Record was not found")])
    error = caught.value
    assert (error.operation, error.backend) == ("contacts.get", "xmlrpc")
    assert (error.status_code, error.fault_code, error.fault_tag) == (200, 5, "RecordNotFound")
    assert "Record was not found" in str(error)


def test_update_sends_only_the_changes_and_clears_unnamed_slots(xb: XmlRpcBackend) -> None:
    update = ka.ContactUpdate(
        family_name=None, email_addresses=[ka.EmailAddress(email="b@example.com", field="EMAIL2")]
    )
    contact, calls = drive(xb, xb.update_contact(7, update), [ok(7), FORM, ok(contact_struct())])
    method, params = sent(calls[0])
    assert method == "ContactService.update"
    assert params[1:] == (
        7,
        {"LastName": "", "Email": "", "EmailAddress2": "b@example.com", "EmailAddress3": ""},
    )
    assert methods(calls[1:]) == ["DataService.query", "ContactService.load"]
    assert contact.id == 7


def test_an_empty_update_only_loads(xb: XmlRpcBackend) -> None:
    _, calls = drive(xb, xb.update_contact(7, ka.ContactUpdate()), [FORM, ok(contact_struct())])
    assert methods(calls) == ["DataService.query", "ContactService.load"]


def test_delete(xb: XmlRpcBackend) -> None:
    result, calls = drive(xb, xb.delete_contact(7), [ok(True)])
    assert result is None
    assert sent(calls[0]) == ("DataService.delete", (KEY, "Contact", 7))
    with pytest.raises(ka.NotFoundError, match=r"contacts\.delete"):
        drive(xb, xb.delete_contact(8), [ok(False)])


def test_find_by_email(xb: XmlRpcBackend) -> None:
    found, calls = drive(
        xb,
        xb.find_contacts_by_email("ada@example.com"),
        [
            FORM,
            ok([contact_struct(7), contact_struct(8, Email="", EmailAddress2="ada@example.com")]),
        ],
    )
    assert sent(calls[1]) == ("ContactService.findByEmail", (KEY, "ada@example.com", FIELDS))
    assert [c.id for c in found] == [7, 8]
    assert found[1].email_addresses == [ka.EmailAddress(email="ada@example.com", field="EMAIL2")]


def test_list_contacts_pages_by_number(xb: XmlRpcBackend) -> None:
    where = ContactFilter(email="ada@*", family_name="Lovelace")
    rows = [contact_struct(1), contact_struct(2)]
    page, calls = drive(xb, xb.list_contacts_page(where, 2, None), [FORM, ok(rows)])
    query = {"Email": "ada@%", "LastName": "Lovelace"}
    assert sent(calls[1]) == (
        "DataService.query",
        (KEY, "Contact", 2, 0, query, FIELDS, "Id", True),
    )
    assert [c.id for c in page.items] == [1, 2]
    assert page.next_cursor == "1"  # a full page may have a successor
    last, calls = drive(xb, xb.list_contacts_page(ContactFilter(), 2, "1"), [ok(rows[:1])])
    assert sent(calls[0])[1][3:5] == (1, {"Id": "%"})
    assert last.next_cursor is None


@pytest.mark.parametrize(("size", "cursor"), [(0, None), (1001, None), (10, "next"), (10, "-1")])
def test_bad_page_arguments_fail_before_sending(
    xb: XmlRpcBackend, size: int, cursor: str | None
) -> None:
    with pytest.raises(ValueError, match="page"):
        next(xb.list_contacts_page(ContactFilter(), size, cursor))


def test_upsert_reports_created_when_the_id_is_new(xb: XmlRpcBackend) -> None:
    new = new_contact(given_name="Ada", email="ada@example.com")
    result, calls = drive(
        xb,
        xb.upsert_contact(new, "EmailAndName"),
        [ok([{"Id": 5}]), ok(7), FORM, ok(contact_struct())],
    )
    assert sent(calls[0]) == ("ContactService.findByEmail", (KEY, "ada@example.com", ["Id"]))
    assert sent(calls[1]) == (
        "ContactService.addWithDupCheck",
        (KEY, {"FirstName": "Ada", "Email": "ada@example.com"}, "EmailAndName"),
    )
    assert calls[1].idempotent is False
    assert result.created is True
    assert result.contact.id == 7


def test_upsert_reports_an_update_when_the_id_existed(xb: XmlRpcBackend) -> None:
    new = new_contact(email="ada@example.com")
    result, _ = drive(
        xb, xb.upsert_contact(new, "Email"), [ok([{"Id": 7}]), ok(7), FORM, ok(contact_struct())]
    )
    assert result.created is False


def test_upsert_refuses_bad_arguments_before_sending(xb: XmlRpcBackend) -> None:
    with pytest.raises(ValueError, match="match must be"):
        next(xb.upsert_contact(new_contact(email="a@example.com"), "Name"))
    with pytest.raises(ValueError, match="no EMAIL1"):
        next(xb.upsert_contact(ka.NewContact(phone_numbers=[{"number": "555"}]), "Email"))


def test_contact_tags_reads_all_pages_and_loads_each_tag() -> None:
    xb = XmlRpcBackend(url=URL, key_param=KEY, page_size=2)
    assigned = [{"GroupId": 3, "ContactGroup": "VIP"}, {"GroupId": 4, "ContactGroup": "Gone"}]
    answers: list[Answer] = [
        ok(assigned),
        ok([]),
        ok({"Id": 3, "GroupName": "VIP", "GroupDescription": "big", "GroupCategoryId": 2}),
        fault(5, "[RecordNotFound]Record was not found"),  # deleted since the query
    ]
    tags, calls = drive(xb, xb.contact_tags(7), answers)
    fields = ["GroupId", "ContactGroup"]
    assert [sent(c) for c in calls[:2]] == [
        (
            "DataService.query",
            (KEY, "ContactGroupAssign", 2, p, {"ContactId": 7}, fields, "GroupId", True),
        )
        for p in (0, 1)
    ]
    assert sent(calls[2]) == ("DataService.load", (KEY, "ContactGroup", 3, TAG_FIELDS))
    assert tags == [
        ka.Tag(id=3, name="VIP", description="big", category_id=2),
        ka.Tag(id=4, name="Gone"),
    ]


def test_contact_tags_of_a_missing_contact_is_not_found(xb: XmlRpcBackend) -> None:
    tags, calls = drive(xb, xb.contact_tags(7), [ok([]), ok({"Id": 7})])
    assert tags == []
    assert sent(calls[1]) == ("DataService.load", (KEY, "Contact", 7, ["Id"]))
    with pytest.raises(ka.NotFoundError, match=r"contacts\.tags"):
        drive(xb, xb.contact_tags(8), [ok([]), fault(5, "[RecordNotFound]Record was not found")])
    with pytest.raises(ka.NotFoundError, match="Contact 9 was not found"):
        drive(xb, xb.contact_tags(9), [ok([]), ok({})])


# -------------------------------------------------------------------------------- tags


def test_create_tag_checks_the_name_omits_empty_values_and_loads_it(xb: XmlRpcBackend) -> None:
    wildcard_match = [{"Id": 4, "GroupName": "VIP-old"}]
    tag, calls = drive(
        xb,
        xb.create_tag("VIP", None, 2),
        [ok(wildcard_match), ok(11), ok({"Id": 11, "GroupName": "VIP", "GroupCategoryId": 2})],
    )
    assert sent(calls[0]) == (
        "DataService.query",
        (KEY, "ContactGroup", 1000, 0, {"GroupName": "VIP"}, ["Id", "GroupName"], "Id", True),
    )
    assert sent(calls[1]) == (
        "DataService.add",
        (KEY, "ContactGroup", {"GroupName": "VIP", "GroupCategoryId": 2}),
    )
    assert calls[1].idempotent is False
    assert {c.operation for c in calls} == {"tags.create"}
    assert tag == ka.Tag(id=11, name="VIP", category_id=2)


def test_create_tag_with_a_taken_name_is_a_conflict_and_adds_nothing(xb: XmlRpcBackend) -> None:
    with pytest.raises(ka.ConflictError, match=r"tags\.create.*'VIP' already exists \(id 4\)"):
        drive(xb, xb.create_tag("VIP", None, None), [ok([{"Id": 4, "GroupName": "vip"}])])


def test_get_tag_reads_category_zero_as_none(xb: XmlRpcBackend) -> None:
    tag, calls = drive(
        xb, xb.get_tag(11), [ok({"Id": 11, "GroupName": "VIP", "GroupCategoryId": 0})]
    )
    assert sent(calls[0]) == ("DataService.load", (KEY, "ContactGroup", 11, TAG_FIELDS))
    assert tag == ka.Tag(id=11, name="VIP")


def test_list_tags_by_name_drops_wildcard_matches(xb: XmlRpcBackend) -> None:
    rows = [{"Id": 1, "GroupName": "vip"}, {"Id": 2, "GroupName": "VIP-old"}]
    page, calls = drive(xb, xb.list_tags_page("VIP", 2, None), [ok(rows)])
    assert sent(calls[0]) == (
        "DataService.query",
        (KEY, "ContactGroup", 2, 0, {"GroupName": "VIP"}, TAG_FIELDS, "Id", True),
    )
    assert page == Page([ka.Tag(id=1, name="vip")], "1")
    everything, calls = drive(xb, xb.list_tags_page(None, 5, "3"), [ok(rows)])
    assert sent(calls[0])[1][3:5] == (3, {"Id": "%"})
    assert everything.next_cursor is None


def test_apply_tag_reports_each_contact(xb: XmlRpcBackend) -> None:
    answers: list[Answer] = [
        ok(True),
        ok(False),  # checked: not assigned, so FAILED
        ok([]),
        ok(False),  # checked: assigned after all (Keap answers False for some), so SUCCESS
        ok([{"GroupId": 3}]),
        fault(5, "[RecordNotFound]Contact not found"),
        ok({"Id": 3}),  # the tag exists, so the contact is the one missing
    ]
    result, calls = drive(xb, xb.apply_tag(3, [1, 2, 4, 9]), answers)
    assert methods(calls) == [
        "ContactService.addToGroup",
        "ContactService.addToGroup",
        "DataService.query",
        "ContactService.addToGroup",
        "DataService.query",
        "ContactService.addToGroup",
        "DataService.load",
    ]
    assert sent(calls[2])[1][1:5] == ("ContactGroupAssign", 1, 0, {"ContactId": 2, "GroupId": 3})
    assert result.outcomes == {
        1: TagOutcome.SUCCESS,
        2: TagOutcome.FAILED,
        4: TagOutcome.SUCCESS,
        9: TagOutcome.NOT_FOUND,
    }
    assert result.failed == {2: TagOutcome.FAILED, 9: TagOutcome.NOT_FOUND}


def test_apply_tag_of_a_missing_tag_is_not_found(xb: XmlRpcBackend) -> None:
    missing = fault(5, "[RecordNotFound]Record was not found")
    with pytest.raises(ka.NotFoundError, match=r"tags\.apply"):
        drive(xb, xb.apply_tag(3, [1, 2]), [missing, missing])


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (fault(2, "[InvalidKey]Invalid Key"), ka.AuthenticationError),
        (httpx.Response(429, headers={"Retry-After": "3"}), ka.RateLimitError),
        (fault(3, "[Unexpected]boom"), ka.ServerError),
    ],
)
def test_apply_tag_lets_systemic_errors_through(
    xb: XmlRpcBackend, answer: httpx.Response, error: type[ka.APIError]
) -> None:
    with pytest.raises(error) as caught:
        drive(xb, xb.apply_tag(3, [1, 2]), [ok(True), answer])
    # what was done before the failure is not raised away
    assert caught.value.partial_result == ka.ApplyResult(tag_id=3, outcomes={1: TagOutcome.SUCCESS})


def test_remove_tag_ignores_false_and_propagates_faults(xb: XmlRpcBackend) -> None:
    result, calls = drive(xb, xb.remove_tag(3, [1, 2]), [ok(True), ok(False)])
    assert result == ka.RemoveResult(
        tag_id=3, outcomes={1: TagOutcome.SUCCESS, 2: TagOutcome.SUCCESS}
    )
    assert [sent(c) for c in calls] == [
        ("ContactService.removeFromGroup", (KEY, cid, 3)) for cid in (1, 2)
    ]
    assert {c.operation for c in calls} == {"tags.remove"}
    with pytest.raises(ka.PermissionDeniedError):
        drive(xb, xb.remove_tag(3, [1]), [fault(14, "[NoAccess]nope")])


def test_tagged_contacts_page(xb: XmlRpcBackend) -> None:
    rows = [
        {
            "ContactId": 1,
            "Contact.FirstName": "Ada",
            "Contact.Email": "ada@example.com",
            "DateCreated": datetime(2026, 7, 1, 8, 30),  # US Eastern (EDT, UTC-4)
        },
        {"ContactId": 2, "Contact.LastName": "Babbage"},
    ]
    page, calls = drive(xb, xb.tagged_contacts_page(3, 2, None), [ok(rows)])
    assert sent(calls[0]) == (
        "DataService.query",
        (
            KEY,
            "ContactGroupAssign",
            2,
            0,
            {"GroupId": 3},
            ["ContactId", "Contact.FirstName", "Contact.LastName", "Contact.Email", "DateCreated"],
            "ContactId",
            True,
        ),
    )
    first, second = page.items
    assert (first.id, first.given_name, first.email) == (1, "Ada", "ada@example.com")
    assert first.applied_time == datetime(2026, 7, 1, 12, 30, tzinfo=timezone.utc)
    assert (second.id, second.family_name, second.email) == (2, "Babbage", None)
    assert second.applied_time is None and isinstance(second, ka.TaggedContact)
    assert page.next_cursor == "1"


def test_an_empty_first_page_of_a_missing_tag_is_not_found(xb: XmlRpcBackend) -> None:
    with pytest.raises(ka.NotFoundError):
        drive(xb, xb.tagged_contacts_page(3, 10, None), [ok([]), fault(5, "[RecordNotFound]x")])
    page, calls = drive(xb, xb.tagged_contacts_page(3, 10, "2"), [ok([])])
    assert (page.items, page.next_cursor, len(calls)) == ([], None, 1)


# ------------------------------------------------------------------------------ errors


def call_for(operation: str = "contacts.get") -> Call:
    return Call(httpx.Request("POST", URL), operation)


@pytest.mark.parametrize(
    ("code", "string", "error", "tag"),
    [
        (2, "[InvalidKey]Invalid Key: the key is wrong", ka.AuthenticationError, "InvalidKey"),
        (
            13,
            "[FailedLoginAttempt]username not found",
            ka.AuthenticationError,
            "FailedLoginAttempt",
        ),
        (
            15,
            "[FailedLoginAttemptPasswordExpired]x",
            ka.AuthenticationError,
            "FailedLoginAttemptPasswordExpired",
        ),
        (5, "[RecordNotFound]Record was not found", ka.NotFoundError, "RecordNotFound"),
        (
            12,
            "[InvalidParameter]Duplicate call to addWithDupCheck detected",
            ka.BadRequestError,
            "InvalidParameter",
        ),
        (10, "[NoFieldFound]No field found: Contact.Nope", ka.BadRequestError, "NoFieldFound"),
        (11, "[NoFields]no fields", ka.BadRequestError, "NoFields"),
        (9, "[NoTableFound]Nope", ka.BadRequestError, "NoTableFound"),
        (14, "[NoAccess]denied", ka.PermissionDeniedError, "NoAccess"),
        (7, "[NoTableAccess]denied", ka.PermissionDeniedError, "NoTableAccess"),
        (8, "[NoFieldAccess]denied", ka.PermissionDeniedError, "NoFieldAccess"),
        (0, "[Throttle]slow down", ka.RateLimitError, "Throttle"),
        (0, "[QuotaExceeded]daily quota", ka.RateLimitError, "QuotaExceeded"),
        (
            3,
            "com.infusionsoft.throttle.ThrottlingException: Maximum number of threads throttled",
            ka.RateLimitError,
            None,
        ),
        (1, "[InvalidConfig]try again", ka.ServerError, "InvalidConfig"),
        (4, "[DatabaseError]Error creating custom field", ka.ServerError, "DatabaseError"),
        (6, "[Loading]Error loading follow-up sequence", ka.ServerError, "Loading"),
        (
            0,
            "No method matching arguments: java.lang.String, java.lang.Integer",
            ka.BadRequestError,
            None,
        ),
        (0, "Failed to parse XML-RPC request: Premature end of file.", ka.BadRequestError, None),
        (0, "java.lang.NullPointerException", ka.ServerError, None),
        (99, "[SomethingNew]never seen", ka.ServerError, "SomethingNew"),
        # the tag wins over the number; the number stands in when there is no known tag
        (12, "[RecordNotFound]mislabelled", ka.NotFoundError, "RecordNotFound"),
        (2, "Invalid key, no tag", ka.AuthenticationError, None),
        (5, "[Odd]unknown tag, known code", ka.NotFoundError, "Odd"),
    ],
)
def test_fault_classification(
    xb: XmlRpcBackend, code: int, string: str, error: type[ka.APIError], tag: str | None
) -> None:
    found = xb.error_for(call_for(), fault(code, string, **{"x-request-id": "req-1"}))
    assert type(found) is error
    assert found is not None
    assert (found.fault_code, found.fault_tag, found.status_code) == (code, tag, 200)
    assert (found.operation, found.backend, found.request_id) == ("contacts.get", "xmlrpc", "req-1")
    assert found.message == string


def test_the_fault_table_covers_every_numbered_fault() -> None:
    assert set(FAULT_CODE_NAMES.values()) <= set(FAULT_CLASSES)
    assert classify_fault(5, "no tag at all") == (ka.NotFoundError, None)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ka.BadRequestError),
        (401, ka.AuthenticationError),
        (403, ka.PermissionDeniedError),
        (404, ka.NotFoundError),
        (409, ka.ConflictError),
        (422, ka.BadRequestError),
        (429, ka.RateLimitError),
        (500, ka.ServerError),
        (502, ka.ServerError),
        (503, ka.ServerError),
        (301, ka.RedirectError),
    ],
)
def test_http_errors_map_by_status(
    xb: XmlRpcBackend, status: int, error: type[ka.APIError]
) -> None:
    response = httpx.Response(status, text='{"message": "nope"}', headers={"x-request-id": "r"})
    found = xb.error_for(call_for("tags.get"), response)
    assert type(found) is error
    assert found is not None
    assert (found.status_code, found.operation, found.backend) == (status, "tags.get", "xmlrpc")
    assert found.request_id == "r"
    # a redirect's body is not what matters; where it pointed is (tests/hostile)
    assert "nope" in found.message or status == 301


def test_retry_after_seconds_and_http_dates(xb: XmlRpcBackend) -> None:
    seconds = xb.error_for(call_for(), httpx.Response(429, headers={"Retry-After": "7"}))
    assert isinstance(seconds, ka.RateLimitError)
    assert seconds.retry_after == 7.0
    later = datetime.now(timezone.utc).replace(microsecond=0).replace(year=2999)
    dated = xb.error_for(
        call_for(), httpx.Response(429, headers={"Retry-After": format_datetime(later, True)})
    )
    assert isinstance(dated, ka.RateLimitError)
    assert dated.retry_after is not None
    assert dated.retry_after > 3e10
    bare = xb.error_for(call_for(), httpx.Response(429))
    assert isinstance(bare, ka.RateLimitError)
    assert bare.retry_after is None
    throttled = xb.error_for(call_for(), fault(0, "[Throttle]x", **{"Retry-After": "2"}))
    assert isinstance(throttled, ka.RateLimitError)
    assert throttled.retry_after == 2.0


def test_successes_are_not_errors(xb: XmlRpcBackend) -> None:
    assert xb.error_for(call_for(), ok([{"faultString": "just data"}])) is None
    # the cheap check never parses a body that does not mention a fault
    assert xb.error_for(call_for(), httpx.Response(200, content=b"<not xml")) is None


# -------------------------------------------------------------------- reading answers


def flow_for(xb: XmlRpcBackend, operation: str) -> Flow[Any]:
    flows: dict[str, Callable[[], Flow[Any]]] = {
        "contacts.create": lambda: xb.create_contact(ka.NewContact(email="ada@example.com")),
        "contacts.delete": lambda: xb.delete_contact(7),
        "contacts.get": lambda: xb.get_contact(7),
        "contacts.list": lambda: xb.list_contacts_page(ContactFilter(), 10, None),
        "tags.get": lambda: xb.get_tag(3),
        "tags.apply": lambda: xb.apply_tag(3, [1]),
    }
    return flows[operation]()


@pytest.mark.parametrize(
    ("operation", "answers"),
    [
        ("contacts.create", [ok("7")]),  # add answering a string
        ("contacts.delete", [ok(1)]),  # an int where a boolean belongs
        ("contacts.get", [FORM, ok([contact_struct()])]),  # a list where a struct belongs
        ("contacts.get", [FORM, ok(contact_struct(Id="seven"))]),
        ("contacts.get", [FORM, ok(contact_struct(Groups="3,x"))]),
        ("contacts.get", [FORM, ok({"FirstName": "no id"})]),
        ("contacts.list", [FORM, ok({"not": "a list"})]),
        ("contacts.list", [FORM, ok(["not a struct"])]),
        ("tags.get", [ok({"Id": "x", "GroupName": "VIP"})]),
        ("tags.apply", [ok("yes")]),
    ],
)
def test_answers_that_do_not_fit_name_the_operation(
    xb: XmlRpcBackend, operation: str, answers: list[Answer]
) -> None:
    with pytest.raises(ka.ResponseValidationError) as caught:
        drive(xb, flow_for(xb, operation), answers)
    assert (caught.value.operation, caught.value.backend) == (operation, "xmlrpc")


def test_an_unreadable_success_body_is_a_transport_error(xb: XmlRpcBackend) -> None:
    html = httpx.Response(200, content=b"<html>maintenance</html>")
    with pytest.raises(ka.TransportError) as caught:
        drive(xb, xb.delete_contact(7), [html])
    assert (caught.value.operation, caught.value.backend) == ("contacts.delete", "xmlrpc")


def test_a_flow_raises_the_typed_error_even_if_not_thrown_in(xb: XmlRpcBackend) -> None:
    flow = xb.get_tag(3)
    next(flow)
    with pytest.raises(ka.NotFoundError):
        flow.send(fault(5, "[RecordNotFound]x"))


def test_key_param_is_whatever_the_client_chose() -> None:
    legacy = XmlRpcBackend(url="https://app.infusionsoft.com/api/xmlrpc", key_param="s3cret")
    call = next(legacy.get_tag(3))
    assert str(call.request.url) == "https://app.infusionsoft.com/api/xmlrpc"
    assert xmlrpc.client.loads(call.request.content)[0][0] == "s3cret"
    assert legacy.name == "xmlrpc"


def test_the_constructor_is_keyword_only_and_checks_page_size() -> None:
    with pytest.raises(TypeError):
        XmlRpcBackend(URL, KEY)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="page_size"):
        XmlRpcBackend(url=URL, key_param=KEY, page_size=5000)


def test_update_tag_writes_only_the_changed_columns_then_loads(xb: XmlRpcBackend) -> None:
    row = {"Id": 9, "GroupName": "New", "GroupDescription": "d"}
    changes = {"name": "New", "description": None, "category_id": None}
    tag, calls = drive(xb, xb.update_tag(9, changes), [ok(row), ok([]), ok(9), ok(row)])
    assert sent(calls[2])[1][1:] == (
        "ContactGroup",
        9,
        {"GroupName": "New", "GroupDescription": "", "GroupCategoryId": 0},
    )
    assert methods(calls) == [
        "DataService.load",  # a rename checks the tag exists first, as REST does
        "DataService.query",
        "DataService.update",
        "DataService.load",
    ]
    assert tag.name == "New"


def test_delete_tag_false_is_not_found(xb: XmlRpcBackend) -> None:
    _, calls = drive(xb, xb.delete_tag(9), [ok(True)])
    assert sent(calls[0]) == ("DataService.delete", (KEY, "ContactGroup", 9))
    with pytest.raises(ka.NotFoundError, match=r"tags\.delete"):
        drive(xb, xb.delete_tag(9), [ok(False)])
