"""FakeKeap's store, continued: tag categories, custom field definitions and email opt-in
status (a mixin of :class:`~._fake_store.Store`, holding the rules that hold whichever face
writes).

Sources: REST v2's ``TagCategory``, ``CustomFieldMetaData``, ``CreateCustomFieldRequest``
and ``RestEmailAddressStatus`` schemas; Keap's XML-RPC docs for ``DataFormField``,
``addCustomField``/``updateCustomField`` and ``APIEmailService``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

Row = dict[str, Any]

# CustomFieldMetaData.field_type values (REST v2 spec, schema CustomFieldMetaData).
FIELD_TYPES = frozenset((
    "CURRENCY", "DATE", "DATE_TIME", "DAY_OF_WEEK", "DECIMAL_NUMBER", "DRILLDOWN", "DROPDOWN",
    "EMAIL", "LIST_BOX", "MONTH", "NAME", "PERCENT", "PHONE_NUMBER", "RADIO",
    "SOCIAL_SECURITY_NUMBER", "STATE", "TEXT", "TEXT_AREA", "USER", "USER_LIST_BOX", "WEBSITE",
    "WHOLE_NUMBER", "YEAR", "YES_NO",
))  # fmt: skip
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Every app has a contact tab with a field group for custom fields; REST v2 puts a new
# field there when no group_id is given (CreateCustomFieldRequest: "the 'Custom Fields'
# tab"). Different ids on purpose, so a tab id passed where a group id belongs is caught.
CUSTOM_TAB, CUSTOM_GROUP = 1, 2
CUSTOM_FIELDS_NAME = "Custom Fields"

# RestEmailAddressStatus.status values (REST v2 spec, the EmailAddress enum).
EMAIL_STATUSES = frozenset((
    "UNENGAGED_MARKETABLE", "SINGLE_OPT_IN", "DOUBLE_OPT_IN", "CONFIRMED",
    "UNENGAGED_NON_MARKETABLE", "NON_MARKETABLE", "LOCKDOWN", "BOUNCE", "HARD_BOUNCE", "MANUAL",
    "ADMIN", "SYSTEM", "LIST_UNSUBSCRIBE", "FEEDBACK", "SPAM", "INVALID", "DEACTIVATED",
))  # fmt: skip
MARKETABLE = frozenset({"UNENGAGED_MARKETABLE", "SINGLE_OPT_IN", "DOUBLE_OPT_IN", "CONFIRMED"})
# Never opted in (or gone quiet): an API opt-in may still turn these on.
_OPEN = frozenset({"NON_MARKETABLE", "UNENGAGED_NON_MARKETABLE"})


class NameTaken(ValueError):
    """A name another tag (or tag category) already has; ``str()`` is the name."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(name)
        self.kind = kind
        self.name = name


class InUse(ValueError):
    """A tag category that tags still belong to."""


