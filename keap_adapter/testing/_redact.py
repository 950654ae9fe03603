"""Redaction of stored interactions: nothing secret is ever written to a cassette.

Structural first (auth headers, the XML-RPC key parameter, named body fields), then, as
defence in depth, every secret value seen in those places is replaced wherever else it
still appears (a server echoing the key in an error message, say). Incoming requests go
through the same redaction before matching, so a redacted recording still matches.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._config import KEY_PLACEHOLDER

__all__ = ["SECRET_HEADERS", "Redactor"]

SECRET_HEADERS = frozenset(("x-keap-api-key", "authorization", "proxy-authorization"))
# Cookies are dropped rather than masked: a masked Set-Cookie would replay as a junk cookie.
DROPPED_HEADERS = frozenset(("cookie", "set-cookie"))
# Shorter values are not scrubbed from free text: they would mangle unrelated words, and no
# real Keap key is anywhere near this short.
MIN_SECRET_LENGTH = 8


@dataclass
class Redactor:
    """Redacts stored requests/responses and remembers the secrets it took out.

    ``fields`` are JSON object keys / XML-RPC struct members (and query parameters) whose
    values are replaced at any depth, in requests and responses alike.
    """

    fields: Collection[str] = ()
    placeholder: str = "<REDACTED>"
    secrets: set[str] = field(default_factory=set)

    def request(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of a stored request; its secrets are remembered."""
        out = dict(stored)
        out["headers"] = self._headers(stored.get("headers") or {})
        out["query"] = [[k, self.placeholder if k in self.fields else v] for k, v in out["query"]]
        if "xmlrpc" in out:
            out["xmlrpc"] = self._call(out["xmlrpc"])
        scrubbed: dict[str, Any] = self.scrub(self._bodies(out))
        return scrubbed

    def response(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of a stored response."""
        out = dict(stored)
        out["headers"] = self._headers(stored.get("headers") or {})
        scrubbed: dict[str, Any] = self.scrub(self._bodies(out))
        return scrubbed

    def _headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers.items():
            lowered = name.lower()
            if lowered in SECRET_HEADERS or lowered in DROPPED_HEADERS:
                self._remember(value, *value.split(None, 1)[1:])
            if lowered not in DROPPED_HEADERS:
                out[lowered] = self.placeholder if lowered in SECRET_HEADERS else value
        return out

    def _call(self, call: Mapping[str, Any]) -> dict[str, Any]:
        params = list(call.get("params") or [])
        if params and isinstance(params[0], str):
            # The key parameter: the real key (legacy URL) or a placeholder (header auth).
            if params[0] != KEY_PLACEHOLDER:
                self._remember(params[0])
            params[0] = self.placeholder
        return {**call, "params": params}

    def _bodies(self, stored: dict[str, Any]) -> dict[str, Any]:
        for kind in ("json", "xmlrpc"):
            if kind in stored:
                stored[kind] = redact_fields(stored[kind], self.fields, self.placeholder)
        return stored

    def _remember(self, *values: str) -> None:
        self.secrets.update(v for v in values if len(v) >= MIN_SECRET_LENGTH)

    def scrub(self, value: Any) -> Any:
        """``value`` with every remembered secret replaced, in every string and key."""
        return scrub(value, self.secrets, self.placeholder)

    def scrub_text(self, text: str) -> str:
        """Serialized cassette text with every remembered secret replaced (the last guard)."""
        return scrub_text(text, self.secrets, self.placeholder)


def redact_fields(value: Any, names: Collection[str], placeholder: str) -> Any:
    """``value`` with the value of every object key in ``names`` replaced, at any depth."""
    if not names:
        return value
    if isinstance(value, dict):
        return {
            k: placeholder if k in names else redact_fields(v, names, placeholder)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_fields(item, names, placeholder) for item in value]
    return value


def scrub(value: Any, secrets: Iterable[str], placeholder: str) -> Any:
    """``value`` with each secret substring replaced in every string (keys included)."""
    ordered = sorted(secrets, key=len, reverse=True)  # longest first: "Bearer x" before "x"
    if not ordered:
        return value
    return _scrub(value, ordered, placeholder)


def _scrub(value: Any, secrets: list[str], placeholder: str) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, placeholder)
        return value
    if isinstance(value, dict):
        return {
            _scrub(k, secrets, placeholder): _scrub(v, secrets, placeholder)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, secrets, placeholder) for item in value]
    return value


def scrub_text(text: str, secrets: Iterable[str], placeholder: str) -> str:
    """JSON text with each secret replaced, written as it appears inside a JSON string."""
    escaped_placeholder = json.dumps(placeholder, ensure_ascii=False)[1:-1]
    for secret in sorted(secrets, key=len, reverse=True):
        escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
        text = text.replace(escaped, escaped_placeholder)
    return text
