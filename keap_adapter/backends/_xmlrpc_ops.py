"""Pure helpers of the XML-RPC codec: the response-to-error factory and result shapes.

Nothing here builds a request; :mod:`.xmlrpc` holds the flows. Fault classification is one
table (:data:`FAULT_CLASSES`) and one function (:func:`classify_fault`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .._exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    TransportError,
    error_class_for_status,
)
from .._models import LENIENT, Contact, Tag, TaggedContact
from .._retry import parse_retry_after
from ._base import Call, ContactFilter, misfit, redirect_error
from ._fields import eastern_to_aware, from_struct
from ._xmlrpc_wire import XmlRpcFault, XmlRpcParseError, loads_response

BACKEND = "xmlrpc"
MAX_PAGE = 1000  # DataService.query refuses a larger limit
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# Bracketed faultString tag -> error class. Faults are classified by tag first; the
# numeric code (community-sourced numbering: nateleavitt/infusionsoft) only stands in when the
# string carries no known tag.
FAULT_CLASSES: dict[str, type[APIError]] = {
    "InvalidKey": AuthenticationError,
    "FailedLoginAttempt": AuthenticationError,
    "FailedLoginAttemptPasswordExpired": AuthenticationError,
    "RecordNotFound": NotFoundError,
    "InvalidParameter": BadRequestError,
    "NoFieldFound": BadRequestError,
    "NoFields": BadRequestError,
    "NoTableFound": BadRequestError,
    "NoAccess": PermissionDeniedError,
    "NoTableAccess": PermissionDeniedError,
    "NoFieldAccess": PermissionDeniedError,
    "Throttle": RateLimitError,
    "QuotaExceeded": RateLimitError,
    # Transient on Keap's side (peers retry on it), so a retryable ServerError.
    "InvalidConfig": ServerError,
    "DatabaseError": ServerError,
    "Unexpected": ServerError,
    "LoadingError": ServerError,
    "Loading": ServerError,
}
FAULT_CODE_NAMES: dict[int, str] = {
    1: "InvalidConfig",
    2: "InvalidKey",
    3: "Unexpected",
    4: "DatabaseError",
    5: "RecordNotFound",
    6: "LoadingError",
    7: "NoTableAccess",
    8: "NoFieldAccess",
    9: "NoTableFound",
    10: "NoFieldFound",
    11: "NoFields",
    12: "InvalidParameter",
    13: "FailedLoginAttempt",
    14: "NoAccess",
    15: "FailedLoginAttemptPasswordExpired",
}
# Code-0 faults that say our request itself was wrong; retrying cannot help.
_PROTOCOL_FAULTS = ("No method matching arguments", "Failed to parse XML-RPC request")
_TAG = re.compile(r"^\[(\w+)\]")


def classify_fault(code: int, string: str) -> tuple[type[APIError], str | None]:
    """The error class of a fault, and its bracketed tag (``None`` when it has none)."""
    match = _TAG.match(string)
    tag = match.group(1) if match else None
    if "ThrottlingException" in string:
        return RateLimitError, tag
    for name in (tag, FAULT_CODE_NAMES.get(code)):
        if name in FAULT_CLASSES:
            return FAULT_CLASSES[name], tag
    if code == 0 and string.startswith(_PROTOCOL_FAULTS):
        return BadRequestError, tag
    return ServerError, tag


def error_for(call: Call, response: httpx.Response) -> APIError | None:
    """The typed error ``response`` means, or ``None`` for a success (see ``Backend``)."""
    if response.status_code >= 300:
        return _http_error(call, response)
    # Cheap on successes: only a body that mentions a fault is read here (and only once:
    # ``result`` reuses what this read).
    if b"<fault>" not in response.content:
        return None
    decoded = _decoded(call, response)
    return decoded.error


@dataclass(frozen=True)
class _Decoded:
    """One response body, read once: its value, the error its fault maps to, or why it
    could not be read."""

    value: Any = None
    error: APIError | None = None
    unreadable: str | None = None


# The read rides on the response, so the driver's ``error_for`` and the flow's ``result``
# share one parse, and a fault is classified once, however many of them look.
_DECODED = "_keap_adapter_xmlrpc_decoded"


def _decoded(call: Call, response: httpx.Response) -> _Decoded:
    cached: _Decoded | None = vars(response).get(_DECODED)
    if cached is None:
        try:
            cached = _Decoded(value=loads_response(response.content))
        except XmlRpcFault as fault:
            cached = _Decoded(error=fault_error(call, response, fault))
        except XmlRpcParseError as exc:
            cached = _Decoded(unreadable=str(exc))
        vars(response)[_DECODED] = cached
    return cached


def fault_error(call: Call, response: httpx.Response, fault: XmlRpcFault) -> APIError:
    """The error for an XML-RPC fault (HTTP 200)."""
    cls, tag = classify_fault(fault.code, fault.string)
    return _make(cls, fault.string, call, response, fault_code=fault.code, fault_tag=tag)


def _http_error(call: Call, response: httpx.Response) -> APIError:
    redirect = redirect_error(call, response, BACKEND)
    if redirect is not None:
        return redirect
    status = response.status_code
    detail = response.text.strip()[:300] or response.reason_phrase
    return _make(error_class_for_status(status), f"HTTP {status}: {detail}", call, response)


def _make(
    cls: type[APIError], message: str, call: Call, response: httpx.Response, **extra: Any
) -> APIError:
    kwargs: dict[str, Any] = {
        "operation": call.operation,
        "backend": BACKEND,
        "status_code": response.status_code,
        "request_id": response.headers.get("x-request-id"),
        **extra,
    }
    if issubclass(cls, RateLimitError):
        kwargs["retry_after"] = parse_retry_after(response.headers.get("retry-after"))
    return cls(message, **kwargs)


def result(call: Call, response: httpx.Response) -> Any:
    """The decoded value of a successful response (raises the typed error otherwise)."""
    if response.status_code >= 300:
        raise _http_error(call, response)
    decoded = _decoded(call, response)  # also a fault the cheap check missed (``<fault >``)
    if decoded.error is not None:
        raise decoded.error
    if decoded.unreadable is not None:
        raise TransportError(
            f"unreadable response: {decoded.unreadable}", operation=call.operation, backend=BACKEND
        )
    return decoded.value


# ----------------------------------------------------------------------- result shapes


def invalid(operation: str, message: str) -> ResponseValidationError:
    """A ``ResponseValidationError`` naming the operation and this backend."""
    return ResponseValidationError(message, operation=operation, backend=BACKEND)


def validated(operation: str, model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model`` (leniently, as every read); a misfit names the operation."""
    try:
        return model.model_validate(data, context=LENIENT)
    except ValidationError as exc:
        message = f"{model.__name__} does not fit the model: {misfit(exc)}"
        raise invalid(operation, message) from None


