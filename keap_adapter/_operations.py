"""Facade arguments -> checked operations, ready to run on any backend.

Every facade method is one :class:`Op` (or :class:`Listing`) built here: its arguments are
checked first, so bad input never reaches the wire, and the operation can then run on any
backend. A client runs it on its own backend; a shadow runs it on two and compares. That is
what lets ``Shadow`` reuse the resource classes instead of repeating them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import TypeAdapter

from ._account_models import FIELD_TYPES, OPTION_TYPES, CustomField, EmailStatus
from ._models import (
    ApplyResult,
    Contact,
    ContactUpdate,
    Email,
    NewContact,
    RemoveResult,
    Tag,
    TagCategory,
    TagCategoryUpdate,
    TaggedContact,
    TagUpdate,
    Text,
    UpsertResult,
    check_id,
)
from .backends._base import Backend, ContactFilter, Flow, Page, Parts

T = TypeVar("T")
Item = TypeVar("Item")

Match = Literal["email", "email_and_name", "email_and_name_and_company"]
"""How ``contacts.upsert`` finds the contact to update (Keap's duplicate checks)."""
# The facade's spelling of Keap's duplicate checks (``DUPLICATE_OPTIONS``), in that order.
MATCH_OPTIONS: dict[str, str] = {
    "email": "Email",
    "email_and_name": "EmailAndName",
    "email_and_name_and_company": "EmailAndNameAndCompany",
}
_EMAIL = TypeAdapter(Email)
_TEXT = TypeAdapter(Text)


@dataclass(frozen=True)
class Op(Generic[T]):
    """One facade call: its name, its arguments (labels for reports) and its flow on a
    backend. ``write`` marks calls that change data (a shadow sends them to one side)."""

    name: str
    flow: Callable[[Backend], Flow[T]]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    write: bool = False
    # The same operation as independent per-contact flows, where the backend has them: the
    # async client runs those concurrently.
    parts: Callable[[Backend], Parts[T] | None] | None = None
    # Operations with the same key never run at once on one client (see ``_serial``).
    serial: str | None = None


@dataclass(frozen=True)
class Listing(Generic[Item]):
    """A paged facade read: one flow per page, given the cursor of that page."""

    name: str
    page: Callable[[Backend, str | None], Flow[Page[Item]]]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ argument checks


def check_ids(values: Iterable[int]) -> list[int]:
    """A non-empty list of contact ids, duplicates removed (order kept)."""
    if isinstance(values, (str, bytes, int)):
        raise ValueError("contact_ids must be a list of ints")
    ids = [*dict.fromkeys(check_id(v, "a contact id") for v in values)]
    if not ids:
        raise ValueError("contact_ids is empty")
    return ids


def check_page_size(value: int | None, default: int) -> int:
    """``None`` means the client's default; Keap allows 1 to 1000 per page."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValueError(f"page_size must be an int from 1 to 1000, not {value!r}")
    return value


def check_tag_name(name: str) -> str:
    """A tag name: non-empty, at most 255 characters (what Keap saves), XML-safe."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a tag name must be a non-empty string")
    if len(name) > 255:
        raise ValueError(f"a tag name is at most 255 characters, not {len(name)}")
    return _TEXT.validate_python(name)


def check_filter_value(value: str) -> str:
    """A listing filter value that means the same on both backends.

    A trailing ``*`` is a prefix on both. ``%`` (XML-RPC's wildcard), a ``*`` elsewhere,
    and REST v2's filter syntax (``;`` separates conditions, ``==`` compares) are refused on
    both, so a value can never smuggle in a second condition on either protocol.
    """
    if not isinstance(value, str):
        raise ValueError(f"a filter value is a string, not {type(value).__name__}")
    _TEXT.validate_python(value)
    if not value.strip():
        raise ValueError("a filter value cannot be empty (the backends read it differently)")
    if value != value.strip():
        raise ValueError(f"{value!r}: a filter value cannot start or end with white space")
    if ";" in value or "==" in value:
        raise ValueError(f"a filter value cannot contain ';' or '==': {value!r}")
    if "%" in value or "*" in value[:-1]:
        raise ValueError(f"{value!r}: only a trailing '*' is a wildcard, and '%' is not allowed")
    return value


def _exact_email(email: str) -> str:
    """An address to look up as written: REST would read a ``*`` as a wildcard."""
    if isinstance(email, str) and "*" in email:
        raise ValueError(f"{email!r}: find_by_email takes an exact address, without '*'")
    return _EMAIL.validate_python(email)


def _match(match: str) -> str:
    if match not in MATCH_OPTIONS:
        raise ValueError(f"match must be one of {sorted(MATCH_OPTIONS)}, not {match!r}")
    return MATCH_OPTIONS[match]


