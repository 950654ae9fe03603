"""Scrubbing remembered secrets out of stored interactions, in every spelling a server echoes.

Two kinds of secret, found differently:

- keys (the API key, auth header values, cookies) are long and random: they are replaced
  wherever they occur, even inside a longer string, and also in object keys;
- values (what a redacted field held: names, addresses) are ordinary words: they are replaced
  only as whole words (``Mark`` leaves ``Marketable`` alone), in any letter case, and only in
  string values, never in object keys (``"email": ...`` stays readable and parseable).

Each is looked for as written, percent-encoded (either hex case, ``+`` or ``%20`` for a
space), JSON-escaped (``\\u00e9``) and HTML-escaped. Only a stored interaction's data is
scrubbed (path, query values, header values, bodies): never the HTTP method, the XML-RPC
method name, a status or a header name, so a secret that happens to spell one of those cannot
break the file or make every request look alike.

Keys are then looked for once more as the client's own errors look for them
(:func:`scrub_secrets`, with ``keap_adapter._secrets.redact_text``): the escapes mixed in one
echo, base64 of a body holding the key (a debugging proxy's dump of the raw request), and a
string cut short in the middle of one. That pass also reads header names (a server may echo
the key in one; names are stored lower-cased, so there any run of :data:`MIN_RUN` characters
of a key, in any letter case, is replaced).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from .._secrets import MIN_TAIL, redact_text, spellings

__all__ = [
    "KNOWN_NAMES",
    "MIN_RUN",
    "Patterns",
    "compile_patterns",
    "scrub",
    "scrub_name",
    "scrub_secrets",
    "scrub_stored",
    "scrub_text",
    "spellings",
]

MIN_RUN = MIN_TAIL
"""A header name holding this many characters of a key in a row has them replaced."""

KNOWN_NAMES = frozenset(
    (
        "x-keap-api-key",  # a key such as the fake's "fake-keap-api-key" shares its words
        "authorization",
        "proxy-authorization",
        "accept",
        "accept-encoding",
        "content-type",
        "location",
        "retry-after",
        "user-agent",
        "www-authenticate",
        "x-request-id",
    )
)
"""Header names that are the protocol's own words, never an echo: never scrubbed."""

# A value's word may start right after a percent-escape: "filter=email%3D%3Dada%40x.test".
_WORD_BEFORE = r"(?:(?<=%[0-9A-Fa-f]{2})|(?<!\w))"
_WORD_AFTER = r"(?!\w)"
# What a string pattern finds, and what a key pattern finds (see the module docs).
Patterns = tuple["re.Pattern[str] | None", "re.Pattern[str] | None"]


@functools.lru_cache(maxsize=32)
def compile_patterns(keys: frozenset[str], values: frozenset[str]) -> Patterns:
    """The patterns for strings (keys and values) and for object keys (keys only)."""
    key_forms = {form for key in keys for form in spellings(key)}
    value_forms = {form for value in values for form in spellings(value)} - key_forms
    alternatives = [(form, re.escape(form)) for form in key_forms]
    alternatives += [(form, _as_word(form)) for form in value_forms]
    return _compile(alternatives), _compile([(form, re.escape(form)) for form in key_forms])


def _as_word(form: str) -> str:
    # Word edges only where the value itself starts or ends with a word character.
    before = _WORD_BEFORE if re.match(r"\w", form[0]) else ""
    after = _WORD_AFTER if re.match(r"\w", form[-1]) else ""
    return before + re.escape(form) + after


def _compile(alternatives: list[tuple[str, str]]) -> re.Pattern[str] | None:
    if not alternatives:
        return None
    # Longest first: at one position the regex takes the first alternative that matches.
    ordered = sorted(alternatives, key=lambda item: (-len(item[0]), item[0]))
    return re.compile("|".join(regex for _, regex in ordered), re.IGNORECASE)


def scrub(value: Any, patterns: Patterns, placeholder: str) -> Any:
    """``value`` with every secret replaced, in strings and (keys only) in object keys."""
    strings, keys = patterns
    if strings is None:
        return value
    if isinstance(value, str):
        return strings.sub(placeholder, value)
    if isinstance(value, dict):
        return {
            _key(k, keys, placeholder): scrub(v, patterns, placeholder) for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(item, patterns, placeholder) for item in value]
    return value


def _key(key: str, pattern: re.Pattern[str] | None, placeholder: str) -> str:
    # "$datetime" and friends are the codec's tags (see _codec), not data.
    if pattern is None or key.startswith("$"):
        return key
    return pattern.sub(placeholder, key)


