"""JSON <-> canonical records for FakeKeap's REST v2 face.

Bodies written here fit the official SDK's models (``keap_core_v2_client``) with nothing
left in ``additional_properties``; request bodies are checked against
``CreateUpdateContactRequest`` and refused with a 400 the way Keap refuses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, TypeGuard

from ._fake_dates import from_eastern

if TYPE_CHECKING:
    from ._fake_store import Store

# The `fields` / `update_mask` names the REST v2 spec lists for contacts (listContacts).
CONTACT_FIELD_NAMES = frozenset((
    "addresses", "anniversary_date", "birth_date", "company", "contact_type", "create_time",
    "custom_fields", "email_addresses", "family_name", "fax_numbers", "given_name", "id",
    "job_title", "leadsource_id", "links", "middle_name", "notes", "origin", "owner_id",
    "phone_numbers", "preferred_locale", "preferred_name", "prefix", "referral_code",
    "score_value", "social_accounts", "source_type", "spouse_name", "suffix", "tag_ids",
    "time_zone", "update_time", "utm_parameters", "website", "account_id", "assistant_name",
    "assistant_phone", "billing_information", "created_by", "groups", "last_updated_by",
))  # fmt: skip
# Top-level properties of CreateUpdateContactRequest.
_REQUEST_FIELDS = frozenset((
    "addresses", "company", "origin", "prefix", "suffix", "website", "anniversary_date",
    "birth_date", "contact_type", "custom_fields", "email_addresses", "family_name",
    "fax_numbers", "given_name", "job_title", "leadsource_id", "middle_name", "owner_id",
    "phone_numbers", "preferred_locale", "preferred_name", "referral_code", "social_accounts",
    "source_type", "spouse_name", "time_zone", "utm_parameters", "assistant_name",
    "assistant_phone", "billing_information",
))  # fmt: skip
# Text fields and the longest text each takes (CreateUpdateContactRequest; None: no limit).
_TEXTS: dict[str, int | None] = {
    "prefix": None, "given_name": 40, "middle_name": 100, "family_name": 40, "suffix": None,
    "preferred_name": 100, "job_title": 255, "spouse_name": 100, "website": 100,
    "time_zone": None, "preferred_locale": None, "contact_type": None, "referral_code": None,
    "assistant_name": 20, "assistant_phone": 15, "billing_information": 100,
}  # fmt: skip
_IDS = ("owner_id", "leadsource_id")  # ids Keap takes as strings of digits
_READ_IDS = ("account_id", "created_by", "last_updated_by")  # ids it only answers
_DATES = ("birth_date", "anniversary_date")  # "YYYY-MM-DD"
# REST name -> the canonical keys it sets, for the fields the fake models (``company``
# carries both the linked company's id and its name).
MODELLED: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in (*_TEXTS, *_IDS, *_DATES)},
    "company": ("company_id", "company_name"),
    **{name: (name,) for name in ("email_addresses", "phone_numbers", "fax_numbers")},
    **{name: (name,) for name in ("addresses", "custom_fields")},
}
_ADDRESS_KEYS = frozenset((
    "country", "line1", "line2", "locality", "region", "field", "country_code", "postal_code",
    "region_code", "zip_code", "zip_four",
))  # fmt: skip


@dataclass(frozen=True)
class _ListSpec:
    """How one list field of a contact is read: its slots, keys, and canonical parts."""

    slots: tuple[str, ...]
    allowed: frozenset[str]
    required: str | None
    parts: dict[str, tuple[str, ...]]  # canonical part -> JSON names, first one given wins


_LISTS = {
    "email_addresses": _ListSpec(
        ("EMAIL1", "EMAIL2", "EMAIL3"),
        frozenset({"email", "field", "opt_in_reason"}),
        "email",
        {"email": ("email",)},
    ),
    "phone_numbers": _ListSpec(
        tuple(f"PHONE{n}" for n in range(1, 6)),
        frozenset({"number", "extension", "type", "field", "number_e164"}),
        "number",
        {"number": ("number",), "extension": ("extension",), "type": ("type",)},
    ),
    "addresses": _ListSpec(
        ("BILLING", "SHIPPING", "OTHER"),
        _ADDRESS_KEYS,
        None,
        {
            "line1": ("line1",),
            "line2": ("line2",),
            "locality": ("locality",),
            "region": ("region", "region_code"),
            "postal_code": ("postal_code", "zip_code"),
            "country_code": ("country_code",),
            "zip_four": ("zip_four",),
        },
    ),
    "fax_numbers": _ListSpec(
        ("FAX1", "FAX2"),
        frozenset({"number", "type", "field"}),
        "number",
        {"number": ("number",), "type": ("type",)},
    ),
}
_ITEM_PARTS = {key: ("field", *spec.parts) for key, spec in _LISTS.items()}


class RestError(Exception):
    """Raised by a handler to answer with Keap's ``Error`` body; ``reason`` overrides the
    status name the HTTP status stands for."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


