"""REST v2 JSON shapes <-> models: pure functions, shared by the REST codec and the fake."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import httpx

from .._models import LENIENT, Contact, NewContact, Tag, TaggedContact, TagOutcome
from ._base import ContactFilter
from ._fields import EASTERN, typed_custom

# Ask for every field the facade models: which fields v2 returns by default is unconfirmed
# (the v2 spec does not say), and in v1 tag_ids and custom_fields were left out.
CONTACT_JSON_FIELDS = (
    "id",
    "prefix",
    "given_name",
    "middle_name",
    "family_name",
    "suffix",
    "preferred_name",
    "company",
    "job_title",
    "email_addresses",
    "phone_numbers",
    "fax_numbers",
    "addresses",
    "birth_date",
    "anniversary_date",
    "spouse_name",
    "website",
    "time_zone",
    "preferred_locale",
    "contact_type",
    "owner_id",
    "leadsource_id",
    "referral_code",
    "assistant_name",
    "assistant_phone",
    "billing_information",
    "account_id",
    "created_by",
    "last_updated_by",
    "tag_ids",
    "custom_fields",
    "create_time",
    "update_time",
)
FIELDS = {"fields": ",".join(CONTACT_JSON_FIELDS)}
FIELDS_QUERY = str(httpx.QueryParams(FIELDS))
"""``FIELDS`` as httpx encodes it in a query, once (``fields=id%2Cprefix%2C...``)."""

# Model field -> update_mask name, where they differ: both company fields live in ``company``.
_MASK_NAMES = {"company_name": "company", "company_id": "company"}
_PLAIN = (
    "prefix", "given_name", "middle_name", "family_name", "suffix", "preferred_name",
    "job_title", "spouse_name", "website", "time_zone", "preferred_locale", "contact_type",
    "referral_code", "assistant_name", "assistant_phone", "billing_information",
)  # fmt: skip
# Ids are strings on the REST v2 wire, ints in the models.
_IDS = ("owner_id", "leadsource_id")
_READ_IDS = ("owner_id", "leadsource_id", "account_id", "created_by", "last_updated_by")
_DATES = ("birth_date", "anniversary_date")


def contact_body(fields: dict[str, Any], custom_ids: dict[str, str]) -> dict[str, Any]:
    """Model-shaped writable fields -> a ``CreateUpdateContactRequest`` body.

    ``None`` values are left out: a field named in ``update_mask`` but absent from the
    body is cleared (AIP-134 semantics).
    """
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name in _PLAIN:
            body[name] = value
        elif name in _IDS:
            body[name] = str(value)
        elif name in _DATES:
            body[name] = value.isoformat()
        elif name == "company_name":
            body.setdefault("company", {})["company_name"] = value
        elif name == "company_id":
            body.setdefault("company", {})["id"] = str(value)
        elif name == "custom_fields":
            body["custom_fields"] = [_custom_value(custom_ids, k, v) for k, v in value.items()]
        else:  # the slot lists: email_addresses, phone_numbers, fax_numbers, addresses
            body[name] = [item.model_dump(exclude_none=True) for item in value]
    return body


class UnknownCustomField(ValueError):
    """A write names a custom field the account does not have."""


def _custom_value(ids: dict[str, str], name: str, value: Any) -> dict[str, Any]:
    # A field read back under its bare id (not in the model when read) is written by id.
    field_id = ids.get(name) or (name if name in ids.values() or name.isdigit() else None)
    if field_id is None:
        raise UnknownCustomField(f"unknown custom field {name!r}; Keap has: {sorted(ids)}")
    return {"id": field_id, "content": _custom_content(value)}


def _custom_content(value: Any) -> Any:
    if isinstance(value, datetime):
        # XML-RPC reads a naive time as US Eastern; say so explicitly to REST, in UTC.
        aware = value if value.tzinfo else value.replace(tzinfo=EASTERN)
        return aware.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def update_mask(changes: dict[str, Any]) -> list[str]:
    """The ``update_mask`` names of exactly the changed fields."""
    return [*dict.fromkeys(_MASK_NAMES.get(name, name) for name in changes)]


def contact_from_json(
    data: dict[str, Any], custom_names: dict[str, str], custom_types: dict[str, str] | None = None
) -> Contact:
    """A v2 ``Contact`` JSON object -> ``Contact``; ``custom_names`` maps field id -> name,
    ``custom_types`` field name -> field_type (date fields are typed)."""
    # Empty strings are "not set" (an unset date reads "" on some answers).
    values = {k: v for k, v in data.items() if k in CONTACT_JSON_FIELDS and v not in (None, "")}
    values["id"] = int(data["id"])
    company = values.pop("company", None) or {}
    values["company_name"] = company.get("company_name")
    values["company_id"] = _int_or_none(company.get("id"))
    values.update({name: _int_or_none(values.get(name)) for name in _READ_IDS})
    values["tag_ids"] = [int(t) for t in values.get("tag_ids") or []]
    types = custom_types or {}
    named = {custom_names.get(str(cf["id"]), str(cf["id"])): cf.get("content")
             for cf in values.get("custom_fields") or []}  # fmt: skip
    values["custom_fields"] = {k: typed_custom(v, types.get(k, "")) for k, v in named.items()}
    for name in _SLOT_PARTS:
        values[name] = _slots(values.get(name) or [], name)
    return Contact.model_validate(values, context=LENIENT)


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "", "0", 0) else None


_SLOT_PARTS = {
    "email_addresses": ("email", "field"),
    "phone_numbers": ("number", "field", "type", "extension"),
    "fax_numbers": ("number", "field", "type"),
    "addresses": (
        "field", "line1", "line2", "locality", "region", "postal_code", "country_code", "zip_four",
    ),
}  # fmt: skip


def _slot(item: dict[str, Any], name: str) -> dict[str, Any]:
    # Keap adds read-only parts (is_opt_in, number_e164, zip_four...) the model leaves out.
    return {k: item[k] for k in _SLOT_PARTS[name] if item.get(k) is not None}


# The slots the models (and XML-RPC's columns) have; the v2 schema also allows
# ``*_FIELD_UNSPECIFIED``, which no column holds.
_KNOWN_SLOTS = {
    "email_addresses": ("EMAIL1", "EMAIL2", "EMAIL3"),
    "phone_numbers": ("PHONE1", "PHONE2", "PHONE3", "PHONE4", "PHONE5"),
    "fax_numbers": ("FAX1", "FAX2"),
    "addresses": ("BILLING", "SHIPPING", "OTHER"),
}


def _slots(items: list[Any], name: str) -> list[dict[str, Any]]:
    """The items of a slot list the model can hold: one per known slot (the first), so an
    item in no slot, or a second one in the same slot, never makes a contact unreadable."""
    kept: dict[str, dict[str, Any]] = {}
    for item in items:
        slot = item.get("field") if isinstance(item, dict) else None
        if slot in _KNOWN_SLOTS[name] and slot not in kept:
            kept[slot] = _slot(item, name)
    return list(kept.values())


_SLOT_LISTS = ("email_addresses", "phone_numbers", "fax_numbers", "addresses")


def duplicate_of(found: Contact, new: NewContact, option: str) -> bool:
    """Whether ``found`` is what Keap's duplicate ``option`` would match for ``new``."""
    held = {e.email.casefold() for e in found.email_addresses}  # Keap checks every slot
    same = [(new.email or "").casefold() in held]
    if option in ("EmailAndName", "EmailAndNameAndCompany"):
        same += [_same(found.given_name, new.given_name), _same(found.family_name, new.family_name)]
    if option == "EmailAndNameAndCompany":
        same.append(_same(found.company_name, new.company_name))
    return all(same)


