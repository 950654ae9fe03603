"""FakeKeap's REST v2 face, continued: tag categories, custom field definitions and email
opt-in status.

Paths and bodies are REST v2's (``/tags/categories``, ``/contacts/model``,
``/contacts/model/customFields``, ``/emailAddresses/{email}/status``); answers fit the
official SDK's ``TagCategory``, ``ListTagCategoriesResponse``, ``ObjectModel``,
``CustomFieldMetaData`` and ``RestEmailAddressStatus``. Store rules (unique names, a
category in use, Keap's field names, who may opt back in) are the store's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from ._fake_rest_json import RestError, is_id, iso, json_object, json_text
from ._fake_rest_query import conditions, field_meets, ordered, page
from ._fake_store_more import FIELD_TYPES, InUse, NameTaken

if TYPE_CHECKING:
    from ._fake_rest import Call

Row = dict[str, Any]
_CATEGORY_FIELDS = frozenset({"name", "description"})
_CATEGORY_ORDER: dict[str, Callable[[Row], Any]] = {
    "name": lambda c: str(c["name"]).casefold(),
    "create_time": lambda c: c["create_time"],
    "update_time": lambda c: c["update_time"],
}
_FIELD_REQUEST = frozenset({"label", "options", "field_type", "group_id", "user_group_id"})
_OPTION = frozenset({"label"})


def _json(status: int, body: Row) -> httpx.Response:
    return httpx.Response(status, json=body)


def _taken(exc: NameTaken) -> RestError:
    """REST v2 calls category names unique; a taken one is a 409, as for tags."""
    return RestError(409, f"A tag category named {exc.name!r} already exists")


# tag categories


def category_json(category: Row) -> Row:
    """A canonical tag category as a v2 ``TagCategory``."""
    out: Row = {"id": str(category["id"]), "name": category["name"]}
    if category.get("description"):
        out["description"] = category["description"]
    return out | {k: iso(category[k]) for k in ("create_time", "update_time")}


def _category_or_404(call: Call) -> Row:
    category = call.store.category(call.ids[0])
    if category is None:
        raise RestError(404, f"Tag category {call.ids[0]} not found")
    return category


def _category_fields(call: Call) -> Row:
    body = json_object(call.body(), "request", _CATEGORY_FIELDS)
    out: Row = {}
    if "name" in body:
        name = json_text("name", body["name"])
        if not name:
            raise RestError(400, "name is required")
        out["name"] = name[:255]
    if "description" in body:
        out["description"] = json_text("description", body["description"])
    return out


def _list_categories(call: Call) -> httpx.Response:
    params = call.request.url.params
    wanted = conditions(params, ("name", "description"))
    found = [c for c in call.store.all_categories() if field_meets(c, wanted)]
    found = ordered(params.get("order_by"), found, _CATEGORY_ORDER)
    chunk, token = page(params, found, lambda c: int(c["id"]))
    body = {"tag_categories": [category_json(c) for c in chunk], "next_page_token": token}
    return _json(200, body)


def _create_category(call: Call) -> httpx.Response:
    fields = _category_fields(call)
    if "name" not in fields:
        raise RestError(400, "name is required")
    try:
        made = call.store.create_category(fields["name"], fields.get("description"))
    except NameTaken as exc:
        raise _taken(exc) from None
    return _json(201, category_json(made))


def _get_category(call: Call) -> httpx.Response:
    return _json(200, category_json(_category_or_404(call)))


def _update_category(call: Call) -> httpx.Response:
    """PATCH: with ``update_mask`` only the masked fields change (absent from the body:
    cleared); without it every field in the body changes."""
    category_id = int(_category_or_404(call)["id"])
    fields = _category_fields(call)
    if mask := call.params("update_mask"):
        if unknown := set(mask) - _CATEGORY_FIELDS:
            raise RestError(400, f"unknown update_mask fields: {sorted(unknown)}")
        fields = {k: fields.get(k) for k in mask}
    if "name" in fields and fields["name"] is None:
        raise RestError(400, "name cannot be cleared")
    try:
        call.store.update_category(category_id, fields)
    except NameTaken as exc:
        raise _taken(exc) from None
    return _json(200, category_json(_category_or_404(call)))


def _delete_category(call: Call) -> httpx.Response:
    """Refused while tags belong to the category (see ``Store.delete_category``), as
    Google-style APIs refuse a call the resource's state does not allow."""
    category_id = int(_category_or_404(call)["id"])
    try:
        call.store.delete_category(category_id)
    except InUse:
        message = f"Tag category {category_id} still has tags; move or delete them first"
        raise RestError(400, message, "FAILED_PRECONDITION") from None
    return httpx.Response(204)


