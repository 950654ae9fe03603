"""keap_adapter.legacy.ServerProxy: each translated call, its answer types, and Keap's faults.

Most tests run on both backends (``proxy`` is parametrized); the ones that look at the
REST requests the shim sends use ``rest_proxy``.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter._legacy._dispatch import HANDLERS
from keap_adapter._legacy._faults import from_error
from keap_adapter._xmlrpc_server._signatures import SIGNATURES
from keap_adapter._xmlrpc_server._values import ORDER_BY_ASCENDING
from keap_adapter.backends._fields import aware_to_eastern
from keap_adapter.legacy import ServerProxy
from keap_adapter.migration._methods import METHODS
from keap_adapter.testing import FakeKeap

KEY = "fake-keap-key-0001"  # a Keap key is at least 16 characters
LEGACY_KEY = "old-key-argument"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
Fault = xmlrpc.client.Fault


@pytest.fixture
def fake() -> FakeKeap:
    fake = FakeKeap(api_key=KEY)
    fake.now = lambda: NOW
    fake.add_custom_field("Custom")
    return fake


@pytest.fixture(params=["rest", "xmlrpc"])
def client(request: pytest.FixtureRequest, fake: FakeKeap) -> Iterator[ka.KeapClient]:
    with ka.KeapClient(request.param, KEY, transport=fake.transport, max_retries=0) as client:
        yield client


@pytest.fixture
def proxy(client: ka.KeapClient) -> ServerProxy:
    return ServerProxy(client)


@pytest.fixture
def rest_proxy(fake: FakeKeap) -> Iterator[ServerProxy]:
    with ka.KeapClient("rest", KEY, transport=fake.transport, max_retries=0) as client:
        yield ServerProxy(client)


def fault_of(call: Callable[..., Any], *params: Any) -> Fault:
    with pytest.raises(Fault) as caught:
        call(*params)
    return caught.value


def add(proxy: Any, **fields: Any) -> int:
    return int(proxy.ContactService.add(LEGACY_KEY, fields))


def sent(fake: FakeKeap) -> list[tuple[str, str, str | None]]:
    """Each REST request: method, path after /rest/v2/, and its filter."""
    return [
        (r.method, r.url.path.split("/rest/v2/")[-1], r.url.params.get("filter"))
        for r in fake.requests
    ]


# ------------------------------------------------------------------------ the proxy


def test_every_call_style_reaches_the_same_method(proxy: Any) -> None:
    cid = add(proxy, FirstName="Ada", Email="ada@example.com")

    by_attr = proxy.ContactService.load(LEGACY_KEY, cid, ["FirstName"])
    by_name = getattr(proxy, "ContactService.load")(LEGACY_KEY, cid, ["FirstName"])
    private = proxy._ServerProxy__request("ContactService.load", (LEGACY_KEY, cid, ["FirstName"]))

    assert by_attr == by_name == private == {"FirstName": "Ada"}


def test_context_manager_and_close_leave_the_client_open(client: ka.KeapClient) -> None:
    with ServerProxy(client) as proxy:
        add(proxy, Email="a@example.com")
        proxy("close")()
    assert client.contacts.get(1).email == "a@example.com"


def test_repr_names_the_client_never_the_key(proxy: Any) -> None:
    assert "ServerProxy for KeapClient(backend=" in repr(proxy)
    assert KEY not in repr(proxy)
    assert repr(proxy.ContactService.add) == "<legacy method ContactService.add>"


def test_the_key_argument_is_ignored_and_never_sent(proxy: Any, fake: FakeKeap) -> None:
    first = proxy.ContactService.add("wrong key", {"Email": "a@example.com"})
    second = proxy.ContactService.add("", {"Email": "b@example.com"})

    assert (first, second) == (1, 2)
    assert not any(b"wrong key" in r.content for r in fake.requests)


def test_private_names_are_not_methods(proxy: Any) -> None:
    with pytest.raises(AttributeError):
        _ = proxy.__deepcopy__
    with pytest.raises(AttributeError):
        _ = proxy.ContactService._private


def test_none_is_refused_as_the_stdlib_refuses_it(proxy: Any) -> None:
    with pytest.raises(TypeError, match="allow_none"):
        proxy.ContactService.add(LEGACY_KEY, {"FirstName": None})


def test_wrong_parameter_types_fault_as_keaps_signatures_do(proxy: Any) -> None:
    assert fault_of(proxy.ContactService.load, LEGACY_KEY, "1", ["Id"]).faultCode == 0
    bool_id = fault_of(proxy.ContactService.addToGroup, LEGACY_KEY, True, 1)
    assert bool_id.faultString.startswith("No method matching arguments: java.lang.String")
    assert fault_of(proxy.ContactService.load, 1, ["Id"]).faultCode == 0  # key missing


def test_tuples_pass_as_arrays(proxy: Any) -> None:
    cid = add(proxy, FirstName="Ada", Email="ada@example.com")
    assert proxy.ContactService.load(LEGACY_KEY, cid, ("Id", "FirstName")) == {
        "Id": cid,
        "FirstName": "Ada",
    }


# ------------------------------------------------------------------ ContactService


def test_add_returns_an_int_and_stores_every_column(proxy: Any, client: ka.KeapClient) -> None:
    cid = proxy.ContactService.add(
        LEGACY_KEY,
        {"FirstName": "Ada", "Email": "ada@example.com", "Phone1": 5550100, "_Custom": "VIP",
         "Birthday": xmlrpc.client.DateTime("18151210T00:00:00"), "City": "London"},
    )  # fmt: skip

    contact = client.contacts.get(cid)
    assert type(cid) is int
    assert contact.given_name == "Ada"
    assert contact.phone_numbers[0].number == "5550100"  # Keap keeps numbers as text
    assert contact.custom_fields == {"Custom": "VIP"}
    assert str(contact.birth_date) == "1815-12-10"


def test_load_answers_only_requested_non_empty_fields_with_xmlrpc_types(proxy: Any) -> None:
    cid = add(proxy, FirstName="Ada", Email="ada@example.com", _Custom="VIP")

    loaded = proxy.ContactService.load(
        LEGACY_KEY, cid, ["Id", "FirstName", "Phone1", "DateCreated", "_Custom", "Groups"]
    )

    assert loaded == {
        "Id": cid,
        "FirstName": "Ada",
        "DateCreated": aware_to_eastern(NOW),  # naive US Eastern, as use_builtin_types=True
        "_Custom": "VIP",
    }
    assert loaded["DateCreated"].tzinfo is None


def test_use_builtin_types_false_answers_xmlrpc_datetime(client: ka.KeapClient) -> None:
    proxy: Any = ServerProxy(client, use_builtin_types=False)
    cid = add(proxy, Email="a@example.com")

    created = proxy.ContactService.load(LEGACY_KEY, cid, ["DateCreated"])["DateCreated"]

    assert created == xmlrpc.client.DateTime(aware_to_eastern(NOW))


def test_add_with_dup_check_matches_by_each_dup_check_type(proxy: Any) -> None:
    ada = add(proxy, FirstName="Ada", LastName="L", Company="AE", Email="ada@example.com")
    dup = proxy.ContactService.addWithDupCheck

    assert dup(LEGACY_KEY, {"Email": "ADA@example.com", "JobTitle": "X"}, "Email") == ada
    assert dup(LEGACY_KEY, {"FirstName": "ada", "LastName": "l", "Email": "ada@example.com"},
               "EmailAndName") == ada  # fmt: skip
    other = dup(LEGACY_KEY, {"FirstName": "Ada", "LastName": "L", "Company": "Other",
                             "Email": "ada@example.com"}, "EmailAndNameAndCompany")  # fmt: skip
    no_email = dup(LEGACY_KEY, {"FirstName": "Nobody", "Phone1": "555"}, "Email")
    assert other not in (ada, no_email)
    bad = fault_of(dup, LEGACY_KEY, {"Email": "x@example.com"}, "Phone")
    assert (bad.faultCode, bad.faultString) == (12, "[InvalidParameter]Invalid dupCheckType: Phone")


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
def test_add_with_dup_check_keeps_slots_the_struct_does_not_name(
    fake: FakeKeap, backend: ka.BackendName
) -> None:
    with ka.KeapClient(backend, KEY, transport=fake.transport) as client:
        proxy: Any = ServerProxy(client)
        cid = add(proxy, Email="a@example.com", EmailAddress2="b@example.com", Phone2="2")
        proxy.ContactService.addWithDupCheck(LEGACY_KEY, {"Email": "a@example.com"}, "Email")
        loaded = proxy.ContactService.load(LEGACY_KEY, cid, ["EmailAddress2", "Phone2"])

    assert loaded == {"EmailAddress2": "b@example.com", "Phone2": "2"}


def test_update_changes_only_the_named_columns(proxy: Any) -> None:
    cid = add(proxy, FirstName="Ada", Company="AE", Email="ada@example.com", Phone1="111",
              _Custom="VIP")  # fmt: skip

    answer = proxy.ContactService.update(LEGACY_KEY, cid, {"Phone2": "222", "Company": ""})
    loaded = proxy.ContactService.load(
        LEGACY_KEY, cid, ["FirstName", "Company", "Phone1", "Phone2", "_Custom"]
    )

    assert answer == cid
    assert loaded == {"FirstName": "Ada", "Phone1": "111", "Phone2": "222", "_Custom": "VIP"}


def test_find_by_email_searches_every_slot_ignoring_case(proxy: Any) -> None:
    cid = add(proxy, FirstName="Ada", Email="ada@example.com", EmailAddress2="lovelace@example.com")
    find = proxy.ContactService.findByEmail

    assert find(LEGACY_KEY, "LOVELACE@example.com", ["Id", "FirstName"]) == [
        {"Id": cid, "FirstName": "Ada"}
    ]
    assert find(LEGACY_KEY, "not an email", ["Id"]) == []
    assert fault_of(find, LEGACY_KEY, "a@example.com", ["Nope"]).faultCode == 10


def test_group_calls_answer_booleans_and_fault_for_missing_records(
    proxy: Any, client: ka.KeapClient
) -> None:
    cid = add(proxy, Email="a@example.com")
    tag = client.tags.create("VIP").id
    service = proxy.ContactService

    assert service.addToGroup(LEGACY_KEY, cid, tag) is True
    assert client.contacts.get(cid).tag_ids == [tag]
    assert service.removeFromGroup(LEGACY_KEY, cid, tag) is True
    assert client.contacts.get(cid).tag_ids == []
    calls: list[tuple[Any, tuple[int, int]]] = [
        (service.addToGroup, (99, tag)),
        (service.addToGroup, (cid, 99)),
        (service.removeFromGroup, (99, tag)),
        (service.removeFromGroup, (cid, 99)),
    ]
    for call, args in calls:
        found = fault_of(call, LEGACY_KEY, *args)
        assert found.faultString == "[RecordNotFound]Record was not found"


# ----------------------------------------------------------------------- DataService


def test_data_service_on_contact(proxy: Any) -> None:
    data = proxy.DataService
    cid = data.add(LEGACY_KEY, "Contact", {"FirstName": "Ada", "Email": "ada@example.com"})

    assert data.update(LEGACY_KEY, "Contact", cid, {"LastName": "Lovelace"}) == cid
    assert data.load(LEGACY_KEY, "Contact", cid, ["FirstName", "LastName"]) == {
        "FirstName": "Ada",
        "LastName": "Lovelace",
    }
    assert data.delete(LEGACY_KEY, "Contact", cid) is True
    assert fault_of(data.load, LEGACY_KEY, "Contact", cid, ["Id"]).faultCode == 5
    assert fault_of(data.delete, LEGACY_KEY, "Contact", cid).faultCode == 5


def test_data_service_on_contact_group(proxy: Any) -> None:
    data = proxy.DataService
    tag = data.add(LEGACY_KEY, "ContactGroup", {"GroupName": "VIP", "GroupDescription": "Big"})
    fields = ["Id", "GroupName", "GroupDescription", "GroupCategoryId"]

    assert data.load(LEGACY_KEY, "ContactGroup", tag, fields) == {
        "Id": tag,
        "GroupName": "VIP",
        "GroupDescription": "Big",
    }
    assert data.update(LEGACY_KEY, "ContactGroup", tag, {"GroupDescription": ""}) == tag
    assert data.load(LEGACY_KEY, "ContactGroup", tag, fields) == {"Id": tag, "GroupName": "VIP"}
    assert data.delete(LEGACY_KEY, "ContactGroup", tag) is True
    assert fault_of(data.load, LEGACY_KEY, "ContactGroup", tag, ["Id"]).faultCode == 5


@pytest.mark.parametrize(
    ("struct", "code", "message"),
    [
        ({"GroupDescription": "x"}, 12, "[InvalidParameter]GroupName is required"),
        ({"GroupName": "x", "GroupCategoryId": "7"}, 12,
         "[InvalidParameter]Invalid value for ContactGroup.GroupCategoryId"),
        ({"GroupName": "x", "Id": 3}, 8, "[NoFieldAccess]Field is read-only: ContactGroup.Id"),
        ({"Name": "x"}, 10, "[NoFieldFound]No field found: ContactGroup.Name"),
    ],
)  # fmt: skip
def test_contact_group_writes_fault_as_keap(
    proxy: Any, struct: dict[str, Any], code: int, message: str
) -> None:
    found = fault_of(proxy.DataService.add, LEGACY_KEY, "ContactGroup", struct)
    assert (found.faultCode, found.faultString) == (code, message)


@pytest.fixture
def people(proxy: Any) -> dict[str, int]:
    rows = [
        ("Ada", "Lovelace", "ada@example.com", "AE"),
        ("alan", "Turing", "alan@example.org", ""),
        ("Grace", "Hopper", "grace@example.com", "Navy"),
        ("Annie", "Easley", "annie@x.com", ""),
    ]
    return {
        first: add(proxy, FirstName=first, LastName=last, Email=email, Company=company)
        for first, last, email, company in rows
    }


def query(proxy: Any, where: dict[str, Any], *order: Any, limit: int = 1000, page: int = 0) -> Any:
    return proxy.DataService.query(LEGACY_KEY, "Contact", limit, page, where, ["Id"], *order)


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["Id"] for row in rows]


def test_query_semantics(proxy: Any, people: dict[str, int]) -> None:
    ada, alan, grace, annie = people.values()

    assert ids(query(proxy, {"Id": "%"})) == [ada, alan, grace, annie]  # ascending by Id
    assert ids(query(proxy, {}, "Id", False)) == [annie, grace, alan, ada]
    assert ids(query(proxy, {"FirstName": "A%"}, "FirstName", True)) == [ada, alan, annie]
    assert ids(query(proxy, {"Email": "%@example.%", "LastName": "%o%"})) == [ada, grace]
    assert ids(query(proxy, {"Company": "~null~"})) == [alan, annie]
    assert ids(query(proxy, {"Id": grace})) == [grace]
    assert ids(query(proxy, {"Id": "999"})) == []
    assert ids(query(proxy, {}, "Id", True, limit=3, page=1)) == [annie]
    assert ids(query(proxy, {"Email": "ADA@EXAMPLE.COM"})) == [ada]


def test_query_orders_as_the_shared_rules_say(proxy: Any, people: dict[str, int]) -> None:
    ada, alan, grace, annie = people.values()

    # orderBy without ``ascending``: unconfirmed in Keap's docs, one constant decides.
    by_name = ids(query(proxy, {}, "LastName"))
    by_name_down = ids(query(proxy, {}, "LastName", False))

    assert ORDER_BY_ASCENDING is True
    assert by_name == [annie, grace, ada, alan]  # Easley, Hopper, Lovelace, Turing
    assert by_name_down == [alan, ada, grace, annie]
    assert ids(query(proxy, {}, limit=2, page=1)) == [grace, annie]


def test_query_fields_and_paging_fault_as_keap(proxy: Any) -> None:
    q = proxy.DataService.query
    for args, expected in [
        ((0, 0, {}, ["Id"]), "[InvalidParameter]Limit must be between 1 and 1000, was 0"),
        ((1001, 0, {}, ["Id"]), "[InvalidParameter]Limit must be between 1 and 1000, was 1001"),
        ((10, -1, {}, ["Id"]), "[InvalidParameter]Page must not be negative, was -1"),
        ((10, 0, {}, ["Id", "Xyz"]), "[NoFieldFound]No field found: Contact.Xyz"),
        ((10, 0, {}, ["Id"], "Xyz"), "[NoFieldFound]No field found: Contact.Xyz"),
        ((10, 0, {"_Nope": 1}, ["Id"]), "[NoFieldFound]No field found: Contact._Nope"),
    ]:
        assert fault_of(q, LEGACY_KEY, "Contact", *args).faultString == expected


def test_count_and_find_by_field(proxy: Any, people: dict[str, int]) -> None:
    data = proxy.DataService
    ada, alan, grace, annie = people.values()

    assert data.count(LEGACY_KEY, "Contact", {"FirstName": "a%"}) == 3
    found = data.findByField(LEGACY_KEY, "Contact", 10, 0, "FirstName", "a%", ["Id"])
    assert ids(found) == [ada, alan, annie]  # findByField keeps the table's ascending order
    assert data.findByField(LEGACY_KEY, "Contact", 10, 0, "Id", grace, ["Email"]) == [
        {"Email": "grace@example.com"}
    ]


def test_query_filters_on_the_server_where_the_facade_can(rest_proxy: Any, fake: FakeKeap) -> None:
    add(rest_proxy, FirstName="Ada", Email="ada@example.com")
    fake.requests.clear()

    query(rest_proxy, {"FirstName": "Ad%", "LastName": "%a%"})
    query(rest_proxy, {"Id": 1})

    # The trailing % becomes the facade's prefix filter; the inner % is matched by the shim;
    # an exact Id is one load.
    assert sent(fake) == [("GET", "contacts", "given_name==Ad*"), ("GET", "contacts/1", None)]


def test_query_on_email_reads_email1_only(proxy: Any) -> None:
    add(proxy, Email="first@example.com", EmailAddress2="second@example.com")
    assert query(proxy, {"Email": "second@example.com"}) == []


@pytest.mark.parametrize("method", ["add", "addWithDupCheck"])
def test_an_add_that_sets_no_field_faults_no_fields(
    proxy: Any, fake: FakeKeap, method: str
) -> None:
    extra = ("Email",) if method == "addWithDupCheck" else ()
    for struct in ({}, {"FirstName": "", "_Custom": ""}):
        found = fault_of(getattr(proxy.ContactService, method), LEGACY_KEY, struct, *extra)
        assert (found.faultCode, found.faultString) == (11, "[NoFields]No fields to add to Contact")
    assert fake.store.contacts == {}


def test_a_duplicate_tag_name_faults_on_either_backend(proxy: Any, fake: FakeKeap) -> None:
    data = proxy.DataService
    tag = data.add(LEGACY_KEY, "ContactGroup", {"GroupName": "VIP"})
    other = data.add(LEGACY_KEY, "ContactGroup", {"GroupName": "Web"})

    added = fault_of(data.add, LEGACY_KEY, "ContactGroup", {"GroupName": "VIP"})
    renamed = fault_of(data.update, LEGACY_KEY, "ContactGroup", other, {"GroupName": "VIP"})

    assert (added.faultCode, renamed.faultCode) == (12, 12)
    assert [t["name"] for t in fake.store.all_tags()] == ["VIP", "Web"]
    assert data.update(LEGACY_KEY, "ContactGroup", tag, {"GroupDescription": "Big"}) == tag


def test_custom_fields_by_underscore_name(proxy: Any) -> None:
    cid = add(proxy, Email="a@example.com", _Custom="Gold")
    rows = proxy.DataService.query(LEGACY_KEY, "Contact", 10, 0, {"_Custom": "g%"}, ["_Custom"])
    proxy.ContactService.update(LEGACY_KEY, cid, {"_Custom": ""})

    assert rows == [{"_Custom": "Gold"}]
    assert proxy.ContactService.load(LEGACY_KEY, cid, ["Id", "_Custom"]) == {"Id": cid}
    assert fault_of(proxy.ContactService.add, LEGACY_KEY, {"_Nope": "x"}).faultCode == 10


# --------------------------------------------------------------- ContactGroupAssign


def test_contact_group_assign_by_contact_and_by_tag(proxy: Any, client: ka.KeapClient) -> None:
    ada = add(proxy, FirstName="Ada", Email="ada@example.com", Company="AE")
    alan = add(proxy, FirstName="Alan", Email="alan@example.com")
    vip, web = client.tags.create("VIP").id, client.tags.create("Web").id
    client.tags.apply(vip, [ada, alan])
    client.tags.apply(web, [ada])
    q = proxy.DataService.query

    by_contact = q(LEGACY_KEY, "ContactGroupAssign", 10, 0, {"ContactId": ada},
                   ["GroupId", "ContactGroup", "Contact.Company"], "GroupId", True)  # fmt: skip
    by_tag = q(LEGACY_KEY, "ContactGroupAssign", 10, 0, {"GroupId": str(vip)},
               ["ContactId", "ContactGroup", "Contact.FirstName", "Contact.Company"])  # fmt: skip

    assert by_contact == [
        {"GroupId": vip, "ContactGroup": "VIP", "Contact.Company": "AE"},
        {"GroupId": web, "ContactGroup": "Web", "Contact.Company": "AE"},
    ]
    assert by_tag == [
        {
            "ContactId": ada,
            "ContactGroup": "VIP",
            "Contact.FirstName": "Ada",
            "Contact.Company": "AE",
        },
        {"ContactId": alan, "ContactGroup": "VIP", "Contact.FirstName": "Alan"},
    ]
    assert proxy.DataService.count(LEGACY_KEY, "ContactGroupAssign", {"GroupId": vip}) == 2
    assert q(LEGACY_KEY, "ContactGroupAssign", 10, 0, {"ContactId": 99}, ["GroupId"]) == []


@pytest.mark.parametrize("method", ["add", "update", "delete"])
def test_contact_group_assign_is_read_only(proxy: Any, method: str) -> None:
    args: tuple[Any, ...] = {"add": ({},), "update": (1, {}), "delete": (1,)}[method]

    found = fault_of(getattr(proxy.DataService, method), LEGACY_KEY, "ContactGroupAssign", *args)

    assert found.faultCode == 7
    assert found.faultString.startswith(
        f"[NoTableAccess]Access denied to table ContactGroupAssign for {method}"
    )
    assert "/rest/v2/tags/{tag_id}/contacts:" in found.faultString or method == "update"


def test_contact_group_assign_queries_it_cannot_translate(proxy: Any) -> None:
    q = proxy.DataService.query
    no_side = fault_of(
        q, LEGACY_KEY, "ContactGroupAssign", 10, 0, {"ContactGroup": "VIP"}, ["GroupId"]
    )
    applied = fault_of(
        q, LEGACY_KEY, "ContactGroupAssign", 10, 0, {"ContactId": 1}, ["DateCreated"]
    )

    assert (no_side.faultCode, applied.faultCode) == (0, 0)
    assert "GET /rest/v2/contacts/{id}/tags" in no_side.faultString
    assert "applied_time" in applied.faultString


def test_when_a_tag_was_applied_comes_with_queries_by_tag(
    proxy: Any, client: ka.KeapClient
) -> None:
    tag = client.tags.create("VIP")
    person = client.contacts.create(ka.NewContact(email="dc@example.com"))
    client.tags.apply(tag.id, [person.id])
    applied = next(iter(client.tags.contacts(tag.id))).applied_time
    assert applied is not None

    rows = proxy.DataService.query(
        LEGACY_KEY, "ContactGroupAssign", 10, 0, {"GroupId": tag.id}, ["ContactId", "DateCreated"]
    )

    assert rows == [{"ContactId": person.id, "DateCreated": aware_to_eastern(applied)}]


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("method", "params", "rest"),
    [
        ("ContactService.merge", (1, 2), "POST /rest/v2/contacts:merge"),
        ("ContactService.linkContacts", (1, 2, 3), "POST /rest/v2/contacts:link"),
        ("DataService.updateCustomField", (1, {"Values": "a"}), "(none: REST v2 cannot"),
        ("DataService.query", ("DataFormTab", 10, 0, {}, ["Id"]),
         "GET /rest/v2/contacts/model/customFields/tabs"),
        ("FunnelService.achieveGoal", ("x",), "https://developer.infusionsoft.com/docs/restv2/"),
        ("DataService.query", ("Invoice", 10, 0, {}, ["Id"]), "developer.infusionsoft.com"),
        ("DataService.load", ("ContactGroupAssign", 1, ["Id"]), "developer.infusionsoft.com"),
    ],
)  # fmt: skip
def test_calls_it_does_not_translate_name_the_rest_endpoint(
    proxy: Any, method: str, params: tuple[Any, ...], rest: str
) -> None:
    found = fault_of(getattr(proxy, method), LEGACY_KEY, *params)

    assert found.faultCode == 0
    assert found.faultString.startswith("[NotTranslated]")
    assert "not translated by keap_adapter's legacy shim" in found.faultString
    assert rest in found.faultString


@pytest.mark.parametrize(
    ("struct", "code", "start"),
    [
        ({"Xyz": "1"}, 10, "[NoFieldFound]No field found: Contact.Xyz"),
        ({"Id": 5}, 8, "[NoFieldAccess]Field is read-only: Contact.Id"),
        ({"FirstName": True}, 12, "[InvalidParameter]Invalid value for Contact.FirstName"),
        ({"Birthday": "soon"}, 12, "[InvalidParameter]Invalid date for Contact.Birthday"),
        ({"Email": "not-an-email"}, 12, "[InvalidParameter]email_addresses.0.email: "),
        ({"FirstName": "x" * 41, "Email": "a@x.com"}, 12, "[InvalidParameter]given_name: "),
        ({"ContactNotes": "x"}, 0, "[NotTranslated]Contact.ContactNotes is not translated"),
        ({"AccountId": 4}, 0, "[NotTranslated]Contact.AccountId is not translated"),
    ],
)
def test_contact_writes_fault_as_keap(
    proxy: Any, struct: dict[str, Any], code: int, start: str
) -> None:
    found = fault_of(proxy.ContactService.add, LEGACY_KEY, struct)
    assert found.faultCode == code
    assert found.faultString.startswith(start)


def test_missing_records_fault_record_not_found(proxy: Any) -> None:
    for call, args in [
        (proxy.ContactService.load, (99, ["Id"])),
        (proxy.ContactService.load, (0, ["Id"])),
        (proxy.ContactService.update, (99, {"FirstName": "X"})),
        (proxy.ContactService.update, (99, {"Phone2": "1"})),
        (proxy.DataService.update, ("ContactGroup", 99, {"GroupName": "X"})),
        (proxy.DataService.delete, ("ContactGroup", 99)),
    ]:
        found = fault_of(call, LEGACY_KEY, *args)
        assert (found.faultCode, found.faultString) == (5, "[RecordNotFound]Record was not found")


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
def test_a_rejected_key_faults_invalid_key(fake: FakeKeap, backend: ka.BackendName) -> None:
    with ka.KeapClient(backend, "wrong-key-0123456789", transport=fake.transport) as client:
        found = fault_of(ServerProxy(client).ContactService.load, KEY, 1, ["Id"])

    assert found.faultCode == 2
    assert found.faultString.startswith("[InvalidKey]")
    assert "wrong-key-0123456789" not in found.faultString


def test_a_server_failure_is_a_protocol_error_as_the_stdlib_raises(
    fake: FakeKeap, rest_proxy: Any
) -> None:
    fake.fail(500)
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        rest_proxy.ContactService.load(LEGACY_KEY, 1, ["Id"])
    assert caught.value.errcode == 500
    assert caught.value.url.endswith("/rest/v2")


def test_throttling_and_lost_connections_raise_what_the_stdlib_raises() -> None:
    throttled = from_error(ka.RateLimitError("Quota Exceeded", status_code=429), "https://x/crm")
    assert isinstance(throttled, xmlrpc.client.ProtocolError)
    assert throttled.errcode == 429
    assert isinstance(from_error(ka.TransportError("timeout"), "https://x/crm"), ConnectionError)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ka.BadRequestError("[NoFieldFound]No field: Contact.X", fault_code=10,
                            fault_tag="NoFieldFound"), (10, "[NoFieldFound]No field: Contact.X")),
        (ka.BadRequestError("bad", operation="tags.create", backend="rest"),
         (12, "[InvalidParameter]tags.create [rest]: bad")),
        (ka.PermissionDeniedError("no", backend="rest"), (14, "[NoAccess][rest]: no")),
        (ka.ConflictError("taken"), (12, "[InvalidParameter]taken")),
        (ValueError("page_size is 0"), (12, "[InvalidParameter]page_size is 0")),
    ],
)  # fmt: skip
def test_facade_errors_become_keap_faults(
    error: ka.KeapError | ValueError, expected: tuple[int, str]
) -> None:
    found = from_error(error, "https://x/crm")
    assert isinstance(found, xmlrpc.client.Fault)
    assert (found.faultCode, found.faultString) == expected


# ------------------------------------------------------------------------- coverage


def test_the_method_map_decides_what_is_translated() -> None:
    shimmed = {(row.method, row.table) for row in METHODS if row.shim}
    assert set(HANDLERS) == shimmed
    # Every translated method has Keap's signature; every signature the server rules know
    # has a row, translated or not (updateCustomField: REST v2 has no endpoint for it).
    assert {method for method, _ in shimmed} <= set(SIGNATURES)
    assert set(SIGNATURES) <= {row.method for row in METHODS}


def test_server_filters_off_reads_everything_and_matches_here(fake: FakeKeap) -> None:
    with ka.KeapClient("rest", KEY, transport=fake.transport) as client:
        on: Any = ServerProxy(client)
        off: Any = ServerProxy(client, server_filters=False)
        on.ContactService.add(LEGACY_KEY, {"FirstName": "Ada", "Email": "ada@example.com"})
        query = ("Contact", 10, 0, {"FirstName": "ada"}, ["FirstName"])
        before = len(fake.requests)
        assert off.DataService.query(LEGACY_KEY, *query) == [{"FirstName": "Ada"}]
        unfiltered = fake.requests[before:]
        assert on.DataService.query(LEGACY_KEY, *query) == [{"FirstName": "Ada"}]
        filtered = fake.requests[before + len(unfiltered) :]
    assert all("filter" not in r.url.params for r in unfiltered)
    assert any(r.url.params.get("filter") == "given_name==ada" for r in filtered)


def test_a_refused_duplicate_tag_name_is_a_fault_clients_do_not_retry() -> None:
    found = from_error(ka.ConflictError("A tag named 'Lead' already exists"), "https://x/crm")
    assert isinstance(found, xmlrpc.client.Fault)
    assert found.faultCode == 12


def test_throttling_keeps_the_wait_hint_and_timeouts_are_timeouts() -> None:
    throttled = from_error(ka.RateLimitError("Quota", status_code=429, retry_after=7), "u")
    assert isinstance(throttled, xmlrpc.client.ProtocolError)
    assert throttled.headers == {"Retry-After": "7"}
    assert isinstance(from_error(ka.TransportError("ReadTimeout: slow"), "u"), TimeoutError)
    assert isinstance(from_error(ka.TransportError("ConnectError: refused"), "u"), ConnectionError)


def test_date_custom_fields_load_as_xmlrpc_loads_them() -> None:
    import datetime as dt

    fake = FakeKeap(api_key=KEY)
    fake.add_custom_field("Renewal", "DATE")
    with (
        fake.serve() as server,
        xmlrpc.client.ServerProxy(f"{server.url}/crm/xmlrpc/v1", use_builtin_types=True) as real,
        ka.KeapClient("rest", KEY, transport=fake.transport) as client,
    ):
        shim: Any = ServerProxy(client)
        by_rest = shim.ContactService.add(
            LEGACY_KEY, {"Email": "r@example.com", "_Renewal": dt.datetime(2024, 5, 6)}
        )
        by_xml = real.ContactService.add(
            KEY, {"Email": "x@example.com", "_Renewal": dt.datetime(2024, 5, 6)}
        )
        for cid in (by_rest, by_xml):
            wanted = {"_Renewal": dt.datetime(2024, 5, 6)}
            assert real.ContactService.load(KEY, cid, ["_Renewal"]) == wanted
            assert shim.ContactService.load(LEGACY_KEY, cid, ["_Renewal"]) == wanted
