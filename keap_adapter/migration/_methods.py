"""The XML-RPC -> facade -> REST v2 map, as data: one row per legacy method (and table).

The legacy shim, the call-site audit and the README's migration table all read this one
table, so what the shim covers and what the audit reports cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

SHUTDOWN_DATE = "2026-12-31"
TABLES = ("Contact", "ContactGroup", "ContactGroupAssign", "ContactGroupCategory", "DataFormField")


@dataclass(frozen=True)
class LegacyMethod:
    """One XML-RPC method (for DataService: on one table) and what replaces it."""

    method: str
    table: str | None
    facade: str | None
    rest: str
    shim: bool

    @property
    def label(self) -> str:
        """``DataService.query('Contact')`` or ``ContactService.add``."""
        return f"{self.method}('{self.table}')" if self.table else self.method


def _row(method: str, facade: str | None, rest: str, *, table: str | None = None,
         shim: bool = True) -> LegacyMethod:  # fmt: skip
    return LegacyMethod(method, table, facade, rest, shim)


_C, _G, _A, _K, _F = TABLES
_CATEGORIES, _CATEGORY = "/rest/v2/tags/categories", "/rest/v2/tags/categories/{id}"
_MODEL, _CUSTOM_FIELDS = "GET /rest/v2/contacts/model", "/rest/v2/contacts/model/customFields"
_EMAIL_STATUS = "/rest/v2/emailAddresses/{email}/status"
# REST v2 has PATCH .../customFields/{id} for notes, tasks, orders...; not for contacts.
_NO_FIELD_UPDATE = "(none: REST v2 cannot change a contact custom field's label or options)"
METHODS: tuple[LegacyMethod, ...] = (
    _row("ContactService.add", "contacts.create", "POST /rest/v2/contacts"),
    _row(
        "ContactService.addWithDupCheck",
        "contacts.upsert",
        "POST /rest/v2/contacts?duplicate_option=...",
    ),
    _row("ContactService.load", "contacts.get", "GET /rest/v2/contacts/{id}"),
    _row("ContactService.update", "contacts.update", "PATCH /rest/v2/contacts/{id}"),
    _row(
        "ContactService.findByEmail",
        "contacts.find_by_email",
        "GET /rest/v2/contacts?filter=email==...",
    ),
    _row(
        "ContactService.addToGroup", "tags.apply", "POST /rest/v2/tags/{tag_id}/contacts:applyTags"
    ),
    _row(
        "ContactService.removeFromGroup",
        "tags.remove",
        "POST /rest/v2/tags/{tag_id}/contacts:removeTags",
    ),
    _row("DataService.add", "contacts.create", "POST /rest/v2/contacts", table=_C),
    _row("DataService.load", "contacts.get", "GET /rest/v2/contacts/{id}", table=_C),
    _row("DataService.update", "contacts.update", "PATCH /rest/v2/contacts/{id}", table=_C),
    _row("DataService.delete", "contacts.delete", "DELETE /rest/v2/contacts/{id}", table=_C),
    _row("DataService.query", "contacts.list", "GET /rest/v2/contacts?filter=...", table=_C),
    _row("DataService.count", "contacts.list", "GET /rest/v2/contacts?filter=...", table=_C),
    _row("DataService.findByField", "contacts.list", "GET /rest/v2/contacts?filter=...", table=_C),
    _row("DataService.add", "tags.create", "POST /rest/v2/tags", table=_G),
    _row("DataService.load", "tags.get", "GET /rest/v2/tags/{id}", table=_G),
    _row("DataService.update", "tags.update", "PATCH /rest/v2/tags/{id}", table=_G),
    _row("DataService.delete", "tags.delete", "DELETE /rest/v2/tags/{id}", table=_G),
    _row("DataService.query", "tags.list", "GET /rest/v2/tags?filter=...", table=_G),
    _row("DataService.count", "tags.list", "GET /rest/v2/tags?filter=...", table=_G),
    _row("DataService.findByField", "tags.list", "GET /rest/v2/tags?filter=...", table=_G),
    _row(
        "DataService.query",
        "contacts.tags / tags.contacts",
        "GET /rest/v2/contacts/{id}/tags, GET /rest/v2/tags/{id}/contacts",
        table=_A,
    ),
    _row(
        "DataService.count",
        "contacts.tags / tags.contacts",
        "GET /rest/v2/contacts/{id}/tags, GET /rest/v2/tags/{id}/contacts",
        table=_A,
    ),
    _row(
        "DataService.findByField",
        "contacts.tags / tags.contacts",
        "GET /rest/v2/contacts/{id}/tags, GET /rest/v2/tags/{id}/contacts",
        table=_A,
    ),
    # Keap's ContactGroupAssign is read-only: tags are applied with addToGroup / applyTags.
    _row(
        "DataService.add",
        "tags.apply",
        "POST /rest/v2/tags/{tag_id}/contacts:applyTags",
        table=_A,
        shim=False,
    ),
    _row(
        "DataService.update",
        None,
        "(read-only table: apply or remove tags instead)",
        table=_A,
        shim=False,
    ),
    _row(
        "DataService.delete",
        "tags.remove",
        "POST /rest/v2/tags/{tag_id}/contacts:removeTags",
        table=_A,
        shim=False,
    ),
    # Tag categories (REST v2's TagCategory).
    _row("DataService.add", "tags.categories.create", f"POST {_CATEGORIES}", table=_K),
    _row("DataService.load", "tags.categories.get", f"GET {_CATEGORY}", table=_K),
    _row("DataService.update", "tags.categories.update", f"PATCH {_CATEGORY}", table=_K),
    _row("DataService.delete", "tags.categories.delete", f"DELETE {_CATEGORY}", table=_K),
    _row("DataService.query", "tags.categories.list", f"GET {_CATEGORIES}", table=_K),
    _row("DataService.count", "tags.categories.list", f"GET {_CATEGORIES}", table=_K),
    _row("DataService.findByField", "tags.categories.list", f"GET {_CATEGORIES}", table=_K),
    # Contact custom field definitions: read as DataFormField, made with addCustomField.
    _row("DataService.load", "contacts.custom_fields.list", _MODEL, table=_F),
    _row("DataService.query", "contacts.custom_fields.list", _MODEL, table=_F),
    _row("DataService.count", "contacts.custom_fields.list", _MODEL, table=_F),
    _row("DataService.findByField", "contacts.custom_fields.list", _MODEL, table=_F),
    _row("DataService.addCustomField", "contacts.custom_fields.create", f"POST {_CUSTOM_FIELDS}"),
    _row("DataService.updateCustomField", None, _NO_FIELD_UPDATE, shim=False),
    _row(
        "DataService.add",
        "contacts.custom_fields.create",
        f"POST {_CUSTOM_FIELDS}",
        table=_F,
        shim=False,
    ),
    _row("DataService.update", None, _NO_FIELD_UPDATE, table=_F, shim=False),
    _row("DataService.delete", None, f"DELETE {_CUSTOM_FIELDS}/{{id}}", table=_F, shim=False),
    _row("DataService.query", None, f"GET {_CUSTOM_FIELDS}/tabs", table="DataFormTab", shim=False),
    _row(
        "DataService.query", None, f"GET {_CUSTOM_FIELDS}/groups", table="DataFormGroup", shim=False
    ),
    # Email opt-in status.
    _row("APIEmailService.getOptStatus", "contacts.email_status", f"GET {_EMAIL_STATUS}"),
    _row("APIEmailService.optIn", "contacts.opt_in", f"PATCH {_EMAIL_STATUS}"),
    _row("APIEmailService.optOut", "contacts.opt_out", f"PATCH {_EMAIL_STATUS}"),
    # Known methods the shim does not translate, with where they went in REST v2.
    _row("ContactService.merge", None, "POST /rest/v2/contacts:merge", shim=False),
    _row("ContactService.linkContacts", None, "POST /rest/v2/contacts:link", shim=False),
    _row(
        "ContactService.addToCampaign",
        None,
        "POST /rest/v2/campaigns/{campaign_id}/sequences/{sequence_id}:addContacts",
        shim=False,
    ),
    _row(
        "ContactService.removeFromCampaign",
        None,
        "POST /rest/v2/campaigns/{campaign_id}/sequences/{sequence_id}:removeContacts",
        shim=False,
    ),
)

SERVICES = frozenset(
    {
        "ContactService", "DataService", "APIEmailService", "FunnelService", "InvoiceService",
        "OrderService", "ProductService", "SearchService", "ShippingService", "WebFormService",
        "AffiliateService", "AffiliateProgramService", "DiscountService", "FileService",
        "CreditCardSubmissionService", "WebTrackingService", "APIAffiliateService",
    }
)  # fmt: skip
"""Every XML-RPC service Keap retires on the shutdown date (peers.md C.1)."""


def lookup(method: str, table: str | None = None) -> LegacyMethod | None:
    """The row for ``method`` (on ``table`` for DataService), or ``None`` if unknown.

    With no table for a DataService method, the ``Contact`` row stands for it; a table the
    map does not know (``Invoice``...) has no row.
    """
    rows = [m for m in METHODS if m.method == method]
    exact = [m for m in rows if m.table in (table, None)]  # no table: not a DataService row
    fallback = [m for m in rows if m.table in (None, _C)] if table is None else []
    return next(iter(exact or fallback), None)


def rest_alternative(method: str, table: str | None = None) -> str:
    """Where a legacy call lives in REST v2, for messages; a pointer to the docs if unknown."""
    row = lookup(method, table)
    if row is not None:
        return row.rest
    return "see https://developer.infusionsoft.com/docs/restv2/ (no mapping recorded)"


def markdown_table() -> str:
    """The method map as the README's Markdown table (a test keeps the README in step)."""
    lines = [
        "| XML-RPC method | facade call | REST v2 endpoint | shim |",
        "|---|---|---|---|",
    ]
    for row in METHODS:
        facade = f"`{row.facade}`" if row.facade else "-"
        lines.append(f"| `{row.label}` | {facade} | `{row.rest}` | {'yes' if row.shim else 'no'} |")
    return "\n".join(lines) + "\n"
