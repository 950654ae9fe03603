"""Pydantic models: one canonical shape per thing, shaped like REST v2.

Request models (``NewContact``, ``ContactUpdate`` and the parts they hold) are strict:
unknown fields, Keap's length limits and text XML cannot carry are refused with a
``ValueError`` before anything is sent. Response models are lenient (``extra="allow"``),
so a field Keap adds tomorrow never breaks a read.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

__all__ = [
    "Address",
    "ApplyResult",
    "Contact",
    "ContactUpdate",
    "EmailAddress",
    "FaxNumber",
    "NewContact",
    "PhoneNumber",
    "RemoveResult",
    "Tag",
    "TagCategory",
    "TagCategoryUpdate",
    "TagOutcome",
    "TagUpdate",
    "TaggedContact",
    "UpsertResult",
]

EmailField = Literal["EMAIL1", "EMAIL2", "EMAIL3"]
PhoneField = Literal["PHONE1", "PHONE2", "PHONE3", "PHONE4", "PHONE5"]
AddressField = Literal["BILLING", "SHIPPING", "OTHER"]
FaxField = Literal["FAX1", "FAX2"]

# XML 1.0 forbids most C0 controls, surrogates and U+FFFE/U+FFFF; Keap's XML-RPC parser
# rejects them and REST stores them where XML-RPC readers then choke (peers.md A.3).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Deliberately loose: Keap does its own validation; we only refuse what is surely wrong.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")


# Reads pass this context: what Keap already stores is reported, never refused.
LENIENT = {"lenient": True}


def _lenient(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("lenient"))


def _xml_safe(value: str, info: ValidationInfo) -> str:
    if _lenient(info):
        return value
    if XML_ILLEGAL.search(value):
        raise ValueError("contains a character XML cannot carry (control character or surrogate)")
    return value


def _email(value: str, info: ValidationInfo) -> str:
    if not _lenient(info) and not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid email address")
    return _xml_safe(value, info)


Text = Annotated[str, AfterValidator(_xml_safe)]
Email = Annotated[str, AfterValidator(_email)]


Text15 = Annotated[str, Field(max_length=15), AfterValidator(_xml_safe)]
Text20 = Annotated[str, Field(max_length=20), AfterValidator(_xml_safe)]
Text40 = Annotated[str, Field(max_length=40), AfterValidator(_xml_safe)]
Text100 = Annotated[str, Field(max_length=100), AfterValidator(_xml_safe)]
Text255 = Annotated[str, Field(max_length=255), AfterValidator(_xml_safe)]


# Keap's ids are Java Integers on XML-RPC (its docs: ids are <int>): none is above 2**31 - 1.
MAX_ID = 2**31 - 1


def check_id(value: object, what: str = "id") -> int:
    """A positive int id up to ``MAX_ID``, or ``ValueError`` (``True`` and ``"12"`` are
    refused too)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError(f"{what} must be a positive int up to {MAX_ID}, not {value!r}")
    return value


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


# Limits per slot (Keap's REST v2 spec, EmailAddress/PhoneNumber/Address fields):
# EMAIL1 75, EMAIL2/3 100; PHONE1-3 40, PHONE4-5 20;
# BILLING lines 75, locality 50, postal code 15; SHIPPING postal 20; others 100.
_EMAIL_LIMITS = {"EMAIL1": 75, "EMAIL2": 100, "EMAIL3": 100}
_PHONE_LIMITS = {"PHONE1": 40, "PHONE2": 40, "PHONE3": 40, "PHONE4": 20, "PHONE5": 20}
_ADDRESS_LIMITS: dict[str, dict[str, int]] = {
    "BILLING": {"line1": 75, "line2": 75, "locality": 50, "postal_code": 15},
    "SHIPPING": {"line1": 100, "line2": 100, "locality": 100, "postal_code": 20},
    "OTHER": {"line1": 100, "line2": 100, "locality": 100, "postal_code": 15},
}


def _check_given(info: ValidationInfo, slot: str, name: str, value: str) -> None:
    """A slot's main value must say something: a blank one would store an empty slot."""
    if not _lenient(info) and not value.strip():
        raise ValueError(f"the {name} of {slot} is empty")


def _check_limit(info: ValidationInfo, slot: str, name: str, value: str | None, limit: int) -> None:
    if not _lenient(info) and value is not None and len(value) > limit:
        raise ValueError(f"{name} of {slot} is {len(value)} characters; Keap allows {limit}")


