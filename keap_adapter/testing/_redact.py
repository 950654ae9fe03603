"""Redaction of stored interactions: nothing secret is ever written to a cassette.

Structural first: auth headers, the XML-RPC key parameter, and the named fields (JSON keys,
XML-RPC struct members including dotted join names such as ``Contact.Email``, query
parameters, conditions of REST's ``filter``, and the places Keap's own shapes put an email
address: the ``/emailAddresses/{email}`` path segment and the address parameter of
``findByEmail`` and ``APIEmailService``). Then every secret value taken out that way is
scrubbed wherever else it still appears (a server echoing it in an error message, a path, a
header): see :mod:`._redact_text` for how. Bytes too: a body that is not UTF-8 text (stored
as base64) and XML-RPC ``$base64`` values are scrubbed before they are encoded, in the
encodings of :data:`BYTE_ENCODINGS`, inside gzip as well (:func:`scrub_bytes`). A field
value shorter than :data:`MIN_VALUE_LENGTH` characters (or empty) is replaced in its field
only.
Incoming requests go through the same redaction before matching, so a redacted recording
still matches.

OAuth2 traffic too, whatever fields are named: a form-encoded body (the token endpoint's)
has its :data:`FORM_SECRETS` fields redacted, and a JSON body its :data:`JSON_SECRETS`
(``access_token``, ``refresh_token``...); their values, and the password of a ``Basic``
authorization header (the client secret), are remembered as keys. Keys (the API key,
tokens, the client secret) are scrubbed as the client's own errors scrub them too (see
:func:`._redact_text.scrub_secrets`): escapes mixed, base64 of a body holding one, a text cut
short in the middle of one, a header's name; and in the bytes of a body, read as latin-1
(any ASCII-compatible charset), as UTF-16, and in the charset its ``Content-Type`` declares
(an EBCDIC or UTF-7 body).

A cassette file names what was redacted in its top-level ``"redacted"`` entry
(:meth:`Redactor.entry`, read back by :func:`read_entry`), so that a replay redacts live
requests the same way without being told again.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import gzip
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from .._config import KEY_PLACEHOLDER
from .._secrets import redact_text
from ._codec import text_or_base64
from ._redact_text import compile_patterns, scrub_secrets, scrub_stored, scrub_text, spellings

__all__ = [
    "BYTE_ENCODINGS",
    "DEFAULT_PLACEHOLDER",
    "FORM_SECRETS",
    "JSON_SECRETS",
    "SECRET_HEADERS",
    "Redactor",
    "byte_patterns",
    "is_named",
    "read_entry",
    "redact_fields",
    "scrub_bytes",
]

DEFAULT_PLACEHOLDER = "<REDACTED>"

SECRET_HEADERS = frozenset(("x-keap-api-key", "authorization", "proxy-authorization"))
# Cookies are dropped rather than masked: a masked Set-Cookie would replay as a junk cookie.
DROPPED_HEADERS = frozenset(("cookie", "set-cookie"))
# Shorter keys are not scrubbed from free text: they would mangle unrelated words, and no
# real Keap key is anywhere near this short (the client refuses a key under 16 characters).
MIN_SECRET_LENGTH = 8
# OAuth2's secrets, redacted whatever fields are named (RFC 6749 sections 4.1.3, 5.1 and 6;
# RFC 7636 section 4.5): in a form-encoded body (the token endpoint's requests), and in a JSON
# body (its answers). "code" only in a form: Keap's JSON error bodies have a "code" (the
# status), which is no secret.
FORM_SECRETS = frozenset(
    ("client_secret", "refresh_token", "code", "code_verifier", "access_token", "password")
)
JSON_SECRETS = frozenset(("access_token", "refresh_token", "id_token", "client_secret"))
FORM_TYPE = "application/x-www-form-urlencoded"
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

# The encodings a body that is not UTF-8 text is searched in: latin-1 and Windows-1252 (what
# HTTP/1.1 text defaulted to, RFC 2616 section 3.7.1), UTF-8 inside other bytes, and UTF-16.
BYTE_ENCODINGS = ("utf-8", "latin-1", "cp1252", "utf-16-le", "utf-16-be")
_UTF16 = ("utf-16-le", "utf-16-be")
GZIP_MAGIC = b"\x1f\x8b"  # RFC 1952, section 2.3.1
# A gzip body inflating beyond this is scrubbed as it stands: a cassette is no place for
# one, and a tampered file must not make loading inflate without end.
MAX_INFLATED = 64 * 1024 * 1024
# Per written placeholder: the pattern of every spelling over latin-1-read bytes.
BytePatterns = tuple[tuple["re.Pattern[str]", str], ...]


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
            out["json"] = self._token_fields(self._fields(out["json"]))
        if "xmlrpc" in out:
            out["xmlrpc"] = self._xmlrpc_fields(out["xmlrpc"])
        if isinstance(out.get("text"), str) and _content_type(out).startswith(FORM_TYPE):
            out["text"] = self._form(out["text"])
        return out

    def scrub(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A stored request or response with every remembered secret replaced in its data.

        Bytes too: a ``base64`` body and XML-RPC ``$base64`` values are scrubbed before they
        are encoded again (see :func:`scrub_bytes`), which no scrubbing of text could do.
        """
        keys, values = frozenset(self.secrets), frozenset(self.values)
        out = scrub_stored(stored, compile_patterns(keys, values), self.placeholder)
        out = scrub_secrets(out, keys, self.placeholder)
        charset = _charset(out)
        if keys and charset is not None and isinstance(out.get("text"), str):
            out = _in_charset(out, charset, keys, self.placeholder)
        if keys or values:
            # Built only when there are bytes to scrub: most interactions have none.
            patterns = functools.partial(byte_patterns, keys, values, self.placeholder)
            redact = functools.partial(_redact_raw, keys, self.placeholder, charset)
            if "base64" in out:
                out["base64"] = _scrub_base64(out["base64"], patterns, redact)
            if isinstance(out.get("xmlrpc"), Mapping):
                call = dict(out["xmlrpc"])
                for part in ("params", "result"):
                    if part in call:
                        call[part] = _scrub_tagged(call[part], patterns, redact)
                out["xmlrpc"] = call
        return out

    def scrub_text(self, text: str) -> str:
        """Serialized cassette text with every remembered key replaced (the last guard)."""
        return scrub_text(text, self.secrets, self.placeholder)

    # ------------------------------------------------------------------ named fields

    def _fields(self, value: Any) -> Any:
        found: set[str] = set()
        out = redact_fields(value, self.fields, self.placeholder, found)
        self._remember_values(*found)
        return out

    def _token_fields(self, value: Any) -> Any:
        """OAuth2's tokens and secret in a JSON body, remembered as keys (see the docs)."""
        found: set[str] = set()
        out = redact_fields(value, JSON_SECRETS, self.placeholder, found)
        self._remember(*found)
        return out

    def _form(self, text: str) -> str:
        """A form-encoded body with its named fields and OAuth2's secrets redacted, pair by
        pair (the rest of the body is kept as it was written)."""
        pairs = []
        for pair in text.split("&"):
            raw_name, equals, raw_value = pair.partition("=")
            name, value = unquote_plus(raw_name), unquote_plus(raw_value)
            if equals and name in FORM_SECRETS:
                self._remember(value, raw_value)
            elif equals and is_named(name, self.fields):
                self._remember_values(value)
            else:
                pairs.append(pair)
                continue
            pairs.append(f"{raw_name}={self.placeholder}")
        return "&".join(pairs)

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
                self._remember(value, *value.split(None, 1)[1:], *_basic_password(value))
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
    headers = entry.get("headers", [])  # informative only, but a file is checked whole
    if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
        raise ValueError("redacted.headers must be a list of names")
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


