"""The retry policy, pure: which failures are retried and how long to wait.

Server hint first (``Retry-After``), else capped exponential backoff with full jitter. The
randomness lives in one replaceable function so tests are deterministic, and the driver
takes an injectable ``sleep`` so no test ever waits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from ._exceptions import (
    KeapError,
    QuotaExhaustedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
)

RETRYABLE_STATUS = frozenset({502, 503, 504})
RETRYABLE_FAULTS = frozenset({"InvalidConfig"})
MAX_HINT_SECONDS = 300.0
_SECONDS = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")


@dataclass(frozen=True)
class RetryPolicy:
    """Decides whether attempt number ``attempt`` (0-based) of a call may be retried."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: Callable[[float], float] = field(default=lambda cap: random.uniform(0, cap))  # noqa: S311

    def delay(
        self, error: KeapError, *, attempt: int, idempotent: bool, sent: bool
    ) -> float | None:
        """Seconds to wait before retrying, or ``None`` to give up and raise ``error``.

        ``sent`` is False when the request surely never reached Keap (connect failure),
        which makes even a create safe to resend.
        """
        if attempt >= self.max_retries or not _retryable(error, idempotent=idempotent, sent=sent):
            return None
        if isinstance(error, RateLimitError) and error.retry_after:
            # a hint of 0 (or a date already past) would retry at once: back off instead
            return min(error.retry_after, MAX_HINT_SECONDS)
        return self.jitter(min(self.max_delay, self.base_delay * 2**attempt))


def _retryable(error: KeapError, *, idempotent: bool, sent: bool) -> bool:
    if isinstance(error, (QuotaExhaustedError, ResponseTooLargeError)):
        return False  # the quota resets at midnight UTC; an oversized answer would recur
    if isinstance(error, RateLimitError):
        return True  # a 429 was refused before it did anything
    if isinstance(error, TransportError):
        return idempotent or not sent
    if isinstance(error, ServerError):
        # [InvalidConfig] is a transient XML-RPC fault peers retry on (peers.md A.1).
        transient = error.status_code in RETRYABLE_STATUS or error.fault_tag in RETRYABLE_FAULTS
        return transient and idempotent
    return False


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):  # ASCII digits only: "²".isdigit() is True in Python
        return min(float(value), MAX_HINT_SECONDS * 10)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())