class Surroundings:
    """Tag categories, custom field definitions and email opt-in status, in canonical form."""

    now: Callable[[], datetime]
    tags: dict[int, Row]
    categories: dict[int, Row]
    custom_fields: dict[int, Row]
    field_tabs: dict[int, Row]
    field_groups: dict[int, Row]
    email_statuses: dict[str, Row]

    if TYPE_CHECKING:  # provided by Store

        def _new_id(self, kind: str) -> int: ...

        def all_contacts(self) -> list[Row]: ...

        @staticmethod
        def emails(contact: Row) -> list[str]: ...

    def _start_surroundings(self) -> None:
        self.categories = {}
        self.custom_fields = {}
        self.field_tabs = {CUSTOM_TAB: {"id": CUSTOM_TAB, "name": CUSTOM_FIELDS_NAME}}
        group = {"id": CUSTOM_GROUP, "tab_id": CUSTOM_TAB, "name": CUSTOM_FIELDS_NAME}
        self.field_groups = {CUSTOM_GROUP: group}
        self.email_statuses = {}

    @staticmethod
    def _check_unique(records: dict[int, Row], kind: str, name: str, own: int | None) -> None:
        """``NameTaken`` if another record has ``name``. REST v2 declares tag and category
        names unique (409 on create); Keap's docs do not say whether case counts, and the
        fake treats "VIP" and "vip" as one name, as XML-RPC's case-insensitive queries do
        (``lower``, as those queries compare, so "STRASSE" and "straße" stay two names)."""
        wanted = name.lower()
        if any(r["name"].lower() == wanted for r in records.values() if r["id"] != own):
            raise NameTaken(kind, name)

    # tag categories

    def create_category(self, name: str, description: str | None = None) -> Row:
        """Store a new tag category; return it."""
        self._check_unique(self.categories, "tag category", name, None)
        now = self.now()
        category_id = self._new_id("category")
        category = {"id": category_id, "name": name, "description": description or None}
        self.categories[category_id] = category | {"create_time": now, "update_time": now}
        return dict(self.categories[category_id])

    def category(self, category_id: int) -> Row | None:
        """A copy of one tag category, or ``None``."""
        stored = self.categories.get(category_id)
        return dict(stored) if stored is not None else None

    def all_categories(self) -> list[Row]:
        """Copies of every tag category, in ascending id order."""
        return [dict(self.categories[c]) for c in sorted(self.categories)]

    def update_category(self, category_id: int, changes: Row) -> None:
        """Change a category's name or description (``None`` clears the description)."""
        if "name" in changes:
            self._check_unique(self.categories, "tag category", changes["name"], category_id)
        self.categories[category_id] |= changes
        self.categories[category_id]["update_time"] = self.now()

    def delete_category(self, category_id: int) -> bool:
        """Remove a category; False if there was none; ``InUse`` while tags belong to it.

        Keap's docs do not say what deleting a category in use does. The fake refuses, so
        code tested here moves or deletes the tags first, which works whichever way Keap
        decides; silently uncategorising them would pass here and might fail there.
        """
        if category_id not in self.categories:
            return False
        if any(t.get("category_id") == category_id for t in self.tags.values()):
            raise InUse(category_id)
        del self.categories[category_id]
        return True

    # custom field definitions

    def add_custom_field(self, name: str, field_type: str = "TEXT") -> int:
        """Register a contact custom field under exactly ``name``; return its id."""
        if not _FIELD_NAME.match(name):
            raise ValueError(f"custom field name {name!r} must be letters, digits and _")
        if self.field_named(name) is not None:
            raise ValueError(f"custom field {name!r} already exists")
        return int(self._store_field(name, name, field_type, (), CUSTOM_GROUP)["id"])

    def create_field(
        self, label: str, field_type: str, options: Iterable[str] = (), group_id: int | None = None
    ) -> Row:
        """A new contact custom field named from its label, as Keap names one; return it."""
        if not label.strip():
            raise ValueError("a custom field needs a label")
        return self._store_field(
            self._name_for(label), label, field_type, options, group_id or CUSTOM_GROUP
        )

    def _store_field(
        self, name: str, label: str, field_type: str, options: Iterable[str], group_id: int
    ) -> Row:
        if field_type not in FIELD_TYPES:
            raise ValueError(f"unknown custom field type {field_type!r}")
        if group_id not in self.field_groups:
            raise ValueError(f"no custom field group {group_id}")
        field_id = self._new_id("field")
        self.custom_fields[field_id] = {
            "id": field_id, "name": name, "label": label, "field_type": field_type,
            "options": self._options(options), "group_id": group_id,
        }  # fmt: skip
        return copy.deepcopy(self.custom_fields[field_id])

    def _name_for(self, label: str) -> str:
        """Keap's database name for a new field: the label's letters and digits ("Shirt
        Size" -> "ShirtSize"), starting with a letter, with a number added when taken
        (REST v2's CustomFieldMetaData example: ``firstName1``)."""
        stem = re.sub(r"[^A-Za-z0-9]", "", label)
        stem = stem if stem[:1].isalpha() else f"Field{stem}"
        taken = {f["name"].casefold() for f in self.custom_fields.values()}
        name, number = stem, 0
        while name.casefold() in taken:
            number += 1
            name = f"{stem}{number}"
        return name

    def _options(self, labels: Iterable[str]) -> list[Row]:
        return [{"id": self._new_id("option"), "label": label} for label in labels]

    def change_field(
        self, field_id: int, *, label: str | None = None, options: Iterable[str] | None = None
    ) -> bool:
        """Change a field's label and/or options; False if there is no such field."""
        field = self.custom_fields.get(field_id)
        if field is None:
            return False
        if label is not None:
            field["label"] = label
        if options is not None:
            field["options"] = self._options(options)
        return True

    def field_named(self, name: str) -> Row | None:
        """Custom field metadata by its name, or ``None``."""
        return next((f for f in self.custom_fields.values() if f["name"] == name), None)

    # email opt-in status

    def email_status(self, email: str) -> Row | None:
        """An address's status; ``None`` for one Keap has never seen. An address on a
        contact that never opted in is ``NON_MARKETABLE`` since the contact was made."""
        recorded = self.email_statuses.get(email.casefold())
        if recorded is not None:
            return dict(recorded)
        for contact in self.all_contacts():
            for address in self.emails(contact):
                if address.casefold() == email.casefold():
                    return _status(address, "NON_MARKETABLE", contact["create_time"])
        return None

    def opt_in(self, email: str, reason: str) -> Row:
        """An API opt-in; the status after it. An address opted out through the API (or by
        its owner) stays out: Keap's optOut docs say the person must confirm a double
        opt-in email themselves to turn it on again. An address already opted in keeps its
        (perhaps double) opt-in."""
        current = self.email_status(email)
        if current is not None and (current["locked"] or current["status"] in MARKETABLE):
            return current
        return self.set_email_status(email, "SINGLE_OPT_IN", reason=reason)

    def opt_out(self, email: str, reason: str) -> Row:
        """An API opt-out: non-marketable, and closed to API opt-ins from now on."""
        return self.set_email_status(email, "NON_MARKETABLE", reason=reason, locked=True)

    def set_email_status(
        self, email: str, status: str, *, reason: str | None = None, locked: bool | None = None
    ) -> Row:
        """Record ``status`` for an address (tests use it for what only a person can do,
        e.g. ``CONFIRMED``). ``locked`` (an API opt-in cannot undo it) defaults to whether
        the status is an opt-out rather than an address that never opted in."""
        if status not in EMAIL_STATUSES:
            raise ValueError(f"unknown email status {status!r}")
        before = self.email_status(email)
        since = before["create_time"] if before is not None else self.now()
        record = _status(before["email"] if before else email, status, since)
        record |= {"reason": reason, "update_time": self.now()}
        record["locked"] = locked if locked is not None else status not in MARKETABLE | _OPEN
        self.email_statuses[email.casefold()] = record
        return dict(record)


def _status(email: str, status: str, since: datetime) -> Row:
    return {
        "email": email, "status": status, "opted_in": status in MARKETABLE,
        "create_time": since, "locked": False,
    }  # fmt: skip