def _new(contact: NewContact | Mapping[str, Any]) -> NewContact:
    return contact if isinstance(contact, NewContact) else NewContact.model_validate(contact)


def _update(update: ContactUpdate | Mapping[str, Any]) -> ContactUpdate:
    return update if isinstance(update, ContactUpdate) else ContactUpdate.model_validate(update)


def _tag_update(update: TagUpdate | Mapping[str, Any]) -> TagUpdate:
    return update if isinstance(update, TagUpdate) else TagUpdate.model_validate(update)


def _optional(value: Any, check: Callable[[Any], T]) -> T | None:
    return None if value is None else check(value)


# ------------------------------------------------------------------ contacts


def create_contact(contact: NewContact | Mapping[str, Any]) -> Op[Contact]:
    new = _new(contact)
    return Op("contacts.create", lambda b: b.create_contact(new), (new,), write=True)


def get_contact(contact_id: int) -> Op[Contact]:
    cid = check_id(contact_id)
    return Op("contacts.get", lambda b: b.get_contact(cid), (cid,))


def update_contact(contact_id: int, update: ContactUpdate | Mapping[str, Any]) -> Op[Contact]:
    cid, change = check_id(contact_id), _update(update)
    return Op("contacts.update", lambda b: b.update_contact(cid, change), (cid, change), write=True)


def delete_contact(contact_id: int) -> Op[None]:
    cid = check_id(contact_id)
    return Op("contacts.delete", lambda b: b.delete_contact(cid), (cid,), write=True)


def find_by_email(email: str) -> Op[list[Contact]]:
    exact = _exact_email(email)
    return Op("contacts.find_by_email", lambda b: b.find_contacts_by_email(exact), (exact,))


def list_contacts(
    email: str | None, given_name: str | None, family_name: str | None, size: int
) -> Listing[Contact]:
    where = ContactFilter(
        email=_optional(email, check_filter_value),
        given_name=_optional(given_name, check_filter_value),
        family_name=_optional(family_name, check_filter_value),
    )
    given = {k: v for k, v in vars(where).items() if v is not None}
    return Listing(
        "contacts.list", lambda b, cur: b.list_contacts_page(where, size, cur), (), given
    )


def upsert_contact(contact: NewContact | Mapping[str, Any], match: str) -> Op[UpsertResult]:
    new, option = _new(contact), _match(match)
    if new.email is None:  # every one of Keap's duplicate checks matches on EMAIL1
        raise ValueError("upsert matches on the email address; the contact has no EMAIL1")
    return Op(
        "contacts.upsert",
        lambda b: b.upsert_contact(new, option),
        (new,),
        {"match": match},
        write=True,
        serial=f"upsert:{new.email.lower()}",
    )


def contact_tags(contact_id: int) -> Op[list[Tag]]:
    cid = check_id(contact_id)
    return Op("contacts.tags", lambda b: b.contact_tags(cid), (cid,))


def custom_field_names() -> Op[list[str]]:
    return Op("contacts.custom_field_names", lambda b: b.custom_field_names())


# ------------------------------------------------------------------ tags


def create_tag(name: str, description: str | None, category_id: int | None) -> Op[Tag]:
    checked = check_tag_name(name)
    desc = _optional(description, _TEXT.validate_python)
    category = _optional(category_id, lambda v: check_id(v, "category_id"))
    return Op(
        "tags.create", lambda b: b.create_tag(checked, desc, category), (checked,), write=True
    )


def get_tag(tag_id: int) -> Op[Tag]:
    tid = check_id(tag_id)
    return Op("tags.get", lambda b: b.get_tag(tid), (tid,))


def update_tag(tag_id: int, update: TagUpdate | Mapping[str, Any]) -> Op[Tag]:
    tid, changes = check_id(tag_id), _tag_update(update).changes()
    return Op("tags.update", lambda b: b.update_tag(tid, changes), (tid, changes), write=True)


def delete_tag(tag_id: int) -> Op[None]:
    tid = check_id(tag_id)
    return Op("tags.delete", lambda b: b.delete_tag(tid), (tid,), write=True)


def _exact_tag_name(name: str) -> str:
    if isinstance(name, str) and "*" in name:
        raise ValueError(f"{name!r}: tags.list matches a name exactly, without '*'")
    return check_filter_value(check_tag_name(name))


def list_tags(name: str | None, size: int) -> Listing[Tag]:
    exact = _optional(name, _exact_tag_name)
    given = {} if exact is None else {"name": exact}
    return Listing("tags.list", lambda b, cur: b.list_tags_page(exact, size, cur), (), given)


def apply_tag(tag_id: int, contact_ids: Iterable[int]) -> Op[ApplyResult]:
    tid, ids = check_id(tag_id), check_ids(contact_ids)
    return Op(
        "tags.apply",
        lambda b: b.apply_tag(tid, ids),
        (tid, ids),
        write=True,
        parts=lambda b: b.apply_tag_parts(tid, ids),
    )


