"""The shim's own faults: calls it does not translate, and facade errors as Keap's faults.

Keap's faults themselves (``[Tag]message`` with the tag's code) are the shared server
rules in ``_xmlrpc_server._faults``.
"""

from __future__ import annotations

from xmlrpc.client import Fault, ProtocolError

from pydantic import ValidationError

from .._exceptions import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    KeapError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from .._xmlrpc_server._faults import fault, invalid, not_found
from ..migration._methods import rest_alternative

# Keap answers code 0 for calls it has no handler for ("No such handler", "No method
# matching arguments"). A call the shim cannot translate is the same kind of failure, and
# code 0 is never retried by legacy code, unlike 3 ([Unexpected]), which some clients retry.
NOT_TRANSLATED_CODE = 0
NOT_TRANSLATED_TAG = "NotTranslated"

# Facade error class -> the fault tag Keap uses for the same refusal (first match wins).
_TAG_OF: tuple[tuple[type[APIError], str], ...] = (
    (NotFoundError, "RecordNotFound"),
    (AuthenticationError, "InvalidKey"),
    (PermissionDeniedError, "NoAccess"),
    (BadRequestError, "InvalidParameter"),
    # REST refuses a duplicate tag name that XML-RPC took; 12 is a code no client retries.
    (ConflictError, "InvalidParameter"),
)


def not_translated(method: str, table: str | None = None, why: str = "") -> Fault:
    """A call the shim does not translate; names where it lives in REST v2."""
    label = f"{method}('{table}')" if table else method
    reason = f" ({why})" if why else ""
    return Fault(
        NOT_TRANSLATED_CODE,
        f"[{NOT_TRANSLATED_TAG}]{label} is not translated by keap_adapter's legacy shim"
        f"{reason}; in REST v2: {rest_alternative(method, table)}",
    )


# What writes a read-only table instead, per table.
_WRITTEN_WITH = {
    "ContactGroupAssign": "tags are applied with ContactService.addToGroup / removeFromGroup",
    "DataFormField": "custom fields are added with DataService.addCustomField",
}


def read_only_table(method: str, table: str) -> Fault:
    """Keap's refusal to write a read-only table, naming what to use instead."""
    operation = method.rsplit(".", 1)[-1]
    instead = _WRITTEN_WITH.get(table, "Keap writes it itself")
    return fault(
        "NoTableAccess",
        f"Access denied to table {table} for {operation} (read-only; {instead}; in REST v2: "
        f"{rest_alternative(method, table)})",
    )


def from_error(exc: KeapError | ValueError, url: str) -> Exception:
    """What legacy code would have seen for a facade error: Keap's fault for a refusal;
    for throttling, a 5xx or a lost connection, what the stdlib ``ServerProxy`` raises
    (``ProtocolError`` / ``ConnectionError``), so existing retry code keeps working."""
    if isinstance(exc, TransportError):
        # the message starts with httpx's exception name: ReadTimeout, ConnectError...
        timed_out = "Timeout" in exc.message.split(":", 1)[0]
        return (TimeoutError if timed_out else ConnectionError)(str(exc))
    if isinstance(exc, APIError) and exc.fault_code is None and _http_failure(exc):
        return ProtocolError(url, exc.status_code or 0, exc.message, _hint(exc))
    if isinstance(exc, APIError) and exc.fault_code is not None:
        # An XML-RPC backend's own fault: hand Keap's answer back unchanged.
        return Fault(exc.fault_code, exc.message)
    if isinstance(exc, NotFoundError):
        return not_found()
    if isinstance(exc, ValueError):
        return invalid(_value_message(exc))
    tag = next((tag for cls, tag in _TAG_OF if isinstance(exc, cls)), "Unexpected")
    return fault(tag, str(exc))


def _hint(exc: APIError) -> dict[str, str]:
    wait = exc.retry_after if isinstance(exc, RateLimitError) else None
    return {} if wait is None else {"Retry-After": str(int(wait))}


def _http_failure(exc: APIError) -> bool:
    return isinstance(exc, (RateLimitError, ServerError)) and (exc.status_code or 0) >= 429


def _value_message(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):  # one line per problem, without pydantic's URLs
        problems = (f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
        return "; ".join(problems)
    return str(exc)


def unmodelled_field(table: str, name: str, instead: str) -> Fault:
    """A real Keap field the shim cannot read or write through the facade; ``instead`` says
    why, and what REST v2 has in its place."""
    return Fault(
        NOT_TRANSLATED_CODE,
        f"[{NOT_TRANSLATED_TAG}]{table}.{name} is not translated by keap_adapter's legacy "
        f"shim: {instead}",
    )