def scrub_stored(stored: Mapping[str, Any], patterns: Patterns, placeholder: str) -> dict[str, Any]:
    """A stored request or response with its data parts scrubbed (see the module docs)."""
    out = dict(stored)
    if patterns[0] is None:
        return out
    for part in ("path", "json", "text"):
        if part in out:
            out[part] = scrub(out[part], patterns, placeholder)
    if "query" in out:
        out["query"] = [[name, scrub(v, patterns, placeholder)] for name, v in out["query"]]
    if "headers" in out:
        out["headers"] = {k: scrub(v, patterns, placeholder) for k, v in out["headers"].items()}
    if "xmlrpc" in out:
        out["xmlrpc"] = _scrub_xmlrpc(out["xmlrpc"], patterns, placeholder)
    return out


def _scrub_xmlrpc(body: Mapping[str, Any], patterns: Patterns, placeholder: str) -> dict[str, Any]:
    out = dict(body)  # "method" is the envelope: the call's name, never scrubbed
    for part in ("params", "result"):
        if part in out:
            out[part] = scrub(out[part], patterns, placeholder)
    if isinstance(out.get("fault"), Mapping):
        fault = dict(out["fault"])
        fault["string"] = scrub(fault.get("string"), patterns, placeholder)
        out["fault"] = fault
    return out


def scrub_text(text: str, secrets: Iterable[str], placeholder: str) -> str:
    """JSON text with each secret replaced, written as it appears inside a JSON string.

    Plain substring replacement, so only for keys: a value such as a name could also spell a
    JSON key or literal of the file itself.
    """
    escaped_placeholder = json.dumps(placeholder, ensure_ascii=False)[1:-1]
    for secret in sorted(secrets, key=len, reverse=True):
        escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
        text = text.replace(escaped, escaped_placeholder)
    return text


def scrub_secrets(
    stored: Mapping[str, Any], secrets: Collection[str], placeholder: str
) -> dict[str, Any]:
    """A stored request or response with ``secrets`` (keys, never values) replaced as the
    client's errors replace them (see the module docs): in its path, query values, header
    names and values, and in every string and object key of its body."""
    out = dict(stored)
    if not secrets:
        return out

    def redact(text: str) -> str:
        return redact_text(text, secrets, placeholder)

    for part in ("path", "json", "text"):
        if part in out:
            out[part] = _map_strings(out[part], redact)
    if "query" in out:
        out["query"] = [[name, _map_strings(v, redact)] for name, v in out["query"]]
    if "headers" in out:
        out["headers"] = {
            (k if k.lower() in KNOWN_NAMES else scrub_name(k, secrets, placeholder)): (
                _map_strings(v, redact)
            )
            for k, v in out["headers"].items()
        }
    if "xmlrpc" in out:
        call = dict(out["xmlrpc"])
        for part in ("params", "result"):
            if part in call:
                call[part] = _map_strings(call[part], redact)
        if isinstance(call.get("fault"), Mapping):
            call["fault"] = _map_strings(dict(call["fault"]), redact)
        out["xmlrpc"] = call
    return out


def _map_strings(value: Any, redact: Callable[[str], str]) -> Any:
    """``value`` with ``redact`` applied to each string and object key (but the codec's
    ``$`` tags, see _codec, and a ``$base64`` value: its bytes are scrubbed as bytes)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        if len(value) == 1 and "$base64" in value:
            return value
        return {
            (k if k.startswith("$") else redact(k)): _map_strings(v, redact)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_map_strings(item, redact) for item in value]
    return value


def scrub_name(name: str, secrets: Collection[str], placeholder: str) -> str:
    """A header name with ``secrets`` replaced: every spelling, in the case written and
    lower-cased (stored names are), then any run of :data:`MIN_RUN` or more characters of
    one, in any letter case (a name cannot hold every character of a key, so a server
    echoing one there drops some)."""
    name = redact_text(name, {*secrets, *(s.lower() for s in secrets)}, placeholder)
    keys = [s.lower() for s in secrets if len(s) >= MIN_RUN]
    runs = {key[i : i + MIN_RUN] for key in keys for i in range(len(key) - MIN_RUN + 1)}
    if not runs:
        return name
    out, start, at = [], 0, 0
    while at <= len(name) - MIN_RUN:
        if name[at : at + MIN_RUN].lower() not in runs:
            at += 1
            continue
        end = at + MIN_RUN
        while end < len(name) and any(name[at : end + 1].lower() in key for key in keys):
            end += 1
        out += [name[start:at], placeholder]
        start = at = end
    return "".join(out) + name[start:]
