"""The backend interface: each operation is a flow that builds requests and reads responses.

A flow is a generator (the pattern of ``httpx.Auth.auth_flow``): it yields a :class:`Call`,
the client driver sends it and ``send()``s the ``httpx.Response`` back, or ``throw()``s the
typed :class:`~keap_adapter.KeapError` the backend mapped it to, so a flow may catch a
refusal it expects. The flow's return value is the operation's result. Backends never do
I/O, so every one of them is tested by looking at the requests it builds.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from .._account_models import CustomField, EmailStatus
from .._exceptions import APIError, KeapError, RedirectError
from .._models import (
    ApplyResult,
    Contact,
    ContactUpdate,
    NewContact,
    RemoveResult,
    Tag,
    TagCategory,
    TaggedContact,
    TagOutcome,
    UpsertResult,
)

T = TypeVar("T")
# Keap's duplicate checks, the same strings on both protocols (XML-RPC addWithDupCheck's
# dupCheckType; REST v2's duplicate_option).
DUPLICATE_OPTIONS = ("Email", "EmailAndName", "EmailAndNameAndCompany")
Item = TypeVar("Item")


@dataclass(frozen=True)
class Call:
    """One request a flow wants sent.

    ``idempotent`` says whether re-sending it after an unknown outcome (timeout, 502) is
    safe. Creates are not: a create whose answer was lost is never sent again, so a retry
    can never make a duplicate contact.
    """

    request: httpx.Request
    operation: str
    idempotent: bool = True


Flow = Generator[Call, httpx.Response, T]


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a listing, and the opaque cursor of the next one (``None``: last page)."""

    items: list[Item]
    next_cursor: str | None


@dataclass(frozen=True)
class Parts(Generic[T]):
    """An operation made of one independent flow per contact, which the async client runs
    concurrently (the sync client runs the operation's own flow, the same parts in turn).

    ``flows`` maps each contact id, in input order, to its flow; ``result`` builds the
    operation's result from the outcomes of the contacts done.
    """

    flows: dict[int, Flow[TagOutcome]]
    result: Callable[[dict[int, TagOutcome]], T]


@dataclass(frozen=True)
class ContactFilter:
    """The listing filters ``contacts.list`` supports on both backends."""

    email: str | None = None
    given_name: str | None = None
    family_name: str | None = None


def redirect_error(call: Call, response: httpx.Response, backend: str) -> RedirectError | None:
    """The error for a 3xx answer (``None`` for any other). Keap's APIs do not redirect; a
    redirect is never followed, since the key would travel to wherever it points."""
    if not 300 <= response.status_code < 400:
        return None
    location = response.headers.get("location")
    return RedirectError(
        f"HTTP {response.status_code}: a redirect{_where(location)}, not followed "
        "(nothing was done here)",
        location=location,
        operation=call.operation,
        backend=backend,
        status_code=response.status_code,
        request_id=response.headers.get("x-request-id"),
    )


def _where(location: str | None) -> str:
    """Where a redirect points, for its message: the host alone, whole. Never a cut of the
    address: the key may sit in it, and a cut would leave a piece of the key too short to be
    recognised by redaction (the whole address is the error's ``location``, redacted)."""
    try:
        # As written (a parsed host is lower-cased, which redaction would not recognise),
        # without any user:password@ in front.
        host = urlsplit(location).netloc.rpartition("@")[2] if location else ""
    except ValueError:
        host = ""
    # A DNS name is at most 253 characters (RFC 1035 section 2.3.4), a port 6 more: a longer
    # one is no host, and is left out rather than cut.
    return f" to {host!r} (see .location)" if 0 < len(host) <= 259 else " (see .location)"


def misfit(exc: Exception) -> str:
    """What in an answer did not fit, without any value the answer held.

    A parser's own message quotes the value it refused, and may shorten it in its middle
    (pydantic writes ``'KeapAK-0a1b...XYZ'``): a key quoted so is cut where redaction cannot
    recognise it. So this names only where (a field's path) and what kind of misfit
    (pydantic's error type, or the exception's type); and the caller raises ``from None``,
    since a chained exception is printed with every traceback.
    """
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        where = "; ".join(f"{_path(e['loc'])}: {e['type']}" for e in errors[:3])
        more = f"; and {len(errors) - 3} more" if len(errors) > 3 else ""
        return f"{exc.error_count()} validation error(s) for {exc.title} ({where}{more})"
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        return f"no {_part(exc.args[0])} (KeyError)"
    return f"a value of the wrong form ({type(exc).__name__})"


def _path(location: tuple[int | str, ...]) -> str:
    return ".".join(_part(part) for part in location) or "the value"


def _part(part: object) -> str:
    # A field's name, or a key or index of the answer's: whole, never cut (see misfit).
    text = str(part)
    return text if len(text) <= 64 else "<a long name>"


@contextmanager
def keeping_partial(done: Callable[[], object]) -> Iterator[None]:
    """Attach what was already done to an error that ends a many-contact flow midway, so a
    partial failure never raises away the contacts it already changed."""
    try:
        yield
    except KeapError as exc:
        if exc.partial_result is None:
            exc.partial_result = done()
        raise


