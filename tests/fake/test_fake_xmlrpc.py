"""FakeKeap's XML-RPC face, driven by the stdlib ``xmlrpc.client`` as legacy code drives Keap."""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from keap_adapter._xmlrpc_server._values import ORDER_BY_ASCENDING
from keap_adapter.testing import FakeKeap

KEY = "fake-key"
URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"
NOW = datetime(2024, 7, 1, 16, 0, tzinfo=timezone.utc)  # 12:00 in New York (EDT)
SAMPLES = Path(__file__).parents[1] / "data" / "xmlrpc-live-2015.json"


@pytest.fixture
def fake() -> FakeKeap:
    fake = FakeKeap(api_key=KEY)
    fake.now = lambda: NOW
    return fake


@pytest.fixture
def proxy(fake: FakeKeap) -> Iterator[Any]:
    with (
        fake.serve() as server,
        xmlrpc.client.ServerProxy(server.url + "/crm/xmlrpc/v1", use_builtin_types=True) as proxy,
    ):
        yield proxy


def raw(fake: FakeKeap, method: str, *params: Any, path: str = "/crm/xmlrpc/v1") -> httpx.Response:
    """One call in process, for looking at the exact bytes Keap would send."""
    body = xmlrpc.client.dumps(params, method, allow_none=True)
    with httpx.Client(transport=fake.transport) as client:
        return client.post("https://api.infusionsoft.com" + path, content=body.encode())


def fault_of(call: Any, *params: Any) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(*params)
    return caught.value


def test_answers_look_like_keaps(fake: FakeKeap) -> None:
    added = raw(fake, "ContactService.add", KEY, {"FirstName": "Severus", "Email": "s@x.com"})
    loaded = raw(fake, "ContactService.load", KEY, 1, ["Id", "FirstName", "Email", "Phone1"])

    assert added.text == (
        '<?xml version="1.0" encoding="utf-8"?><methodResponse><params><param>'
        "<value><i4>1</i4></value></param></params></methodResponse>"
    )
    assert "<member><name>FirstName</name><value>Severus</value></member>" in loaded.text
    assert "Phone1" not in loaded.text  # empty fields are left out
    assert added.headers["content-type"] == "text/xml"


def test_faults_are_http_200_with_bracketed_strings(fake: FakeKeap) -> None:
    response = raw(fake, "ContactService.load", KEY, 9, ["Id"])

    assert response.status_code == 200
    assert "<fault>" in response.text
    assert "<value><i4>5</i4></value>" in response.text
    assert "<value>[RecordNotFound]Record was not found</value>" in response.text


def test_add_load_update(proxy: Any) -> None:
    birthday = datetime(1985, 3, 15)
    contact_id = proxy.ContactService.add(
        KEY, {"FirstName": "Ann", "Email": "ann@x.com", "Phone1": "555", "Birthday": birthday}
    )

    assert proxy.ContactService.update(KEY, contact_id, {"Phone2": "777", "LastName": "Lee"}) == 1
    loaded = proxy.ContactService.load(
        KEY,
        contact_id,
        ["Id", "FirstName", "LastName", "Phone1", "Phone2", "Birthday", "DateCreated"],
    )

    assert loaded == {
        "Id": 1,
        "FirstName": "Ann",
        "LastName": "Lee",
        "Phone1": "555",
        "Phone2": "777",
        "Birthday": birthday,
        "DateCreated": datetime(2024, 7, 1, 12, 0),
    }


def test_update_with_empty_string_clears(proxy: Any) -> None:
    proxy.ContactService.add(KEY, {"FirstName": "Ann", "Email": "ann@x.com"})

    proxy.ContactService.update(KEY, 1, {"FirstName": ""})

    assert proxy.ContactService.load(KEY, 1, ["FirstName", "Email"]) == {"Email": "ann@x.com"}


def test_find_by_email_searches_every_slot(proxy: Any) -> None:
    proxy.ContactService.add(KEY, {"Email": "ann@x.com"})
    proxy.ContactService.add(KEY, {"Email": "bob@x.com", "EmailAddress3": "ANN@x.com"})
    proxy.ContactService.add(KEY, {"Email": "cy@x.com"})

    found = proxy.ContactService.findByEmail(KEY, "Ann@X.com", ["Id"])

    assert found == [{"Id": 1}, {"Id": 2}]


@pytest.mark.parametrize("blank", ["", " "])
def test_find_by_an_empty_email_finds_nobody(proxy: Any, blank: str) -> None:
    # Contacts with empty EMAIL2/EMAIL3 slots must not match an empty address.
    proxy.ContactService.add(KEY, {"Email": "ann@x.com"})
    proxy.ContactService.add(KEY, {"FirstName": "No email", "Phone1": "555"})

    assert proxy.ContactService.findByEmail(KEY, blank, ["Id"]) == []


