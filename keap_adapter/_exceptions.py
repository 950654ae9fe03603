"""The error tree. Every error keap_adapter raises derives from :class:`KeapError`.

```
KeapError
├── ConfigurationError        bad settings; raised before any request
├── TransportError            no usable response (connect, timeout, protocol)
├── APIError                  Keap said no: .status_code / .fault_code, .request_id
│   ├── BadRequestError       400, 422, [InvalidParameter], [NoFieldFound] ...
│   ├── AuthenticationError   401, [InvalidKey]
│   ├── PermissionDeniedError 403, [NoAccess] ...
│   ├── NotFoundError         404, [RecordNotFound]
│   ├── ConflictError         409
│   ├── RateLimitError        429, throttle faults; .retry_after
│   │   └── QuotaExhaustedError   the daily quota is spent; .resets_at
│   └── ServerError           5xx, unknown faults
└── ResponseValidationError   a success body that does not fit the model
```

Messages name the operation and the backend that failed; they never contain the API key
(the client scrubs every message it builds, see ``_client``).
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "KeapError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuotaExhaustedError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "TransportError",
]


class KeapError(Exception):
    """Root of every keap_adapter error.

    ``operation`` (e.g. ``"contacts.get"``) and ``backend`` (``"rest"`` / ``"xmlrpc"``) say
    what failed; both are empty for errors raised before an operation started.
    ``partial_result`` is set when an operation on many contacts (``tags.apply``,
    ``tags.remove``) failed midway: the result of what it had already done.
    """

    partial_result: object | None = None

    def __init__(self, message: str, *, operation: str = "", backend: str = "") -> None:
        self.message = message
        self.operation = operation
        self.backend = backend
        super().__init__(self._render())

    def _render(self) -> str:
        where = " ".join(
            part for part in (self.operation, f"[{self.backend}]" * bool(self.backend)) if part
        )
        return f"{where}: {self.message}" if where else self.message

    def redact(self, secret: str) -> None:
        """Remove ``secret`` from the message (defence in depth: servers echo input)."""
        if secret and secret in self.message:
            self.message = self.message.replace(secret, "***")
            self.args = (self._render(),)

    def __str__(self) -> str:
        return self._render()


class ConfigurationError(KeapError):
    """Bad settings (missing key, unsafe URL, unknown backend); raised before any request."""


class TransportError(KeapError):
    """No usable response: connection refused, timeout, protocol error, unreadable body."""


class APIError(KeapError):
    """Keap refused the request.

    ``status_code`` is the HTTP status (200 for XML-RPC faults), ``fault_code`` and
    ``fault_tag`` the XML-RPC fault's number and bracketed tag, ``request_id`` Keap's
    ``x-request-id`` header when sent.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        backend: str = "",
        status_code: int | None = None,
        fault_code: int | None = None,
        fault_tag: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.fault_code = fault_code
        self.fault_tag = fault_tag
        self.request_id = request_id
        super().__init__(message, operation=operation, backend=backend)


class BadRequestError(APIError):
    """400/422, or a fault such as ``[InvalidParameter]`` or ``[NoFieldFound]``."""


class AuthenticationError(APIError):
    """401, or ``[InvalidKey]``: the key is wrong, expired or revoked."""


class PermissionDeniedError(APIError):
    """403, or ``[NoAccess]``/``[NoTableAccess]``/``[NoFieldAccess]``."""


class NotFoundError(APIError):
    """404, or ``[RecordNotFound]``."""


class ConflictError(APIError):
    """409: e.g. a tag name that already exists."""


class RateLimitError(APIError):
    """429 or a throttle fault. ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class QuotaExhaustedError(RateLimitError):
    """The daily quota is spent: raised instead of retrying into a wall, never retried.

    ``resets_at`` (an aware UTC datetime) is when Keap resets it; ``retry_after`` the
    seconds until then.
    """

    def __init__(self, message: str, *, resets_at: datetime, **kwargs: object) -> None:
        self.resets_at = resets_at
        wait = (resets_at - datetime.now(timezone.utc)).total_seconds()
        super().__init__(message, retry_after=max(0.0, wait), **kwargs)


class ServerError(APIError):
    """5xx, or a fault Keap did not classify."""


class ResponseValidationError(KeapError):
    """A success response whose body does not fit the expected shape."""


_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIError]:
    """The error class an HTTP status maps to (on either backend)."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    return ServerError if status >= 500 else BadRequestError
