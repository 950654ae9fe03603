"""The ``Contact`` table and ``ContactService`` as facade calls.

Structs go through the one field table (``backends._fields``): a written struct becomes a
``NewContact``/``ContactUpdate`` via ``from_struct``, and a read contact becomes Keap's
struct via ``full_struct``, so the shim answers exactly the fields XML-RPC would.
"""

from __future__ import annotations

from typing import Any

from .._exceptions import NotFoundError
from .._models import Contact, ContactUpdate, NewContact
from .._resources import MATCH_OPTIONS
from ..backends._fields import (
    ADDRESSES,
    BIRTHDAY,
    EMAILS,
    PHONES,
    READ_ONLY,
    SCALARS,
    WRITABLE,
    from_struct,
    full_struct,
)
from ..backends._xmlrpc_rules import column_value, fault
from ._faults import invalid, not_found
from ._table import Context, Row, Table, contact_fields
from ._values import exact_id, pick, pick_all, positive_id, prefix_filter

# Contact fields Keap has (keap-api.md 4.4) that the facade does not model: a call naming
# one cannot be answered truthfully, so it faults instead of pretending the field is empty.
UNMODELLED = frozenset((
    "Nickname", "Title", "Suffix", "CompanyID", "AccountId", "Fax1", "Fax2", "Fax1Type",
    "Fax2Type", "ZipFour1", "Address1Type", "ZipFour2", "Address2Type", "ZipFour3",
    "Address3Type", "Anniversary", "SpouseName", "Website", "TimeZone", "Language",
    "ContactType", "ContactNotes", "OwnerID", "Leadsource", "LeadSourceId", "ReferralCode",
    "AssistantName", "AssistantPhone", "BillingInformation", "Username", "Password",
    "Validated", "CreatedBy", "LastUpdatedBy",
))  # fmt: skip
# Which model field each writable column belongs to.
_OWNER: dict[str, str] = {
    **{column: name for name, column in SCALARS.items()},
    **dict.fromkeys(EMAILS.values(), "email_addresses"),
    **{f"{p}{s}": "phone_numbers" for p in PHONES.values() for s in ("", "Ext", "Type")},
    **{column: "addresses" for row in ADDRESSES.values() for column in row},
    BIRTHDAY: "birth_date",
}
_SLOT_FIELDS = frozenset({"email_addresses", "phone_numbers", "addresses"})
# Keap's dupCheckType -> the facade's upsert ``match``.
DUP_CHECKS = {keap: facade for facade, keap in MATCH_OPTIONS.items()}


def contact_row(contact: Contact) -> Row:
    """A facade contact as the full struct Keap holds (empty fields left out)."""
    return full_struct(contact.model_dump())


# ----------------------------------------------------------------------------- writes


def _writes(ctx: Context, struct: Row) -> Row:
    """A struct to write, checked as Keap checks it, with values as Keap's columns hold them."""
    CONTACT.check(ctx, list(struct))
    for name in struct:
        if name in READ_ONLY:
            raise fault("NoFieldAccess", f"Field is read-only: Contact.{name}")
    return {name: column_value(name, value) for name, value in struct.items()}


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
    touched = {_OWNER[c] for c in given if not c.startswith("_")}
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


def add_contact(ctx: Context, struct: Row) -> int:
    """Create a contact (never deduplicated); its id."""
    return ctx.client.contacts.create(_new_contact(_writes(ctx, struct))).id


def update_contact(ctx: Context, contact_id: int, struct: Row) -> None:
    """Write a struct over a contact; only the named columns change."""
    given = _writes(ctx, struct)
    update = _update_for(ctx, positive_id(contact_id), given)
    ctx.client.contacts.update(contact_id, update)


def load_contact(ctx: Context, contact_id: int) -> Row:
    """The full struct of one contact; ``[RecordNotFound]`` if there is none."""
    return contact_row(ctx.client.contacts.get(positive_id(contact_id)))


def delete_contact(ctx: Context, contact_id: int) -> None:
    """Delete a contact."""
    ctx.client.contacts.delete(positive_id(contact_id))