def iso(value: datetime) -> str:
    """An aware datetime as ISO-8601 UTC with ``Z``, to the second."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def contact_json(store: Store, contact: dict[str, Any], fields: set[str] | None) -> dict[str, Any]:
    """A canonical contact as a v2 ``Contact`` (empty fields left out; ids as strings)."""
    out: dict[str, Any] = {"id": str(contact["id"])}
    out |= {k: contact[k] for k in _TEXTS if contact.get(k)}
    out |= {k: str(contact[k]) for k in (*_IDS, *_READ_IDS) if contact.get(k)}
    out |= {k: contact[k].isoformat() for k in _DATES if contact.get(k)}
    company = {"id": contact.get("company_id"), "company_name": contact.get("company_name")}
    if any(company.values()):
        out["company"] = {k: str(v) for k, v in company.items() if v}
    for name, parts in _ITEM_PARTS.items():
        if contact.get(name):
            out[name] = [{p: item[p] for p in parts if item.get(p)} for item in contact[name]]
    if contact.get("tag_ids"):
        out["tag_ids"] = [str(t) for t in contact["tag_ids"]]
    if contact.get("custom_fields"):
        out["custom_fields"] = _custom_json(store, contact["custom_fields"])
    out |= {k: iso(contact[k]) for k in ("create_time", "update_time")}
    return {k: v for k, v in out.items() if fields is None or k in fields or k == "id"}


def _custom_json(store: Store, values: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, value in sorted(values.items()):
        meta = store.field_named(name)
        if meta is not None:
            out.append({"id": str(meta["id"]), "content": _jsonable(value)})
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        # A naive datetime came in over XML-RPC, where it means US Eastern.
        return iso(value if value.tzinfo else from_eastern(value))
    return value.isoformat() if isinstance(value, date) else value


def tag_json(tag: dict[str, Any]) -> dict[str, Any]:
    """A canonical tag as a v2 ``Tag``."""
    out: dict[str, Any] = {"id": str(tag["id"]), "name": tag["name"]}
    if tag.get("description"):
        out["description"] = tag["description"]
    if tag.get("category_id"):
        out["category"] = {"id": str(tag["category_id"])}
    return out | {"create_time": iso(tag["create_time"]), "update_time": iso(tag["update_time"])}


def contact_fields(store: Store, body: Any) -> dict[str, Any]:
    """A ``CreateUpdateContactRequest`` body -> canonical fields (``None`` clears)."""
    out: dict[str, Any] = {}
    for key, value in json_object(body, "request", _REQUEST_FIELDS).items():
        if key not in MODELLED:
            raise RestError(400, f"FakeKeap does not model the contact field {key!r}")
        if key in _TEXTS:
            out[key] = json_text(key, value, _TEXTS[key])
        elif key in _IDS:
            out[key] = _id(key, value)
        elif key in _DATES:
            out[key] = _date(key, value)
        elif key == "company":
            out |= _company(value)
        elif key in _LISTS:
            out[key] = None if value is None else _list(key, value)
        else:
            out[key] = None if value is None else _custom_fields(store, value)
    return out


def json_object(value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    """A JSON object with only ``allowed`` keys (``None`` reads as empty); else a 400."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RestError(400, f"Invalid JSON payload received: {where} must be an object")
    for key in value:
        if key not in allowed:
            raise RestError(400, f'Invalid JSON payload received. Unknown name "{key}" at {where}')
    return value


