"""Secrets out of the log records of httpx and httpcore (and keap_adapter's own).

httpcore's DEBUG trace logs every response header as it came
(``receive_response_headers.complete return_value=(..., [(b'WWW-Authenticate', b'...')])``),
and httpx's INFO line the reason phrase: a server echoing the key there would have it written
to the log of anyone debugging. So each client, when made, has its secrets watched
(:func:`watch`: the API key, or OAuth2's client secret and every token it held, asked afresh
for each record, so rotated tokens are covered), and a filter on each logger that writes such
records (:data:`LOGGERS`) replaces every spelling of them (see :mod:`._secrets`) in the
record's message, traceback and stack before any handler sees it; each quoted literal of the
message too, on its own (a header value cut short in the middle of a secret, inside
httpcore's repr of the headers, is recognised as the cut it is).

A client is watched only while it lives (a weak reference, dropped when it is collected). A
filter runs only for records a logger emits: with those loggers below DEBUG/INFO (the
default) nothing here runs at all. A record whose redaction fails is withheld, never passed
on as it was.
"""

from __future__ import annotations

import ast
import itertools
import logging
import re
import threading
import weakref
from collections.abc import Callable, Iterable

from ._secrets import redact_text

__all__ = ["FILTER", "LOGGERS", "RedactingFilter", "live_secrets", "watch"]

Secrets = Callable[[], Iterable[str]]

LOGGERS = (
    "httpx",  # INFO "HTTP Request: ... "HTTP/1.1 401 <reason phrase>""
    "httpcore.connection",  # DEBUG trace of connecting (httpcore's loggers, httpcore/_sync)
    "httpcore.http11",  # DEBUG trace of each request: the answer's headers, as they came
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",  # HTTP/2 header coding, at DEBUG: the headers of both ways
    "hpack.table",
    "keap_adapter",
)
"""The loggers filtered: a logger's filter sees only the records logged on that very logger
(not those of its children), so each one that writes is named."""

WITHHELD = "(a log record withheld: the secrets in it could not be redacted)"

# Tokens to what each watched client's secrets are asked of. Changed and read without a lock:
# one dict operation is atomic, and a client collected in the middle of reading (its
# finalizer runs on whichever thread collects it) must not deadlock on a lock this thread
# holds (see live_secrets).
_watched: dict[int, Callable[[], Secrets | None]] = {}
_tokens = itertools.count()
_installing = threading.Lock()


def watch(secrets: Secrets) -> None:
    """Redact what ``secrets()`` returns from the records of :data:`LOGGERS`.

    A bound method (a client's ``_secrets``) is held weakly: its object's secrets are
    redacted while it lives, and forgotten when it is collected. Anything else is held for
    good. Installs the filter on :data:`LOGGERS` (again, if a logging setup removed it).
    """
    owner = getattr(secrets, "__self__", None)
    token = next(_tokens)
    held: Callable[[], Secrets | None]
    if owner is not None:
        held = weakref.WeakMethod(secrets)
        weakref.finalize(owner, _forget, token)
    else:
        held = lambda: secrets  # noqa: E731 - a strong reference, same shape as WeakMethod
    _watched[token] = held
    with _installing:
        for name in LOGGERS:
            logger = logging.getLogger(name)
            if FILTER not in logger.filters:
                logger.addFilter(FILTER)


def _forget(token: int) -> None:
    _watched.pop(token, None)


def live_secrets() -> frozenset[str]:
    """Every secret of every watched client alive now."""
    held: list[Callable[[], Secrets | None]] = []
    for _ in range(3):
        try:
            held = list(_watched.values())
            break
        except RuntimeError:  # a client made or collected while the dict was read
            continue
    else:
        raise RuntimeError("clients kept coming and going while their secrets were read")
    out: set[str] = set()
    for ref in held:
        secrets = ref()
        if secrets is not None:
            out.update(_asked(secrets))
    return frozenset(out)


def _asked(secrets: Secrets) -> list[str]:
    # Another thread may be rotating tokens (a set growing while it is read): ask again.
    for _ in range(3):
        try:
            return [s for s in secrets() if isinstance(s, str) and s]
        except RuntimeError:
            continue
    raise RuntimeError("the secrets kept changing while they were read")


class RedactingFilter(logging.Filter):
    """Replaces every watched secret in a record, in every spelling (see :mod:`._secrets`):
    its message (then ``msg`` is the redacted text and ``args`` is ``None``), its traceback
    and stack. A record with no secret in it is left exactly as it was."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            secrets = live_secrets()
            if secrets:
                _redact(record, secrets)
        except Exception:  # never pass on what could not be checked
            record.msg, record.args = WITHHELD, None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


# A quoted literal of a repr (httpcore writes each header as ``(b'Name', b'value')``): each
# is also read back and redacted on its own, so a value is seen as it came (not escaped once
# more by the repr), and a value cut short in the middle of a secret (a truncated request id)
# as the cut it is, at its end, not in the middle of the line.
_QUOTED = re.compile(r"""(?<![\w])(b?)(['"])((?:\\.|(?!\2)[^\\])*)\2""")


def _literal(match: re.Match[str], secrets: frozenset[str]) -> str:
    try:
        value = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None  # not a Python literal after all: its text as it stands
    if isinstance(value, bytes):
        text = value.decode("latin-1")  # a byte a character: any ASCII-compatible charset
        redacted = redact_text(text, secrets)
        return match.group(0) if redacted == text else repr(redacted.encode("latin-1", "replace"))
    if isinstance(value, str):
        redacted = redact_text(value, secrets)
        return match.group(0) if redacted == value else repr(redacted)
    quote = match.group(2)
    return match.group(1) + quote + redact_text(match.group(3), secrets) + quote


def _redact(record: logging.LogRecord, secrets: frozenset[str]) -> None:
    message = record.getMessage()
    redacted = _QUOTED.sub(lambda m: _literal(m, secrets), redact_text(message, secrets))
    if redacted != message:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        # As a handler's formatter would write it; then it uses this text, redacted.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_text(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info, secrets)


FILTER = RedactingFilter()
"""The one filter, on each of :data:`LOGGERS`."""