# custom field definitions


def field_json(meta: Row) -> Row:
    """Canonical custom field metadata as a v2 ``CustomFieldMetaData``."""
    out: Row = {
        "id": str(meta["id"]), "label": meta["label"], "field_type": meta["field_type"],
        "field_name": meta["name"], "record_type": "CONTACT",
        "group_id": str(meta["group_id"]),
    }  # fmt: skip
    if meta["options"]:
        out["options"] = [{"id": str(o["id"]), "label": o["label"]} for o in meta["options"]]
    return out


def _contact_model(call: Call) -> httpx.Response:
    fields = [field_json(call.store.custom_fields[f]) for f in sorted(call.store.custom_fields)]
    return _json(200, {"custom_fields": fields, "optional_properties": []})


def _option_labels(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RestError(400, "Invalid JSON payload received: options must be an array")
    labels = []
    for option in value:
        label = json_text("options[].label", json_object(option, "options", _OPTION).get("label"))
        if not label:
            raise RestError(400, "options[].label is required")
        labels.append(label)
    return labels


def _group_id(call: Call, value: Any) -> int | None:
    if value is None:
        return None
    if not is_id(value) or int(value) not in call.store.field_groups:
        raise RestError(400, f"Invalid group_id: {value!r}")
    return int(value)


def _create_field(call: Call) -> httpx.Response:
    """createContactCustomField; ``user_group_id`` (who a USER field picks from) is taken
    and not kept: the fake has no users."""
    body = json_object(call.body(), "request", _FIELD_REQUEST)
    label = json_text("label", body.get("label"), 255)
    if not label or not label.strip():
        raise RestError(400, "label is required")
    if body.get("field_type") not in FIELD_TYPES:
        raise RestError(400, f"Invalid field_type: {body.get('field_type')!r}")
    options = _option_labels(body.get("options"))
    group = _group_id(call, body.get("group_id"))
    made = call.store.create_field(label, str(body["field_type"]), options, group)
    return _json(201, field_json(made))


# email opt-in status


def status_json(status: Row) -> Row:
    """An address's status as a v2 ``RestEmailAddressStatus``."""
    out = {k: status[k] for k in ("email", "opted_in", "status")}
    return out | {"create_time": iso(status["create_time"])}


def _email(call: Call) -> str:
    email = call.parts[0].strip()
    if "@" not in email:
        raise RestError(400, f"Invalid email address: {email!r}")
    return email


def _get_status(call: Call) -> httpx.Response:
    status = call.store.email_status(_email(call))
    if status is None:
        raise RestError(404, f"Email address {call.parts[0]!r} not found")
    return _json(200, status_json(status))


def _update_status(call: Call) -> httpx.Response:
    """``{opted_in, reason}``, both required (UpdateEmailAddress). An opt-in of an address
    opted out through the API leaves it as it is, and says so by answering it unchanged."""
    email = _email(call)
    body = json_object(call.body(), "request", frozenset({"opted_in", "reason"}))
    opted_in, reason = body.get("opted_in"), json_text("reason", body.get("reason"))
    if not isinstance(opted_in, bool) or not reason:
        raise RestError(400, "opted_in (a boolean) and reason are required")
    store = call.store
    status = store.opt_in(email, reason) if opted_in else store.opt_out(email, reason)
    return _json(200, status_json(status))


Handler = Callable[["Call"], httpx.Response]
SURROUNDING_ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(r"tags/categories"), {"GET": _list_categories, "POST": _create_category}),
    (
        re.compile(r"tags/categories/(\d+)"),
        {"GET": _get_category, "PATCH": _update_category, "DELETE": _delete_category},
    ),
    (re.compile(r"contacts/model"), {"GET": _contact_model}),
    (re.compile(r"contacts/model/customFields"), {"POST": _create_field}),
    (re.compile(r"emailAddresses/(.+)/status"), {"GET": _get_status, "PATCH": _update_status}),
]