class Backend(abc.ABC):
    """A protocol codec. Every method returns a flow; none sends anything itself."""

    name: str

    @abc.abstractmethod
    def error_for(self, call: Call, response: httpx.Response) -> APIError | None:
        """The typed error this response means, or ``None`` when it is a success.

        Must be cheap on successes (it runs on every response) and must name
        ``call.operation`` and this backend in the error.
        """

    @abc.abstractmethod
    def create_contact(self, contact: NewContact) -> Flow[Contact]:
        """Create a contact (never deduplicates) and return it as stored."""

    @abc.abstractmethod
    def get_contact(self, contact_id: int) -> Flow[Contact]:
        """Load one contact, including its ``tag_ids``."""

    @abc.abstractmethod
    def update_contact(self, contact_id: int, update: ContactUpdate) -> Flow[Contact]:
        """Change only the fields set on ``update`` and return the contact after the change."""

    @abc.abstractmethod
    def delete_contact(self, contact_id: int) -> Flow[None]:
        """Delete a contact; ``NotFoundError`` if there is none."""

    @abc.abstractmethod
    def find_contacts_by_email(self, email: str) -> Flow[list[Contact]]:
        """Every contact holding ``email`` in any of its email slots."""

    @abc.abstractmethod
    def list_contacts_page(
        self, where: ContactFilter, page_size: int, cursor: str | None
    ) -> Flow[Page[Contact]]:
        """One page of contacts matching ``where``, in ascending id order."""

    @abc.abstractmethod
    def upsert_contact(self, contact: NewContact, match: str) -> Flow[UpsertResult]:
        """Update the contact that matches by ``match`` (Keap's dup-check option) or create one."""

    @abc.abstractmethod
    def custom_field_names(self) -> Flow[list[str]]:
        """The names of the contact custom fields (the XML-RPC name without its ``_``)."""

    @abc.abstractmethod
    def contact_tags(self, contact_id: int) -> Flow[list[Tag]]:
        """Every tag applied to a contact, all pages."""

    @abc.abstractmethod
    def create_tag(self, name: str, description: str | None, category_id: int | None) -> Flow[Tag]:
        """Create a tag; ``ConflictError`` if a tag already has that name."""

    @abc.abstractmethod
    def get_tag(self, tag_id: int) -> Flow[Tag]:
        """Load one tag."""

    @abc.abstractmethod
    def update_tag(self, tag_id: int, changes: dict[str, Any]) -> Flow[Tag]:
        """Change only the named fields (``name``, ``description``, ``category_id``);
        ``None`` clears ``description`` or ``category_id``."""

    @abc.abstractmethod
    def delete_tag(self, tag_id: int) -> Flow[None]:
        """Delete a tag (and so every application of it); ``NotFoundError`` if there is none."""

    @abc.abstractmethod
    def list_tags_page(
        self, name: str | None, page_size: int, cursor: str | None
    ) -> Flow[Page[Tag]]:
        """One page of tags, optionally only those named exactly ``name``."""

    @abc.abstractmethod
    def apply_tag(self, tag_id: int, contact_ids: list[int]) -> Flow[ApplyResult]:
        """Apply a tag to contacts (chunked where the protocol batches); an outcome per
        contact, in the order given. ``NotFoundError`` when the tag does not exist; any
        other error carries what was already done as ``partial_result``."""

    @abc.abstractmethod
    def remove_tag(self, tag_id: int, contact_ids: list[int]) -> Flow[RemoveResult]:
        """Remove a tag from contacts, as :meth:`apply_tag` (``UNREPORTED`` where the
        protocol says nothing per contact)."""

    def apply_tag_parts(self, tag_id: int, contact_ids: list[int]) -> Parts[ApplyResult] | None:
        """:meth:`apply_tag` as one flow per contact, where the protocol has no batch call
        (``None``: it has one, and the operation stays a single flow)."""
        del tag_id, contact_ids  # a batching protocol needs neither here
        return None

    def remove_tag_parts(self, tag_id: int, contact_ids: list[int]) -> Parts[RemoveResult] | None:
        """:meth:`remove_tag` as one flow per contact, as :meth:`apply_tag_parts`."""
        del tag_id, contact_ids
        return None

    @abc.abstractmethod
    def tagged_contacts_page(
        self, tag_id: int, page_size: int, cursor: str | None
    ) -> Flow[Page[TaggedContact]]:
        """One page of the contacts holding a tag, in contact id order."""

    # -- what surrounds contacts and tags ---------------------------------------------

    @abc.abstractmethod
    def list_tag_categories_page(
        self, page_size: int, cursor: str | None
    ) -> Flow[Page[TagCategory]]:
        """One page of tag categories, in id order."""

    @abc.abstractmethod
    def create_tag_category(self, name: str, description: str | None) -> Flow[TagCategory]:
        """Create a tag category; ``ConflictError`` if one already has that name."""

    @abc.abstractmethod
    def get_tag_category(self, category_id: int) -> Flow[TagCategory]:
        """Load one tag category; ``NotFoundError`` if there is none."""

    @abc.abstractmethod
    def update_tag_category(self, category_id: int, changes: dict[str, Any]) -> Flow[TagCategory]:
        """Change only the named fields (``name``, ``description``; ``None`` clears it)."""

    @abc.abstractmethod
    def delete_tag_category(self, category_id: int) -> Flow[None]:
        """Delete a tag category; ``NotFoundError`` if there is none."""

    @abc.abstractmethod
    def list_custom_fields(self) -> Flow[list[CustomField]]:
        """Every contact custom field definition, in id order."""

    @abc.abstractmethod
    def create_custom_field(
        self, label: str, field_type: str, options: list[str]
    ) -> Flow[CustomField]:
        """Create a contact custom field (``options`` for the types that pick from a list)."""

    @abc.abstractmethod
    def email_status(self, email: str) -> Flow[EmailStatus]:
        """An address's marketing status (an unknown address is ``NON_MARKETABLE``)."""

    @abc.abstractmethod
    def set_email_opt_in(self, email: str, opted_in: bool, reason: str) -> Flow[EmailStatus]:
        """Opt an address in or out, then its status as Keap now holds it."""
