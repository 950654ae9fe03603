"""keap_adapter: one typed facade over Keap's REST v2 and legacy XML-RPC APIs.

```python
import keap_adapter as ka

with ka.KeapClient(backend="rest", api_key="KeapAK-...") as client:
    contact = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
```

The public names are imported on first use (PEP 562 module ``__getattr__``): the pytest
plugin is a ``pytest11`` entry point inside this package, so every pytest session of everyone
who installed it imports this module, and must not pay for httpx, lxml and pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # what mypy and editors read; _MODULES below is what runs
    from ._account_models import CustomField, EmailStatus, FieldType
    from ._bulk import BulkItem
    from ._client import AsyncKeapClient, KeapClient
    from ._config import BackendName
    from ._exceptions import (
        APIError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConflictError,
        KeapError,
        NotFoundError,
        PermissionDeniedError,
        QuotaExhaustedError,
        RateLimitError,
        RedirectError,
        ResponseTooLargeError,
        ResponseValidationError,
        ServerError,
        TransportError,
    )
    from ._models import (
        Address,
        ApplyResult,
        Contact,
        ContactUpdate,
        EmailAddress,
        FaxNumber,
        NewContact,
        PhoneNumber,
        RemoveResult,
        Tag,
        TagCategory,
        TagCategoryUpdate,
        TaggedContact,
        TagOutcome,
        TagUpdate,
        UpsertResult,
    )
    from ._retry import RetryPolicy

__all__ = [
    "APIError",
    "Address",
    "ApplyResult",
    "AsyncKeapClient",
    "AuthenticationError",
    "BackendName",
    "BadRequestError",
    "BulkItem",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "ContactUpdate",
    "CustomField",
    "EmailAddress",
    "EmailStatus",
    "FaxNumber",
    "FieldType",
    "KeapClient",
    "KeapError",
    "NewContact",
    "NotFoundError",
    "PermissionDeniedError",
    "PhoneNumber",
    "QuotaExhaustedError",
    "RateLimitError",
    "RedirectError",
    "RemoveResult",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RetryPolicy",
    "ServerError",
    "Tag",
    "TagCategory",
    "TagCategoryUpdate",
    "TagOutcome",
    "TagUpdate",
    "TaggedContact",
    "TransportError",
    "UpsertResult",
    "__version__",
]

# Each public name's home module: the same lists as the TYPE_CHECKING imports above
# (tests/unit/test_public_api.py checks every name in __all__ resolves).
_MODULES: dict[str, tuple[str, ...]] = {
    "_client": (
        "AsyncKeapClient",
        "KeapClient",
    ),
    "_config": ("BackendName",),
    "_exceptions": (
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
    ),
    "_account_models": (
        "CustomField",
        "EmailStatus",
        "FieldType",
    ),
    "_models": (
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
        "TaggedContact",
        "TagOutcome",
        "TagUpdate",
        "UpsertResult",
    ),
    "_retry": ("RetryPolicy",),
    "_bulk": ("BulkItem",),
}
_HOMES = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    """The public names too, though not imported yet."""
    return sorted({*globals(), *__all__})
