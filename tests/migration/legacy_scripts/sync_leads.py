"""Nightly lead sync, written against Keap's XML-RPC API the way integrations were for years.

It knows nothing of keap_adapter: ``run`` takes anything shaped like
``xmlrpc.client.ServerProxy``. The tests run it unchanged against a real XML-RPC server and
through ``keap_adapter.legacy.ServerProxy``, and compare everything it saw.
"""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime
from typing import Any

LEADS: list[dict[str, Any]] = [
    {
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Email": "ada@example.com",
        "Company": "Analytical Engines",
        "Phone1": "+44 20 7946 0958",
        "_Custom": "Web form",
    },
    {"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@example.com"},
    {"FirstName": "Alan", "LastName": "Turing", "Email": "alan@example.org", "JobTitle": "Fellow"},
    {"FirstName": "Annie", "LastName": "Easley", "Email": "annie@example.com", "Company": "NASA"},
    {"FirstName": "Katherine", "LastName": "Johnson", "Email": "katherine@example.com"},
]
CONTACT_FIELDS = [
    "Id", "FirstName", "LastName", "Email", "Company", "JobTitle", "Phone1", "Phone2",
    "Birthday", "Groups", "DateCreated", "LastUpdated", "_Custom",
]  # fmt: skip
TAG_FIELDS = ["Id", "GroupName", "GroupDescription", "GroupCategoryId"]
PAGE = 2


def fault_of(call: Any, *args: Any) -> tuple[int, str]:
    """Run a call that should fail; what the fault said."""
    try:
        call(*args)
    except xmlrpc.client.Fault as fault:
        return fault.faultCode, fault.faultString
    raise AssertionError("expected a Fault")


def create_leads(server: Any, key: str) -> dict[str, Any]:
    """First lead with add, the others deduplicated by email, a re-submission merged."""
    ids = [server.ContactService.add(key, LEADS[0])]
    ids += [server.ContactService.addWithDupCheck(key, lead, "Email") for lead in LEADS[1:]]
    resubmitted = server.ContactService.addWithDupCheck(
        key,
        {
            "FirstName": "grace",
            "LastName": "HOPPER",
            "Email": "Grace@Example.com",
            "Company": "Navy",
        },
        "EmailAndName",
    )
    namesake = server.ContactService.addWithDupCheck(
        key, {"FirstName": "Alan", "LastName": "Smith", "Email": "alan@example.org"}, "EmailAndName"
    )
    late = server.DataService.add(
        key,
        "Contact",
        {"FirstName": "Mary", "LastName": "Jackson", "Email": "mary@example.com",
         "Birthday": datetime(1921, 4, 9), "Phone1": 5550100},
    )  # fmt: skip
    return {"ids": ids, "resubmitted": resubmitted, "namesake": namesake, "late": late}


def update_and_read(server: Any, key: str, ada: int) -> dict[str, Any]:
    """Load with selected fields, update a few columns, read back."""
    before = server.ContactService.load(key, ada, CONTACT_FIELDS)
    updated = server.ContactService.update(
        key,
        ada,
        {"Phone2": "+44 20 7946 0000", "JobTitle": "Analyst", "_Custom": "Referral",
         "Birthday": xmlrpc.client.DateTime("18151210T00:00:00")},
    )  # fmt: skip
    cleared = server.DataService.update(key, "Contact", ada, {"Company": ""})
    return {
        "before": before,
        "updated": updated,
        "cleared": cleared,
        "after": server.DataService.load(key, "Contact", ada, CONTACT_FIELDS),
        "by_email": server.ContactService.findByEmail(
            key, "GRACE@example.com", ["Id", "FirstName", "LastName", "Company"]
        ),
        "no_email": server.ContactService.findByEmail(key, "nobody@example.com", ["Id"]),
    }


def tag_leads(server: Any, key: str, ids: list[int]) -> dict[str, Any]:
    """Create a tag, tag everyone, untag one, rename the description, drop a scratch tag."""
    tag = server.DataService.add(
        key, "ContactGroup", {"GroupName": "Nightly sync", "GroupDescription": "From the form"}
    )
    scratch = server.DataService.add(key, "ContactGroup", {"GroupName": "Scratch"})
    added = [server.ContactService.addToGroup(key, cid, tag) for cid in ids]
    removed = server.ContactService.removeFromGroup(key, ids[2], tag)
    renamed = server.DataService.update(key, "ContactGroup", tag, {"GroupDescription": "Synced"})
    deleted = server.DataService.delete(key, "ContactGroup", scratch)
    return {
        "tag": tag,
        "added": added,
        "removed": removed,
        "renamed": renamed,
        "loaded": server.DataService.load(key, "ContactGroup", tag, TAG_FIELDS),
        "deleted": deleted,
        "scratch_gone": fault_of(server.DataService.load, key, "ContactGroup", scratch, ["Id"]),
    }


