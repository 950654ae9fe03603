"""How FakeKeap's REST v2 face lists things: page tokens, ``filter`` and ``order_by``.

The v2 spec gives the parameters (listContacts, listTagsForContact, listContactsForTag,
countContactsForTag) but not every syntax: ``order_by`` is only "attribute and direction",
so the fake reads it the Google AIP-132 way the API's other conventions follow
(``create_time desc``: a field, a space, an optional ``asc``/``desc``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from ._fake_rest_json import RestError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
T = TypeVar("T")
Row = dict[str, Any]


def page(params: httpx.QueryParams, items: list[T], key: Callable[[T], int]) -> tuple[list[T], str]:
    """One page of ``items`` after the cursor, and its ``next_page_token``.

    The token names the id of the last item sent; the next page starts after it. If that
    item is gone by then, the next page starts at the first larger id.
    """
    size = _page_size(params.get("page_size"))
    after = _decode_token(params.get("page_token"))
    keys = [key(item) for item in items]
    start = 0
    if after:
        start = keys.index(after) + 1 if after in keys else sum(1 for k in keys if k <= after)
    chunk = items[start : start + size]
    return chunk, _encode_token(key(chunk[-1])) if len(items) > start + size else ""


def _page_size(raw: str | None) -> int:
    if raw is not None and not re.fullmatch(r"-?\d+", raw):
        raise RestError(400, f"Invalid page_size: {raw!r}")
    size = int(raw or 0)
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise RestError(400, f"page_size must be between 0 and {MAX_PAGE_SIZE}")
    return size or DEFAULT_PAGE_SIZE  # 0 means "server default", as in Google-style APIs


def _encode_token(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError, non-ASCII input
        text = ""
    if not re.fullmatch(r"after:\d+", text):
        raise RestError(400, f"Invalid page_token: {token!r}")
    return int(text[len("after:") :])


def conditions(params: httpx.QueryParams, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    """The ``name==value`` conditions of the ``filter`` query parameter."""
    found = []
    for part in filter(None, (p.strip() for p in (params.get("filter") or "").split(";"))):
        name, sep, value = part.partition("==")
        if not sep or name not in allowed:
            supported = ", ".join(allowed) or "nothing"
            raise RestError(400, f"Invalid filter {part!r}; FakeKeap filters on {supported}")
        found.append((name, value))
    return found


def matches(pattern: str, candidates: list[str]) -> bool:
    """Case-insensitive equality, or prefix match when ``pattern`` ends with ``*``."""
    wanted = pattern.lower()
    if wanted.endswith("*"):
        return any(c.lower().startswith(wanted[:-1]) for c in candidates)
    return any(c.lower() == wanted for c in candidates)


def contact_values(contact: Row, name: str) -> list[str]:
    """The values a contact filter on ``name`` looks at (every email slot for ``email``)."""
    if name == "email":
        return [str(e["email"]) for e in contact.get("email_addresses") or []]
    return [contact[name]] if contact.get(name) else []


def meets(contact: Row, found: list[tuple[str, str]]) -> bool:
    """Whether a contact meets every condition; ``NONE`` matches a missing value, as the
    spec says for the tagged-contacts filters."""
    return all(
        not contact_values(contact, name)
        if value == "NONE"
        else matches(value, contact_values(contact, name))
        for name, value in found
    )


def _email_key(contact: Row) -> tuple[int, str]:
    emails = contact_values(contact, "email")
    return (1, emails[0].lower()) if emails else (0, "")


# listContacts order_by fields (v2 spec) -> the sort key of a canonical contact.
_CONTACT_ORDER: dict[str, Callable[[Row], Any]] = {
    "id": lambda c: int(c["id"]),
    "create_time": lambda c: c["create_time"],
    "update_time": lambda c: c["update_time"],
    "email": _email_key,
}


def ordered(
    order_by: str | None, rows: list[Row], keys: dict[str, Callable[[Row], Any]]
) -> list[Row]:
    """Rows (in ascending id order) sorted by ``order_by``, one of ``keys`` and an optional
    ``asc``/``desc``; a 400 for anything else."""
    words = (order_by or "").split()
    if not words:
        return rows
    field, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
    if len(words) > 2 or field not in keys or direction not in ("asc", "desc"):
        supported = ", ".join(keys)
        raise RestError(400, f"Invalid order_by {order_by!r}; one of {supported}, asc or desc")
    # Stable, so rows with equal keys stay in ascending id order either way.
    return sorted(rows, key=keys[field], reverse=direction == "desc")


def ordered_contacts(order_by: str | None, contacts: list[Row]) -> list[Row]:
    """Contacts (in ascending id order) sorted by listContacts' ``order_by``."""
    return ordered(order_by, contacts, _CONTACT_ORDER)


def field_meets(record: Row, found: list[tuple[str, str]]) -> bool:
    """Whether a record's own fields meet every condition (``NONE``: the field is empty)."""
    return all(
        not record.get(name) if value == "NONE" else matches(value, [str(record.get(name) or "")])
        for name, value in found
    )
