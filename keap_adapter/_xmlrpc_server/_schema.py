"""The tag tables' columns and write rules, and the Contact facts every server shares.

Columns are from Keap's table docs as the community SDKs generated them
(novaksolutions/infusionsoft-php-sdk ``Generated/ContactGroup.php``,
``ContactGroupAssign.php``; bvalosek/infusionsoft-api ``tables/*.js`` for which fields may
be written). The Contact table's own columns are not here: the fake keeps its own table of
them and the shim uses the facade's, on purpose (see ``keap_adapter.testing._fake_columns``).
"""

from __future__ import annotations

from typing import Any
from xmlrpc.client import Fault

from ._faults import invalid
from ._table import Schema
from ._values import contact_values, empty

Row = dict[str, Any]

# ContactGroup column -> (canonical tag field, the one Java type Keap accepts for it).
TAG_COLUMNS: dict[str, tuple[str, type]] = {
    "GroupName": ("name", str),
    "GroupDescription": ("description", str),
    "GroupCategoryId": ("category_id", int),
}
TAG_FIELDS = frozenset({"Id", *TAG_COLUMNS})
TAG_REQUIRED = frozenset({"GroupName"})

# ContactGroupAssign: one read-only row per applied tag, joined with some Contact columns.
ASSIGN_JOINED: dict[str, str] = {
    "Contact.FirstName": "FirstName",
    "Contact.LastName": "LastName",
    "Contact.Email": "Email",
    "Contact.Company": "Company",
}
ASSIGN_FIELDS = frozenset({"ContactId", "GroupId", "ContactGroup", "DateCreated", *ASSIGN_JOINED})

# Contact columns Keap keeps for itself (bvalosek/infusionsoft-api ``tables/Contact.js``
# access flags; novaksolutions' ``removeReadOnlyFields``).
CONTACT_READ_ONLY = frozenset(
    ("Id", "Groups", "DateCreated", "CreatedBy", "LastUpdated", "LastUpdatedBy", "Validated")
)
# ContactService.findByEmail searches all three email columns (Keap's ContactService docs).
EMAIL_COLUMNS = ("Email", "EmailAddress2", "EmailAddress3")
# addWithDupCheck's dupCheckType values (Keap's ContactService docs; REST v2's
# duplicate_option takes the same three strings).
DUP_CHECK_TYPES = ("Email", "EmailAndName", "EmailAndNameAndCompany")


def tag_values(struct: Row) -> Row:
    """A ContactGroup struct to write, checked: Keap's Java side takes no ``"7"`` for ``7``."""
    for name, value in struct.items():
        if type(value) is not TAG_COLUMNS[name][1]:
            raise invalid(f"Invalid value for ContactGroup.{name}")
        if name in TAG_REQUIRED and not str(value).strip():
            raise invalid(f"{name} is required")  # a tag always keeps a name
    return struct


def tag_changes(struct: Row) -> Row:
    """A checked ContactGroup struct as canonical tag fields (an empty value clears one)."""
    return {TAG_COLUMNS[k][0]: None if empty(v) or v == 0 else v for k, v in struct.items()}


def tag_row(tag_id: int, name: str, description: str | None, category_id: int | None) -> Row:
    """A tag as Keap's ``ContactGroup`` row, empty fields left out."""
    row = {
        "Id": tag_id,
        "GroupName": name,
        "GroupDescription": description,
        "GroupCategoryId": category_id,
    }
    return {k: v for k, v in row.items() if not empty(v)}


def name_taken(name: str) -> Fault:
    """The fault for a tag name another tag has.

    Keap's XML-RPC answer here is undocumented. ``[InvalidParameter]`` (12), not
    ``[DatabaseError]`` (4): clients treat 4 as transient and retry it (the XML-RPC codec
    here; novaksolutions' ``App.php`` retries failed calls), and a taken name never frees up
    by waiting. 12 is also what Keap answers for other refused input ("Duplicate call to
    addWithDupCheck detected", infusionsoft/infusionsoft-php#108).
    """
    return invalid(f"Invalid value for ContactGroup.GroupName: a tag named {name!r} exists")


CONTACT_SCHEMA = Schema("Contact", read_only=CONTACT_READ_ONLY, accept=contact_values)
TAG_SCHEMA = Schema("ContactGroup", TAG_FIELDS, required=TAG_REQUIRED, accept=tag_values)
ASSIGN_SCHEMA = Schema("ContactGroupAssign", ASSIGN_FIELDS)  # read-only: no storage writes it