def test_add_with_dup_check(proxy: Any) -> None:
    first = proxy.ContactService.add(KEY, {"Email": "s@x.com", "FirstName": "Severus"})

    same = proxy.ContactService.addWithDupCheck(
        KEY, {"Email": "s@x.com", "FirstName": "Severus", "Company": "Hogwarts"}, "EmailAndName"
    )
    other = proxy.ContactService.addWithDupCheck(
        KEY, {"Email": "s@x.com", "FirstName": "Sev"}, "EmailAndName"
    )

    assert (first, same, other) == (1, 1, 2)
    assert proxy.ContactService.load(KEY, 1, ["Company"]) == {"Company": "Hogwarts"}


def test_groups_apply_remove_and_show_in_assign_table(proxy: Any, fake: FakeKeap) -> None:
    proxy.ContactService.add(KEY, {"Email": "ann@x.com", "FirstName": "Ann"})
    tag_id = proxy.DataService.add(KEY, "ContactGroup", {"GroupName": "VIP"})

    assert proxy.ContactService.addToGroup(KEY, 1, tag_id) is True
    assert proxy.ContactService.load(KEY, 1, ["Groups"]) == {"Groups": "1"}
    rows = proxy.DataService.query(
        KEY,
        "ContactGroupAssign",
        1000,
        0,
        {"ContactId": 1},
        ["GroupId", "ContactGroup", "DateCreated", "Contact.FirstName", "Contact.Email"],
    )
    assert rows == [
        {
            "GroupId": 1,
            "ContactGroup": "VIP",
            "DateCreated": datetime(2024, 7, 1, 12),
            "Contact.FirstName": "Ann",
            "Contact.Email": "ann@x.com",
        }
    ]

    assert proxy.ContactService.removeFromGroup(KEY, 1, tag_id) is True
    assert proxy.ContactService.load(KEY, 1, ["Id", "Groups"]) == {"Id": 1}
    assert fake.store.applied == {}


def test_query_pages_and_orders_ascending_by_id_by_default(proxy: Any) -> None:
    for name in ("Ann", "Bob", "Cy", "Dee", "Eve"):
        proxy.ContactService.add(KEY, {"FirstName": name, "Company": "Acme"})

    def ids(*params: Any) -> list[int]:
        rows = proxy.DataService.query(KEY, "Contact", *params)
        return [row["Id"] for row in rows]

    assert ids(2, 0, {"Company": "acme"}, ["Id"]) == [1, 2]
    assert ids(2, 2, {"Company": "acme"}, ["Id"]) == [5]
    assert ids(10, 0, {"Id": "%"}, ["Id"], "Id", False) == [5, 4, 3, 2, 1]
    assert ids(10, 0, {"Id": "%"}, ["Id"], "Id", True) == [1, 2, 3, 4, 5]
    assert ids(10, 0, {"FirstName": "%e%"}, ["Id"], "FirstName", False) == [5, 4]
    assert ids(10, 0, {"LastName": "~null~", "FirstName": "b%"}, ["Id"]) == [2]
    assert proxy.DataService.count(KEY, "Contact", {"Company": "Ac%"}) == 5


def test_order_by_without_ascending_sorts_by_the_unconfirmed_default(proxy: Any) -> None:
    for name in ("Cy", "Ann", "Bob"):
        proxy.ContactService.add(KEY, {"FirstName": name})

    rows = proxy.DataService.query(KEY, "Contact", 10, 0, {}, ["FirstName"], "FirstName")

    names = [row["FirstName"] for row in rows]
    assert ORDER_BY_ASCENDING is True  # unconfirmed in Keap's docs: one constant to change
    assert names == ["Ann", "Bob", "Cy"]


@pytest.mark.parametrize(("sample", "ascending"), [(21, True), (22, False)])
def test_recorded_queries_come_back_in_the_recorded_direction(
    fake: FakeKeap, sample: int, ascending: bool
) -> None:
    """Replays Keap's own 2015 answers (nateleavitt/infusionsoft VCR cassettes)."""
    recorded = json.loads(SAMPLES.read_text())["interactions"][sample]
    params, method = xmlrpc.client.loads(recorded["request_xml"].encode())
    answer: Any = xmlrpc.client.loads(recorded["response_xml"].encode())[0][0]
    recorded_ids = [row["Id"] for row in answer]
    assert recorded_ids == sorted(recorded_ids, reverse=not ascending)  # what Keap did
    # The fake has no Company table; the same query on Contact (which has a Company
    # column) exercises the same ordering rule. Everything else is sent as recorded.
    _key, table, *rest = params
    assert table == "Company"
    for name in ("Hogwarts of America", "Durmstrang", "Hogwarts of America"):
        raw(fake, "ContactService.add", KEY, {"Company": name})

    response = raw(fake, str(method), KEY, "Contact", *rest)

    rows: Any = xmlrpc.client.loads(response.content)[0][0]
    assert [row["Id"] for row in rows] == ([1, 3] if ascending else [3, 1])