# ------------------------------------------------------------------ bytes


def byte_patterns(keys: frozenset[str], values: frozenset[str], placeholder: str) -> BytePatterns:
    """What :func:`scrub_bytes` looks for; built once per set of secrets (it is costly)."""
    return _byte_patterns(keys, values, placeholder) if keys or values else ()


@functools.lru_cache(maxsize=32)
def _byte_patterns(keys: frozenset[str], values: frozenset[str], placeholder: str) -> BytePatterns:
    # Bytes are searched as latin-1 text: one character per byte, so a str pattern finds any
    # byte string, and case folds for latin-1's letters too. Each spelling is looked for as
    # each encoding writes it, and replaced by the placeholder written the same way.
    groups: dict[str, tuple[set[str], set[str]]] = {}
    for encoding in BYTE_ENCODINGS:
        written = placeholder.encode(encoding, "replace").decode("latin-1")
        key_forms, value_forms = groups.setdefault(written, (set(), set()))
        for secret in keys:
            key_forms |= _written(secret, encoding)
        for value in values:
            value_forms |= _written(value, encoding)
    out = []
    for written, (key_forms, value_forms) in groups.items():
        tries = (_trie(key_forms, words=False), _trie(value_forms - key_forms, words=True))
        pattern = "|".join(trie for trie in tries if trie)
        out.append((re.compile(pattern, re.IGNORECASE), written))
    return tuple(out)


