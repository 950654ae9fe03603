"""REST v2 flows for what surrounds contacts and tags: tag categories, custom field
definitions and email opt-in status (a mixin of :class:`~.rest.RestBackend`).

Paths and shapes are those of Keap's REST v2 spec (``/tags/categories``,
``/contacts/model/customFields``, ``/emailAddresses/{email}/status``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from .._account_models import CustomField, EmailStatus
from .._exceptions import NotFoundError
from .._models import LENIENT, TagCategory, check_id
from ._base import Call, Flow, Page
from ._rest_json import next_cursor, page_params

T = TypeVar("T")


def category_from_json(data: dict[str, Any]) -> TagCategory:
    """A v2 ``TagCategory`` -> :class:`TagCategory`."""
    values = {"id": int(data["id"]), "name": data["name"], "description": data.get("description")}
    return TagCategory.model_validate(values, context=LENIENT)


def field_from_json(data: dict[str, Any]) -> CustomField:
    """A v2 ``CustomFieldMetaData`` -> :class:`CustomField`."""
    values = {
        "id": int(data["id"]),
        "name": data["field_name"],
        "label": data.get("label") or "",
        "field_type": data.get("field_type") or "",
        "options": [str(o["label"]) for o in data.get("options") or [] if o.get("label")],
    }
    return CustomField.model_validate(values, context=LENIENT)


def status_from_json(data: dict[str, Any], email: str) -> EmailStatus:
    """A v2 ``RestEmailAddressStatus`` -> :class:`EmailStatus`, for the address as asked
    (Keap may answer it in the case it stored; XML-RPC echoes nothing)."""
    values = {"email": email, "opted_in": data["opted_in"], "status": data["status"]}
    return EmailStatus.model_validate(values, context=LENIENT)


def _email_path(email: str) -> str:
    # The address is a path segment: '/', '?' and '#' must not end it early.
    return f"emailAddresses/{quote(email, safe='@+')}/status"


class RestSurroundings:
    """Tag categories, custom field definitions and email status over REST v2."""

    _custom_ids: dict[str, str] | None

    if TYPE_CHECKING:  # provided by RestBackend

        def _call(
            self, op: str, method: str, path: str, *, idempotent: bool = True, **kw: Any
        ) -> Call: ...

        def _object(self, call: Call) -> Flow[dict[str, Any]]: ...

        def _parse(self, call: Call, data: Any, parse: Callable[..., T], *args: Any) -> T: ...

    def _read(self, call: Call, parse: Callable[[dict[str, Any]], T]) -> Flow[T]:
        return self._parse(call, (yield from self._object(call)), parse)

    # -- tag categories ---------------------------------------------------------------

    def list_tag_categories_page(
        self, page_size: int, cursor: str | None
    ) -> Flow[Page[TagCategory]]:
        params = page_params(page_size, cursor)
        call = self._call("tags.categories.list", "GET", "tags/categories", params=params)
        data = yield from self._object(call)
        raw = data.get("tag_categories") or []
        return Page([self._parse(call, c, category_from_json) for c in raw], next_cursor(data))

    def create_tag_category(self, name: str, description: str | None) -> Flow[TagCategory]:
        body = {"name": name, **({} if description is None else {"description": description})}
        call = self._call(
            "tags.categories.create", "POST", "tags/categories", idempotent=False, json=body
        )
        return (yield from self._read(call, category_from_json))

    def get_tag_category(self, category_id: int) -> Flow[TagCategory]:
        path = f"tags/categories/{check_id(category_id)}"
        return (
            yield from self._read(
                self._call("tags.categories.get", "GET", path), category_from_json
            )
        )

    def update_tag_category(self, category_id: int, changes: dict[str, Any]) -> Flow[TagCategory]:
        body = {k: v for k, v in changes.items() if v is not None}
        mask = [("update_mask", k) for k in changes]
        path = f"tags/categories/{check_id(category_id)}"
        call = self._call("tags.categories.update", "PATCH", path, params=mask, json=body)
        return (yield from self._read(call, category_from_json))

    def delete_tag_category(self, category_id: int) -> Flow[None]:
        path = f"tags/categories/{check_id(category_id)}"
        yield self._call("tags.categories.delete", "DELETE", path)

    # -- custom field definitions -----------------------------------------------------

    def list_custom_fields(self) -> Flow[list[CustomField]]:
        call = self._call("contacts.custom_fields.list", "GET", "contacts/model")
        data = yield from self._object(call)
        found = [self._parse(call, f, field_from_json) for f in data.get("custom_fields") or []]
        return sorted(found, key=lambda f: f.id)

    def create_custom_field(
        self, label: str, field_type: str, options: list[str]
    ) -> Flow[CustomField]:
        body: dict[str, Any] = {"label": label, "field_type": field_type}
        if options:
            body["options"] = [{"label": o} for o in options]
        call = self._call(
            "contacts.custom_fields.create",
            "POST",
            "contacts/model/customFields",
            idempotent=False,
            json=body,
        )
        made = yield from self._read(call, field_from_json)
        self._custom_ids = None  # the next contact write reads the new field list
        return made

    # -- email opt-in status ----------------------------------------------------------

    def email_status(self, email: str) -> Flow[EmailStatus]:
        call = self._call("contacts.email_status", "GET", _email_path(email))
        try:
            return (yield from self._read(call, lambda data: status_from_json(data, email)))
        except NotFoundError:  # never seen: what XML-RPC's getOptStatus answers (0)
            return EmailStatus(email=email, opted_in=False, status="NON_MARKETABLE")

    def set_email_opt_in(self, email: str, opted_in: bool, reason: str) -> Flow[EmailStatus]:
        op = "contacts.opt_in" if opted_in else "contacts.opt_out"
        body = {"opted_in": opted_in, "reason": reason}
        call = self._call(op, "PATCH", _email_path(email), json=body)
        return (yield from self._read(call, lambda data: status_from_json(data, email)))