def test_find_by_field_and_data_service_crud(proxy: Any) -> None:
    contact_id = proxy.DataService.add(KEY, "Contact", {"FirstName": "Ann", "Company": "Acme"})
    proxy.DataService.add(KEY, "Contact", {"FirstName": "Bob", "Company": "Acme"})

    found = proxy.DataService.findByField(KEY, "Contact", 10, 0, "Company", "Acme", ["Id"])
    assert found == [{"Id": 1}, {"Id": 2}]
    assert proxy.DataService.update(KEY, "Contact", contact_id, {"JobTitle": "CEO"}) == 1
    assert proxy.DataService.load(KEY, "Contact", 1, ["JobTitle"]) == {"JobTitle": "CEO"}
    assert proxy.DataService.delete(KEY, "Contact", 1) is True
    assert fault_of(proxy.DataService.load, KEY, "Contact", 1, ["Id"]).faultCode == 5


def test_tag_table_crud(proxy: Any) -> None:
    tag_id = proxy.DataService.add(KEY, "ContactGroup", {"GroupName": "VIP", "GroupCategoryId": 3})
    proxy.DataService.update(KEY, "ContactGroup", tag_id, {"GroupDescription": "Best"})

    rows = proxy.DataService.query(
        KEY,
        "ContactGroup",
        10,
        0,
        {"GroupName": "vip"},
        ["Id", "GroupName", "GroupDescription", "GroupCategoryId"],
    )

    assert rows == [{"Id": 1, "GroupName": "VIP", "GroupDescription": "Best", "GroupCategoryId": 3}]
    assert proxy.DataService.delete(KEY, "ContactGroup", tag_id) is True
    assert proxy.DataService.count(KEY, "ContactGroup", {}) == 0


def test_custom_fields_are_underscored_and_listed_in_data_form_field(
    proxy: Any, fake: FakeKeap
) -> None:
    fake.add_custom_field("Color", "DROPDOWN")
    proxy.ContactService.add(KEY, {"Email": "ann@x.com", "_Color": "blue"})

    assert proxy.ContactService.load(KEY, 1, ["_Color"]) == {"_Color": "blue"}
    fields = proxy.DataService.query(
        KEY, "DataFormField", 10, 0, {"FormId": -1}, ["Id", "Name", "Label", "DataType", "FormId"]
    )
    assert fields == [{"Id": 1, "Name": "Color", "Label": "Color", "DataType": 21, "FormId": -1}]


@pytest.mark.parametrize(
    ("method", "params", "code", "text"),
    [
        (
            "ContactService.load",
            ("1", ["Id"]),
            0,
            "No method matching arguments: java.lang.String, java.lang.String, [Ljava.lang.Object;",
        ),
        (
            "ContactService.load",
            (1,),
            0,
            "No method matching arguments: java.lang.String, java.lang.Integer",
        ),
        ("ContactService.load", (1, ["Xyz"]), 10, "[NoFieldFound]No field found: Contact.Xyz"),
        ("ContactService.add", ({"Xyz": "1"},), 10, "[NoFieldFound]No field found: Contact.Xyz"),
        (
            "ContactService.add",
            ({"_Nope": "1"},),
            10,
            "[NoFieldFound]No field found: Contact._Nope",
        ),
        ("ContactService.add", ({"Id": 5},), 8, "[NoFieldAccess]Field is read-only: Contact.Id"),
        (
            "ContactService.update",
            (7, {"FirstName": "x"}),
            5,
            "[RecordNotFound]Record was not found",
        ),
        ("ContactService.addToGroup", (1, 1), 5, "[RecordNotFound]Record was not found"),
        ("ContactService.nope", (), 0, "No such handler: ContactService.nope"),
        ("DataService.query", ("Nope", 10, 0, {}, ["Id"]), 9, "[NoTableFound]No table found: Nope"),
        (
            "DataService.query",
            ("Contact", 1001, 0, {}, ["Id"]),
            12,
            "[InvalidParameter]Limit must be between 1 and 1000, was 1001",
        ),
        (
            "DataService.add",
            ("ContactGroupAssign", {"ContactId": 1}),
            7,
            "[NoTableAccess]Access denied to table ContactGroupAssign for add",
        ),
        (
            "ContactService.addWithDupCheck",
            ({"Email": "a@x.com"}, "Name"),
            12,
            "[InvalidParameter]Invalid dupCheckType: Name",
        ),
    ],
)
def test_faults(proxy: Any, method: str, params: tuple[Any, ...], code: int, text: str) -> None:
    fault = fault_of(getattr(proxy, method), KEY, *params)

    assert (fault.faultCode, fault.faultString) == (code, text)


