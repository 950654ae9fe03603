"""The ``Contact`` table and ``ContactService`` as facade calls.

Structs go through the facade's field table (``backends._fields``): a written struct
becomes a ``NewContact``/``ContactUpdate`` via ``from_struct``, and a read contact becomes
Keap's struct via ``full_struct``, so the shim answers exactly the fields XML-RPC would.
Every check Keap makes before writing is the shared server rules' (``_xmlrpc_server``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal
from xmlrpc.client import Fault

from .._models import Contact, ContactUpdate, NewContact
from .._xmlrpc_server._faults import no_field, not_found
from .._xmlrpc_server._schema import CONTACT_SCHEMA
from .._xmlrpc_server._services import Contacts
from .._xmlrpc_server._table import Table
from .._xmlrpc_server._values import contact_values
from ..backends._fields import (
    COLUMN_FIELD,
    CONTACT_FIELDS,
    DATES,
    IDS,
    READ_ONLY,
    UNMODELLED,
    WRITABLE,
    from_struct,
    full_struct,
)
from ._faults import unmodelled_field
from ._table import Context, Row, rows_by_id
from ._values import prefix_filter

# Model fields whose columns are slots of one list: writing one slot rewrites the list.
_SLOT_FIELDS = frozenset({"email_addresses", "phone_numbers", "fax_numbers", "addresses"})
# Keap's dupCheckType -> the facade's upsert ``match`` (type-checked against it).
DUP_CHECKS: dict[str, Literal["email", "email_and_name", "email_and_name_and_company"]] = {
    "Email": "email",
    "EmailAndName": "email_and_name",
    "EmailAndNameAndCompany": "email_and_name_and_company",
}


def contact_row(contact: Contact) -> Row:
    """A facade contact as the full struct Keap holds (empty fields left out)."""
    return full_struct(contact.model_dump())


def _unknown(table: str, name: Any) -> Fault:
    """A real Keap column REST v2 has no field for is ``[NotTranslated]`` (naming what to
    use instead), not missing: the shim cannot answer it truthfully, so it does not try."""
    if name in UNMODELLED:
        return unmodelled_field(table, name, UNMODELLED[name])
    return no_field(table, name)


def _accept(struct: Row) -> Row:
    """A struct to write, as the facade's columns keep it. A column the facade only reads
    (``AccountId``: Keap's XML-RPC writes it, REST v2's requests have no field for it) is
    ``[NotTranslated]``; the ones Keap itself keeps were refused as read-only already."""
    for name in struct:
        if name in READ_ONLY:
            raise unmodelled_field("Contact", name, f"REST v2 only reads {READ_ONLY[name]}")
    return contact_values(struct, dates=DATES.values(), ints=IDS.values())


# ----------------------------------------------------------------------------- writes


def _new_contact(columns: Row) -> NewContact:
    model = from_struct(columns)
    given = {k: model[k] for k in WRITABLE if model.get(k) not in (None, [], {})}
    return NewContact.model_validate(given)


def _update_for(ctx: Context, contact_id: int, given: Row) -> ContactUpdate:
    """The update that writes ``given`` columns over the contact, as Keap merges a struct.

    Keap changes only the named columns, but the facade replaces a whole list (every
    phone, say) when it is set, so a struct naming one slot is first merged into the
    contact's current slots; that costs one read.
    """
    touched = {COLUMN_FIELD[c] for c in given if not c.startswith("_")}
    columns = given
    if touched & _SLOT_FIELDS:
        current = contact_row(ctx.client.contacts.get(contact_id))
        columns = {k: v for k, v in current.items() if k not in READ_ONLY} | given
    model = from_struct(columns)
    changes: Row = {name: model.get(name) or None for name in touched}
    custom = {c[1:]: (None if v == "" else v) for c, v in given.items() if c.startswith("_")}
    if custom:
        changes["custom_fields"] = custom
    return ContactUpdate.model_validate(changes)


def _add(ctx: Context, struct: Row) -> int:
    """Create a contact from a checked struct (never deduplicated); its id."""
    return ctx.client.contacts.create(_new_contact(struct)).id


def _update(ctx: Context, contact_id: int, struct: Row) -> bool:
    """Write a checked struct over a contact; only the named columns change."""
    ctx.client.contacts.update(contact_id, _update_for(ctx, contact_id, struct))
    return True


def load_contact(ctx: Context, contact_id: int) -> Row:
    """The full struct of one contact; ``NotFoundError`` if there is none."""
    return contact_row(ctx.client.contacts.get(contact_id))


def _delete(ctx: Context, contact_id: int) -> bool:
    """Delete a contact; ``NotFoundError`` if there is none."""
    ctx.client.contacts.delete(contact_id)
    return True


def _fields(ctx: Context) -> frozenset[str]:
    """Every Contact field the shim reads and writes (custom ones with ``_``)."""
    return frozenset(CONTACT_FIELDS) | ctx.custom_fields()


def _rows(ctx: Context, query: Row, _touched: frozenset[str]) -> list[Row]:
    """The contacts a query may match, by ascending id.

    ``{'Id': 5}`` is one load; exact or trailing-``%`` conditions on Email, FirstName and
    LastName become the facade's server-side filters; the rest is matched by the caller.
    """
    one = rows_by_id(ctx, query, load_contact)
    if one is not None:
        return one
    given_name, family_name, email = (
        prefix_filter(query.get(column)) if ctx.server_filters else None
        for column in ("FirstName", "LastName", "Email")
    )
    found = ctx.client.contacts.list(given_name=given_name, family_name=family_name, email=email)
    return [contact_row(c) for c in found]


# Keap's Contact schema over the facade's column table: a column REST v2 has no field for
# is NotTranslated, and dates and ids are the facade's.
_SCHEMA = replace(CONTACT_SCHEMA, unknown=_unknown, accept=_accept)
CONTACT: Table[Context] = Table(
    _SCHEMA, _rows, fields=_fields, load=load_contact, add=_add, update=_update, delete=_delete
)


# ---------------------------------------------------------------------- ContactService


def _upsert(ctx: Context, struct: Row, dup_check: str) -> int:
    """``addWithDupCheck`` -> ``contacts.upsert``. Every dup check matches on the email
    address, so a struct without ``Email`` cannot match anything and is simply created, as
    Keap does."""
    new = _new_contact(struct)
    if new.email is None:
        return ctx.client.contacts.create(new).id
    return ctx.client.contacts.upsert(new, match=DUP_CHECKS[dup_check]).contact.id


def _by_email(ctx: Context, email: str) -> list[Row]:
    """``findByEmail`` -> ``contacts.find_by_email``. An address the facade refuses as
    malformed cannot be on any contact it wrote, and Keap answers no rows for it."""
    try:
        found = ctx.client.contacts.find_by_email(email.strip())
    except ValueError:
        return []
    return [contact_row(c) for c in found]


def _group(ctx: Context, contact_id: int, tag_id: int, apply: bool) -> bool:
    """``addToGroup`` -> ``tags.apply``; ``removeFromGroup`` -> ``tags.remove``."""
    if apply:
        outcome = ctx.client.tags.apply(tag_id, [contact_id]).outcomes.get(contact_id, "")
        if outcome == "NOT_FOUND":
            raise not_found()
        return outcome.upper().startswith("SUCCESS")
    # REST removes a tag from a missing contact silently; Keap faults, so look first.
    ctx.client.contacts.get(contact_id)
    ctx.client.tags.remove(tag_id, [contact_id])
    return True


CONTACTS: Contacts[Context] = Contacts(
    table=CONTACT, by_email=_by_email, upsert=_upsert, group=_group
)
