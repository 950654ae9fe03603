"""The tag, tag category and custom field tables' columns and write rules, and the Contact
facts every server shares.

Columns are from Keap's table docs as the community SDKs generated them
(novaksolutions/infusionsoft-php-sdk ``Generated/ContactGroup.php``,
``ContactGroupAssign.php``, ``ContactGroupCategory.php``, ``DataFormField.php``,
``DataFormTab.php``, ``DataFormGroup.php``; bvalosek/infusionsoft-api ``tables/*.js`` for
which fields may be written). The Contact table's own columns are not here: the fake keeps
its own table of them and the shim uses the facade's, on purpose (see
``keap_adapter.testing._fake_columns``).
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


def _typed(table: str, columns: dict[str, tuple[str, type]], required: frozenset[str]) -> Any:
    """A struct check for ``table``: Keap's Java side takes no ``"7"`` for ``7``, and a
    required column (a name) is never written empty."""

    def accept(struct: Row) -> Row:
        for name, value in struct.items():
            if type(value) is not columns[name][1]:
                raise invalid(f"Invalid value for {table}.{name}")
            if name in required and not str(value).strip():
                raise invalid(f"{name} is required")
        return struct

    return accept


tag_values = _typed("ContactGroup", TAG_COLUMNS, TAG_REQUIRED)
"""A ContactGroup struct to write, checked."""


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


# ContactGroupCategory (= tag categories) column -> (canonical field, its Java type).
CATEGORY_COLUMNS: dict[str, tuple[str, type]] = {
    "CategoryName": ("name", str),
    "CategoryDescription": ("description", str),
}
CATEGORY_REQUIRED = frozenset({"CategoryName"})
category_values = _typed("ContactGroupCategory", CATEGORY_COLUMNS, CATEGORY_REQUIRED)
"""A ContactGroupCategory struct to write, checked."""


def category_changes(struct: Row) -> Row:
    """A checked ContactGroupCategory struct as canonical category fields (empty clears)."""
    return {CATEGORY_COLUMNS[k][0]: None if empty(v) else v for k, v in struct.items()}


def category_row(category_id: int, name: str, description: str | None) -> Row:
    """A tag category as Keap's ``ContactGroupCategory`` row, empty fields left out."""
    row = {"Id": category_id, "CategoryName": name, "CategoryDescription": description}
    return {k: v for k, v in row.items() if not empty(v)}


def category_name_taken(name: str) -> Fault:
    """A category name another category has: refused as a taken tag name is (code 12, which
    no client retries); REST v2 calls category names unique (CreateUpdateTagCategoryRequest)."""
    return invalid(
        f"Invalid value for ContactGroupCategory.CategoryName: a tag category named {name!r} exists"
    )


# DataFormField: custom field definitions. FormId -1 marks contact fields; ``Values`` holds
# a list field's options, one a line (Keap's DataService.updateCustomField docs).
FIELD_FIELDS = frozenset({"Id", "Name", "Label", "DataType", "FormId", "GroupId", "Values"})
# DataFormTab (FormId -1: a contact tab) and DataFormGroup (the field groups on a tab):
# where addCustomField puts a field (its groupId).
TAB_FIELDS = frozenset({"Id", "FormId", "TabName"})
GROUP_FIELDS = frozenset({"Id", "TabId", "Name"})

CONTACT_SCHEMA = Schema("Contact", read_only=CONTACT_READ_ONLY, accept=contact_values)
TAG_SCHEMA = Schema("ContactGroup", TAG_FIELDS, required=TAG_REQUIRED, accept=tag_values)
ASSIGN_SCHEMA = Schema("ContactGroupAssign", ASSIGN_FIELDS)  # read-only: no storage writes it
CATEGORY_SCHEMA = Schema(
    "ContactGroupCategory",
    frozenset({"Id", *CATEGORY_COLUMNS}),
    required=CATEGORY_REQUIRED,
    accept=category_values,
)
# The DataForm* tables are read here, never written with DataService.add/update: custom
# fields are made with addCustomField and changed with updateCustomField.
FIELD_SCHEMA = Schema("DataFormField", FIELD_FIELDS)
TAB_SCHEMA = Schema("DataFormTab", TAB_FIELDS)
GROUP_SCHEMA = Schema("DataFormGroup", GROUP_FIELDS)