def remove_tag(tag_id: int, contact_ids: Iterable[int]) -> Op[RemoveResult]:
    tid, ids = check_id(tag_id), check_ids(contact_ids)
    return Op(
        "tags.remove",
        lambda b: b.remove_tag(tid, ids),
        (tid, ids),
        write=True,
        parts=lambda b: b.remove_tag_parts(tid, ids),
    )


def tagged_contacts(tag_id: int, size: int) -> Listing[TaggedContact]:
    tid = check_id(tag_id)
    return Listing("tags.contacts", lambda b, cur: b.tagged_contacts_page(tid, size, cur), (tid,))


# ------------------------------------------------------------------ tag categories


def list_tag_categories(size: int) -> Listing[TagCategory]:
    return Listing("tags.categories.list", lambda b, cur: b.list_tag_categories_page(size, cur))


def create_tag_category(name: str, description: str | None) -> Op[TagCategory]:
    checked = check_tag_name(name)
    desc = _optional(description, _TEXT.validate_python)
    return Op(
        "tags.categories.create",
        lambda b: b.create_tag_category(checked, desc),
        (checked,),
        write=True,
    )


def get_tag_category(category_id: int) -> Op[TagCategory]:
    cid = check_id(category_id, "category_id")
    return Op("tags.categories.get", lambda b: b.get_tag_category(cid), (cid,))


def update_tag_category(
    category_id: int, update: TagCategoryUpdate | Mapping[str, Any]
) -> Op[TagCategory]:
    cid = check_id(category_id, "category_id")
    given = (
        update
        if isinstance(update, TagCategoryUpdate)
        else TagCategoryUpdate.model_validate(update)
    )
    changes = given.changes()
    return Op(
        "tags.categories.update",
        lambda b: b.update_tag_category(cid, changes),
        (cid, changes),
        write=True,
    )


def delete_tag_category(category_id: int) -> Op[None]:
    cid = check_id(category_id, "category_id")
    return Op("tags.categories.delete", lambda b: b.delete_tag_category(cid), (cid,), write=True)


# ------------------------------------------------------------------ custom fields, email status


def list_custom_fields() -> Op[list[CustomField]]:
    return Op("contacts.custom_fields.list", lambda b: b.list_custom_fields())


def _options(field_type: str, options: Iterable[str] | None) -> list[str]:
    """Options are what DROPDOWN, LIST_BOX, RADIO and DRILLDOWN fields pick from (REST v2
    lets them be added later in Keap's settings, so none is fine); XML-RPC stores them one a
    line, so an option cannot hold a line break."""
    if isinstance(options, str):
        raise ValueError("options is a list of labels, not one string")
    given = [] if options is None else list(options)
    if field_type not in OPTION_TYPES and given:
        raise ValueError(f"a {field_type} field takes no options")
    for option in given:
        if not isinstance(option, str) or not option.strip() or "\n" in option or "\r" in option:
            raise ValueError(f"an option is a non-empty line of text, not {option!r}")
        _TEXT.validate_python(option)
    # XML-RPC keeps options as trimmed lines, so trim them on both; a repeat is a mistake.
    trimmed = [option.strip() for option in given]
    if len({o.lower() for o in trimmed}) != len(trimmed):
        raise ValueError(f"options repeat a label: {trimmed}")
    return trimmed


def create_custom_field(
    label: str, field_type: str, options: Iterable[str] | None
) -> Op[CustomField]:
    if not isinstance(label, str) or not label.strip() or len(label) > 255:
        raise ValueError(f"a custom field label is 1 to 255 characters, not {label!r}")
    if field_type not in FIELD_TYPES:
        raise ValueError(f"field_type must be one of {sorted(FIELD_TYPES)}, not {field_type!r}")
    checked, choices = _TEXT.validate_python(label), _options(field_type, options)
    return Op(
        "contacts.custom_fields.create",
        lambda b: b.create_custom_field(checked, field_type, choices),
        (checked, field_type),
        {"options": choices},
        write=True,
    )


def email_status(email: str) -> Op[EmailStatus]:
    address = _exact_email(email)
    return Op("contacts.email_status", lambda b: b.email_status(address), (address,))


def set_email_opt_in(email: str, reason: str, *, opted_in: bool) -> Op[EmailStatus]:
    address = _exact_email(email)
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 255:
        raise ValueError("a reason is required (1 to 255 characters): Keap records it")
    why = _TEXT.validate_python(reason)
    return Op(
        "contacts.opt_in" if opted_in else "contacts.opt_out",
        lambda b: b.set_email_opt_in(address, opted_in, why),
        (address, why),
        write=True,
    )