def _written(secret: str, encoding: str) -> set[str]:
    """Every spelling of ``secret`` as ``encoding`` writes it, read as latin-1, lower-cased."""
    out = set()
    # Upper and lower case spelt out: IGNORECASE folds what the pattern sees as one letter,
    # but in another encoding's bytes a capital is other bytes (UTF-8's "é" read as latin-1
    # is "Ã©", its "É" is "Ã\x89").
    for form in spellings(secret):
        for cased in (form, form.upper(), form.lower()):
            try:
                out.add(cased.encode(encoding).decode("latin-1").lower())
            except UnicodeEncodeError:
                continue  # this encoding cannot write it, so no body holds it so
    return out


# As _redact_text finds a value: a whole word, which may start right after a %-escape. But
# words of ASCII letters and digits only: in bytes that are not text, a neighbouring byte
# such as 0xFF reads as a latin-1 letter ("ÿ") and would hide the value next to it.
_WORD_BEFORE = r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![0-9A-Za-z_]))"
_WORD_AFTER = r"(?![0-9A-Za-z_])"
_END = ""  # a trie node's key marking that a form ends there


def _trie(forms: set[str], *, words: bool) -> str:
    """One regex for all ``forms``, built as a trie: thousands of forms in one pass.

    A plain alternation makes the regex engine try every form at every position; a trie
    shares prefixes, so each position costs a few character tests. With ``words``, each form
    matches only as a whole word (see _redact_text): the forms are grouped by whether they
    start and end with a word character, so each group states its word edges once.
    """
    groups: dict[tuple[bool, bool], set[str]] = {}
    for form in forms:
        edges = (words and _is_word(form[0]), words and _is_word(form[-1]))
        groups.setdefault(edges, set()).add(form)
    out = []
    for (before, after), group in sorted(groups.items()):
        root: dict[str, Any] = {}
        for form in group:
            node = root
            for char in form:
                node = node.setdefault(char, {})
            node[_END] = {}
        body = f"(?:{_branches(root)})"
        out.append((_WORD_BEFORE if before else "") + body + (_WORD_AFTER if after else ""))
    return "|".join(out)


def _branches(node: dict[str, Any]) -> str:
    out = []
    for char in sorted(key for key in node if key != _END):
        child, run = node[char], char
        while len(child) == 1 and _END not in child:  # a chain: nothing to choose until its end
            ((following, child),) = child.items()
            run += following
        out.append(re.escape(run) + _branches(child))
    if _END in node:
        out.append("")  # last: a longer form is tried first
    return out[0] if len(out) == 1 else "(?:" + "|".join(out) + ")"


def _is_word(char: str) -> bool:
    return bool(char) and char in _ASCII_WORD


_ASCII_WORD = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def scrub_bytes(
    raw: bytes, patterns: BytePatterns, redact: Callable[[bytes], bytes] | None = None
) -> bytes:
    """``raw`` with every secret replaced, in each encoding of :data:`BYTE_ENCODINGS`, and
    then by ``redact`` (keys as the client's errors find them, see :func:`_redact_raw`).

    A gzip file is scrubbed inside, and compressed again only if something was replaced
    (so an untouched body keeps its bytes). One too large to inflate
    (:data:`MAX_INFLATED`) is scrubbed as it stands.
    """
    inflated = _gunzip(raw)
    if inflated is not None:
        scrubbed = _scrub_plain(inflated, patterns, redact)
        return raw if scrubbed == inflated else gzip.compress(scrubbed, mtime=0)
    return _scrub_plain(raw, patterns, redact)


def _scrub_plain(
    raw: bytes, patterns: BytePatterns, redact: Callable[[bytes], bytes] | None = None
) -> bytes:
    text = raw.decode("latin-1")
    for pattern, written in patterns:
        # Backslashes doubled: re.sub would read "\\1" in a placeholder as a group reference.
        text = pattern.sub(written.replace("\\", "\\\\"), text)
    out = text.encode("latin-1")
    return redact(out) if redact is not None else out


# Read losslessly (every byte, or every pair of bytes, is one character), so what redaction
# leaves is written back byte for byte: latin-1 finds an ASCII key in any ASCII-compatible
# charset (UTF-8, Windows-1252...), UTF-16 at either byte order and either alignment.
_LOSSLESS = (("latin-1", "strict", 0), *((e, "surrogatepass", o) for e in _UTF16 for o in (0, 1)))


