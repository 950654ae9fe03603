"""Tag models: tags, their categories, updates, and what tagging contacts did.

Request models are strict and response models lenient, as in ``_models``.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from ._models import RecordId, Text, _Request, _Response, _xml_safe


class Tag(_Response):
    """A tag (XML-RPC calls it a ContactGroup)."""

    id: int
    name: str
    description: str | None = None
    category_id: int | None = None


TagName = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_xml_safe)]


class TagUpdate(_Request):
    """A partial tag update: only the fields you set change.

    ``description=None`` or ``category_id=None`` clears that field; a tag always keeps a
    name (up to 255 characters, what Keap saves).
    """

    name: TagName = ""
    description: Text | None = None
    category_id: RecordId | None = None

    def changes(self) -> dict[str, Any]:
        """The fields that were set, as ``{name: value}``."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}

    @model_validator(mode="after")
    def _something_set(self) -> TagUpdate:
        if not self.model_fields_set:
            raise ValueError("a tag update must set name, description or category_id")
        if "name" in self.model_fields_set and not self.name.strip():
            raise ValueError("a tag name must be a non-empty string")
        return self


class TaggedContact(_Response):
    """A contact holding a tag, as Keap lists them: the id, EMAIL1, the names, and when
    the tag was applied (REST v2 ``TaggedContact``; XML-RPC ``ContactGroupAssign``)."""

    id: int
    email: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    applied_time: datetime | None = None


class TagOutcome(str, Enum):
    """What ``tags.apply`` / ``tags.remove`` did for one contact."""

    SUCCESS = "SUCCESS"
    """Done: the contact now has (apply) or lacks (remove) the tag."""
    NOT_FOUND = "NOT_FOUND"
    """There is no such contact."""
    FAILED = "FAILED"
    """Keap refused it for this contact (``messages`` holds what Keap said, if anything)."""
    UNREPORTED = "UNREPORTED"
    """The protocol does not say (REST v2 ``removeTags`` answers 204 with no body)."""


_FAILURES = (TagOutcome.NOT_FOUND, TagOutcome.FAILED)


class _TagResult(_Response):
    tag_id: int
    outcomes: dict[int, TagOutcome]
    messages: dict[int, str] = Field(default_factory=dict)

    @property
    def failed(self) -> dict[int, TagOutcome]:
        """The contacts whose outcome is ``NOT_FOUND`` or ``FAILED``."""
        return {cid: o for cid, o in self.outcomes.items() if o in _FAILURES}

    @property
    def ok(self) -> bool:
        """True when no contact failed (``UNREPORTED`` is not a failure)."""
        return not self.failed

    @property
    def reported(self) -> bool:
        """True when Keap reported every contact's outcome (none is ``UNREPORTED``)."""
        return TagOutcome.UNREPORTED not in self.outcomes.values()


class ApplyResult(_TagResult):
    """Per-contact outcome of ``tags.apply``, in the order the ids were given."""


class RemoveResult(_TagResult):
    """Per-contact outcome of ``tags.remove``, in the order the ids were given.

    REST v2's ``removeTags`` says nothing per contact, so there every outcome is
    ``UNREPORTED`` and ``reported`` is False; XML-RPC's ``removeFromGroup`` answers per
    contact.
    """


class TagCategory(_Response):
    """A tag category (XML-RPC's ``ContactGroupCategory``)."""

    id: int
    name: str
    description: str | None = None


class TagCategoryUpdate(_Request):
    """A partial tag category update: only the fields you set change
    (``description=None`` clears it)."""

    name: TagName = ""
    description: Text | None = None

    def changes(self) -> dict[str, Any]:
        """The fields that were set, as ``{name: value}``."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}

    @model_validator(mode="after")
    def _something_set(self) -> TagCategoryUpdate:
        if not self.model_fields_set:
            raise ValueError("a tag category update must set name or description")
        if "name" in self.model_fields_set and not self.name.strip():
            raise ValueError("a tag category name must be a non-empty string")
        return self
