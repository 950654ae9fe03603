"""FakeKeap's own table of Keap's ``Contact`` columns: the witness.

Written from Keap's documented schema, never from the XML-RPC codec's mapping
(``backends/_fields.py``), on purpose: two independent tables that must agree are how a
wrong column name or slot is caught, as in double-entry bookkeeping. Sources: the Contact
table as the community SDKs generated it from Keap's schema
(novaksolutions/infusionsoft-php-sdk ``Generated/Contact.php``; bvalosek/infusionsoft-api
``tables/Contact.js`` for which columns are read-only), the XML-RPC -> REST names of
damonvjanis/infusionsoft (``schemas/xml/contact.ex``: address 1 = billing, 2 = shipping,
3 = other), and REST v2's ``Contact`` schema for the canonical side.

Each column is one row: its XML-RPC name, where it lives in the store's canonical
(REST v2 shaped) contact record, and its kind. A new column is one more row. The canonical
keys are REST v2's names, except that REST's ``company {id, company_name}`` is kept as
``company_id`` and ``company_name``; columns REST v2 has no field for (``ContactNotes``,
``Username``...) are kept under keys REST never reads, so the XML-RPC face stores them as
Keap does while the REST face, like Keap's, cannot see them.
"""

from __future__ import annotations

import copy
from typing import Any, Literal, NamedTuple

from .._xmlrpc_server._values import empty
from ._fake_dates import midnight, to_eastern

Row = dict[str, Any]
# text; int: an id column (0 is Keap's "none"); date: a dateTime at midnight; and the
# read-only kinds: stamp (a time Keap keeps), id, tags (Groups), ref (an id Keap keeps).
Kind = Literal["text", "int", "date", "stamp", "id", "tags", "ref"]
READ_ONLY_KINDS = frozenset({"stamp", "id", "tags", "ref"})


class Column(NamedTuple):
    """One Contact column: ``key`` in the canonical record; for a list (emails, phones,
    addresses) the item whose ``field`` is ``slot``, and ``part`` of that item."""

    name: str
    key: str
    slot: str | None = None
    part: str | None = None
    kind: Kind = "text"


CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("Id", "id", kind="id"),
    Column("Groups", "tag_ids", kind="tags"),  # comma-separated tag ids
    Column("DateCreated", "create_time", kind="stamp"),
    Column("LastUpdated", "update_time", kind="stamp"),
    Column("CreatedBy", "created_by", kind="ref"),
    Column("LastUpdatedBy", "last_updated_by", kind="ref"),
    Column("Validated", "xmlrpc_validated", kind="ref"),  # no REST v2 field
    Column("Title", "prefix"),
    Column("FirstName", "given_name"),
    Column("MiddleName", "middle_name"),
    Column("LastName", "family_name"),
    Column("Suffix", "suffix"),
    Column("Nickname", "preferred_name"),
    Column("Company", "company_name"),
    Column("CompanyID", "company_id", kind="int"),
    # Writable over XML-RPC (Keap's read-only list leaves it out); REST v2 only reads it.
    Column("AccountId", "account_id", kind="int"),
    Column("JobTitle", "job_title"),
    Column("Birthday", "birth_date", kind="date"),
    Column("Anniversary", "anniversary_date", kind="date"),
    Column("SpouseName", "spouse_name"),
    Column("Website", "website"),
    Column("TimeZone", "time_zone"),
    Column("Language", "preferred_locale"),
    Column("ContactType", "contact_type"),
    Column("OwnerID", "owner_id", kind="int"),
    Column("LeadSourceId", "leadsource_id", kind="int"),
    Column("ReferralCode", "referral_code"),
    Column("AssistantName", "assistant_name"),
    Column("AssistantPhone", "assistant_phone"),
    Column("BillingInformation", "billing_information"),
    # XML-RPC only: REST v2's Contact has no field for these.
    Column("ContactNotes", "xmlrpc_contact_notes"),
    Column("Leadsource", "xmlrpc_leadsource"),  # the lead source's name; LeadSourceId its id
    Column("Username", "xmlrpc_username"),
    Column("Password", "xmlrpc_password"),
    Column("Address1Type", "xmlrpc_address1_type"),
    Column("Address2Type", "xmlrpc_address2_type"),
    Column("Address3Type", "xmlrpc_address3_type"),
    Column("Email", "email_addresses", "EMAIL1", "email"),
    Column("EmailAddress2", "email_addresses", "EMAIL2", "email"),
    Column("EmailAddress3", "email_addresses", "EMAIL3", "email"),
    Column("Phone1", "phone_numbers", "PHONE1", "number"),
    Column("Phone1Ext", "phone_numbers", "PHONE1", "extension"),
    Column("Phone1Type", "phone_numbers", "PHONE1", "type"),
    Column("Phone2", "phone_numbers", "PHONE2", "number"),
    Column("Phone2Ext", "phone_numbers", "PHONE2", "extension"),
    Column("Phone2Type", "phone_numbers", "PHONE2", "type"),
    Column("Phone3", "phone_numbers", "PHONE3", "number"),
    Column("Phone3Ext", "phone_numbers", "PHONE3", "extension"),
    Column("Phone3Type", "phone_numbers", "PHONE3", "type"),
    Column("Phone4", "phone_numbers", "PHONE4", "number"),
    Column("Phone4Ext", "phone_numbers", "PHONE4", "extension"),
    Column("Phone4Type", "phone_numbers", "PHONE4", "type"),
    Column("Phone5", "phone_numbers", "PHONE5", "number"),
    Column("Phone5Ext", "phone_numbers", "PHONE5", "extension"),
    Column("Phone5Type", "phone_numbers", "PHONE5", "type"),
    Column("Fax1", "fax_numbers", "FAX1", "number"),
    Column("Fax1Type", "fax_numbers", "FAX1", "type"),
    Column("Fax2", "fax_numbers", "FAX2", "number"),
    Column("Fax2Type", "fax_numbers", "FAX2", "type"),
    Column("StreetAddress1", "addresses", "BILLING", "line1"),
    Column("StreetAddress2", "addresses", "BILLING", "line2"),
    Column("City", "addresses", "BILLING", "locality"),
    Column("State", "addresses", "BILLING", "region"),
    Column("PostalCode", "addresses", "BILLING", "postal_code"),
    Column("Country", "addresses", "BILLING", "country_code"),
    Column("ZipFour1", "addresses", "BILLING", "zip_four"),
    Column("Address2Street1", "addresses", "SHIPPING", "line1"),
    Column("Address2Street2", "addresses", "SHIPPING", "line2"),
    Column("City2", "addresses", "SHIPPING", "locality"),
    Column("State2", "addresses", "SHIPPING", "region"),
    Column("PostalCode2", "addresses", "SHIPPING", "postal_code"),
    Column("Country2", "addresses", "SHIPPING", "country_code"),
    Column("ZipFour2", "addresses", "SHIPPING", "zip_four"),
    Column("Address3Street1", "addresses", "OTHER", "line1"),
    Column("Address3Street2", "addresses", "OTHER", "line2"),
    Column("City3", "addresses", "OTHER", "locality"),
    Column("State3", "addresses", "OTHER", "region"),
    Column("PostalCode3", "addresses", "OTHER", "postal_code"),
    Column("Country3", "addresses", "OTHER", "country_code"),
    Column("ZipFour3", "addresses", "OTHER", "zip_four"),
)
COLUMNS: dict[str, Column] = {c.name: c for c in CONTACT_COLUMNS}
DATE_COLUMNS = frozenset(c.name for c in CONTACT_COLUMNS if c.kind == "date")
INT_COLUMNS = frozenset(c.name for c in CONTACT_COLUMNS if c.kind == "int")
# Canonical keys a struct can write (custom fields, ``_Name``, go to ``custom_fields``).
WRITABLE_KEYS = (
    *dict.fromkeys(c.key for c in CONTACT_COLUMNS if c.kind not in READ_ONLY_KINDS),
    "custom_fields",
)
# REST v2 has no email without an address nor phone without a number, so a slot missing
# its main part holds nothing the REST face could answer.
_MAIN_PART = {"email_addresses": "email", "phone_numbers": "number", "fax_numbers": "number"}


