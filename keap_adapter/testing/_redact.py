"""Redaction of stored interactions: nothing secret is ever written to a cassette.

Structural first (auth headers, the XML-RPC key parameter, named body fields), then, as
defence in depth, every secret value seen in those places is replaced wherever else it
still appears (a server echoing the key in an error message, say). Incoming requests go
through the same redaction before matching, so a redacted recording still matches.

A cassette file names what was redacted in its top-level ``"redacted"`` entry
(:meth:`Redactor.entry`, read back by :func:`read_entry`), so that a replay redacts live
requests the same way without being told again.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._config import KEY_PLACEHOLDER

__all__ = ["DEFAULT_PLACEHOLDER", "SECRET_HEADERS", "Redactor", "read_entry"]

DEFAULT_PLACEHOLDER = "<REDACTED>"

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
    placeholder: str = DEFAULT_PLACEHOLDER
    secrets: set[str] = field(default_factory=set)

    def entry(self) -> dict[str, Any]:
        """The cassette file's ``"redacted"`` entry: what this redactor replaces, and with what.

        ``headers`` is informative (they are masked whenever present); ``fields`` and
        ``placeholder`` are what a replay reads back (:func:`read_entry`).
        """
        return {
            "fields": sorted(self.fields),
            "headers": sorted(SECRET_HEADERS),
            "placeholder": self.placeholder,
        }

    def request(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of a stored request; its secrets are remembered."""
        out = self.fields_only(stored)
        out["headers"] = self._headers(stored.get("headers") or {})
        if "xmlrpc" in out:
            out["xmlrpc"] = self._call(out["xmlrpc"])
        scrubbed: dict[str, Any] = self.scrub(out)
        return scrubbed

    def response(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of a stored response."""
        out = self.fields_only(stored)
        out["headers"] = self._headers(stored.get("headers") or {})
        scrubbed: dict[str, Any] = self.scrub(out)
        return scrubbed

    def fields_only(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a stored request or response with only the named fields redacted.

        Used alone on recordings loaded from a file, when more fields are named than the file
        lists: they were already redacted otherwise, and hold no secrets to remember.
        """
        out = dict(stored)
        if "query" in out:
            out["query"] = [
                [k, self.placeholder if k in self.fields else v] for k, v in out["query"]
            ]
        if "json" in out:
            out["json"] = redact_fields(out["json"], self.fields, self.placeholder)
        if "xmlrpc" in out:
            out["xmlrpc"] = self._xmlrpc_fields(out["xmlrpc"])
        return out

    def _xmlrpc_fields(self, body: Mapping[str, Any]) -> dict[str, Any]:
        # Only params and result hold the caller's data. The other keys ("method", "fault")
        # are the cassette's own envelope (see _codec): a field named "method" must not mask
        # the method name, or every call would match every other.
        return {
            k: redact_fields(v, self.fields, self.placeholder) if k in ("params", "result") else v
            for k, v in body.items()
        }

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

    def _remember(self, *values: str) -> None:
        self.secrets.update(v for v in values if len(v) >= MIN_SECRET_LENGTH)

    def scrub(self, value: Any) -> Any:
        """``value`` with every remembered secret replaced, in every string and key."""
        return scrub(value, self.secrets, self.placeholder)

    def scrub_text(self, text: str) -> str:
        """Serialized cassette text with every remembered secret replaced (the last guard)."""
        return scrub_text(text, self.secrets, self.placeholder)


def read_entry(entry: Any) -> tuple[frozenset[str], str]:
    """The fields and placeholder named by a cassette file's ``"redacted"`` entry.

    ``ValueError`` says what is wrong with a malformed one.
    """
    if not isinstance(entry, Mapping):
        raise ValueError("the redacted entry must be an object")
    fields, placeholder = entry.get("fields", []), entry.get("placeholder", DEFAULT_PLACEHOLDER)
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValueError("redacted.fields must be a list of names")
    if not isinstance(placeholder, str) or not placeholder:
        raise ValueError("redacted.placeholder must be a non-empty string")
    return frozenset(fields), placeholder


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