def expect(operation: str, value: Any, kind: type[T]) -> T:
    """``value`` if it is a ``kind`` (a bool never passes for an int), else a validation error."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise invalid(operation, f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def rows(operation: str, value: Any) -> list[dict[str, Any]]:
    """A query answer: a list of structs."""
    items = expect(operation, value, list)
    return [expect(operation, item, dict) for item in items]


def contact_from_struct(
    operation: str, struct: Any, custom_types: Mapping[str, str] | None = None
) -> Contact:
    """A ``Contact`` table struct as a :class:`Contact` (custom dates typed by field type)."""
    try:
        values = from_struct(expect(operation, struct, dict), custom_types)
        return Contact.model_validate(values, context=LENIENT)
    except (ValidationError, ValueError, TypeError) as exc:
        raise invalid(operation, f"contact does not fit the model: {misfit(exc)}") from None


def tag_from_row(operation: str, row: dict[str, Any]) -> Tag:
    """A ``ContactGroup`` row as a :class:`Tag` (category 0 means uncategorised)."""
    data = {
        "id": row.get("Id"),
        "name": row.get("GroupName", ""),  # Keap leaves empty fields out
        "description": row.get("GroupDescription") or None,
        "category_id": row.get("GroupCategoryId") or None,
    }
    try:
        return Tag.model_validate(data, context=LENIENT)
    except ValidationError as exc:
        raise invalid(operation, f"tag does not fit the model: {misfit(exc)}") from None


def tagged_contact(operation: str, row: dict[str, Any]) -> TaggedContact:
    """A ``ContactGroupAssign`` row (with joined ``Contact.*`` columns) as a
    :class:`TaggedContact`; ``DateCreated`` is when the tag was applied (US Eastern)."""
    applied = row.get("DateCreated")
    try:
        data = {
            "id": row.get("ContactId"),
            "email": row.get("Contact.Email") or None,
            "given_name": row.get("Contact.FirstName") or None,
            "family_name": row.get("Contact.LastName") or None,
            "applied_time": eastern_to_aware(applied) if applied else None,
        }
        return TaggedContact.model_validate(data, context=LENIENT)
    except (ValidationError, ValueError, TypeError) as exc:
        raise invalid(operation, f"tagged contact does not fit the model: {misfit(exc)}") from None


def data_type_number(operation: str, value: Any) -> int:
    """A ``DataFormField.DataType`` as its number; anything else is a misfit answer."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise invalid(operation, f"DataFormField.DataType is not a number: {value!r}") from None


def contact_query(where: ContactFilter) -> dict[str, str]:
    """``queryData`` for a contact filter; a trailing ``*`` is Keap's ``%`` wildcard."""
    given = {"Email": where.email, "FirstName": where.given_name, "LastName": where.family_name}
    query = {name: _wildcard(value) for name, value in given.items() if value is not None}
    return query or {"Id": "%"}


def _wildcard(value: str) -> str:
    return value[:-1] + "%" if value.endswith("*") else value


def page_number(cursor: str | None) -> int:
    """The 0-based page a cursor names (``None``: the first)."""
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise ValueError(f"not an XML-RPC page cursor: {cursor!r}")
    return int(cursor)


def check_limit(page_size: int) -> int:
    """``page_size`` if DataService.query accepts it, else ``ValueError``."""
    if not 1 <= page_size <= MAX_PAGE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE}, got {page_size}")
    return page_size


def next_cursor(page: int, found: list[Any], limit: int) -> str | None:
    """The next page's cursor: only a full page can have a successor."""
    return str(page + 1) if len(found) == limit else None
