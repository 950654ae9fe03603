"""The ``ContactGroup`` (tags) and ``ContactGroupAssign`` (applied tags) tables as facade calls.

Their columns and write rules are the shared server rules (``_xmlrpc_server._schema``).
"""

from __future__ import annotations

from .._exceptions import NotFoundError
from .._models import Tag
from .._xmlrpc_server._schema import (
    ASSIGN_JOINED,
    ASSIGN_SCHEMA,
    TAG_SCHEMA,
    tag_changes,
    tag_row,
)
from .._xmlrpc_server._table import Table
from .._xmlrpc_server._values import empty
from ..backends._fields import aware_to_eastern
from ._contacts import load_contact
from ._faults import not_translated, unmodelled_field
from ._table import Context, Row, rows_by_id
from ._values import exact_id, prefix_filter

# ------------------------------------------------------------------------- ContactGroup


def _row(tag: Tag) -> Row:
    return tag_row(tag.id, tag.name, tag.description, tag.category_id)


def add_tag(ctx: Context, struct: Row) -> int:
    """``tags.create`` from a checked struct (a taken name is a ``ConflictError``)."""
    changes = tag_changes(struct)
    return ctx.client.tags.create(
        changes["name"],
        description=changes.get("description"),
        category_id=changes.get("category_id"),
    ).id


def update_tag(ctx: Context, tag_id: int, struct: Row) -> bool:
    """``tags.update`` with only the named columns (an empty description clears it)."""
    changes = tag_changes(struct)
    if changes:
        ctx.client.tags.update(tag_id, changes)
    else:  # nothing to write, but Keap still says whether the tag exists
        ctx.client.tags.get(tag_id)
    return True


def load_tag(ctx: Context, tag_id: int) -> Row:
    """``tags.get`` as a row."""
    return _row(ctx.client.tags.get(tag_id))


def delete_tag(ctx: Context, tag_id: int) -> bool:
    """``tags.delete``."""
    ctx.client.tags.delete(tag_id)
    return True


def _exact_name(value: object) -> str | None:
    # ``tags.list(name=)`` matches whole names only, so only a value without wildcards.
    found = prefix_filter(value)
    return found if found is not None and not found.endswith("*") and len(found) <= 255 else None


def tag_rows(ctx: Context, query: Row, _touched: frozenset[str]) -> list[Row]:
    """The tags a query may match, by ascending id (one load for an exact ``Id``)."""
    one = rows_by_id(ctx, query, load_tag)
    if one is not None:
        return one
    name = _exact_name(query.get("GroupName")) if ctx.server_filters else None
    return [_row(t) for t in ctx.client.tags.list(name=name)]


TAGS: Table[Context] = Table(
    TAG_SCHEMA, tag_rows, load=load_tag, add=add_tag, update=update_tag, delete=delete_tag
)


# -------------------------------------------------------------------- ContactGroupAssign

_APPLIED_AT = (
    "the facade reads when a tag was applied only per tag (GroupId queries); in REST v2: "
    "applied_time in GET /rest/v2/contacts/{id}/tags"
)


def _joined(ctx: Context, contact_id: int) -> Row:
    contact = load_contact(ctx, contact_id)
    return {joined: contact.get(column) for joined, column in ASSIGN_JOINED.items()}


def _by_contact(ctx: Context, contact_id: int, touched: frozenset[str]) -> list[Row]:
    try:
        tags = ctx.client.contacts.tags(contact_id)
        joined = _joined(ctx, contact_id) if tags and touched & ASSIGN_JOINED.keys() else {}
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
        row: Row = {"ContactId": contact.id, "GroupId": tag_id, "ContactGroup": name}
        if contact.applied_time is not None:  # Keap answers it as Eastern wall time
            row["DateCreated"] = aware_to_eastern(contact.applied_time)
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
    exactly; ``DateCreated`` (when the tag was applied) comes with the tag's side only.
    """
    contact_id = exact_id(query.get("ContactId"))
    tag_id = exact_id(query.get("GroupId"))
    if "DateCreated" in touched and (contact_id is not None or tag_id is None):
        raise unmodelled_field("ContactGroupAssign", "DateCreated", _APPLIED_AT)
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


ASSIGNMENTS: Table[Context] = Table(ASSIGN_SCHEMA, assign_rows)
