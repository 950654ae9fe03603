"""keap_adapter: one typed facade over Keap's REST v2 and legacy XML-RPC APIs.

```python
import keap_adapter as ka

with ka.KeapClient(backend="rest", api_key="KeapAK-...") as client:
    contact = client.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
```
"""

from __future__ import annotations

__version__ = "0.1.0"

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
    RateLimitError,
    ResponseValidationError,
    ServerError,
    TransportError,
)
from ._account_models import CustomField, EmailStatus, FieldType
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
    "RateLimitError",
    "RemoveResult",
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
