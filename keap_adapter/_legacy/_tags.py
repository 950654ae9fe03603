"""The ``ContactGroup`` (tags) and ``ContactGroupAssign`` (applied tags) tables as facade calls."""

from __future__ import annotations

from typing import Any

from .._exceptions import NotFoundError
from .._models import Tag
from ..backends._xmlrpc_rules import fault
from ._contacts import load_contact
from ._faults import invalid, not_translated, unmodelled_field
from ._table import Context, Row, Table
from ._values import empty, exact_id, positive_id, prefix_filter

# ------------------------------------------------------------------------- ContactGroup

_TAG_COLUMNS = {"GroupName": str, "GroupDescription": str, "GroupCategoryId": int}
TAG_FIELDS = frozenset({"Id", *_TAG_COLUMNS})


def tag_row(tag: Tag) -> Row:
    """A facade tag as Keap's ``ContactGroup`` row (empty fields left out)."""
    row = {
        "Id": tag.id,
        "GroupName": tag.name,
        "GroupDescription": tag.description,
        "GroupCategoryId": tag.category_id,
    }
    return {k: v for k, v in row.items() if not empty(v)}


def _tag_writes(ctx: Context, struct: Row) -> Row:
    TAGS.check(ctx, list(struct))
    for name, value in struct.items():
        if name == "Id":
            raise fault("NoFieldAccess", "Field is read-only: ContactGroup.Id")
        if type(value) is not _TAG_COLUMNS[name]:  # Keap's Java side takes no "7" for 7
            raise invalid(f"Invalid value for ContactGroup.{name}")
    return struct


def add_tag(ctx: Context, struct: Row) -> int:
    """``tags.create``; Keap needs a ``GroupName``."""
    given = _tag_writes(ctx, struct)
    if not given.get("GroupName"):
        raise invalid("GroupName is required")
    return ctx.client.tags.create(
        given["GroupName"],
        description=given.get("GroupDescription") or None,
        category_id=given.get("GroupCategoryId") or None,
    ).id


def update_tag(ctx: Context, tag_id: int, struct: Row) -> None:
    """``tags.update`` with only the named columns (an empty description clears it)."""
    given = _tag_writes(ctx, struct)
    ctx.client.tags.update(
        positive_id(tag_id),
        name=given.get("GroupName"),
        description=given.get("GroupDescription"),
        category_id=given.get("GroupCategoryId"),
    )


def load_tag(ctx: Context, tag_id: int) -> Row:
    """``tags.get`` as a row."""
    return tag_row(ctx.client.tags.get(positive_id(tag_id)))


def delete_tag(ctx: Context, tag_id: int) -> None:
    """``tags.delete``."""
    ctx.client.tags.delete(positive_id(tag_id))


def _exact_name(value: Any) -> str | None:
    # ``tags.list(name=)`` matches whole names only, so only a value without wildcards.
    found = prefix_filter(value)
    return found if found is not None and not found.endswith("*") and len(found) <= 255 else None


def tag_rows(ctx: Context, query: Row, _touched: frozenset[str]) -> list[Row]:
    """The tags a query may match, by ascending id (one load for an exact ``Id``)."""
    if "Id" in query and (wanted := exact_id(query["Id"])) is not None:
        try:
            return [load_tag(ctx, wanted)] if wanted > 0 else []
        except NotFoundError:
            return []
    name = _exact_name(query.get("GroupName")) if ctx.server_filters else None
    return [tag_row(t) for t in ctx.client.tags.list(name=name)]


TAGS = Table(
    name="ContactGroup",
    fields=lambda _ctx: TAG_FIELDS,
    rows=tag_rows,
    load=load_tag,
    add=add_tag,
    update=update_tag,
    delete=delete_tag,
)


# -------------------------------------------------------------------- ContactGroupAssign

# Joined contact columns -> the Contact struct column they come from.
_JOINED = {
    "Contact.FirstName": "FirstName",
    "Contact.LastName": "LastName",
    "Contact.Email": "Email",
    "Contact.Company": "Company",
}
ASSIGN_FIELDS = frozenset({"ContactId", "GroupId", "ContactGroup", "DateCreated", *_JOINED})
_APPLIED_AT = "applied_time in GET /rest/v2/contacts/{id}/tags"


def _joined(ctx: Context, contact_id: int) -> Row:
    contact = load_contact(ctx, contact_id)
    return {joined: contact.get(column) for joined, column in _JOINED.items()}


def _by_contact(ctx: Context, contact_id: int, touched: frozenset[str]) -> list[Row]:
    try:
        tags = ctx.client.contacts.tags(contact_id)
        joined = _joined(ctx, contact_id) if tags and touched & _JOINED.keys() else {}
    except NotFoundError:
        return []
    return [
        {"ContactId": contact_id, "GroupId": t.id, "ContactGroup": t.name, **joined} for t in tags
    ]


def _by_tag(ctx: Context, tag_id: int, touched: frozenset[str]) -> list[Row]:
    try:
        tagged = list(ctx.client.tags.contacts(tag_id))
        name = ctx.client.tags.get(tag_id).name if tagged and "ContactGroup" in touched else None
    except NotFoundError:
        return []
    rows = []
    for contact in tagged:
        row = {"ContactId": contact.id, "GroupId": tag_id, "ContactGroup": name}
        row |= {
            "Contact.FirstName": contact.given_name,
            "Contact.LastName": contact.family_name,
            "Contact.Email": contact.email,
        }
        if "Contact.Company" in touched:  # not in the tagged-contacts listing: one load each
            row["Contact.Company"] = _joined(ctx, contact.id)["Contact.Company"]
        rows.append(row)
    return rows


def assign_rows(ctx: Context, query: Row, touched: frozenset[str]) -> list[Row]:
    """Applied tags of one contact (``ContactId``) or one tag (``GroupId``).

    The facade reads applied tags from one side, so a query must name one of the two
    exactly; ``DateCreated`` (when the tag was applied) is not in the facade at all.
    """
    if "DateCreated" in touched:
        raise unmodelled_field("ContactGroupAssign", "DateCreated", _APPLIED_AT)
    contact_id = exact_id(query.get("ContactId"))
    tag_id = exact_id(query.get("GroupId"))
    if contact_id is not None:
        rows = _by_contact(ctx, contact_id, touched) if contact_id > 0 else []
    elif tag_id is not None:
        rows = _by_tag(ctx, tag_id, touched) if tag_id > 0 else []
    else:
        raise not_translated(
            "DataService.query",
            "ContactGroupAssign",
            "only queries naming one ContactId or GroupId exactly are translated",
        )
    rows = [{k: v for k, v in row.items() if not empty(v)} for row in rows]
    return sorted(rows, key=lambda row: (row["ContactId"], row["GroupId"]))


ASSIGNMENTS = Table(name="ContactGroupAssign", fields=lambda _ctx: ASSIGN_FIELDS, rows=assign_rows)