def test_wrong_key_is_invalid_key(proxy: Any) -> None:
    fault = fault_of(proxy.ContactService.add, "wrong", {"FirstName": "Ann"})

    assert (fault.faultCode, fault.faultString) == (2, "[InvalidKey]Invalid Key")


def test_missing_key_param_does_not_match_the_method(proxy: Any) -> None:
    fault = fault_of(proxy.ContactService.add, {"FirstName": "Ann"})

    assert fault.faultString == "No method matching arguments: java.util.HashMap"


def test_header_key_makes_the_first_param_a_placeholder(fake: FakeKeap) -> None:
    transport = xmlrpc.client.Transport(headers=[("X-Keap-API-Key", KEY)])
    with (
        fake.serve() as server,
        xmlrpc.client.ServerProxy(server.url + "/crm/xmlrpc/v1", transport=transport) as proxy,
    ):
        contact_id = proxy.ContactService.add("backwards-compatability", {"FirstName": "Ann"})

    assert contact_id == 1


def test_nil_is_refused(fake: FakeKeap) -> None:
    response = raw(fake, "ContactService.add", KEY, {"FirstName": None})

    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.content)
    assert caught.value.faultCode == 0
    assert "Unknown type: nil" in caught.value.faultString
    assert fake.store.contacts == {}


def test_unreadable_body_is_fault_0(fake: FakeKeap) -> None:
    with httpx.Client(transport=fake.transport) as client:
        response = client.post(URL, content=b"<methodCall>")

    assert "<value><i4>0</i4></value>" in response.text
    assert "Failed to parse XML-RPC request" in response.text


@pytest.mark.parametrize("path", ["/crm/xmlrpc/v1", "/crm/xmlrpc", "/api/xmlrpc"])
def test_xmlrpc_paths(fake: FakeKeap, path: str) -> None:
    response = raw(fake, "ContactService.add", KEY, {"FirstName": "Ann"}, path=path)

    assert xmlrpc.client.loads(response.content)[0] == (1,)


def test_get_on_the_xmlrpc_endpoint_is_405(fake: FakeKeap) -> None:
    with httpx.Client(transport=fake.transport) as client:
        assert client.get(URL).status_code == 405


def test_injected_fault_targets_a_method_and_has_no_effect(proxy: Any, fake: FakeKeap) -> None:
    fake.fail(
        200,
        fault="[InvalidParameter]Duplicate call to addWithDupCheck detected",
        path="ContactService.add",
    )

    assert proxy.DataService.count(KEY, "Contact", {}) == 0
    fault = fault_of(proxy.ContactService.add, KEY, {"FirstName": "Ann"})
    assert (fault.faultCode, fault.faultString) == (
        12,
        "[InvalidParameter]Duplicate call to addWithDupCheck detected",
    )
    assert fake.store.contacts == {}
    assert proxy.ContactService.add(KEY, {"FirstName": "Ann"}) == 1


def test_injected_fault_with_unknown_tag_gets_code_0_or_the_given_one(
    proxy: Any, fake: FakeKeap
) -> None:
    fake.fail(200, fault="[Throttle]Too many requests")
    fake.fail(200, fault="[Throttle]Too many requests", fault_code=3)

    assert fault_of(proxy.ContactService.add, KEY, {}).faultCode == 0
    assert fault_of(proxy.ContactService.add, KEY, {}).faultCode == 3


def test_injected_http_failure_on_xmlrpc(proxy: Any, fake: FakeKeap) -> None:
    fake.fail(429, headers={"Retry-After": "1"})

    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        proxy.ContactService.add(KEY, {"FirstName": "Ann"})

    assert caught.value.errcode == 429
    assert caught.value.headers["Retry-After"] == "1"
    assert fake.store.contacts == {}


