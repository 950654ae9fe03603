"""The error tree. Every error keap_adapter raises derives from :class:`KeapError`.

```
KeapError
├── ConfigurationError        bad settings; raised before any request
├── TransportError            no usable response (connect, timeout, protocol)
│   └── ResponseTooLargeError     an answer over max_response_size (never retried)
├── APIError                  Keap said no: .status_code / .fault_code, .request_id
│   ├── BadRequestError       400, 422, [InvalidParameter], [NoFieldFound] ...
│   ├── AuthenticationError   401, [InvalidKey]
│   ├── PermissionDeniedError 403, [NoAccess] ...
│   ├── NotFoundError         404, [RecordNotFound]
│   ├── ConflictError         409
│   ├── RedirectError         3xx: never followed (the key would travel with it)
│   ├── RateLimitError        429, throttle faults; .retry_after
│   │   └── QuotaExhaustedError   the daily quota is spent; .resets_at
│   └── ServerError           5xx, unknown faults
└── ResponseValidationError   a success body that does not fit the model
```

Messages name the operation and the backend that failed; they never contain the API key
(the client scrubs every message it builds with :meth:`KeapError.redact`, see ``_client``),
in any spelling a server may echo it in (see ``_secrets``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ._secrets import redact_text

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
    "RedirectError",
    "ResponseTooLargeError",
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

    def redact(self, *secrets: str) -> None:
        """Replace each of ``secrets`` with ``***`` wherever this error shows it.

        Servers echo input, escaped or encoded: every spelling is replaced (plain, HTML-,
        percent- and JSON-escaped, base64), and so is a message's tail that starts one (a body
        cut short in the middle of the key). Covers the message and every other text
        attribute, ``args``, the notes added with ``add_note``, and the errors chained to this
        one (``__cause__``, ``__context__``) that are keap_adapter errors too: everything a
        printed traceback shows of them.
        """
        secrets = tuple(s for s in secrets if s)
        if not secrets:
            return
        chain: list[BaseException | None] = [self]
        seen: set[int] = set()
        while chain:
            error = chain.pop()
            if not isinstance(error, KeapError) or id(error) in seen:
                continue  # only our own errors: another library's exception is not ours to edit
            seen.add(id(error))
            error._redact_own(secrets)
            chain += [error.__cause__, error.__context__]

    def _redact_own(self, secrets: tuple[str, ...]) -> None:
        # Every text attribute: the message and what subclasses keep from the answer
        # (``request_id``, ``fault_tag``, a redirect's ``location``); but ``operation`` and
        # ``backend``, which are the library's own words, never the server's: a secret that
        # happens to spell one ("rest") must not turn it into "***".
        rendered = self._render()
        for name, value in vars(self).items():
            if isinstance(value, str) and name not in _OURS:
                setattr(self, name, redact_text(value, secrets))
        # The rendered message is rendered again (its "operation [backend]: " kept whole).
        self.args = tuple(
            self._render()
            if a == rendered
            else redact_text(a, secrets)
            if isinstance(a, str)
            else a
            for a in self.args
        )
        notes = getattr(self, "__notes__", None)
        if isinstance(notes, list):
            notes[:] = [redact_text(n, secrets) if isinstance(n, str) else n for n in notes]

    def __str__(self) -> str:
        return self._render()


# What KeapError.redact leaves alone: named by the library, never taken from an answer.
_OURS = frozenset(("operation", "backend"))


class ConfigurationError(KeapError):
    """Bad settings (missing key, unsafe URL, unknown backend); raised before any request."""


class TransportError(KeapError):
    """No usable response: connection refused, timeout, protocol error, unreadable body."""


class ResponseTooLargeError(TransportError):
    """An answer larger than ``max_response_size`` once decompressed: reading stopped there,
    so a hostile or broken server cannot exhaust memory. Never retried."""


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


class RedirectError(APIError):
    """A 3xx answer. Keap's APIs do not redirect, and following one would send the key to
    wherever it points, so it is never followed; ``location`` is where it pointed."""

    def __init__(self, message: str, *, location: str | None = None, **kwargs: object) -> None:
        self.location = location
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


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
    if 300 <= status < 400:
        return RedirectError
    return ServerError if status >= 500 else BadRequestError
