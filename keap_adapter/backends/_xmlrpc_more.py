"""XML-RPC flows for what surrounds contacts and tags: tag categories
(``ContactGroupCategory``), custom field definitions (``DataFormField``,
``DataService.addCustomField``) and email opt-in status (``APIEmailService``); a mixin of
:class:`~.xmlrpc.XmlRpcBackend`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._account_models import CustomField, EmailStatus
from .._exceptions import ConflictError, NotFoundError
from .._models import TagCategory
from . import _xmlrpc_ops as ops
from ._base import Flow, Page, keeping_partial

_CATEGORY = "ContactGroupCategory"
_CATEGORY_FIELDS = ["Id", "CategoryName", "CategoryDescription"]
FIELD_COLUMNS = ["Id", "Name", "Label", "DataType", "Values"]
# DataFormField.DataType numbers -> REST v2 field_type (a community-sourced list; Keap's
# XML-RPC documentation names the types but not their numbers).
DATA_TYPES: dict[int, str] = {
    1: "PHONE_NUMBER", 2: "SOCIAL_SECURITY_NUMBER", 3: "CURRENCY", 4: "PERCENT", 5: "STATE",
    6: "YES_NO", 7: "YEAR", 8: "MONTH", 9: "DAY_OF_WEEK", 10: "NAME", 11: "DECIMAL_NUMBER",
    12: "WHOLE_NUMBER", 13: "DATE", 14: "DATE_TIME", 15: "TEXT", 16: "TEXT_AREA",
    17: "LIST_BOX", 18: "WEBSITE", 19: "EMAIL", 20: "RADIO", 21: "DROPDOWN", 22: "USER",
    23: "DRILLDOWN",
}  # fmt: skip
# REST v2 field_type -> the dataType name DataService.addCustomField takes (Keap's XML-RPC
# docs: "Phone, SSN, Currency, Percent, State, YesNo, Year, Month, DayOfWeek, Name,
# DecimalNumber, WholeNumber, Date, DateTime, Text, TextArea, ListBox, Website, Email,
# Radio, Select, User, Drilldown").
ADD_TYPES: dict[str, str] = {
    "PHONE_NUMBER": "Phone", "SOCIAL_SECURITY_NUMBER": "SSN", "CURRENCY": "Currency",
    "PERCENT": "Percent", "STATE": "State", "YES_NO": "YesNo", "YEAR": "Year", "MONTH": "Month",
    "DAY_OF_WEEK": "DayOfWeek", "NAME": "Name", "DECIMAL_NUMBER": "DecimalNumber",
    "WHOLE_NUMBER": "WholeNumber", "DATE": "Date", "DATE_TIME": "DateTime", "TEXT": "Text",
    "TEXT_AREA": "TextArea", "LIST_BOX": "ListBox", "WEBSITE": "Website", "EMAIL": "Email",
    "RADIO": "Radio", "DROPDOWN": "Select", "USER": "User", "DRILLDOWN": "Drilldown",
}  # fmt: skip
# getOptStatus answers 0 (opted out, non-marketable, bounced), 1 (single opt-in) or 2
# (double opt-in), per Keap's XML-RPC documentation of APIEmailService.getOptStatus.
OPT_STATUSES = {0: "NON_MARKETABLE", 1: "SINGLE_OPT_IN", 2: "DOUBLE_OPT_IN"}


def category_from_row(operation: str, row: dict[str, Any]) -> TagCategory:
    """A ``ContactGroupCategory`` row as a :class:`TagCategory`."""
    data = {
        "id": row.get("Id"),
        "name": row.get("CategoryName", ""),  # Keap leaves empty fields out
        "description": row.get("CategoryDescription") or None,
    }
    return ops.validated(operation, TagCategory, data)


def field_from_row(operation: str, row: dict[str, Any]) -> CustomField:
    """A ``DataFormField`` row as a :class:`CustomField` (``Values``: one option a line)."""
    data = {
        "id": row.get("Id"),
        "name": row.get("Name", ""),
        "label": row.get("Label", ""),
        "field_type": DATA_TYPES.get(ops.data_type_number(operation, row.get("DataType")), ""),
        "options": [v for v in str(row.get("Values") or "").splitlines() if v.strip()],
    }
    return ops.validated(operation, CustomField, data)


class XmlRpcSurroundings:
    """Tag categories, custom field definitions and email status over XML-RPC."""

    name: str
    _custom_fields: tuple[str, ...] | None

    if TYPE_CHECKING:  # provided by XmlRpcBackend

        def _call(
            self, operation: str, method: str, *params: Any, idempotent: bool = True
        ) -> Flow[Any]: ...

        def _query(
            self,
            operation: str,
            table: str,
            query: dict[str, Any],
            fields: list[str],
            *,
            limit: int,
            page: int,
            order_by: str | None = None,
        ) -> Flow[list[dict[str, Any]]]: ...

        def _all_rows(
            self,
            operation: str,
            table: str,
            query: dict[str, Any],
            fields: list[str],
            order_by: str,
        ) -> Flow[list[dict[str, Any]]]: ...

    def _load_row(self, operation: str, table: str, record_id: int, fields: list[str]) -> Flow[Any]:
        row = yield from self._call(operation, "DataService.load", table, record_id, fields)
        return ops.expect(operation, row, dict)

    # -- tag categories ---------------------------------------------------------------

    def list_tag_categories_page(
        self, page_size: int, cursor: str | None
    ) -> Flow[Page[TagCategory]]:
        op = "tags.categories.list"
        limit, page = ops.check_limit(page_size), ops.page_number(cursor)
        found = yield from self._query(
            op, _CATEGORY, {"Id": "%"}, _CATEGORY_FIELDS, limit=limit, page=page, order_by="Id"
        )
        items = [category_from_row(op, row) for row in found]
        return Page(items, ops.next_cursor(page, found, limit))

    def _category_name_free(self, operation: str, name: str, category_id: int | None) -> Flow[None]:
        """``ConflictError`` when another category has ``name`` (ignoring case): REST v2
        calls category names unique, and XML-RPC does not check them."""
        query = {"CategoryName": name}
        found = yield from self._query(
            operation, _CATEGORY, query, ["Id", "CategoryName"], limit=1000, page=0
        )
        for row in found:
            if (
                str(row.get("CategoryName", "")).lower() == name.lower()
                and row.get("Id") != category_id
            ):
                raise ConflictError(
                    f"a tag category named {name!r} already exists (id {row.get('Id')})",
                    operation=operation,
                    backend=self.name,
                    status_code=409,
                )

    def create_tag_category(self, name: str, description: str | None) -> Flow[TagCategory]:
        op = "tags.categories.create"
        yield from self._category_name_free(op, name, None)
        values = {
            "CategoryName": name,
            **({"CategoryDescription": description} if description else {}),
        }
        new_id = yield from self._call(op, "DataService.add", _CATEGORY, values, idempotent=False)
        row = yield from self._load_row(
            op, _CATEGORY, ops.expect(op, new_id, int), _CATEGORY_FIELDS
        )
        return category_from_row(op, row)

    def get_tag_category(self, category_id: int) -> Flow[TagCategory]:
        op = "tags.categories.get"
        row = yield from self._load_row(op, _CATEGORY, category_id, _CATEGORY_FIELDS)
        return category_from_row(op, row)

    def update_tag_category(self, category_id: int, changes: dict[str, Any]) -> Flow[TagCategory]:
        op = "tags.categories.update"
        if "name" in changes:
            yield from self._category_name_free(op, changes["name"], category_id)
        columns = {"name": "CategoryName", "description": "CategoryDescription"}
        values = {columns[k]: "" if v is None else v for k, v in changes.items()}
        yield from self._call(op, "DataService.update", _CATEGORY, category_id, values)
        row = yield from self._load_row(op, _CATEGORY, category_id, _CATEGORY_FIELDS)
        return category_from_row(op, row)

    def delete_tag_category(self, category_id: int) -> Flow[None]:
        op = "tags.categories.delete"
        deleted = yield from self._call(op, "DataService.delete", _CATEGORY, category_id)
        if not ops.expect(op, deleted, bool):
            raise NotFoundError(
                f"tag category {category_id} was not deleted (no such category)",
                operation=op,
                backend=self.name,
                status_code=200,
            )

    # -- custom field definitions -----------------------------------------------------

    def list_custom_fields(self) -> Flow[list[CustomField]]:
        op = "contacts.custom_fields.list"
        rows = yield from self._all_rows(op, "DataFormField", {"FormId": -1}, FIELD_COLUMNS, "Id")
        return [field_from_row(op, row) for row in rows]

    def create_custom_field(
        self, label: str, field_type: str, options: list[str]
    ) -> Flow[CustomField]:
        """``DataService.addCustomField('Contact', ...)`` under the first contact field
        group, then ``updateCustomField`` with the options (``Values``), then load it."""
        op = "contacts.custom_fields.create"
        group = yield from self._contact_field_group(op)
        new_id = yield from self._call(
            op, "DataService.addCustomField", "Contact", label, ADD_TYPES[field_type], group,
            idempotent=False,
        )  # fmt: skip
        field_id = ops.expect(op, new_id, int)
        if options:  # a second call: if it fails, the field exists without its options
            values = {"Values": "\n".join(options)}
            made = CustomField(id=field_id, name="", label=label, field_type=field_type)
            with keeping_partial(lambda: made):
                yield from self._call(op, "DataService.updateCustomField", field_id, values)
        self._custom_fields = None  # the next contact read asks for the new field too
        row = yield from self._load_row(op, "DataFormField", field_id, FIELD_COLUMNS)
        return field_from_row(op, row)

    def _contact_field_group(self, operation: str) -> Flow[int]:
        """The first field group (``DataFormGroup``) on a contact tab (``DataFormTab``,
        FormId -1): ``addCustomField`` needs one, REST defaults to the Custom Fields tab."""
        tabs = yield from self._query(
            operation, "DataFormTab", {"FormId": -1}, ["Id"], limit=1000, page=0, order_by="Id"
        )
        for tab in tabs:
            groups = yield from self._query(
                operation,
                "DataFormGroup",
                {"TabId": tab["Id"]},
                ["Id"],
                limit=1,
                page=0,
                order_by="Id",
            )
            if groups:
                return ops.expect(operation, groups[0].get("Id"), int)
        raise NotFoundError(
            "the account has no contact custom field group to add the field to",
            operation=operation,
            backend=self.name,
        )

    # -- email opt-in status ----------------------------------------------------------

    def email_status(self, email: str) -> Flow[EmailStatus]:
        op = "contacts.email_status"
        code = yield from self._call(op, "APIEmailService.getOptStatus", email)
        return self._status(op, email, code)

    def set_email_opt_in(self, email: str, opted_in: bool, reason: str) -> Flow[EmailStatus]:
        op, method = ("contacts.opt_in", "optIn") if opted_in else ("contacts.opt_out", "optOut")
        done = yield from self._call(op, f"APIEmailService.{method}", email, reason)
        ops.expect(op, done, bool)  # False: Keap kept the status; the read below says which
        code = yield from self._call(op, "APIEmailService.getOptStatus", email)
        return self._status(op, email, code)

    def _status(self, operation: str, email: str, code: Any) -> EmailStatus:
        number = ops.expect(operation, code, int)
        if number not in OPT_STATUSES:
            raise ops.invalid(operation, f"getOptStatus answered {number}, not 0, 1 or 2")
        return EmailStatus(email=email, opted_in=number > 0, status=OPT_STATUSES[number])
