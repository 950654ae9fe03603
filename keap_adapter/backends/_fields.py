"""XML-RPC ``Contact`` table fields <-> model fields, as one data table (REST v2 spec names).

Both directions go through the same rows, so a contact written through one backend reads
back equal through the other. The model side is a plain dict shaped like
:class:`~keap_adapter.Contact` (python values), which the XML-RPC codec and the fake share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

# XML-RPC date-times carry no zone and mean US Eastern (infusionsoft/infusionsoft-php#79;
# whether an app's own zone ever applies is undocumented).
EASTERN = ZoneInfo("America/New_York")

# Text columns (model field -> column): REST v2 spec names, XML-RPC Contact table names.
SCALARS: dict[str, str] = {
    "prefix": "Title",
    "given_name": "FirstName",
    "middle_name": "MiddleName",
    "family_name": "LastName",
    "suffix": "Suffix",
    "preferred_name": "Nickname",
    "company_name": "Company",
    "job_title": "JobTitle",
    "spouse_name": "SpouseName",
    "website": "Website",
    "time_zone": "TimeZone",
    "preferred_locale": "Language",
    "contact_type": "ContactType",
    "referral_code": "ReferralCode",
    "assistant_name": "AssistantName",
    "assistant_phone": "AssistantPhone",
    "billing_information": "BillingInformation",
}
# Id columns: ints over XML-RPC (0 is Keap's "none"), strings over REST v2.
IDS: dict[str, str] = {
    "company_id": "CompanyID",
    "owner_id": "OwnerID",
    "leadsource_id": "LeadSourceId",
}
# Date columns: a dateTime at Eastern midnight over XML-RPC, "YYYY-MM-DD" over REST v2.
DATES: dict[str, str] = {"birth_date": "Birthday", "anniversary_date": "Anniversary"}
EMAILS: dict[str, str] = {"EMAIL1": "Email", "EMAIL2": "EmailAddress2", "EMAIL3": "EmailAddress3"}
PHONES: dict[str, str] = {f"PHONE{n}": f"Phone{n}" for n in range(1, 6)}
FAXES: dict[str, str] = {"FAX1": "Fax1", "FAX2": "Fax2"}
ADDRESS_PARTS = ("line1", "line2", "locality", "region", "postal_code", "country_code", "zip_four")
ADDRESSES: dict[str, tuple[str, ...]] = {
    "BILLING": (
        "StreetAddress1", "StreetAddress2", "City", "State", "PostalCode", "Country", "ZipFour1",
    ),
    "SHIPPING": (
        "Address2Street1", "Address2Street2", "City2", "State2", "PostalCode2", "Country2",
        "ZipFour2",
    ),
    "OTHER": (
        "Address3Street1", "Address3Street2", "City3", "State3", "PostalCode3", "Country3",
        "ZipFour3",
    ),
}  # fmt: skip
READ_ONLY: dict[str, str] = {
    "Id": "id",
    "Groups": "tag_ids",
    "DateCreated": "create_time",
    "LastUpdated": "update_time",
    "AccountId": "account_id",
    "CreatedBy": "created_by",
    "LastUpdatedBy": "last_updated_by",
}
_ID_COLUMNS = ("AccountId", "CreatedBy", "LastUpdatedBy")
# Keap's Contact columns (the Contact table, e.g. novaksolutions/infusionsoft-php-sdk
# Generated/Contact.php) that REST v2 has no field for, and what to use.
UNMODELLED: dict[str, str] = {
    "Address1Type": "REST v2 addresses have no type; the slot (BILLING) is the address's kind",
    "Address2Type": "REST v2 addresses have no type; the slot (SHIPPING) is the address's kind",
    "Address3Type": "REST v2 addresses have no type; the slot (OTHER) is the address's kind",
    "ContactNotes": "REST v2 keeps notes apart: /rest/v2/contacts/{id}/notes",
    "Leadsource": "REST v2 names the lead source by id: leadsource_id (LeadSourceId)",
    "Username": "REST v2 has no customer portal login fields",
    "Password": "REST v2 has no customer portal login fields",
    "Validated": "REST v2 has no email validation flag; see /rest/v2/emailAddresses/{email}/status",
}

_SLOT_COLUMNS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "email_addresses": {slot: ((col, "email"),) for slot, col in EMAILS.items()},
    "phone_numbers": {
        slot: ((col, "number"), (f"{col}Ext", "extension"), (f"{col}Type", "type"))
        for slot, col in PHONES.items()
    },
    "fax_numbers": {slot: ((col, "number"), (f"{col}Type", "type")) for slot, col in FAXES.items()},
    "addresses": {
        slot: tuple(zip(cols, ADDRESS_PARTS, strict=True)) for slot, cols in ADDRESSES.items()
    },
}
COLUMN_FIELD: dict[str, str] = {
    **{col: name for table in (SCALARS, IDS, DATES) for name, col in table.items()},
    **{
        col: name
        for name, slots in _SLOT_COLUMNS.items()
        for pairs in slots.values()
        for col, _part in pairs
    },
}
"""Every writable column -> the model field it belongs to (custom ``_Name`` fields aside)."""

CONTACT_FIELDS: tuple[str, ...] = (*READ_ONLY, *COLUMN_FIELD)
"""Every Contact table field the facade reads (custom fields are added by name)."""


def to_struct(fields: dict[str, Any], *, clear_missing_slots: bool) -> dict[str, Any]:
    """Model-shaped writable fields -> an XML-RPC ``Contact`` struct.

    ``None`` becomes ``""`` (XML-RPC has no nil, and Keap clears a field sent empty), or 0
    for an id column. With ``clear_missing_slots`` a list field that is set clears the slots
    it does not name, so an update replaces the list as REST v2 does.
    """
    struct: dict[str, Any] = {}
    for name, value in fields.items():
        if name in SCALARS:
            struct[SCALARS[name]] = "" if value is None else value
        elif name in IDS:
            struct[IDS[name]] = 0 if value is None else value
        elif name in DATES:
            struct[DATES[name]] = "" if value is None else datetime.combine(value, time())
        elif name == "custom_fields":
            struct.update({f"_{k}": _plain(v) for k, v in (value or {}).items()})
        else:
            _slots_to_struct(struct, name, value or [], clear_missing_slots)
    return struct


def full_struct(contact: dict[str, Any]) -> dict[str, Any]:
    """A model-shaped contact (``Contact.model_dump()``) as the full XML-RPC ``Contact``
    struct Keap would answer, read-only fields included and empty fields left out."""
    writable = {k: contact[k] for k in WRITABLE if k in contact}
    struct = to_struct(writable, clear_missing_slots=False)
    struct["Id"] = contact["id"]
    struct["Groups"] = ",".join(str(t) for t in contact.get("tag_ids") or [])
    for xml_name in ("DateCreated", "LastUpdated"):
        stamp = contact.get(READ_ONLY[xml_name])
        struct[xml_name] = aware_to_eastern(stamp) if stamp is not None else None
    for xml_name in _ID_COLUMNS:
        struct[xml_name] = contact.get(READ_ONLY[xml_name])
    unset = {k for k in (*IDS.values(), *_ID_COLUMNS) if not struct.get(k)}  # 0 is "none"
    return {k: v for k, v in struct.items() if v not in ("", None) and k not in unset}


WRITABLE: tuple[str, ...] = (*dict.fromkeys(COLUMN_FIELD.values()), "custom_fields")
"""Every writable model field."""


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(EASTERN).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime.combine(value, time())
    return value


def _slots_to_struct(struct: dict[str, Any], name: str, items: list[Any], clear: bool) -> None:
    given = {_get(item, "field"): item for item in items}
    for slot in _SLOT_COLUMNS[name]:
        item = given.get(slot)
        if item is None and not clear:
            continue
        for xml_name, part in _slot_columns(name, slot):
            value = _get(item, part) if item is not None else None
            struct[xml_name] = "" if value is None else value


def _get(item: Any, part: str) -> Any:
    return item.get(part) if isinstance(item, dict) else getattr(item, part)


def _slot_columns(name: str, slot: str) -> tuple[tuple[str, str], ...]:
    """The (XML-RPC column, model part) pairs of one list slot."""
    return _SLOT_COLUMNS[name][slot]


def from_struct(
    struct: dict[str, Any], custom_types: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """An XML-RPC ``Contact`` struct -> a dict for ``Contact.model_validate``.

    Empty strings mean "not set" (Keap leaves empty fields out, or sends them empty).
    ``custom_types`` (field name -> REST field type) types date custom fields.
    """
    present = {k: v for k, v in struct.items() if v not in ("", None)}
    out: dict[str, Any] = {m: present[x] for m, x in SCALARS.items() if x in present}
    ids = {**IDS, **{m: x for x, m in READ_ONLY.items() if x in _ID_COLUMNS}}
    out.update({m: present[x] for m, x in ids.items() if present.get(x)})  # 0 is "none"
    out["id"] = present.get("Id")
    out["tag_ids"] = [int(t) for t in str(present.get("Groups", "")).split(",") if t.strip()]
    for xml_name in ("DateCreated", "LastUpdated"):
        if xml_name in present:
            out[READ_ONLY[xml_name]] = eastern_to_aware(present[xml_name])
    out.update({m: _as_datetime(present[x]).date() for m, x in DATES.items() if x in present})
    for name, slots in _SLOT_COLUMNS.items():
        out[name] = [item for slot in slots if (item := _slot_from_struct(present, name, slot))]
    types = custom_types or {}
    out["custom_fields"] = {
        k[1:]: typed_custom(v, types.get(k[1:], ""))
        for k, v in present.items()
        if k.startswith("_")
    }
    return out


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def typed_custom(value: Any, field_type: str) -> Any:
    """A custom field value as the model holds it, the same from either backend.

    DATE fields become a ``date`` and DATE_TIME fields an aware ``datetime``, whether they
    came as XML-RPC's naive Eastern ``dateTime`` or as REST's ISO-8601 text; a value that
    does not parse is kept as it came (reads are lenient).
    """
    if field_type not in ("DATE", "DATE_TIME") or value in (None, ""):
        return value
    if field_type == "DATE" and isinstance(value, str) and _ISO_DATE.match(value):
        return date.fromisoformat(value[:10])  # the date as written, whatever time follows
    try:
        stamp = _instant(value)
    except ValueError:
        return value
    return stamp.astimezone(EASTERN).date() if field_type == "DATE" else stamp


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=EASTERN)
    if isinstance(value, date):
        return datetime.combine(value, time(), EASTERN)
    text = str(value).strip().replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text) if "-" in text[:5] else _as_datetime(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=EASTERN)


def _slot_from_struct(present: dict[str, Any], name: str, slot: str) -> dict[str, Any] | None:
    parts = {part: present[col] for col, part in _slot_columns(name, slot) if col in present}
    main = {"email_addresses": "email", "phone_numbers": "number", "fax_numbers": "number"}.get(
        name
    )
    if not parts or (main and main not in parts):
        return None
    return {"field": slot, **{k: str(v) for k, v in parts.items()}}


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    # xmlrpc.client.DateTime (when not using builtin types) or the bare wire string
    return datetime.strptime(str(value), "%Y%m%dT%H:%M:%S")


def eastern_to_aware(value: Any) -> datetime:
    """An XML-RPC date-time (naive, US Eastern) -> an aware datetime in UTC."""
    naive = _as_datetime(value)
    return naive.replace(tzinfo=EASTERN).astimezone(timezone.utc)


def aware_to_eastern(value: datetime) -> datetime:
    """An aware datetime -> the naive US Eastern wall time XML-RPC expects."""
    return value.astimezone(EASTERN).replace(tzinfo=None)