def page_through(server: Any, key: str, query: dict[str, Any], fields: list[str]) -> list[Any]:
    """Every page of a query, the classic way: until a page comes back short."""
    pages, page = [], 0
    while True:
        rows = server.DataService.query(key, "Contact", PAGE, page, query, fields, "Id", True)
        pages.append(rows)
        if len(rows) < PAGE:
            return pages
        page += 1


def queries(server: Any, key: str, ada: int, tag: int) -> dict[str, Any]:
    """Wildcards, ~null~, ordering, counts and findByField on all three tables."""
    data = server.DataService
    return {
        "pages": page_through(server, key, {"Email": "%@example.com"}, ["Id", "Email"]),
        "a_names": data.query(key, "Contact", 1000, 0, {"FirstName": "a%"}, ["Id", "FirstName"]),
        "inner": data.query(
            key, "Contact", 10, 0, {"LastName": "%o%"}, ["Id", "LastName"], "LastName", True
        ),
        "no_company": data.query(key, "Contact", 10, 0, {"Company": "~null~"}, ["Id"]),
        "custom": data.query(key, "Contact", 10, 0, {"_Custom": "ref%"}, ["Id", "_Custom"]),
        "everyone": data.query(key, "Contact", 3, 1, {"Id": "%"}, ["Id"]),
        "one": data.query(key, "Contact", 10, 0, {"Id": ada}, ["Id", "Email", "Groups"]),
        "tags_of_ada": data.query(
            key, "ContactGroupAssign", 1000, 0, {"ContactId": ada},
            ["ContactId", "GroupId", "ContactGroup", "Contact.Email"], "GroupId", True,
        ),
        "tagged": data.query(
            key, "ContactGroupAssign", 1000, 0, {"GroupId": tag},
            ["ContactId", "Contact.FirstName", "Contact.LastName", "Contact.Email"],
        ),
        "tags": data.query(
            key, "ContactGroup", 10, 0, {"GroupName": "nightly%"}, ["Id", "GroupName"]
        ),
        "count": data.count(key, "Contact", {"Email": "%@example.com"}),
        "count_tagged": data.count(key, "ContactGroupAssign", {"GroupId": tag}),
        "by_field": data.findByField(key, "Contact", 10, 0, "LastName", "hopper", ["Id", "Email"]),
        "tag_by_field": data.findByField(key, "ContactGroup", 10, 0, "Id", tag, ["GroupName"]),
        "assigned_by_field": data.findByField(
            key, "ContactGroupAssign", 10, 0, "ContactId", str(ada), ["GroupId"]
        ),
    }  # fmt: skip


def failures(server: Any, key: str, doomed: int) -> dict[str, Any]:
    """What the script's error handling sees: Keap's fault codes and strings."""
    deleted = server.DataService.delete(key, "Contact", doomed)
    return {
        "deleted": deleted,
        "missing": fault_of(server.ContactService.load, key, doomed, ["Id"]),
        "missing_update": fault_of(server.ContactService.update, key, 999, {"FirstName": "X"}),
        "unknown_field": fault_of(server.ContactService.load, key, 1, ["Id", "Xyz"]),
        "unknown_column": fault_of(
            server.DataService.query, key, "Contact", 10, 0, {"Nope": "x"}, ["Id"]
        ),
        "too_many": fault_of(server.DataService.query, key, "Contact", 5000, 0, {}, ["Id"]),
        "negative_page": fault_of(server.DataService.query, key, "Contact", 10, -1, {}, ["Id"]),
        "bad_dup_check": fault_of(
            server.ContactService.addWithDupCheck, key, {"Email": "x@example.com"}, "Phone"
        ),
        "read_only": fault_of(server.ContactService.update, key, 1, {"Id": 7}),
        "assign_code": fault_of(server.DataService.add, key, "ContactGroupAssign", {})[0],
        "wrong_types": fault_of(server.ContactService.load, key, "1", ["Id"]),
    }


def run(server: Any, key: str) -> dict[str, Any]:
    """The whole nightly job; returns everything it saw, for comparison."""
    created = create_leads(server, key)
    ada = created["ids"][0]
    read = update_and_read(server, key, ada)
    tagged = tag_leads(server, key, [*created["ids"], created["late"]])
    found = queries(server, key, ada, tagged["tag"])
    failed = failures(server, key, created["namesake"])
    return {"created": created, "read": read, "tagged": tagged, "found": found, "failed": failed}