def test_one_store_behind_both_protocols(proxy: Any, fake: FakeKeap) -> None:
    fake.add_custom_field("Color")
    proxy.ContactService.add(
        KEY,
        {
            "FirstName": "Ann",
            "Email": "ann@x.com",
            "StreetAddress1": "1 Main",
            "Country": "USA",
            "_Color": "blue",
        },
    )
    rest = httpx.Client(
        transport=fake.transport,
        headers={"X-Keap-API-Key": KEY},
        base_url="https://api.infusionsoft.com/crm/rest/v2/",
    )
    with rest:
        over_rest = rest.get("contacts/1").json()
        rest.post(
            "contacts",
            json={
                "given_name": "Bob",
                "birth_date": "1990-01-02",
                "phone_numbers": [{"number": "555", "field": "PHONE2"}],
            },
        )

    assert over_rest["given_name"] == "Ann"
    assert over_rest["addresses"] == [
        {"field": "BILLING", "line1": "1 Main", "country_code": "USA"}
    ]
    assert over_rest["custom_fields"] == [{"id": "1", "content": "blue"}]
    assert over_rest["create_time"] == "2024-07-01T16:00:00Z"
    assert proxy.ContactService.load(KEY, 2, ["FirstName", "Phone2", "Birthday"]) == {
        "FirstName": "Bob",
        "Phone2": "555",
        "Birthday": datetime(1990, 1, 2),
    }


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("ContactService.add", ({},)),
        ("ContactService.add", ({"FirstName": "", "_Color": ""},)),
        ("ContactService.addWithDupCheck", ({}, "Email")),
        ("DataService.add", ("Contact", {})),
    ],
)
def test_an_add_that_sets_no_field_faults_no_fields(
    proxy: Any, fake: FakeKeap, method: str, params: tuple[Any, ...]
) -> None:
    fake.add_custom_field("Color")

    found = fault_of(getattr(proxy, method), KEY, *params)

    assert (found.faultCode, found.faultString) == (11, "[NoFields]No fields to add to Contact")
    assert fake.store.contacts == {}


def test_a_name_only_contact_is_still_allowed_over_xmlrpc(proxy: Any) -> None:
    # REST v2 needs an email, phone or address; legacy XML-RPC code adds names alone.
    assert proxy.ContactService.add(KEY, {"FirstName": "Ann"}) == 1


def test_a_duplicate_group_name_faults_ignoring_case(proxy: Any, fake: FakeKeap) -> None:
    vip = proxy.DataService.add(KEY, "ContactGroup", {"GroupName": "VIP"})
    web = proxy.DataService.add(KEY, "ContactGroup", {"GroupName": "Web"})

    added = fault_of(proxy.DataService.add, KEY, "ContactGroup", {"GroupName": "vip"})
    renamed = fault_of(proxy.DataService.update, KEY, "ContactGroup", web, {"GroupName": "Vip"})

    for found in (added, renamed):
        assert found.faultCode == 12
        assert found.faultString.startswith("[InvalidParameter]Invalid value for ContactGroup.")
    assert [t["name"] for t in fake.store.all_tags()] == ["VIP", "Web"]
    assert proxy.DataService.update(KEY, "ContactGroup", vip, {"GroupName": "vip"}) == vip


def test_tag_names_are_unique_across_both_faces(proxy: Any, fake: FakeKeap) -> None:
    rest = httpx.Client(
        transport=fake.transport,
        headers={"X-Keap-API-Key": KEY},
        base_url="https://api.infusionsoft.com/crm/rest/v2/",
    )
    with rest:
        assert rest.post("tags", json={"name": "Lead"}).status_code == 201
        found = fault_of(proxy.DataService.add, KEY, "ContactGroup", {"GroupName": "LEAD"})
        proxy.DataService.add(KEY, "ContactGroup", {"GroupName": "Web"})
        conflict = rest.post("tags", json={"name": "web"})

    assert found.faultCode == 12
    assert conflict.status_code == 409
    assert len(fake.store.tags) == 2


@pytest.mark.parametrize(
    ("struct", "code", "text"),
    [
        ({"GroupName": ""}, 12, "[InvalidParameter]GroupName is required"),
        ({}, 11, "[NoFields]No fields to add to ContactGroup"),
    ],
)
def test_a_group_always_has_a_name(
    proxy: Any, struct: dict[str, Any], code: int, text: str
) -> None:
    found = fault_of(proxy.DataService.add, KEY, "ContactGroup", struct)

    assert (found.faultCode, found.faultString) == (code, text)


def test_a_group_cannot_be_renamed_to_nothing(proxy: Any) -> None:
    tag_id = proxy.DataService.add(KEY, "ContactGroup", {"GroupName": "VIP"})

    found = fault_of(proxy.DataService.update, KEY, "ContactGroup", tag_id, {"GroupName": ""})

    assert found.faultString == "[InvalidParameter]GroupName is required"