def contact_rows(ctx: Context, query: Row, _touched: frozenset[str]) -> list[Row]:
    """The contacts a query may match, by ascending id.

    ``{'Id': 5}`` is one load; exact or trailing-``%`` conditions on Email, FirstName and
    LastName become the facade's server-side filters; the rest is matched by the caller.
    """
    if "Id" in query and (wanted := exact_id(query["Id"])) is not None:
        try:
            return [load_contact(ctx, wanted)] if wanted > 0 else []
        except NotFoundError:
            return []
    given_name, family_name, email = (
        prefix_filter(query.get(column)) if ctx.server_filters else None
        for column in ("FirstName", "LastName", "Email")
    )
    found = ctx.client.contacts.list(given_name=given_name, family_name=family_name, email=email)
    return [contact_row(c) for c in found]


CONTACT = Table(
    name="Contact",
    fields=contact_fields,
    rows=contact_rows,
    load=load_contact,
    add=add_contact,
    update=update_contact,
    delete=delete_contact,
    unmodelled=frozenset(UNMODELLED),
)


# ---------------------------------------------------------------------- ContactService


def cs_add(ctx: Context, args: tuple[Any, ...]) -> int:
    """``ContactService.add(struct)`` -> ``contacts.create``."""
    return add_contact(ctx, args[0])


def cs_add_with_dup_check(ctx: Context, args: tuple[Any, ...]) -> int:
    """``ContactService.addWithDupCheck(struct, dupCheckType)`` -> ``contacts.upsert``.

    Every dup check matches on the email address, so a struct without ``Email`` cannot
    match anything and is simply created, as Keap does.
    """
    struct, check = args
    if check not in DUP_CHECKS:
        raise invalid(f"Invalid dupCheckType: {check}")
    new = _new_contact(_writes(ctx, struct))
    if new.email is None:
        return ctx.client.contacts.create(new).id
    return ctx.client.contacts.upsert(new, match=DUP_CHECKS[check]).contact.id


def cs_load(ctx: Context, args: tuple[Any, ...]) -> Row:
    """``ContactService.load(id, selectedFields)`` -> ``contacts.get``."""
    contact_id, fields = args
    CONTACT.check(ctx, fields)
    return pick(load_contact(ctx, contact_id), fields)


def cs_update(ctx: Context, args: tuple[Any, ...]) -> int:
    """``ContactService.update(id, struct)`` -> ``contacts.update``; the id."""
    contact_id, struct = args
    update_contact(ctx, contact_id, struct)
    return int(contact_id)


def cs_find_by_email(ctx: Context, args: tuple[Any, ...]) -> list[Row]:
    """``ContactService.findByEmail(email, fields)`` -> ``contacts.find_by_email``.

    Keap searches all three email slots, ignoring case. An address the facade refuses as
    malformed cannot be on any contact it wrote, and Keap answers no rows for it.
    """
    email, fields = args
    CONTACT.check(ctx, fields)
    wanted = email.strip().lower()
    try:
        found = ctx.client.contacts.find_by_email(email.strip())
    except ValueError:
        return []
    rows = [contact_row(c) for c in found if wanted in {e.email.lower() for e in c.email_addresses}]
    return pick_all(rows, fields)


def _group_change(ctx: Context, contact_id: int, tag_id: int, *, apply: bool) -> bool:
    if contact_id < 1 or tag_id < 1:
        raise not_found()
    if apply:
        outcome = ctx.client.tags.apply(tag_id, [contact_id]).outcomes.get(contact_id, "")
        if outcome == "NOT_FOUND":
            raise not_found()
        return outcome.upper().startswith("SUCCESS")
    # REST removes a tag from a missing contact silently; Keap faults, so look first.
    ctx.client.contacts.get(contact_id)
    ctx.client.tags.remove(tag_id, [contact_id])
    return True


def cs_add_to_group(ctx: Context, args: tuple[Any, ...]) -> bool:
    """``ContactService.addToGroup(contactId, groupId)`` -> ``tags.apply``."""
    return _group_change(ctx, *args, apply=True)


def cs_remove_from_group(ctx: Context, args: tuple[Any, ...]) -> bool:
    """``ContactService.removeFromGroup(contactId, groupId)`` -> ``tags.remove``."""
    return _group_change(ctx, *args, apply=False)
