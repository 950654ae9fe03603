"""Finding a secret (the API key) in text, in every spelling a server may echo it in.

Servers echo what they were sent, and rarely as it was written: an HTML error page escapes
it (``&amp;``, ``&quot;``, ``&#34;``, ``&#x22;``...), a URL or form percent-encodes it
(``%2B`` or ``%2b``, ``+`` for a space), a JSON body escapes it (``\\"``, ``\\u0026``,
``\\/``), a debugging proxy prints the raw request in base64. Each character of the secret is
therefore looked for in any of its encodings, mixed freely (one echo may escape ``&`` and
percent-encode ``/``), plus once more escaped (HTML of a percent-escape, a double
percent-encoding); and base64 of the secret is looked for at each of the three byte offsets it
may sit at inside a longer base64 body (see :func:`base64_spellings`).

A text cut short in the middle of a secret (an error body truncated to a few hundred
characters, or a server's echo cut short and followed by more text) holds a prefix of one of
those spellings: that run is replaced too, wherever it stands, when it is long enough to be
the secret rather than chance (:data:`MIN_TAIL` characters, or a third of the secret for short
ones).

:func:`spellings` is the one list of whole-string spellings, also used by the cassette
scrubber (``keap_adapter.testing._redact_text``); :func:`redact_text` and
:func:`redact_bytes` are what errors, the Shadow report and error bodies are scrubbed with.

Sources for the encodings: HTML character references, WHATWG HTML
(html.spec.whatwg.org/multipage/syntax.html#character-references); percent-encoding,
RFC 3986 section 2.1 (either hex case) and the ``application/x-www-form-urlencoded`` ``+``
(url.spec.whatwg.org/#urlencoded-serializing); JSON string escapes, RFC 8259 section 7
(``\\/`` is allowed and PHP's ``json_encode`` writes it); base64, RFC 4648 sections 4 and 5.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import string
from collections.abc import Iterable
from html.entities import codepoint2name
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = [
    "MIN_TAIL",
    "PLACEHOLDER",
    "base64_spellings",
    "redact_bytes",
    "redact_text",
    "spellings",
]

PLACEHOLDER = "***"
"""What a secret is replaced with."""

MIN_TAIL = 8
"""A text ending with this many characters of a spelling of a secret has them replaced (or
with a third of the secret, when that is shorter): shorter tails are too likely to be chance."""

# Marks a truncation may append after the cut (before any trailing white space).
_TRUNCATION_MARKS = ("...", "\u2026")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")
# Base64 as echoed inside a URL (percent-encoded) or a JSON string (PHP's json_encode writes
# "/" as "\\/"), in either alphabet (RFC 4648 sections 4 and 5).
_BASE64_SPECIAL = {"+": r"(?:\+|%2[Bb])", "/": r"(?:/|\\/|%2[Ff])", "=": r"(?:=|%3[Dd])"}
_BASE64_RUN = re.compile(r"(?:[A-Za-z0-9_\-]|\+|/|=|%2[BbFf]|%3[Dd]|\\/)+")
_BASE64_ALPHABET = frozenset(string.ascii_letters + string.digits + "+/=_-")
# HTML-escaping, each way a server library writes it: Python's html.escape (&quot; &#x27;),
# quote=False (XML-RPC and xml.sax.saxutils), markupsafe/Jinja and OWASP (&#34; &#39;),
# Spring's HtmlUtils (&quot; &#39;), XML's &apos;.
_HTML_QUOTES: tuple[dict[str, str], ...] = (
    {'"': "&quot;", "'": "&#x27;"},
    {'"': "&#34;", "'": "&#39;"},
    {'"': "&quot;", "'": "&#39;"},
    {'"': "&quot;", "'": "&apos;"},
    {},
)


def _html_variants(text: str) -> set[str]:
    """``text`` HTML-escaped in each of the ways of ``_HTML_QUOTES``."""
    base = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = set()
    for table in _HTML_QUOTES:
        out.add("".join(table.get(c, c) for c in base))
    return out


def spellings(secret: str) -> set[str]:
    """``secret`` as written and as a server may echo it: HTML-, percent- and JSON-escaped.

    Whole-string spellings (each escapes every character the same way); :func:`redact_text`
    also finds mixtures of them and base64.
    """
    out = {secret} | _html_variants(secret)
    out |= {quote(secret, safe=safe) for safe in ("", "@", "@+", "/")}
    out |= {quote_plus(secret), quote_plus(secret, safe="@")}
    out |= {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return {spelling for spelling in out if spelling}


def base64_spellings(secret: str) -> set[str]:
    """Base64 (standard and URL-safe alphabets) of ``secret`` and of its text spellings, at
    each of the three offsets it may have inside a longer base64-encoded body.

    A byte string starting ``k`` bytes into a 3-byte group changes how its bits fall into
    base64's 6-bit characters; only the characters whose six bits all come from the secret
    are the same in every body, so those are what is returned (RFC 4648 section 4).
    Spellings shorter than :data:`MIN_TAIL` are left out: they would match by chance.
    """
    out = set()
    sources = {secret, html.escape(secret, quote=False), json.dumps(secret)[1:-1]}
    sources |= {html.escape(secret), quote(secret, safe=""), quote_plus(secret)}
    for source in sources:
        raw = source.encode("utf-8")
        for offset in range(3):
            start, end = offset * 8, (offset + len(raw)) * 8
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                encoded = encode(b"\0" * offset + raw).decode("ascii")
                out.add(encoded[-(-start // 6) : end // 6])
    return {spelling for spelling in out if len(spelling) >= MIN_TAIL}


def _hex_cases(*parts: str, before: str = "") -> set[str]:
    """``parts`` (hex digits) joined, each behind ``before``, in lower and in upper case."""
    return {"".join(before + p.lower() for p in parts), "".join(before + p.upper() for p in parts)}


def _first_forms(char: str) -> set[str]:
    """One character in each single encoding a server may echo it in."""
    out = {char, json.dumps(char)[1:-1], json.dumps(char, ensure_ascii=False)[1:-1]}
    out |= _hex_cases(
        *(f"{byte:02x}" for byte in char.encode("utf-8", "surrogatepass")), before="%"
    )
    utf16 = char.encode("utf-16-be", "surrogatepass").hex()
    out |= _hex_cases(*(utf16[i : i + 4] for i in range(0, len(utf16), 4)), before="\\u")
    if char == " ":
        out.add("+")
    if char in "\"'\\/":
        out.add("\\" + char)  # JSON's \" \\ \/ and a Python repr's \'
    point = ord(char)
    out |= {f"&#{point};", *_hex_cases(f"{point:x};", before="&#x")}
    out |= _hex_cases(f"{point:x};", before="&#X")
    if point in codepoint2name:
        out.add(f"&{codepoint2name[point]};")
    if char == "'":
        out.add("&apos;")
    return out


@functools.lru_cache(maxsize=256)
def _char_forms(char: str) -> tuple[str, ...]:
    """Every form of ``char``: each single encoding, and each of those escaped once more
    (HTML-escaped, JSON-escaped or percent-encoded again), longest first."""
    first = _first_forms(char)
    out = set(first)
    for form in first:
        out |= _html_variants(form)
        out.add(json.dumps(form)[1:-1])
        again = quote(form, safe="")
        out |= {again, _PERCENT_ESCAPE.sub(lambda m: m.group(0).lower(), again)}
    # Longest first: at one position the regex takes the first alternative that matches.
    return tuple(sorted(out, key=lambda form: (-len(form), form)))


def _alternatives(forms: Iterable[str]) -> str:
    """A regex matching any of ``forms``, written as a trie (``&(?:amp;|#38;)``): a position
    where no form starts is left after one test per character, not one per form."""
    trie: dict[str, Any] = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict[str, Any]) -> str:
    branches = [re.escape(char) + _trie_regex(child) for char, child in node.items() if char]
    if not branches:
        return ""
    # Longer forms first (greedy), the form ending here as the fallback.
    group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return group + "?" if len(branches) > 1 else "(?:" + group + ")?"
    return group


class _Finder:
    """How to find one secret: in any spelling, in base64, and at the cut end of a text."""

    def __init__(self, secret: str) -> None:
        self.units = [_char_forms(char) for char in secret]
        self.pattern = re.compile("".join(_alternatives(forms) for forms in self.units))
        self.encoded = sorted(base64_spellings(secret), key=lambda form: (-len(form), form))
        self.base64 = re.compile(
            "|".join("".join(_BASE64_SPECIAL.get(c, c) for c in form) for form in self.encoded)
            or "(?!)"  # a secret too short for a base64 spelling: matches nothing
        )
        self.min_tail = max(1, min(MIN_TAIL, -(-len(secret) // 3)))
        # A server may echo the key cut short and go on (``"bad key KeapAK-12…"}``): a run
        # of at least ``min_tail`` of its first characters, in any spelling, is the key too,
        # wherever it stands, and so is such a run of a base64 spelling.
        cuts = {form[:n] for form in self.encoded for n in range(self.min_tail, len(form) + 1)}
        self.base64_cut = re.compile(_alternatives(cuts)) if cuts else None
        # No tail of a spelling is longer than the longest spelling.
        self.longest = max([sum(len(forms[0]) for forms in self.units), *map(len, self.encoded)])
        # What makes finding a cut tail cheap (it runs on every text): where a spelling may
        # start (a form of the secret's first character), and every base64 tail long enough.
        self.first = re.compile("(?=" + _alternatives(self.units[0]) + ")")
        tails = {form[:n] for form in self.encoded for n in range(self.min_tail, len(form) + 1)}
        self.encoded_tail = re.compile(_alternatives(tails) + r"\Z") if tails else None

    def redact(self, text: str, placeholder: str) -> str:
        """``text`` with the secret replaced: every spelling, every base64 run holding it
        (whole: the characters at its edges carry bits of the secret too), a cut tail."""
        text = self.pattern.sub(placeholder, text)
        text = self._cut_runs(text, placeholder)
        found = self.base64_cut or self.base64
        if found.search(text):  # the slower pass, over every run, only when needed
            text = _BASE64_RUN.sub(
                lambda run: placeholder if found.search(run.group()) else run.group(), text
            )
        return self._cut_tail(text, placeholder)

    def _cut_runs(self, text: str, placeholder: str) -> str:
        """``text`` with each run of the secret's first characters (any spelling, the last
        maybe cut inside its form) that is at least ``min_tail`` long replaced."""
        parts, last = [], 0
        for match in self.first.finditer(text):
            start = match.start()
            if start < last:
                continue
            end = self._run_end(text, start)
            if end - start >= self.min_tail:
                parts += [text[last:start], placeholder]
                last = end
        return "".join([*parts, text[last:]]) if parts else text

    def _run_end(self, text: str, start: int) -> int:
        """Where the longest run of the secret's first characters from ``start`` ends."""
        best, stack, seen = start, [(start, 0)], set()
        while stack:
            at, index = stack.pop()
            best = max(best, at)
            if index == len(self.units) or (at, index) in seen:
                continue
            seen.add((at, index))
            for form in self.units[index]:
                if text.startswith(form, at):
                    stack.append((at + len(form), index + 1))
                elif index > 0:  # a form cut short: the run ends inside it
                    best = max(best, at + _common_start(form, text, at))
        return best

    def _cut_tail(self, text: str, placeholder: str) -> str:
        body = text.rstrip()
        body = next((body[: -len(m)] for m in _TRUNCATION_MARKS if body.endswith(m)), body)
        cut = len(body)
        low, high = max(0, cut - self.longest), cut - self.min_tail
        if high < low:
            return text
        # The leftmost start that works is the longest tail: the start of a base64 tail (the
        # regex finds the leftmost), or before it, where a form of the secret's first
        # character starts and the rest of the text spells the secret on.
        found = self.encoded_tail.search(body, low) if self.encoded_tail else None
        encoded = found.start() if found else cut
        for match in self.first.finditer(body, low, min(encoded, high + 1)):
            if self._spelling_starts(body, match.start()):
                return text[: match.start()] + placeholder + text[cut:]
        if found is None:
            return text
        run = encoded  # the whole run: its first characters carry bits of it too
        while run and body[run - 1] in _BASE64_ALPHABET:
            run -= 1
        return text[:run] + placeholder + text[cut:]

    def _spelling_starts(self, text: str, start: int) -> bool:
        """Whether ``text[start:]`` is whole characters of the secret in any of their forms,
        then maybe the start of one more form (a cut in the middle of ``&amp;`` or ``%2F``)."""
        stack, seen = [(start, 0)], set()
        while stack:
            at, index = stack.pop()
            if at == len(text):
                return True  # ``index`` > 0: at least one whole character
            if index == len(self.units) or (at, index) in seen:
                continue
            seen.add((at, index))
            for form in self.units[index]:
                if text.startswith(form, at):
                    stack.append((at + len(form), index + 1))
                elif index > 0 and form.startswith(text[at:]):
                    return True
        return False


def _common_start(form: str, text: str, at: int) -> int:
    """How many first characters of ``form`` ``text`` has from ``at``."""
    n = 0
    while n < len(form) and at + n < len(text) and text[at + n] == form[n]:
        n += 1
    return n


@functools.lru_cache(maxsize=64)
def _finder(secret: str) -> _Finder:
    return _Finder(secret)


def redact_text(text: str, secrets: Iterable[str], placeholder: str = PLACEHOLDER) -> str:
    """``text`` with every spelling of each secret, and a tail cut in one, replaced.

    Empty secrets are ignored. Longer secrets are replaced first, so a secret that contains
    another is not left half replaced.
    """
    for secret in sorted({s for s in secrets if s}, key=lambda s: (-len(s), s)):
        text = _finder(secret).redact(text, placeholder)
    return text


def redact_bytes(body: bytes, secrets: Iterable[str]) -> bytes:
    """``body`` (e.g. an HTTP response's content) with every spelling of each secret, in
    UTF-8, replaced by ``b"***"``. Bytes that are not UTF-8 are kept exactly as they were."""
    text = body.decode("utf-8", "surrogateescape")
    redacted = redact_text(text, secrets)
    return body if redacted == text else redacted.encode("utf-8", "surrogateescape")
