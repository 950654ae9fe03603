"""The public surface is a contract: this pins it."""

from __future__ import annotations

import keap_adapter as ka
import keap_adapter.testing as testing


def test_the_public_names_are_pinned() -> None:
    assert ka.__all__ == sorted(ka.__all__)
    assert set(ka.__all__) == {
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
    }
    assert {"FakeKeap"} <= set(testing.__all__)


def test_the_error_tree() -> None:
    for cls in (ka.ConfigurationError, ka.TransportError, ka.APIError, ka.ResponseValidationError):
        assert issubclass(cls, ka.KeapError)
    for cls in (
        ka.BadRequestError,
        ka.AuthenticationError,
        ka.PermissionDeniedError,
        ka.NotFoundError,
        ka.ConflictError,
        ka.RateLimitError,
        ka.ServerError,
    ):
        assert issubclass(cls, ka.APIError)
    assert issubclass(ka.QuotaExhaustedError, ka.RateLimitError)