def json_text(where: str, value: Any, limit: int | None = None) -> str | None:
    """A JSON string or null, at most ``limit`` long; "" reads as ``None``."""
    if value is not None and not isinstance(value, str):
        raise RestError(400, f"Invalid value for {where}: expected a string")
    if value and limit is not None and len(value) > limit:
        raise RestError(400, f"{where} is longer than {limit} characters")
    return value or None


def _company(value: Any) -> dict[str, Any]:
    """``company {id, company_name}``: the linked company's id and its name, each kept as
    given (the fake has no company records to look the name up in)."""
    company = json_object(value, "company", frozenset({"id", "company_name"}))
    return {
        "company_id": _id("company.id", company.get("id")),
        "company_name": json_text("company.company_name", company.get("company_name")),
    }


def _id(where: str, value: Any) -> int | None:
    """An id as REST v2 carries one: a string of digits ("" or null: none)."""
    if value in (None, ""):
        return None
    if not is_id(value) or int(value) < 1:
        raise RestError(400, f"Invalid value for {where}: expected a numeric string id")
    return int(value)


def _date(where: str, value: Any) -> date | None:
    text = json_text(where, value)
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise RestError(400, f"Invalid value for {where}: expected YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RestError(400, f"Invalid value for {where}: {exc}") from exc


def _list(key: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise RestError(400, f"Invalid JSON payload received: {key} must be an array")
    spec = _LISTS[key]
    items: list[dict[str, Any]] = []
    for raw in value:
        obj = json_object(raw, key, spec.allowed)
        if obj.get("field") not in spec.slots:
            raise RestError(400, f"{key}[].field must be one of {', '.join(spec.slots)}")
        if any(item["field"] == obj["field"] for item in items):
            raise RestError(400, f"{key} names the slot {obj['field']} twice")
        item = {"field": obj["field"]}
        for part, names in spec.parts.items():
            given = next((obj[n] for n in names if obj.get(n) is not None), None)
            if (text := json_text(f"{key}[].{part}", given)) is not None:
                item[part] = text
        if spec.required and spec.required not in item:
            raise RestError(400, f"{key}[].{spec.required} is required")
        if item.get("region") and not item.get("country_code"):
            raise RestError(400, "country_code is required when region is specified")
        items.append(item)
    return items


def _custom_fields(store: Store, value: Any) -> dict[str, Any]:
    if not isinstance(value, list):
        raise RestError(400, "Invalid JSON payload received: custom_fields must be an array")
    out: dict[str, Any] = {}
    for raw in value:
        obj = json_object(raw, "custom_fields", frozenset({"id", "content"}))
        field_id = obj.get("id")
        meta = store.custom_fields.get(int(field_id)) if is_id(field_id) else None
        if meta is None:
            raise RestError(400, f"Unknown custom field id: {field_id!r}")
        if obj.get("content") not in (None, ""):
            out[meta["name"]] = obj["content"]
    return out


def is_id(value: Any) -> TypeGuard[str]:
    """Whether a JSON value is an id: a string of digits."""
    return isinstance(value, str) and value.isdigit()


TAG_FIELDS = frozenset({"name", "description", "category"})


def tag_fields(data: Any) -> dict[str, Any]:
    """A ``CreateUpdateTagRequest`` as store fields (a name, a numeric category id)."""
    body = json_object(data, "request", TAG_FIELDS)
    out: dict[str, Any] = {}
    if "name" in body:
        name = json_text("name", body.get("name"))
        if not name:
            raise RestError(400, "name is required")
        out["name"] = name[:255]  # Keap saves up to 255 characters of the name
    if "description" in body:
        out["description"] = json_text("description", body.get("description"))
    if "category" in body:
        category = json_object(body.get("category"), "category", frozenset({"id"}))
        if category and not is_id(category.get("id")):
            raise RestError(400, "category.id must be a numeric string")
        out["category_id"] = int(category["id"]) if category else None
    return out