def _redact_raw(keys: frozenset[str], placeholder: str, charset: str | None, raw: bytes) -> bytes:
    """``raw`` with ``keys`` replaced as the client's errors find them (see ``_secrets``):
    read as the body's declared ``charset`` first (a cut made in another reading could leave
    the rest of a key whole in this one, as UTF-7 spells ``+`` as ``+-``), then as each of
    :data:`_LOSSLESS`."""
    if not keys:
        return raw
    if charset is not None:
        raw = _redact_charset(raw, charset, keys, placeholder)
    for encoding, errors, offset in _LOSSLESS:
        part = raw[offset:]
        part = part if encoding == "latin-1" else part[: len(part) - len(part) % 2]
        text = part.decode(encoding, errors)
        # Latin-1 reads UTF-8 text a byte a character: the placeholder written so too.
        latin = encoding == "latin-1"
        written = placeholder.encode("utf-8").decode("latin-1") if latin else placeholder
        redacted = redact_text(text, keys, written)
        if redacted != text:
            done = redacted.encode(encoding, errors)
            raw = raw[:offset] + done + raw[offset + len(part) :]
    return raw


def _redact_charset(raw: bytes, charset: str, keys: frozenset[str], placeholder: str) -> bytes:
    try:
        text = raw.decode(charset)
    except (UnicodeError, LookupError, TypeError, ValueError):
        return raw  # not in the charset it claims: the other readings were all there is
    redacted = redact_text(text, keys, placeholder)
    if redacted == text:
        return raw
    try:
        return redacted.encode(charset, "replace")
    except (UnicodeError, LookupError, TypeError, ValueError):
        return raw


def _charset(stored: Mapping[str, Any]) -> str | None:
    """The charset a stored body's ``Content-Type`` declares, if it is one Python reads and
    not UTF-8 or ASCII (the text passes read those already)."""
    match = _CHARSET.search(_content_type(stored))
    if match is None:
        return None
    try:
        info = codecs.lookup(match.group(1))
    except LookupError:
        return None
    if info.name in ("utf-8", "ascii") or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:+-]{1,40})""", re.IGNORECASE)


def _content_type(stored: Mapping[str, Any]) -> str:
    headers = stored.get("headers")
    if not isinstance(headers, Mapping):
        return ""
    value = next((v for k, v in headers.items() if str(k).lower() == "content-type"), "")
    return str(value).lower()


def _in_charset(
    stored: dict[str, Any], charset: str, keys: frozenset[str], placeholder: str
) -> dict[str, Any]:
    """A text body (UTF-8 bytes by the codec) whose declared charset is another one (UTF-7's
    bytes are ASCII): read in that charset too, and kept as text if it still is UTF-8."""
    raw = stored["text"].encode("utf-8")
    scrubbed = _redact_charset(raw, charset, keys, placeholder)
    if scrubbed == raw:
        return stored
    out = {k: v for k, v in stored.items() if k != "text"}
    return {**out, **text_or_base64(scrubbed)}


def _basic_password(value: str) -> list[str]:
    """The password of a ``Basic`` authorization (OAuth2's client secret, RFC 6749 section
    2.3.1), to be scrubbed wherever else it shows."""
    scheme, _, encoded = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return []
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return []
    _user, colon, password = decoded.partition(":")
    return [unquote_plus(password), decoded] if colon and password else []


def _gunzip(raw: bytes) -> bytes | None:
    """The content of a gzip file (all its members), or ``None`` if ``raw`` is not one."""
    if not raw.startswith(GZIP_MAGIC):
        return None
    out, rest = b"", raw
    while rest:
        inflater = zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer (zlib docs)
        try:
            out += inflater.decompress(rest, MAX_INFLATED + 1 - len(out))
        except zlib.error:
            return None
        if not inflater.eof or len(out) > MAX_INFLATED:
            return None  # cut short, or too large to hold
        rest = inflater.unused_data
        if rest and not rest.startswith(GZIP_MAGIC):
            return None
    return out


def _scrub_base64(
    text: Any, patterns: Callable[[], BytePatterns], redact: Callable[[bytes], bytes] | None = None
) -> Any:
    try:
        raw = base64.b64decode(str(text).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return text  # not base64 at all: the loader refuses such a file (see _cassette_file)
    scrubbed = scrub_bytes(raw, patterns(), redact)
    return text if scrubbed == raw else base64.b64encode(scrubbed).decode("ascii")


def _scrub_tagged(
    value: Any, patterns: Callable[[], BytePatterns], redact: Callable[[bytes], bytes] | None = None
) -> Any:
    """An XML-RPC value (see _codec's tags) with its ``$base64`` values scrubbed."""
    if isinstance(value, list):
        return [_scrub_tagged(item, patterns, redact) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "$base64":
            return {tag: _scrub_base64(inner, patterns, redact)}
        if tag == "$struct" and isinstance(inner, dict):  # its members are data, not tags
            return {tag: {k: _scrub_tagged(v, patterns, redact) for k, v in inner.items()}}
    return {key: _scrub_tagged(item, patterns, redact) for key, item in value.items()}
