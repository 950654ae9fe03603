"""How ``keap-adapter`` talks to a person on stderr: one plain line per problem.

The CLI's exit statuses live here too, so the help text, the handlers and the README can
all point at one list; and how the ``oauth`` commands show token times (never tokens).
"""

from __future__ import annotations

import errno
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ._client import XMLRPC_SHUTDOWN
from ._models import ApplyResult, RemoveResult, TagOutcome
from .auth import REFRESH_TOKEN_LIFETIME

if TYPE_CHECKING:
    from .auth import Tokens

PROG = "keap-adapter"
TagResult = ApplyResult | RemoveResult

EXIT_OK = 0
EXIT_FAILED = 1
"""Keap refused, a contact's tag call failed, or ``compare`` found a difference."""
EXIT_USAGE = 2
"""Bad input or settings (argparse uses 2 for a bad command line too)."""
EXIT_CANNOT_LISTEN = 3
"""``serve`` could not listen on its port (in use, or not allowed)."""

# Shown when listing failed contacts on one line; the JSON on stdout has them all.
_SHOWN = 5


def say(text: str) -> None:
    """Write one line to stderr, prefixed with the program name as argparse does."""
    # One line per problem, even when a message (a server's, say) holds line breaks.
    print(f"{PROG}: {' '.join(text.splitlines())}", file=sys.stderr)


def xmlrpc_note() -> str:
    """The shutdown notice in the CLI's words: the date from the library, the CLI's advice."""
    # The library's own advice names backend='rest' (Python); a CLI user needs the flag.
    shutdown = XMLRPC_SHUTDOWN.partition(";")[0]
    return f"note: {shutdown}; use --backend rest (or KEAP_BACKEND=rest) instead"


def input_problems(exc: ValueError) -> list[str]:
    """One plain line per field that bad input got wrong (no pydantic dump, no links)."""
    if not isinstance(exc, ValidationError):
        return [str(exc)]
    # ``email=`` is also validated as EMAIL1 of ``email_addresses``: the same problem twice.
    # One line per (field, problem), named by the shortest path that reaches it.
    labels: dict[tuple[str, str], str] = {}
    for error in exc.errors(include_url=False):
        label, text = _label(error), _plain(error)
        key = (label.rpartition(".")[2], text)
        if key not in labels or len(label) < len(labels[key]):
            labels[key] = label
    return [f"{label}: {text}" if label else text for (_, text), label in labels.items()]


def _label(error: ErrorDetails) -> str:
    # List positions (``phone_numbers.0``) mean nothing to someone who typed one --phone.
    return ".".join(part for part in map(str, error["loc"]) if not part.isdigit())


def _plain(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] == "value_error" and "error" in ctx:
        return str(ctx["error"])  # the library's own words, without "Value error, "
    if error["type"] == "string_too_long" and isinstance(error["input"], str):
        return f"{len(error['input'])} characters, but Keap allows at most {ctx['max_length']}"
    return error["msg"]


def tag_result_lines(result: TagResult, verb: str) -> list[str]:
    """What a person should know about a tags apply/remove result beyond its JSON.

    ``verb`` is ``"applied to"`` or ``"removed from"``.
    """
    lines = []
    if result.failed:
        lines.append(
            f"tag {result.tag_id} was not {verb} "
            f"{_of(len(result.failed), len(result.outcomes))}: {_failures(result)}"
        )
    unreported = [c for c, o in result.outcomes.items() if o is TagOutcome.UNREPORTED]
    if unreported:
        # REST v2's removeTags answers 204 with no body: no per-contact word either way.
        lines.append(
            "note: Keap did not report an outcome for "
            f"{_of(len(unreported), len(result.outcomes))} (UNREPORTED)"
        )
    return lines


def _of(part: int, whole: int) -> str:
    return f"{part} of {whole} contact{'s' * (whole != 1)}"


