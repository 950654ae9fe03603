"""Models of what surrounds contacts: custom field definitions and email opt-in status."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._models import _Response

__all__ = ["FIELD_TYPES", "CustomField", "EmailStatus", "FieldType"]

# REST v2's ``field_type`` values for contact custom fields (CreateCustomFieldRequest), less
# USER_LIST_BOX, which XML-RPC's addCustomField has no type for.
FieldType = Literal[
    "CURRENCY", "DATE", "DATE_TIME", "DAY_OF_WEEK", "DECIMAL_NUMBER", "DRILLDOWN", "DROPDOWN",
    "EMAIL", "LIST_BOX", "MONTH", "NAME", "PERCENT", "PHONE_NUMBER", "RADIO",
    "SOCIAL_SECURITY_NUMBER", "STATE", "TEXT", "TEXT_AREA", "USER", "WEBSITE",
    "WHOLE_NUMBER", "YEAR", "YES_NO",
]  # fmt: skip
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]
# Types whose values are picked from ``options``.
OPTION_TYPES = frozenset({"DROPDOWN", "LIST_BOX", "RADIO", "DRILLDOWN"})


class CustomField(_Response):
    """A contact custom field definition.

    ``name`` is the key in ``Contact.custom_fields`` (XML-RPC's column without its ``_``,
    REST v2's ``field_name``); ``field_type`` is REST v2's spelling on both backends, and
    ``options`` the labels a DROPDOWN, LIST_BOX, RADIO or DRILLDOWN field offers.
    """

    id: int
    name: str
    label: str
    field_type: str
    options: list[str] = Field(default_factory=list)


class EmailStatus(_Response):
    """An email address's marketing status.

    ``status`` is REST v2's status name (``SINGLE_OPT_IN``, ``DOUBLE_OPT_IN``,
    ``NON_MARKETABLE``...). XML-RPC's ``getOptStatus`` answers only 0, 1 or 2, read as
    ``NON_MARKETABLE``, ``SINGLE_OPT_IN`` and ``DOUBLE_OPT_IN``; an address Keap has never
    seen is ``NON_MARKETABLE`` on both backends (XML-RPC answers 0 for it).
    """

    email: str
    opted_in: bool
    status: str
