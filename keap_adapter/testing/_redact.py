"""Redaction of stored interactions: nothing secret is ever written to a cassette.

Structural first: auth headers, the XML-RPC key parameter, and the named fields (JSON keys,
XML-RPC struct members including dotted join names such as ``Contact.Email``, query
parameters, conditions of REST's ``filter``, and the places Keap's own shapes put an email
address: the ``/emailAddresses/{email}`` path segment and the address parameter of
``findByEmail`` and ``APIEmailService``). Then every secret value taken out that way is
scrubbed wherever else it still appears (a server echoing it in an error message, a path, a
header): see :mod:`._redact_text` for how. A field value shorter than
:data:`MIN_VALUE_LENGTH` characters (or empty) is replaced in its field only.
Incoming requests go through the same redaction before matching, so a redacted recording
still matches.

A cassette file names what was redacted in its top-level ``"redacted"`` entry
(:meth:`Redactor.entry`, read back by :func:`read_entry`), so that a replay redacts live
requests the same way without being told again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._config import KEY_PLACEHOLDER
from ._redact_text import compile_patterns, scrub_stored, scrub_text

__all__ = [
    "DEFAULT_PLACEHOLDER",
    "SECRET_HEADERS",
    "Redactor",
    "is_named",
    "read_entry",
    "redact_fields",
]

DEFAULT_PLACEHOLDER = "<REDACTED>"

SECRET_HEADERS = frozenset(("x-keap-api-key", "authorization", "proxy-authorization"))
# Cookies are dropped rather than masked: a masked Set-Cookie would replay as a junk cookie.
DROPPED_HEADERS = frozenset(("cookie", "set-cookie"))
# Shorter keys are not scrubbed from free text: they would mangle unrelated words, and no
# real Keap key is anywhere near this short.
MIN_SECRET_LENGTH = 8
# Field values are ordinary words: one shorter than this ("Al", "") is redacted in its field
# only, since scrubbing it everywhere would eat every "al" of the file.
MIN_VALUE_LENGTH = 4

# Keap's shapes that carry an email address outside any key or member; either spelling of
# the field (REST's "email", XML-RPC's "Email") names it.
_EMAIL = frozenset(("email", "Email"))
PATH_SEGMENTS = {"emailAddresses": _EMAIL}  # REST v2 /emailAddresses/{email}/status
POSITIONAL = {  # methodName -> (index of the address parameter, the key being 0)
    "ContactService.findByEmail": (1, _EMAIL),
    "APIEmailService.getOptStatus": (1, _EMAIL),
    "APIEmailService.optIn": (1, _EMAIL),
    "APIEmailService.optOut": (1, _EMAIL),
}
FILTER_PARAMETER = "filter"  # REST v2: name==value;name==value


def is_named(key: str, names: Collection[str]) -> bool:
    """Whether ``key`` is one of ``names``, or a dotted join of one (``Contact.Email``)."""
    return key in names or ("." in key and key.rsplit(".", 1)[1] in names)


@dataclass
class Redactor:
    """Redacts stored requests/responses and remembers the secrets it took out.

    ``fields`` are JSON object keys / XML-RPC struct members (and query parameters) whose
    values are replaced at any depth, in requests and responses alike. ``secrets`` are the
    keys seen (scrubbed as substrings), ``values`` what the fields held (scrubbed as words).
    """

    fields: Collection[str] = ()
    placeholder: str = DEFAULT_PLACEHOLDER
    secrets: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)

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
        return self.scrub(out)

    def response(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of a stored response."""
        out = self.fields_only(stored)
        out["headers"] = self._headers(stored.get("headers") or {})
        return self.scrub(out)

    def fields_only(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a stored request or response with only the named fields redacted.

        The values taken out are remembered, to be scrubbed elsewhere by :meth:`scrub`.
        """
        out = dict(stored)
        if isinstance(out.get("path"), str):
            out["path"] = self._path(out["path"])
        if "query" in out:
            out["query"] = [[k, self._parameter(k, v)] for k, v in out["query"]]
        if "json" in out:
            out["json"] = self._fields(out["json"])
        if "xmlrpc" in out:
            out["xmlrpc"] = self._xmlrpc_fields(out["xmlrpc"])
        return out

    def scrub(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A stored request or response with every remembered secret replaced in its data."""
        patterns = compile_patterns(frozenset(self.secrets), frozenset(self.values))
        return scrub_stored(stored, patterns, self.placeholder)

    def scrub_text(self, text: str) -> str:
        """Serialized cassette text with every remembered key replaced (the last guard)."""
        return scrub_text(text, self.secrets, self.placeholder)

    # ------------------------------------------------------------------ named fields

    def _fields(self, value: Any) -> Any:
        found: set[str] = set()
        out = redact_fields(value, self.fields, self.placeholder, found)
        self._remember_values(*found)
        return out

    def _xmlrpc_fields(self, body: Mapping[str, Any]) -> dict[str, Any]:
        # Only params and result hold the caller's data. The other keys ("method", "fault")
        # are the cassette's own envelope (see _codec): a field named "method" must not mask
        # the method name, or every call would match every other.
        out = {k: self._fields(v) if k in ("params", "result") else v for k, v in body.items()}
        if "params" in out:
            out["params"] = self._positional(str(out.get("method")), list(out["params"]))
        return out

    def _positional(self, method: str, params: list[Any]) -> list[Any]:
        index, names = POSITIONAL.get(method, (0, frozenset()))
        if index and index < len(params) and self._names_any(names):
            self._remember_values(*_leaves(params[index]))
            params[index] = self.placeholder
        return params

    def _parameter(self, name: str, value: str) -> str:
        if is_named(name, self.fields):
            self._remember_values(value)
            return self.placeholder
        return self._filter(value) if name == FILTER_PARAMETER else value

    def _filter(self, text: str) -> str:
        conditions = []
        for condition in text.split(";"):
            name, equals, value = condition.partition("==")
            named = bool(equals) and is_named(name, self.fields)
            if named:
                self._remember_values(value)
            conditions.append(f"{name}=={self.placeholder}" if named else condition)
        return ";".join(conditions)

    def _path(self, path: str) -> str:
        parts = path.split("/")
        for index in range(1, len(parts)):
            names = PATH_SEGMENTS.get(parts[index - 1])
            if names and parts[index] and self._names_any(names):
                self._remember_values(parts[index])
                parts[index] = self.placeholder
        return "/".join(parts)

    def _names_any(self, names: Iterable[str]) -> bool:
        return any(name in self.fields for name in names)

    # ------------------------------------------------------------------ keys

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

    # ------------------------------------------------------------------ remembering

    def _remember(self, *values: str) -> None:
        self.secrets.update(v for v in values if len(v) >= MIN_SECRET_LENGTH and self._fresh(v))

    def _remember_values(self, *values: str) -> None:
        for value in values:
            # A filter's trailing "*" (XML-RPC's "%") is a wildcard, not part of the value.
            for form in {value, value.rstrip("*%")}:
                if len(form.strip()) >= MIN_VALUE_LENGTH and self._fresh(form):
                    self.values.add(form)

    def _fresh(self, value: str) -> bool:
        # The placeholder (or a part of it) is no secret: scrubbing it would never end.
        mine, theirs = self.placeholder.casefold(), value.casefold()
        return theirs not in mine and mine not in theirs


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


def redact_fields(
    value: Any, names: Collection[str], placeholder: str, found: set[str] | None = None
) -> Any:
    """``value`` with the value of every object key in ``names`` (or a dotted join of one,
    see :func:`is_named`) replaced, at any depth; the strings taken out go into ``found``."""
    if not names:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if is_named(key, names):
                if found is not None:
                    found.update(_leaves(item))
                out[key] = placeholder
            else:
                out[key] = redact_fields(item, names, placeholder, found)
        return out
    if isinstance(value, list):
        return [redact_fields(item, names, placeholder, found) for item in value]
    return value


def _leaves(value: Any) -> Iterator[str]:
    """The text of every scalar in a redacted value (numbers too: a phone may be one)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