def _failures(result: TagResult) -> str:
    shown = []
    for cid, outcome in list(result.failed.items())[:_SHOWN]:
        message = result.messages.get(cid)
        said = f" ({message})" if message and message != outcome.value else ""
        shown.append(f"{cid} {outcome.value}{said}")
    more = len(result.failed) - _SHOWN
    return ", ".join(shown) + (f", and {more} more" if more > 0 else "")


def listen_problem(exc: OSError, host: str, port: int) -> str:
    """Why ``serve`` could not listen, in one line."""
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use; pick another with --port"
    return f"cannot listen on port {port} on {host}: {exc.strerror or exc}"


# ------------------------------------------------------------------ OAuth2 token times

REAUTHORISE = f"run {PROG} oauth authorize"


def token_times(tokens: Tokens, now: datetime, rollover_after: timedelta) -> dict[str, object]:
    """When the tokens expire, as ``oauth status --json`` prints them: times (ISO 8601,
    UTC), never a token. ``rollover_after``: the refresh token's age at which the library
    replaces it on the next call."""
    expires, issued = _utc(tokens.expires_at), _utc(tokens.issued_at)
    return {
        "checked_at": iso(now),
        "access_expires_at": iso(expires),
        "access_expires_in_seconds": int((expires - now).total_seconds()),  # < 0: expired
        "access_expired": expires <= now,
        "refresh_issued_at": iso(issued),
        "refresh_age_days": round((now - issued) / timedelta(days=1), 2),
        "refresh_rollover_at": iso(issued + rollover_after),
        "refresh_expires_at": iso(issued + REFRESH_TOKEN_LIFETIME),
        "refresh_expired": issued + REFRESH_TOKEN_LIFETIME <= now,
    }


def token_summary(tokens: Tokens, now: datetime, rollover_after: timedelta) -> str:
    """One line for ``oauth authorize`` and ``oauth refresh``: the times of fresh tokens."""
    issued = _utc(tokens.issued_at)
    return (
        f"the access token expires {_when(tokens.expires_at, now)}; the refresh token was "
        f"issued {iso(issued)}, rolls over on the first call after "
        f"{iso(issued + rollover_after)} and expires {iso(issued + REFRESH_TOKEN_LIFETIME)}"
    )


def token_status_lines(tokens: Tokens, now: datetime, rollover_after: timedelta) -> list[str]:
    """What ``oauth status`` prints about stored tokens: their times, never the tokens."""
    expires, issued = _utc(tokens.expires_at), _utc(tokens.issued_at)
    if expires > now:
        access = f"access token: expires {_when(expires, now)}"
    else:
        access = (
            f"access token: expired {_when(expires, now)}; the next call (or oauth refresh) "
            "gets a new one"
        )
    rollover, death = issued + rollover_after, issued + REFRESH_TOKEN_LIFETIME
    age = int((now - issued) / timedelta(days=1))
    refresh = f"refresh token: issued {iso(issued)} ({age} day{'s' * (age != 1)} old); "
    if death <= now:
        refresh += f"expired {_when(death, now)}: {REAUTHORISE}"
    elif rollover <= now:
        refresh += (
            f"due for rollover since {_when(rollover, now)} (the next call or oauth refresh "
            f"replaces it); expires {_when(death, now)}"
        )
    else:
        refresh += (
            f"rolls over on the first call after {_when(rollover, now)}; "
            f"expires {_when(death, now)}"
        )
    return [access, refresh]


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, to the second: ``2025-01-02T03:04:05+00:00``."""
    return _utc(moment).isoformat(timespec="seconds")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def _when(moment: datetime, now: datetime) -> str:
    return f"{iso(moment)} ({span(moment - now)})"


def span(delta: timedelta) -> str:
    """How far away a time is, roughly: ``in 23 hours 59 minutes``, ``3 days 2 hours ago``."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [(days, "day"), (hours, "hour")]
    elif hours:
        parts = [(hours, "hour"), (minutes, "minute")]
    else:
        parts = [(minutes, "minute")]
    words = " ".join(f"{n} {unit}{'s' * (n != 1)}" for n, unit in parts if n)
    words = words or "less than a minute"
    return f"in {words}" if seconds >= 0 else f"{words} ago"