def _same(left: str | None, right: str | None) -> bool:
    return (left or "").strip().casefold() == (right or "").strip().casefold()


def merge_into(current: Contact, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the slot lists and custom fields of ``current`` it does not name kept."""
    merged = dict(fields)
    for name in _SLOT_LISTS:
        if fields.get(name) is not None:
            given = {item.field for item in fields[name]}
            kept = [item for item in getattr(current, name) if item.field not in given]
            merged[name] = sorted([*kept, *fields[name]], key=lambda item: item.field)
    return keep_unnamed_parts(current, merged)


_COMPANY = ("company_name", "company_id")


def one_company_part(fields: dict[str, Any]) -> bool:
    """Whether ``fields`` name one of the two parts of REST v2's ``company`` object only."""
    return sum(name in fields for name in _COMPANY) == 1


def keep_unnamed_parts(current: Contact, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the custom fields and the company part of ``current`` they do not
    name kept: REST v2 replaces ``custom_fields`` and ``company`` as wholes."""
    merged = dict(fields)
    if fields.get("custom_fields") is not None:
        merged["custom_fields"] = {**current.custom_fields, **fields["custom_fields"]}
    if one_company_part(fields):
        missing = next(name for name in _COMPANY if name not in fields)
        merged[missing] = getattr(current, missing)
    return merged


def custom_field_types(data: dict[str, Any]) -> dict[str, str]:
    """``GET contacts/model`` -> {field name: field_type}."""
    return {
        str(f["field_name"]): str(f.get("field_type") or "")
        for f in data.get("custom_fields") or []
    }


def custom_field_ids(data: dict[str, Any]) -> dict[str, str]:
    """``GET contacts/model`` -> {field name: custom field id}."""
    return {str(f["field_name"]): str(f["id"]) for f in data.get("custom_fields") or []}


def page_params(page_size: int, cursor: str | None) -> dict[str, Any]:
    """Query parameters of one page."""
    params: dict[str, Any] = {"page_size": page_size}
    if cursor:
        params["page_token"] = cursor
    return params


def next_cursor(data: dict[str, Any]) -> str | None:
    """The next page's token; Keap's last page has it empty or absent (the spec
    does not say which)."""
    token = data.get("next_page_token")
    return str(token) if token else None


def filter_value(value: str) -> str:
    """A value that cannot break the ``;``-separated filter mini-language."""
    if ";" in value or "==" in value:
        raise ValueError(f"a filter value cannot contain ';' or '==': {value!r}")
    return value


def contact_filter(where: ContactFilter) -> str:
    """``ContactFilter`` -> ``email==...;given_name==...`` (a trailing ``*`` is a prefix)."""
    conditions = [
        f"{name}=={filter_value(value)}"
        for name in ("email", "given_name", "family_name")
        if (value := getattr(where, name)) is not None
    ]
    return ";".join(conditions)


def tag_body(name: str | None, description: str | None, category_id: int | None) -> dict[str, Any]:
    """A ``CreateUpdateTagRequest`` body (fields that are ``None`` are left out)."""
    body: dict[str, Any] = {} if name is None else {"name": name}
    if description is not None:
        body["description"] = description
    if category_id is not None:
        body["category"] = {"id": str(category_id)}
    return body


def tag_from_json(data: dict[str, Any]) -> Tag:
    """A v2 ``Tag`` JSON object -> ``Tag``."""
    category = data.get("category") or {}
    return Tag(
        id=int(data["id"]),
        name=data["name"],
        description=data.get("description"),
        category_id=int(category["id"]) if category.get("id") else None,
    )


def applied_tags(data: dict[str, Any]) -> list[Tag]:
    """``ListContactTagsResponse`` -> the tags."""
    return [tag_from_json(item["tag"]) for item in data.get("tags") or []]


def apply_results(data: dict[str, Any]) -> dict[str, str]:
    """``ApplyTagsResponse`` -> {contact id string: status}; a ``TypeError`` (read by the
    codec as a misfit answer) unless ``results`` is an object of strings."""
    results = data.get("results") or {}
    if not isinstance(results, dict) or not all(isinstance(v, str) for v in results.values()):
        raise TypeError("results is not an object of status strings")
    return {str(k): v for k, v in results.items()}


# applyTags' ``results`` maps each contact id to a status string whose values Keap does not
# document; these are read as "the contact now has the tag".
_APPLIED = frozenset({"SUCCESS", "DUPLICATE", "ALREADY_APPLIED", "ALREADY_EXISTS"})
_MISSING = frozenset({"NOT_FOUND", "CONTACT_NOT_FOUND", "NOTFOUND"})


def apply_outcome(status: str | None) -> TagOutcome:
    """One ``results`` status as a :class:`TagOutcome` (absent: ``UNREPORTED``)."""
    if status is None:
        return TagOutcome.UNREPORTED
    word = status.strip().upper()
    if word in _APPLIED:  # whole words only: "SUCCESSFULLY_FAILED" is no success
        return TagOutcome.SUCCESS
    if word in _MISSING:
        return TagOutcome.NOT_FOUND
    return TagOutcome.FAILED


def tagged_contact(data: dict[str, Any]) -> TaggedContact:
    """A v2 ``TaggedContact`` (``id``, ``email``, names, ``applied_time``)."""
    values = {k: data.get(k) for k in ("email", "given_name", "family_name", "applied_time")}
    return TaggedContact.model_validate({"id": int(data["id"]), **values}, context=LENIENT)


def error_message(response: httpx.Response) -> str:
    """The message of an error body: Keap's ``Error`` or the gateway's ``{"fault": ...}``."""
    try:
        data = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested beyond reason
        return f"HTTP {response.status_code} {response.reason_phrase}".strip()
    if isinstance(data, dict) and isinstance(data.get("fault"), dict):
        return str(data["fault"].get("faultstring") or data["fault"])
    if isinstance(data, dict) and data.get("message"):
        status = f" ({data['status']})" if data.get("status") else ""
        return f"{data['message']}{status}"
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()
