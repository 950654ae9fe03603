"""The spellings of an API key a server may echo, and the check that an error shows none.

Shared by the tests that the key never shows in an error (``tests/unit/test_secrets.py``)
and in the Shadow report (``tests/migration/test_shadow_secrets.py``). Built here with the
standard library, independently of ``keap_adapter._secrets``.
"""

from __future__ import annotations

import base64
import html
import json
import re
import traceback
from collections.abc import Callable, Iterator
from urllib.parse import quote, quote_plus

# Printable ASCII, as a header carries it, with every character the escapes disagree on:
# & < > " ' (HTML), + / % = ; # (percent and base64), \ (JSON).
KEY = "Zx7&q<w>e\"r+t/y=u%i\\o#p;a's!9QmV2bW"


def _hex_lower(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def _entities(key: str, spell: Callable[[int], str]) -> str:
    return "".join(spell(ord(c)) if c in "&<>\"'" else c for c in key)


def base64_region(prefix: bytes, secret: bytes, *, urlsafe: bool = False) -> str:
    """The base64 characters that only ``secret`` decides, in ``base64(prefix + secret)``.

    Each base64 character carries 6 bits; those entirely inside the secret's bits are what
    a base64 echo of a body holding the secret at this offset gives away.
    """
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode(prefix + secret).decode()
    start, end = len(prefix) * 8, (len(prefix) + len(secret)) * 8
    return encoded[-(-start // 6) : end // 6]


def echoes(key: str = KEY) -> dict[str, str]:
    """The spellings of ``key`` a server may echo, by name (base64 ones: what gives it away)."""
    raw = key.encode()
    out = {
        "plain": key,
        "html": html.escape(key),
        "html-unquoted": html.escape(key, quote=False),
        "html-decimal": _entities(key, lambda n: f"&#{n};"),
        "html-hex": _entities(key, lambda n: f"&#X{n:02X};"),
        "percent": quote(key, safe=""),
        "percent-lower": _hex_lower(quote(key, safe="")),
        "percent-path": quote(key),
        "form": quote_plus(key),
        "json": json.dumps(key)[1:-1],
        "json-ascii-escapes": "".join(f"\\u{ord(c):04x}" if c in "&<>" else c for c in key),
    }
    for offset in range(3):
        prefix = b"k=="[:offset]
        out[f"base64+{offset}"] = base64_region(prefix, raw)
        out[f"base64url+{offset}"] = base64_region(prefix, raw, urlsafe=True)
    return out


def echo(name: str, key: str = KEY) -> str:
    """What a server sends back for ``echoes(key)[name]`` (base64: of a body holding the key)."""
    if name.startswith("base64"):
        offset = int(name[-1])
        encode = base64.urlsafe_b64encode if "url" in name else base64.b64encode
        return encode(b"k=="[:offset] + key.encode()).decode()
    return echoes(key)[name]


def texts_of(error: BaseException) -> list[str]:
    """Everything a user or a log sees of an error."""
    return [
        str(error),
        repr(error),
        *(str(arg) for arg in error.args),
        "".join(traceback.format_exception(error)),
    ]


def assert_hidden(text: str, key: str = KEY) -> None:
    """``text`` holds none of the spellings of ``key``."""
    for name, spelling in echoes(key).items():
        assert spelling not in text, f"the {name} spelling of the key leaked: {text!r}"


def assert_error_hides(error: BaseException, key: str = KEY) -> None:
    """No part of ``error`` a user or a log sees holds a spelling of ``key``."""
    for text in texts_of(error):
        assert_hidden(text, key)


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception a printed traceback shows chained to it: its
    ``__cause__``, and its ``__context__`` unless suppressed (``raise ... from None``)."""
    todo: list[BaseException | None] = [error]
    seen: set[int] = set()
    while todo:
        link = todo.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        todo.append(link.__cause__)
        if not link.__suppress_context__:
            todo.append(link.__context__)
