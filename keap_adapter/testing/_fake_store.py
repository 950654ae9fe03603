"""FakeKeap's store: every record once, in canonical (REST v2 shaped, python-valued) form.

Each protocol face converts to and from it, so a contact written over XML-RPC reads back
over REST and the other way round. Rules that hold whichever face writes live here: a tag
name is unique (ignoring case), custom date fields hold dates; tag categories, custom
field definitions and email status are ``_fake_store_more``. The store does no locking:
:class:`~keap_adapter.testing.FakeKeap` holds its lock around every request.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .._xmlrpc_server._schema import DUP_CHECK_TYPES
from ._fake_columns import SLOTS
from ._fake_dates import stored_custom
from ._fake_store_more import InUse, NameTaken, Surroundings

__all__ = ["InUse", "NameTaken", "Store"]


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


class Store(Surroundings):
    """Contacts, tags, tag assignments, tag categories, custom field metadata and email
    status, in canonical form.

    Reads return deep copies with ``tag_ids`` filled in, so callers may change them freely.
    """

    DUPLICATE_OPTIONS = DUP_CHECK_TYPES

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.contacts: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, dict[str, Any]] = {}
        self.applied: dict[tuple[int, int], datetime] = {}
        self._next: dict[str, int] = {}
        self._start_surroundings()

    def _new_id(self, kind: str) -> int:
        """The next id of ``kind`` (contact, tag, field...), counting from 1."""
        self._next[kind] = self._next.get(kind, 0) + 1
        return self._next[kind]

    # contacts

    def contact(self, contact_id: int) -> dict[str, Any] | None:
        """A copy of one contact with its ``tag_ids``, or ``None``."""
        stored = self.contacts.get(contact_id)
        if stored is None:
            return None
        contact = copy.deepcopy(stored)
        contact["tag_ids"] = sorted(t for c, t in self.applied if c == contact_id)
        return contact

    def all_contacts(self) -> list[dict[str, Any]]:
        """Copies of every contact, in ascending id order."""
        return [c for cid in sorted(self.contacts) if (c := self.contact(cid)) is not None]

    def create_contact(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new contact from writable canonical fields; return it."""
        now = self.now()
        contact_id = self._new_id("contact")
        self.contacts[contact_id] = {"id": contact_id, "create_time": now, "update_time": now}
        return self.update_contact(contact_id, fields, touch=False)

    def update_contact(
        self, contact_id: int, changes: dict[str, Any], *, touch: bool = True
    ) -> dict[str, Any]:
        """Set each changed field; an empty value clears it. Lists and dicts replace whole."""
        stored = self.contacts[contact_id]
        for name, value in self._typed(changes).items():
            if _empty(value):
                stored.pop(name, None)
            else:
                stored[name] = copy.deepcopy(value)
        if touch:
            stored["update_time"] = self.now()
        return self.contact(contact_id) or {}

    def _typed(self, changes: dict[str, Any]) -> dict[str, Any]:
        """``changes`` in one form whichever face wrote them: list items in slot order,
        custom date fields as dates."""
        out: dict[str, Any] = {
            k: _in_slot_order(k, v) if k in SLOTS and v else v for k, v in changes.items()
        }
        custom: dict[str, Any] = out.get("custom_fields") or {}
        if custom:
            types = {f["name"]: f["field_type"] for f in self.custom_fields.values()}
            out["custom_fields"] = {
                k: stored_custom(v, types.get(k, "")) for k, v in custom.items()
            }
        return out

    def delete_contact(self, contact_id: int) -> bool:
        """Remove a contact and its tag assignments; False if there was none."""
        if self.contacts.pop(contact_id, None) is None:
            return False
        for key in [k for k in self.applied if k[0] == contact_id]:
            del self.applied[key]
        return True

    def find_duplicate(self, fields: dict[str, Any], option: str) -> int | None:
        """The lowest id matching ``fields`` by Keap's dup-check ``option``, if any."""
        items = fields.get("email_addresses") or []
        first = next((e for e in items if e.get("field") == "EMAIL1"), items[0] if items else None)
        email = str(first["email"]) if first else None
        if not email:
            return None
        names = ["given_name", "family_name"] if option != "Email" else []
        names += ["company_name"] if option == "EmailAndNameAndCompany" else []
        for contact in self.all_contacts():
            if email.lower() in (e.lower() for e in self.emails(contact)) and all(
                _same(fields.get(n), contact.get(n)) for n in names
            ):
                return int(contact["id"])
        return None

    @staticmethod
    def emails(contact: dict[str, Any]) -> list[str]:
        """Every email address of a canonical contact."""
        return [str(e["email"]) for e in contact.get("email_addresses") or []]

    # tags

    def create_tag(
        self, name: str, description: str | None = None, category_id: int | None = None
    ) -> dict[str, Any]:
        """Store a new tag; return it."""
        self._check_unique(self.tags, "tag", name, None)
        now = self.now()
        tag_id = self._new_id("tag")
        tag = {"id": tag_id, "name": name, "description": description or None}
        tag |= {"category_id": category_id or None, "create_time": now, "update_time": now}
        self.tags[tag_id] = tag
        return dict(tag)

    def tag(self, tag_id: int) -> dict[str, Any] | None:
        """A copy of one tag, or ``None``."""
        stored = self.tags.get(tag_id)
        return dict(stored) if stored is not None else None

    def all_tags(self) -> list[dict[str, Any]]:
        """Copies of every tag, in ascending id order."""
        return [dict(self.tags[t]) for t in sorted(self.tags)]

    def update_tag(self, tag_id: int, changes: dict[str, Any]) -> None:
        """Change a tag's name, description or category_id."""
        if "name" in changes:
            self._check_unique(self.tags, "tag", changes["name"], tag_id)
        self.tags[tag_id] |= changes
        self.tags[tag_id]["update_time"] = self.now()

    def delete_tag(self, tag_id: int) -> bool:
        """Remove a tag and every assignment of it; False if there was none."""
        if self.tags.pop(tag_id, None) is None:
            return False
        for key in [k for k in self.applied if k[1] == tag_id]:
            del self.applied[key]
        return True

    def apply(self, contact_id: int, tag_id: int) -> None:
        """Apply a tag; re-applying keeps the first applied time."""
        self.applied.setdefault((contact_id, tag_id), self.now())

    def remove(self, contact_id: int, tag_id: int) -> None:
        """Remove a tag from a contact (nothing happens if it was not applied)."""
        self.applied.pop((contact_id, tag_id), None)

    def assignments(self) -> list[tuple[int, int, datetime]]:
        """Every (contact id, tag id, applied time), by contact then tag id."""
        return [(c, t, when) for (c, t), when in sorted(self.applied.items())]


def _in_slot_order(key: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: SLOTS[key].index(item["field"]))


def _same(left: Any, right: Any) -> bool:
    return str(left or "").strip().lower() == str(right or "").strip().lower()
