"""Two identically seeded fakes, and what a fake's store holds, read through its XML-RPC face.

Every fake runs on one pinned clock and is seeded with the same calls, so the same writes
give the same ids and stamps on both. :func:`snapshot` reads everything a call site may
have changed, with every column, through the fake's own XML-RPC face (in process): each
contact (custom fields included), tag, tag category, tag assignment, custom field, and the
opt status of every address involved.
"""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime, timezone
from typing import Any

import httpx

from keap_adapter.testing import FakeKeap
from keap_adapter.testing._fake_columns import COLUMNS

KEY = "0123456789abcdef"  # the key the corpus hard-codes; the fakes take it too
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc)  # damaged/ asks for LastUpdated 2024%

# Seeded ids (a fresh fake counts from 1 for each kind of record); seeded() checks them.
CATEGORY = 1
VIP, NEWSLETTER, OLD_LIST, IMPORTED = 1, 2, 3, 12  # tags 4-11 are campaigns; 99 is none
ADA, GRACE, ALAN, KATHERINE = 1, 2, 3, 4
CUSTOM_FIELDS = ("ShoeSize", "LoyaltyTier")
EMAILS = (
    "ada@example.com",
    "ada@work.example.com",
    "grace@example.com",
    "a@example.com",
    "katherine@example.org",
    "new@example.com",
)

_TAG_COLUMNS = ["Id", "GroupName", "GroupDescription", "GroupCategoryId"]
_CATEGORY_COLUMNS = ["Id", "CategoryName", "CategoryDescription"]
_ASSIGN_COLUMNS = ["ContactId", "GroupId", "DateCreated"]
_FIELD_COLUMNS = ["Id", "Name", "Label", "DataType", "FormId", "GroupId"]


def call(fake: FakeKeap, method: str, *params: Any) -> Any:
    """One XML-RPC call on the fake's XML-RPC face, in process; faults raise."""
    body = xmlrpc.client.dumps((KEY, *params), method, allow_none=False)
    request = httpx.Request(
        "POST",
        "http://fake.invalid/crm/xmlrpc/v1",
        content=body.encode(),
        headers={"Content-Type": "text/xml"},
    )
    (value,), _ = xmlrpc.client.loads(fake.handle(request).content, use_builtin_types=True)
    return value


def seeded() -> FakeKeap:
    """A fake holding a tag category, twelve tags, four contacts, tags applied, custom
    fields and opt statuses; the same every time."""
    fake = FakeKeap(api_key=KEY)
    fake.now = lambda: NOW
    for name in CUSTOM_FIELDS:
        fake.add_custom_field(name)
    category = {"CategoryName": "Shop", "CategoryDescription": "Tags from the shop"}
    ids = [call(fake, "DataService.add", "ContactGroupCategory", category)]
    for tag in (
        {"GroupName": "VIP", "GroupDescription": "Big spenders", "GroupCategoryId": CATEGORY},
        {"GroupName": "Newsletter", "GroupCategoryId": CATEGORY},
        {"GroupName": "Old list", "GroupDescription": "Imported in 2015"},
        *({"GroupName": f"Campaign {n}"} for n in range(4, IMPORTED)),
        {"GroupName": "Imported", "GroupDescription": "CSV import"},
    ):
        ids.append(call(fake, "DataService.add", "ContactGroup", tag))
    for contact in (
        {
            "FirstName": "Ada",
            "LastName": "Lovelace",
            "Email": "ada@example.com",
            "EmailAddress2": "ada@work.example.com",
            "Company": "Analytical Engines",
            "JobTitle": "Analyst",
            "Phone1": "+44 20 7946 0958",
            "Birthday": datetime(1815, 12, 10),
            "Website": "https://ada.example.com",
            "OwnerID": 2,
            "_ShoeSize": "38",
            "_LoyaltyTier": "Gold",
        },
        {
            "FirstName": "Grace",
            "LastName": "Hopper",
            "Email": "grace@example.com",
            "ContactType": "Customer",
        },
        {"FirstName": "Alan", "LastName": "Turing", "Email": "a@example.com", "OwnerID": 1},
        {"FirstName": "Katherine", "LastName": "Johnson", "Email": "katherine@example.org"},
    ):
        ids.append(call(fake, "ContactService.add", contact))
    for contact_id, tag_id in ((ADA, VIP), (ADA, NEWSLETTER), (GRACE, VIP)):
        call(fake, "ContactService.addToGroup", contact_id, tag_id)
    call(fake, "APIEmailService.optIn", "ada@example.com", "Signed up in the shop")
    call(fake, "APIEmailService.optOut", "grace@example.com", "Unsubscribed")
    assert ids == [CATEGORY, *range(VIP, IMPORTED + 1), ADA, GRACE, ALAN, KATHERINE]
    del fake.requests[:]
    return fake


def snapshot(fake: FakeKeap) -> dict[str, Any]:
    """Everything in the fake's store a call site may change, read with every column."""
    fields = _all(fake, "DataFormField", {"FormId": -1}, _FIELD_COLUMNS)
    columns = [*COLUMNS, *("_" + f["Name"] for f in fields)]
    contacts = _all(fake, "Contact", {"Id": "%"}, columns)
    emails = {c[k] for c in contacts for k in ("Email", "EmailAddress2", "EmailAddress3") if k in c}
    return {
        "contacts": contacts,
        "tags": _all(fake, "ContactGroup", {"Id": "%"}, _TAG_COLUMNS),
        "categories": _all(fake, "ContactGroupCategory", {"Id": "%"}, _CATEGORY_COLUMNS),
        "assignments": [
            _all(fake, "ContactGroupAssign", {"ContactId": c["Id"]}, _ASSIGN_COLUMNS, "GroupId")
            for c in contacts
        ],
        "custom_fields": fields,
        "opt_status": {
            email: call(fake, "APIEmailService.getOptStatus", email)
            for email in sorted(emails | set(EMAILS))
        },
    }


def _all(
    fake: FakeKeap, table: str, query: dict[str, Any], columns: list[str], order: str = "Id"
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = call(
        fake, "DataService.query", table, 1000, 0, query, columns, order, True
    )
    return rows
