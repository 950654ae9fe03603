"""Which recorded request a new one is, and, when none is, what differed from the nearest.

Requests are compared in their stored (decoded, redacted) form, by protocol:

- REST: method, path, the query as a multiset of (name, value) pairs, and the body as
  decoded JSON (key order ignored, list order kept) or as text/bytes.
- XML-RPC: path, methodName and the decoded params without the key parameter (params[0]);
  struct member order, ``<i4>`` vs ``<int>`` and the empty-string forms are already gone
  after decoding.

Never compared: scheme, host and port (a recording against a fake on a random loopback port
replays anywhere), and headers (dates, request ids and quota counters change every run).

Redacted values are not compared either: both sides hold the placeholder. And a value scrubbed
from a recording (see ``_redact``) may reach replay in clear, before replay has learnt it is
secret; :func:`fits` lets each placeholder in a recorded string stand for any text, for the
cassette to fall back on when no recording matches exactly.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ._codec import is_xmlrpc

__all__ = ["describe", "differences", "fits", "miss_message", "nearest", "request_key"]

Stored = Mapping[str, Any]
_BODY_KINDS = ("json", "text", "base64")
_SHORT = 80
_MAX_DIFFS_SHOWN = 6


def request_key(stored: Stored) -> str:
    """A string equal for two stored requests exactly when they match."""
    return json.dumps(_canonical(stored), sort_keys=True, ensure_ascii=False)


def _canonical(stored: Stored) -> list[Any]:
    if is_xmlrpc(stored):
        call = stored["xmlrpc"]
        return ["xmlrpc", stored["path"], call["method"], list(call["params"])[1:]]
    query = sorted([str(k), str(v)] for k, v in stored.get("query") or [])
    return ["rest", str(stored["method"]).upper(), stored["path"], query, _body(stored)]


def _body(stored: Stored) -> list[Any] | None:
    kind = next((k for k in _BODY_KINDS if k in stored), None)
    return None if kind is None else [kind, stored[kind]]


# ------------------------------------------------------------------- wildcard fit


def fits(sent: Stored, recorded: Stored, placeholder: str) -> bool:
    """Whether ``sent`` matches ``recorded`` with each ``placeholder`` in a recorded string
    standing for any (non-empty) text; the query is still a multiset, object keys are exact."""
    if is_xmlrpc(sent) != is_xmlrpc(recorded):
        return False
    mine, theirs = _canonical(sent), _canonical(recorded)
    if is_xmlrpc(sent):
        return _fits(mine, theirs, placeholder)
    query_fits = _query_fits(mine[3], theirs[3], placeholder)
    return query_fits and _fits(mine[:3] + mine[4:], theirs[:3] + theirs[4:], placeholder)


def _fits(sent: Any, recorded: Any, placeholder: str) -> bool:
    if isinstance(recorded, str):
        return isinstance(sent, str) and _text_fits(sent, recorded, placeholder)
    if isinstance(recorded, dict):
        return (
            isinstance(sent, dict)
            and sent.keys() == recorded.keys()
            and all(_fits(sent[k], recorded[k], placeholder) for k in recorded)
        )
    if isinstance(recorded, list):
        return (
            isinstance(sent, list)
            and len(sent) == len(recorded)
            and all(_fits(a, b, placeholder) for a, b in zip(sent, recorded, strict=True))
        )
    return _json(sent) == _json(recorded)  # as JSON, so True != 1 and 1 != 1.0


def _text_fits(sent: str, recorded: str, placeholder: str) -> bool:
    if placeholder not in recorded:
        return sent == recorded
    pattern = ".+?".join(re.escape(part) for part in recorded.split(placeholder))
    return re.fullmatch(pattern, sent, re.DOTALL) is not None


def _query_fits(sent: list[Any], recorded: list[Any], placeholder: str) -> bool:
    if len(sent) != len(recorded):
        return False
    left = list(sent)
    # Exact pairs first, so a wildcard never takes the pair an exact one needs.
    for name, value in sorted(recorded, key=lambda pair: placeholder in pair[1]):
        taken = next(
            (i for i, (n, v) in enumerate(left) if n == name and _text_fits(v, value, placeholder)),
            None,
        )
        if taken is None:
            return False
        del left[taken]
    return True


# -------------------------------------------------------------------- description


def describe(stored: Stored) -> str:
    """One line naming a request: ``GET /path?q=1`` or ``XML-RPC Service.method(7, ...)``.

    The key parameter is never shown.
    """
    if is_xmlrpc(stored):
        call = stored["xmlrpc"]
        args = ", ".join(_short(p) for p in list(call["params"])[1:])
        return f"XML-RPC {call['method']}({args})"
    query = "&".join(f"{k}={v}" for k, v in stored.get("query") or [])
    line = f"{stored['method']} {stored['path']}" + (f"?{query}" if query else "")
    body = _body(stored)
    if body is not None:
        text = body[1] if body[0] != "json" else json.dumps(body[1], ensure_ascii=False)
        line += " " + _clip(str(text), 2 * _SHORT)
    return line


def _short(value: Any) -> str:
    return _clip(repr(value), _SHORT)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -------------------------------------------------------------------- differences


def differences(sent: Stored, recorded: Stored) -> list[str]:
    """What differs between two stored requests, one line per part, as ``sent != recorded``."""
    if is_xmlrpc(sent) != is_xmlrpc(recorded):
        return [f"protocol: {_protocol(sent)} != {_protocol(recorded)}"]
    out = _plain("path", sent["path"], recorded["path"])
    if is_xmlrpc(sent):
        return out + _call_differences(sent["xmlrpc"], recorded["xmlrpc"])
    out = _plain("method", sent["method"], recorded["method"]) + out
    out += _query_differences(sent.get("query") or [], recorded.get("query") or [])
    return out + _body_differences(sent, recorded)


def _protocol(stored: Stored) -> str:
    return "XML-RPC" if is_xmlrpc(stored) else "REST"


def _plain(label: str, sent: Any, recorded: Any) -> list[str]:
    return [] if sent == recorded else [f"{label}: {sent} != {recorded}"]


def _call_differences(sent: Stored, recorded: Stored) -> list[str]:
    out = _plain("method", sent["method"], recorded["method"])
    mine, theirs = list(sent["params"]), list(recorded["params"])
    for index in range(1, max(len(mine), len(theirs))):  # 0 is the key: never compared
        if index >= len(mine) or index >= len(theirs):
            left = _short(mine[index]) if index < len(mine) else "missing"
            right = _short(theirs[index]) if index < len(theirs) else "missing"
            out.append(f"param {index}: {left} != {right}")
        else:
            out += value_differences(f"param {index}", mine[index], theirs[index])
    return out


def _query_differences(sent: Sequence[Any], recorded: Sequence[Any]) -> list[str]:
    mine, theirs = _by_name(sent), _by_name(recorded)
    out = []
    for name in sorted(set(mine) | set(theirs)):
        left, right = mine.get(name, []), theirs.get(name, [])
        if Counter(left) != Counter(right):
            out.append(f"query {name}: {_values(left)} != {_values(right)}")
    return out


def _by_name(query: Sequence[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in query:
        out.setdefault(str(name), []).append(str(value))
    return out


def _values(values: list[str]) -> str:
    if not values:
        return "missing"
    return repr(values[0]) if len(values) == 1 else repr(sorted(values))


def _body_differences(sent: Stored, recorded: Stored) -> list[str]:
    mine, theirs = _body(sent), _body(recorded)
    if mine == theirs:
        return []
    if mine is not None and theirs is not None and mine[0] == theirs[0] == "json":
        return value_differences("body", mine[1], theirs[1])
    left = "no body" if mine is None else f"{mine[0]} {_short(mine[1])}"
    right = "no body" if theirs is None else f"{theirs[0]} {_short(theirs[1])}"
    return [f"body: {left} != {right}"]


def value_differences(path: str, sent: Any, recorded: Any) -> list[str]:
    """Field-level differences of two JSON values: ``body.given_name: 'Bob' != 'Ada'``."""
    if isinstance(sent, dict) and isinstance(recorded, dict):
        out = []
        for key in sorted(set(sent) | set(recorded)):
            out += _member_differences(f"{path}.{key}", key, sent, recorded)
        return out
    if isinstance(sent, list) and isinstance(recorded, list) and len(sent) == len(recorded):
        out = []
        for index, (left, right) in enumerate(zip(sent, recorded, strict=True)):
            out += value_differences(f"{path}[{index}]", left, right)
        return out
    if _json(sent) == _json(recorded):  # as JSON, so True != 1 and 1 != 1.0
        return []
    return [f"{path}: {_short(sent)} != {_short(recorded)}"]


def _member_differences(path: str, key: str, sent: Stored, recorded: Stored) -> list[str]:
    if key not in recorded:
        return [f"{path}: {_short(sent[key])} != missing"]
    if key not in sent:
        return [f"{path}: missing != {_short(recorded[key])}"]
    return value_differences(path, sent[key], recorded[key])


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------------------- miss


def nearest(
    sent: Stored, recorded: Sequence[Stored], limit: int = 3
) -> list[tuple[int, list[str]]]:
    """Up to ``limit`` (index, differences) of the closest recorded requests that differ.

    Closest means: same protocol, then same operation (REST method and path, or XML-RPC
    methodName), then fewest differing parts, then recorded order. Identical recordings
    (the same request made twice) count once.
    """
    scored, seen = [], set()
    for index, candidate in enumerate(recorded):
        key = request_key(candidate)
        diffs = differences(sent, candidate) if key not in seen else []
        seen.add(key)  # a repeated request is listed once, at its first recording
        if diffs:
            scored.append((_rank(sent, candidate, diffs), index, diffs))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [(index, diffs) for _, index, diffs in scored[:limit]]


def _rank(sent: Stored, candidate: Stored, diffs: list[str]) -> tuple[int, int, int]:
    if is_xmlrpc(sent) != is_xmlrpc(candidate):
        return (1, 1, len(diffs))
    return (0, int(_operation(sent) != _operation(candidate)), len(diffs))


def _operation(stored: Stored) -> tuple[str, ...]:
    if is_xmlrpc(stored):
        return (str(stored["xmlrpc"]["method"]),)
    return (str(stored["method"]), str(stored["path"]))


def miss_message(
    sent: Stored, recorded: Sequence[Stored], *, where: str, mode: str, why: str | None = None
) -> str:
    """The text of a cassette miss: the request, the cassette, why, and the nearest candidates."""
    lines = [
        f"no recorded interaction matches {describe(sent)}",
        f"cassette: {where} (mode {mode!r})",
    ]
    if why:
        lines.append(why)
    candidates = nearest(sent, recorded)
    if candidates:
        lines.append("nearest recorded requests (differences shown as sent != recorded):")
    for index, diffs in candidates:
        lines.append(f"  #{index} {describe(recorded[index])}")
        lines += [f"      {line}" for line in diffs[:_MAX_DIFFS_SHOWN]]
        if len(diffs) > _MAX_DIFFS_SHOWN:
            lines.append(f"      ... and {len(diffs) - _MAX_DIFFS_SHOWN} more")
    return "\n".join(lines)
