"""``Tokens``: what an OAuth2 app holds between calls, and how it is written down.

Keap's token answer (``POST https://api.infusionsoft.com/token``, developer.keap.com,
"Getting Started with OAuth2") is ``{"access_token", "refresh_token", "expires_in",
"token_type": "bearer", "scope": "full|<app host>"}``. Only what the app needs later is kept:
the two tokens, when the access token expires, and when the refresh token was issued (Keap's
refresh tokens live 45 days, so their age decides when to roll them over).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .._config import check_header_value
from .._exceptions import ConfigurationError

__all__ = ["Tokens", "tokens_from_answer"]

# An ``expires_in`` beyond a year is a broken answer, not a token to trust for that long.
_LONGEST = 366 * 24 * 3600
# RFC 6749 section 5.1 only recommends ``expires_in``. Without a usable one, the access token
# is assumed to last an hour (Keap's last 24): a 401 before then refreshes it anyway, and
# the refresh token that came with it (the only one left) is never thrown away.
_ASSUMED = 3600


@dataclass(frozen=True)
class Tokens:
    """An access token, the refresh token that renews it, and their times (aware datetimes).

    ``expires_at``: when the access token expires. ``issued_at``: when the refresh token was
    issued. The tokens never show in ``repr`` (or in any error this library raises).
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    issued_at: datetime

    def __post_init__(self) -> None:
        for name in ("access_token", "refresh_token"):
            check_header_value(getattr(self, name), f"the {name.replace('_', ' ')}")
        for name in ("expires_at", "issued_at"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ConfigurationError(f"Tokens.{name} must be an aware datetime")

    def to_json(self) -> dict[str, str]:
        """The JSON object a store writes (times in ISO 8601 with their offset)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
            "issued_at": self.issued_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: object) -> Tokens:
        """Read what :meth:`to_json` wrote; ``ConfigurationError`` (quoting no value) if it
        is not that."""
        if not isinstance(data, Mapping):
            raise ConfigurationError("the stored tokens are not a JSON object")
        try:
            return cls(
                access_token=_text(data, "access_token"),
                refresh_token=_text(data, "refresh_token"),
                expires_at=_time(data, "expires_at"),
                issued_at=_time(data, "issued_at"),
            )
        except (TypeError, ValueError):  # fromisoformat's message quotes the text: dropped
            raise ConfigurationError("the stored tokens are not readable") from None


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ConfigurationError(f"the stored tokens have no {name}")
    return value


def _time(data: Mapping[str, Any], name: str) -> datetime:
    value = _text(data, name)
    parsed = datetime.fromisoformat(value)
    if parsed.utcoffset() is None:
        raise ConfigurationError(f"the stored {name} has no UTC offset")
    return parsed


def tokens_from_answer(answer: object, now: datetime) -> Tokens:
    """``Tokens`` from a token endpoint's JSON answer received at ``now``.

    ``ValueError`` naming what is wrong (never a value) when the answer is not a bearer-token
    grant: the caller turns it into a typed error.
    """
    if not isinstance(answer, Mapping):
        raise ValueError("the token answer is not a JSON object")
    access, refresh = answer.get("access_token"), answer.get("refresh_token")
    if not isinstance(access, str) or not access:
        raise ValueError("the token answer has no access_token")
    if not isinstance(refresh, str) or not refresh:
        raise ValueError("the token answer has no refresh_token")
    kind = answer.get("token_type", "bearer")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise ValueError("the token answer is not a bearer token")
    lifetime = min(_lifetime(answer.get("expires_in")), _LONGEST)
    try:
        return Tokens(access, refresh, now + timedelta(seconds=lifetime), now)
    except ConfigurationError as exc:
        raise ValueError(exc.message) from None


def _lifetime(value: object) -> float:
    """``expires_in`` in seconds: a number, or a string of digits (some servers quote it);
    anything else, or a lifetime that is not positive, is :data:`_ASSUMED`."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _ASSUMED
    return float(value) if math.isfinite(value) and value > 0 else _ASSUMED


def utc_now() -> datetime:
    """The wall clock, as an aware UTC datetime (the default clock of :class:`OAuth2`)."""
    return datetime.now(timezone.utc)