class EmailAddress(BaseModel):
    """One of a contact's three email slots (``field`` = EMAIL1..EMAIL3)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: Email
    field: EmailField = "EMAIL1"

    @model_validator(mode="after")
    def _limit(self, info: ValidationInfo) -> EmailAddress:
        _check_limit(info, self.field, "email", self.email, _EMAIL_LIMITS[self.field])
        return self


class PhoneNumber(BaseModel):
    """One of a contact's five phone slots (``field`` = PHONE1..PHONE5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: Text
    field: PhoneField = "PHONE1"
    type: Text | None = None
    extension: Text | None = None

    @model_validator(mode="after")
    def _limit(self, info: ValidationInfo) -> PhoneNumber:
        _check_given(info, self.field, "number", self.number)
        _check_limit(info, self.field, "number", self.number, _PHONE_LIMITS[self.field])
        _check_limit(info, self.field, "type", self.type, 20)
        _check_limit(info, self.field, "extension", self.extension, 20)
        return self


class FaxNumber(BaseModel):
    """One of a contact's two fax slots (``field`` = FAX1, FAX2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: Text
    field: FaxField = "FAX1"
    type: Text | None = None

    @model_validator(mode="after")
    def _limit(self, info: ValidationInfo) -> FaxNumber:
        _check_given(info, self.field, "number", self.number)
        _check_limit(info, self.field, "number", self.number, 40)
        _check_limit(info, self.field, "type", self.type, 20)
        return self


class Address(BaseModel):
    """A postal address slot. ``country_code`` is ISO 3166-1 alpha-3 (``"USA"``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: AddressField = "BILLING"
    line1: Text | None = None
    line2: Text | None = None
    locality: Text | None = None
    region: Text | None = None
    postal_code: Text | None = None
    country_code: Text | None = None
    zip_four: Text | None = None

    @model_validator(mode="after")
    def _limit(self, info: ValidationInfo) -> Address:
        if not _lenient(info) and self.country_code and not _ALPHA3.fullmatch(self.country_code):
            raise ValueError(f"country_code {self.country_code!r} is not ISO 3166-1 alpha-3")
        if not _lenient(info) and self.region and not self.country_code:
            # REST v2's createContact rule ("country_code is required when region is given").
            raise ValueError(f"the {self.field} address has a region but no country_code")
        for name, limit in {**_ADDRESS_LIMITS[self.field], "region": 50, "zip_four": 10}.items():
            _check_limit(info, self.field, name, getattr(self, name), limit)
        parts = ("line1", "line2", "locality", "region", "postal_code", "country_code", "zip_four")
        if not _lenient(info) and not any((getattr(self, p) or "").strip() for p in parts):
            raise ValueError(f"the {self.field} address is empty")
        return self


# Custom text holds up to 65535 characters (REST v2 spec, CustomFieldValue); XML-legal too.
CustomText = Annotated[str, Field(max_length=65535), AfterValidator(_xml_safe)]
# NaN and infinity have no JSON form and XML-RPC refuses them: refused here, before a request.
CustomNumber = Annotated[float, Field(allow_inf_nan=False)]
CustomValue = CustomText | int | CustomNumber | bool | date | datetime | None


RecordId = Annotated[int, Field(gt=0, le=MAX_ID, strict=True)]


class _ContactFields(_Request):
    """The writable contact fields, shared by ``NewContact`` and ``ContactUpdate``.

    Names and limits are REST v2's (``CreateUpdateContactRequest``); each has an XML-RPC
    ``Contact`` column too (the field table in ``backends/_fields.py`` pairs them).
    """

    prefix: Text | None = None
    given_name: Text40 | None = None
    middle_name: Text100 | None = None
    family_name: Text40 | None = None
    suffix: Text | None = None
    preferred_name: Text100 | None = None
    company_name: Text100 | None = None
    company_id: RecordId | None = None
    job_title: Text255 | None = None
    email_addresses: list[EmailAddress] | None = None
    phone_numbers: list[PhoneNumber] | None = None
    fax_numbers: list[FaxNumber] | None = None
    addresses: list[Address] | None = None
    birth_date: date | None = None
    anniversary_date: date | None = None
    spouse_name: Text100 | None = None
    website: Text100 | None = None
    time_zone: Text | None = None
    preferred_locale: Text | None = None
    contact_type: Text | None = None
    owner_id: RecordId | None = None
    leadsource_id: RecordId | None = None
    referral_code: Text | None = None
    assistant_name: Text20 | None = None
    assistant_phone: Text15 | None = None
    billing_information: Text100 | None = None
    custom_fields: (
        dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")], CustomValue] | None
    ) = None

    def changes(self) -> dict[str, Any]:
        """The fields that were set, as ``{name: value}`` (``email`` folds into EMAIL1)."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set - {"email"})}

    @model_validator(mode="after")
    def _custom_fields_not_none(self) -> _ContactFields:
        if "custom_fields" in self.model_fields_set and self.custom_fields is None:
            # "Clear them all" needs the account's field list; say what works instead.
            raise ValueError("custom_fields cannot be None; map each field to None to clear it")
        return self

    @model_validator(mode="after")
    def _one_per_slot(self) -> _ContactFields:
        for name in ("email_addresses", "phone_numbers", "fax_numbers", "addresses"):
            slots = [item.field for item in getattr(self, name) or ()]
            if len(slots) != len(set(slots)):
                raise ValueError(f"{name} names the same slot twice: {slots}")
        return self


class NewContact(_ContactFields):
    """A contact to create. ``email=`` is a shorthand for the EMAIL1 address.

    Keap's REST v2 refuses a contact with none of ``email_addresses``, ``phone_numbers``
    and ``addresses`` (createContact: "at least one item in email_addresses,
    phone_numbers, or addresses"), so it is refused here, before anything is sent, on
    both backends.
    """

    email: Email | None = Field(default=None, exclude=True)
    """The EMAIL1 address: given as a shorthand, or read from ``email_addresses``."""

    @model_validator(mode="before")
    @classmethod
    def _email_shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        addresses = list(data.get("email_addresses") or ())
        if data.get("email") is not None:
            others = [e for e in addresses if _get(e, "field", "EMAIL1") != "EMAIL1"]
            data["email_addresses"] = [{"email": data["email"], "field": "EMAIL1"}, *others]
        else:
            first = [e for e in addresses if _get(e, "field", "EMAIL1") == "EMAIL1"]
            data.pop("email", None)
            if first:
                data["email"] = _get(first[0], "email", None)
        return data

    @model_validator(mode="after")
    def _reachable(self, info: ValidationInfo) -> NewContact:
        if not _lenient(info) and not (
            self.email_addresses or self.phone_numbers or self.addresses
        ):
            raise ValueError(
                "a new contact needs at least one of email_addresses, phone_numbers or addresses"
            )
        return self


class ContactUpdate(_ContactFields):
    """A partial update: only the fields you set are sent, and only they change.

    Setting a field to ``None`` clears it. List fields (``email_addresses``...) replace
    the whole list when set, on both backends, so nothing is merged by surprise.
    """


def _get(item: Any, name: str, default: Any) -> Any:
    """A part of a slot given either as a model or as a dict."""
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def _email1(addresses: list[EmailAddress] | None) -> str | None:
    return next((e.email for e in addresses or () if e.field == "EMAIL1"), None)


class Contact(_Response):
    """A contact as Keap returns it, on either backend (REST v2's names)."""

    id: int
    prefix: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None
    suffix: str | None = None
    preferred_name: str | None = None
    company_name: str | None = None
    company_id: int | None = None
    job_title: str | None = None
    email_addresses: list[EmailAddress] = []
    phone_numbers: list[PhoneNumber] = []
    fax_numbers: list[FaxNumber] = []
    addresses: list[Address] = []
    birth_date: date | None = None
    anniversary_date: date | None = None
    spouse_name: str | None = None
    website: str | None = None
    time_zone: str | None = None
    preferred_locale: str | None = None
    contact_type: str | None = None
    owner_id: int | None = None
    leadsource_id: int | None = None
    referral_code: str | None = None
    assistant_name: str | None = None
    assistant_phone: str | None = None
    billing_information: str | None = None
    account_id: int | None = None
    created_by: int | None = None
    last_updated_by: int | None = None
    tag_ids: list[int] = []
    custom_fields: dict[str, Any] = {}
    create_time: datetime | None = None
    update_time: datetime | None = None

    @property
    def email(self) -> str | None:
        """The EMAIL1 address, if any."""
        return _email1(self.email_addresses)


class UpsertResult(_Response):
    """What ``contacts.upsert`` did: the contact, and whether it was newly created.

    ``certain`` says whether ``created`` can be relied on when other processes upsert the
    same email at the same time. REST carries Keap's own word (201 or 200), so it is always
    ``True``. XML-RPC's ``addWithDupCheck`` answers only an id: a contact that the lookup
    before it did not find may have been made by another process in between, so such a
    ``created=True`` comes with ``certain=False``. Within one client, upserts of one email
    are serialised, so exactly one of them reports ``created``.
    """

    contact: Contact
    created: bool
    certain: bool = True


# Tag models live in their own module; re-exported here, where the rest of the package looks.
from ._tag_models import (  # noqa: E402
    ApplyResult,
    RemoveResult,
    Tag,
    TagCategory,
    TagCategoryUpdate,
    TaggedContact,
    TagOutcome,
    TagUpdate,
)
