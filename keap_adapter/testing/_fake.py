"""FakeKeap: one in-memory Keap app answering both REST v2 and XML-RPC.

The store holds every record once, in the canonical (model-shaped, python-valued) form of
``keap_adapter._models``; each protocol face converts to and from it, so a contact written
over XML-RPC reads back over REST and the other way round. Everything runs under one lock,
because :meth:`FakeKeap.serve` answers from several threads.
"""

from __future__ import annotations

import copy
import hmac
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

from ..backends._base import DUPLICATE_OPTIONS
from . import _fake_rest, _fake_xmlrpc
from ._serve import FakeServer

__all__ = ["Failure", "FakeKeap", "Store"]

DEFAULT_API_KEY = "fake-keap-api-key"


# CustomFieldMetaData.field_type values (keap-api.md 2.2).
FIELD_TYPES = frozenset((
    "CURRENCY", "DATE", "DATE_TIME", "DAY_OF_WEEK", "DECIMAL_NUMBER", "DRILLDOWN", "DROPDOWN",
    "EMAIL", "LIST_BOX", "MONTH", "NAME", "PERCENT", "PHONE_NUMBER", "RADIO",
    "SOCIAL_SECURITY_NUMBER", "STATE", "TEXT", "TEXT_AREA", "USER", "USER_LIST_BOX", "WEBSITE",
    "WHOLE_NUMBER", "YEAR", "YES_NO",
))  # fmt: skip
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Documented limits for a PAT/SAK (keap-api.md 5.1); the fake reports them, never enforces them.
_THROTTLE_LIMIT = 240
_QUOTA_LIMIT = 30000


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


@dataclass
class Failure:
    """An injected failure, answered instead of the next ``times`` matching requests.

    ``path`` limits it to requests whose URL path contains it, or XML-RPC calls whose
    methodName equals it. ``fault`` makes an XML-RPC request get that fault string instead
    of an error body (its code is looked up from the bracketed tag, else ``fault_code``).
    """

    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    fault: str | None = None
    fault_code: int | None = None

    def matches(self, url_path: str, method_name: str | None) -> bool:
        """Whether this failure applies to a request with this path (and XML-RPC method)."""
        return self.path is None or self.path in url_path or self.path == method_name


class Store:
    """Contacts, tags, tag assignments and custom field metadata, in canonical form.

    Reads return deep copies with ``tag_ids`` filled in, so callers may change them freely.
    The store does no locking of its own: :class:`FakeKeap` holds its lock around every request.
    """

    DUPLICATE_OPTIONS = DUPLICATE_OPTIONS

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.contacts: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, dict[str, Any]] = {}
        self.applied: dict[tuple[int, int], datetime] = {}
        self.custom_fields: dict[int, dict[str, Any]] = {}
        self._next = {"contact": 1, "tag": 1, "field": 1}

    def _new_id(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind] - 1

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
        for name, value in changes.items():
            if _empty(value):
                stored.pop(name, None)
            else:
                stored[name] = copy.deepcopy(value)
        if touch:
            stored["update_time"] = self.now()
        return self.contact(contact_id) or {}

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

    # custom fields

    def add_custom_field(self, name: str, field_type: str = "TEXT") -> int:
        """Register a contact custom field; return its id."""
        if not _FIELD_NAME.match(name):
            raise ValueError(f"custom field name {name!r} must be letters, digits and _")
        if field_type not in FIELD_TYPES:
            raise ValueError(f"unknown custom field type {field_type!r}")
        if self.field_named(name) is not None:
            raise ValueError(f"custom field {name!r} already exists")
        field_id = self._new_id("field")
        self.custom_fields[field_id] = {
            "id": field_id, "name": name, "label": name, "field_type": field_type,
        }  # fmt: skip
        return field_id

    def field_named(self, name: str) -> dict[str, Any] | None:
        """Custom field metadata by its name, or ``None``."""
        return next((f for f in self.custom_fields.values() if f["name"] == name), None)


def _same(left: Any, right: Any) -> bool:
    return str(left or "").strip().lower() == str(right or "").strip().lower()