def _slot_order() -> dict[str, list[str]]:
    order: dict[str, list[str]] = {}
    for column in CONTACT_COLUMNS:
        if column.slot is not None and column.slot not in order.setdefault(column.key, []):
            order[column.key].append(column.slot)
    return order


SLOTS = _slot_order()
"""Each list's slots in column order, which is the order the store keeps its items in."""


# reading: canonical record -> XML-RPC struct


def contact_row(contact: Row, custom: dict[str, Any]) -> Row:
    """A canonical contact as Keap's full ``Contact`` struct, empty fields left out.

    ``custom`` maps each custom field name to its value as XML-RPC carries it.
    """
    row = {c.name: _wire(c, _read(contact, c)) for c in CONTACT_COLUMNS}
    row |= {f"_{name}": value for name, value in custom.items()}
    return {k: v for k, v in row.items() if not empty(v)}


def _read(contact: Row, column: Column) -> Any:
    if column.slot is None:
        return contact.get(column.key)
    items = contact.get(column.key) or []
    item: Row = next((i for i in items if i.get("field") == column.slot), {})
    return item.get(column.part or "")


def _wire(column: Column, value: Any) -> Any:
    if value is None or column.kind in ("text", "id", "int", "ref"):
        return value
    if column.kind == "date":
        return midnight(value)
    if column.kind == "stamp":
        return to_eastern(value)
    return ",".join(str(t) for t in value)  # tags


# writing: XML-RPC struct -> canonical changes


def contact_writes(current: Row, struct: Row) -> Row:
    """Every writable canonical field after writing ``struct`` over ``current``.

    ``struct`` is checked already (known, writable columns; values as Keap keeps them).
    The merge happens column by column, so a struct naming only ``Phone2`` leaves the other
    phone slots alone, as Keap does; an empty value clears a column.
    """
    record = {k: copy.deepcopy(current[k]) for k in WRITABLE_KEYS if current.get(k)}
    slots = {key: {i["field"]: i for i in record.get(key) or []} for key in SLOTS}
    for name, value in struct.items():
        column = COLUMNS.get(name)
        if column is None:  # a custom field, ``_Name``
            _write_custom(record, name[1:], value)
        elif column.slot is None:
            record[column.key] = _stored(column, value)
        else:
            item = slots[column.key].setdefault(column.slot, {"field": column.slot})
            item[column.part or ""] = _stored(column, value)
    record |= {key: _kept(key, items) for key, items in slots.items()}
    return {k: record.get(k) or None for k in WRITABLE_KEYS}


def _write_custom(record: Row, name: str, value: Any) -> None:
    values = record.setdefault("custom_fields", {})
    if empty(value):
        values.pop(name, None)
    else:
        values[name] = value


def _stored(column: Column, value: Any) -> Any:
    if empty(value) or (column.kind == "int" and value == 0):  # 0 is Keap's "none"
        return None
    return value.date() if column.kind == "date" else value  # Birthday is a plain date


def _kept(key: str, items: dict[str, Row]) -> list[Row]:
    """The list's items in slot order, leaving out slots with nothing (or no main part)."""
    main = _MAIN_PART.get(key)
    kept = []
    for slot in SLOTS[key]:
        item = {k: v for k, v in items.get(slot, {}).items() if v is not None}
        if len(item) > 1 and (main is None or main in item):
            kept.append(item)
    return kept