class FakeKeap:
    """An embedded, in-memory Keap app served over REST v2 and XML-RPC.

    Use ``fake.transport`` with ``httpx.Client``/``httpx.AsyncClient``, or
    ``with fake.serve() as server`` for clients that open their own sockets. Every request is
    recorded in ``fake.requests``; ``fake.now`` is the clock stamped on records.
    """

    def __init__(self, api_key: str = DEFAULT_API_KEY) -> None:
        self.api_key = api_key
        self.now: Callable[[], datetime] = _utc_now
        self.store = Store(self._clock)
        self.requests: list[httpx.Request] = []
        self.failures: list[Failure] = []
        self.transport = httpx.MockTransport(self.handle)
        self._lock = threading.RLock()
        self._windows: dict[str, tuple[object, int]] = {}
        self._request_ids = itertools.count(1)

    def _clock(self) -> datetime:
        # Looked up on every call, so a test may swap ``fake.now`` at any time.
        return self.now()

    def add_custom_field(self, name: str, field_type: str = "TEXT") -> int:
        """Register a contact custom field (REST ``field_name``, XML-RPC ``_name``); its id."""
        with self._lock:
            return self.store.add_custom_field(name, field_type)

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        path: str | None = None,
        fault: str | None = None,
        fault_code: int | None = None,
    ) -> Failure:
        """Answer the next ``times`` matching requests with this failure; they take no effect."""
        if times < 1:
            raise ValueError("times must be at least 1")
        failure = Failure(status, times, dict(headers or {}), path, fault, fault_code)
        with self._lock:
            self.failures.append(failure)
        return failure

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> FakeServer:
        """Serve this fake over loopback HTTP in a background thread (a context manager)."""
        return FakeServer(self.handle, host, port)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, in process; the httpx ``MockTransport`` handler."""
        with self._lock:
            _ensure_read(request)
            self.requests.append(request)
            response = self._respond(request)
            for name, value in self._standard_headers().items():
                response.headers.setdefault(name, value)
            return response

    def _respond(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "/rest/v2/" in path:
            failure = self._take_failure(path, None)
            if failure is not None:
                return _fake_rest.failure_response(failure)
            if not self._rest_authenticated(request):
                return _fake_rest.error_response(401, "Invalid API key")
            return _fake_rest.handle(self.store, request, path.split("/rest/v2/", 1)[1])
        if path.rstrip("/").endswith(("/xmlrpc/v1", "/xmlrpc")):
            return self._xmlrpc(request)
        return _fake_rest.error_response(404, f"No route for {request.method} {path}")

    def _xmlrpc(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return _fake_rest.error_response(405, "XML-RPC takes POST only")
        call = _fake_xmlrpc.parse(request.content)
        failure = self._take_failure(request.url.path, call.method)
        if failure is not None:
            if failure.fault is not None:
                return _fake_xmlrpc.fault_response(failure)
            return _fake_rest.failure_response(failure)
        header_key = request.headers.get("X-Keap-API-Key")
        header_ok = header_key is not None and _same_secret(header_key, self.api_key)
        return _fake_xmlrpc.handle(self.store, call, self.api_key, header_ok=header_ok)

    def _take_failure(self, url_path: str, method_name: str | None) -> Failure | None:
        failure = next((f for f in self.failures if f.matches(url_path, method_name)), None)
        if failure is not None:
            failure.times -= 1
            if failure.times == 0:
                self.failures.remove(failure)
        return failure

    def _rest_authenticated(self, request: httpx.Request) -> bool:
        given = request.headers.get("X-Keap-API-Key")
        auth = request.headers.get("Authorization", "")
        if given is None and auth.startswith("Bearer "):
            given = auth[len("Bearer ") :]
        return given is not None and _same_secret(given, self.api_key)

    def _standard_headers(self) -> dict[str, str]:
        """Keap's gateway headers (keap-api.md 5.2), counted but never enforced."""
        now = self.now().astimezone(timezone.utc)
        minute_used = self._count("minute", now.replace(second=0, microsecond=0))
        day_used = self._count("day", now.date())
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
        expiry_ms = int(midnight.replace(tzinfo=timezone.utc).timestamp() * 1000)
        return {
            # Counted, not random: re-recording the same scenario gives the same ids.
            "x-request-id": f"fake-{next(self._request_ids):08d}",
            "x-keap-product-spike-limit": "10ps",
            "x-keap-product-throttle-limit": str(_THROTTLE_LIMIT),
            "x-keap-product-throttle-time-unit": "minute",
            "x-keap-product-throttle-interval": "1",
            "x-keap-product-throttle-available": str(max(0, _THROTTLE_LIMIT - minute_used)),
            "x-keap-product-throttle-used": str(minute_used),
            "x-keap-product-quota-limit": str(_QUOTA_LIMIT),
            "x-keap-product-quota-time-unit": "day",
            "x-keap-product-quota-interval": "1",
            "x-keap-product-quota-available": str(max(0, _QUOTA_LIMIT - day_used)),
            "x-keap-product-quota-used": str(day_used),
            "x-keap-product-quota-expiry-time": str(expiry_ms),
        }

    def _count(self, window: str, start: datetime | date) -> int:
        previous, used = self._windows.get(window, (None, 0))
        used = used + 1 if previous == start else 1
        self._windows[window] = (start, used)
        return used


def _ensure_read(request: httpx.Request) -> None:
    # MockTransport reads the body before calling us; a hand-built request may not be.
    try:
        _ = request.content
    except httpx.RequestNotRead:
        request.read()


def _same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
