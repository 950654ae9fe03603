"""The cassette file: its interactions, what it says it redacted, and how it is written.

Pure data and file I/O for :mod:`._cassette`; the errors live here because reading a file is
where most of them start. A file is checked whole when it is loaded (:func:`load_file`): any
flaw, from bad JSON to a status of -1 or a ``$decimal`` that is no number, is a
:class:`CassetteError` naming the file and the flaw then, never a raw exception or a wrong
answer in the middle of a test. Saving (:func:`write_file`) is atomic and safe beside other
threads and processes saving the same path.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import math
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backends._xmlrpc_wire import XmlRpcFault, loads_response
from ._codec import build_response, from_jsonable, text_or_base64
from ._matching import request_key
from ._redact import read_entry

if sys.platform != "win32":  # advisory locks are POSIX; Windows saves without one
    import fcntl

__all__ = [
    "FORMAT",
    "UNSTATED",
    "CassetteError",
    "CassetteMiss",
    "Interaction",
    "Redaction",
    "collapse_notes",
    "check_request",
    "check_response",
    "check_value",
    "dumps_interactions",
    "load_file",
    "storable",
    "within_depth",
    "write_file",
]

# The "redacted" entry and an interaction's "note" are optional, and older readers ignore
# them, so adding them kept format 1.
FORMAT = 1
# What a file says it redacted: the field names and the placeholder (see _cassette's docs);
# a file from before the "redacted" entry names no fields and no placeholder.
Redaction = tuple[frozenset[str], str | None]
UNSTATED: Redaction = (frozenset(), None)
# How deep a file may nest lists and objects. libxml2 bounds XML documents alike (256, its
# xmlParserMaxDepth), and every recursive step of redaction, matching and the writer then
# stays far from Python's recursion limit (1000). A JSON body sits 4 levels down
# (file, interactions, interaction, response), so it has the rest.
MAX_DEPTH = 256
BODY_DEPTH = MAX_DEPTH - 4
BODY_KINDS = ("json", "text", "base64", "xmlrpc")
# The longest file name ext4, XFS, btrfs and APFS take, in bytes (NAME_MAX).
NAME_MAX = 255
NOTE = (
    "the same request as #{first} once redacted, though the redacted values differed: "
    "replay answers such requests in recorded order, whatever their redacted values"
)


class CassetteError(Exception):
    """A cassette file that cannot be read or used (wrong format version, bad data)."""


class CassetteMiss(CassetteError):
    """A request the cassette holds no unplayed answer for, in a mode that may not record.

    The message names the request, the cassette and its mode, and the nearest recorded
    requests with what differed from each.
    """


@dataclass
class Interaction:
    """One request and its response, in stored form (decoded, redacted; see _cassette's docs).

    ``note`` is for the reader of the file (see :func:`collapse_notes`); replay ignores it.
    """

    request: dict[str, Any]
    response: dict[str, Any]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The object written to the cassette file."""
        data = {"request": self.request, "response": self.response}
        return data if self.note is None else {"note": self.note, **data}

    @classmethod
    def from_json(cls, data: Any) -> Interaction:
        """Read one stored interaction; ``ValueError`` says what is wrong with a bad one.

        Everything replay and matching will use is checked here, and the response is built
        once, so that a bad file fails when it is opened, never in the middle of a test.
        """
        if not isinstance(data, dict):
            raise ValueError(f"must be an object, not {_kind(data)}")
        request, response = _member(data, "request"), _member(data, "response")
        note = data.get("note")
        if note is not None and not isinstance(note, str):
            raise ValueError(f"note must be a string, not {_kind(note)}")
        check_request(request)
        check_response(response)
        return cls(request, response, note)


def load_file(path: Path) -> tuple[list[Interaction], Redaction]:
    """A cassette file's interactions and what it says it redacted.

    :class:`CassetteError` naming the file and what is wrong if it is unreadable or
    malformed in any way (see :func:`check_request` and :func:`check_response`).
    """
    data = _parse(path)
    version = data.get("format") if isinstance(data, dict) else None
    # type(), not ==: true == 1 and 1.0 == 1 in Python, and neither is format 1.
    if not isinstance(data, dict) or type(version) is not int or version != FORMAT:
        raise CassetteError(
            f"cassette {path} has format {version!r}; this keap_adapter reads format {FORMAT}"
        )
    try:
        return _document(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise CassetteError(f"cassette {path} is malformed: {exc}") from None


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise CassetteError(f"cannot read cassette {path}: {exc}") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        # The C reader counts nesting against the recursion limit: 100,000 "[" end here.
        raise CassetteError(
            f"cannot read cassette {path}: nested deeper than Python's JSON reader goes"
        ) from None
    except ValueError as exc:
        raise CassetteError(f"cannot read cassette {path}: {exc}") from None
    if not within_depth(data, MAX_DEPTH):
        raise CassetteError(f"cassette {path} is nested deeper than {MAX_DEPTH} levels")
    # A lone surrogate (written as "\ud800") cannot be encoded as UTF-8: not in a body
    # replayed, nor in the file saved again. Only an escape can make one, so look only then.
    if "\\u" in text and not _encodable(data):
        raise CassetteError(
            f"cassette {path} is malformed: a string holds a lone surrogate (\\ud800-\\udfff), "
            "which UTF-8 cannot encode"
        )
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # "1e999" reads as infinity
        raise ValueError(f"the number {_cut(text, 60)} is not finite")
    return value


def _encodable(data: Any) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def within_depth(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects at most ``limit`` deep (found iteratively)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        children = item.values() if isinstance(item, dict) else item
        stack += [(child, depth + 1) for child in children if isinstance(child, (dict, list))]
    return True


def _document(data: dict[str, Any]) -> tuple[list[Interaction], Redaction]:
    items = data.get("interactions")
    if not isinstance(items, list):
        raise ValueError(f"interactions must be a list, not {_kind(items)}")
    interactions = []
    for index, item in enumerate(items):
        try:
            interactions.append(Interaction.from_json(item))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"interaction #{index}: {exc}") from None
    redaction = read_entry(data["redacted"]) if "redacted" in data else UNSTATED
    return interactions, redaction


# --------------------------------------------------------------------- checking parts


def check_request(request: dict[str, Any]) -> None:
    """``ValueError`` unless ``request`` is a stored request matching can use."""
    _text_member(request, "path", "request.path")
    if "xmlrpc" in request:
        call = request["xmlrpc"]
        if not isinstance(call, dict):
            raise ValueError(f"request.xmlrpc must be an object, not {_kind(call)}")
        _text_member(call, "method", "request.xmlrpc.method")
        if not isinstance(call.get("params"), list):
            raise ValueError(
                f"request.xmlrpc.params must be a list, not {_kind(call.get('params'))}"
            )
        check_value(call["params"], "request.xmlrpc.params")
    elif not _text_member(request, "method", "request.method"):
        raise ValueError("request.method must not be empty")
    _check_headers(request, "request")
    query = request.get("query", [])
    if not isinstance(query, list) or not all(_is_pair(pair) for pair in query):
        raise ValueError(f"request.query must be a list of [name, value] strings: {_clip(query)}")
    _check_body(request, "request")
    request_key(request)  # the matching key, now rather than at the first request


def check_response(response: dict[str, Any]) -> None:
    """``ValueError`` unless ``response`` is a stored response that replays as recorded."""
    status = response.get("status")
    # HTTP status codes are three digits, 1xx-5xx (RFC 9110, section 15); a bool is no code.
    if type(status) is not int or not 100 <= status <= 599:
        raise ValueError(f"response.status must be an integer from 100 to 599, not {_clip(status)}")
    _check_headers(response, "response")
    if "xmlrpc" in response:
        _check_outcome(response["xmlrpc"])
    _check_body(response, "response")
    try:
        replayed = build_response(response)
        if "xmlrpc" in response:
            with contextlib.suppress(XmlRpcFault):  # a recorded fault replays as one
                loads_response(replayed.content)
    except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError) as exc:
        # What the checks above let through and still cannot replay (a character XML cannot
        # carry, a header value httpx cannot send, nesting libxml2 refuses): say so now.
        raise ValueError(f"the response cannot be replayed: {_cut(str(exc), 200)}") from None


def _check_outcome(outcome: Any) -> None:
    if not isinstance(outcome, dict) or len({"result", "fault"} & set(outcome)) != 1:
        raise ValueError("response.xmlrpc must be an object with either result or fault")
    if "result" in outcome:
        check_value(outcome["result"], "response.xmlrpc.result")
        return
    fault = outcome["fault"]
    if not (
        isinstance(fault, dict)
        and type(fault.get("code")) is int
        and isinstance(fault.get("string"), str)
    ):
        raise ValueError(
            f"response.xmlrpc.fault must be {{code: integer, string: text}}: {_clip(fault)}"
        )


def _check_headers(stored: dict[str, Any], where: str) -> None:
    headers = stored.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError(f"{where}.headers must be an object of strings: {_clip(headers)}")


def _check_body(stored: dict[str, Any], where: str) -> None:
    kinds = [kind for kind in BODY_KINDS if kind in stored]
    if len(kinds) > 1:
        raise ValueError(f"{where} has more than one body: {', '.join(kinds)}")
    if "text" in stored and not isinstance(stored["text"], str):
        raise ValueError(f"{where}.text must be a string, not {_kind(stored['text'])}")
    if "base64" in stored:
        _base64(stored["base64"], f"{where}.base64")


def check_value(value: Any, where: str) -> None:
    """``ValueError`` unless every tagged XML-RPC value in ``value`` reads (see ``_codec``)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack += item
        elif isinstance(item, dict):
            tagged = next(iter(item)) if len(item) == 1 else ""
            if tagged in _TAGS:
                stack += _TAGS[tagged](item[tagged], f"{where}: {tagged}")
            else:
                stack += item.values()


def _struct(inner: Any, where: str) -> list[Any]:
    if not isinstance(inner, dict):
        raise ValueError(f"{where} must hold an object, not {_kind(inner)}")
    return list(inner.values())  # its members are values; its own keys are data, not tags


def _scalar(tag: str) -> Callable[[Any, str], list[Any]]:
    def check(inner: Any, where: str) -> list[Any]:
        if not isinstance(inner, str):
            raise ValueError(f"{where} must hold a string, not {_kind(inner)}")
        try:
            from_jsonable({tag: inner})  # what replay will do with it
        except (ValueError, TypeError, ArithmeticError):  # decimal.InvalidOperation is one
            raise ValueError(f"{where} cannot read {_clip(inner)}") from None
        return []

    return check


def _base64(text: Any, where: str) -> None:
    if not isinstance(text, str):
        raise ValueError(f"{where} must be a string, not {_kind(text)}")
    try:
        base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"{where} is not base64: {exc}") from None


# The tags of _codec's XML-RPC values: what each holds, and the values inside to check next.
_TAGS: dict[str, Callable[[Any, str], list[Any]]] = {
    "$struct": _struct,
    **{tag: _scalar(tag) for tag in ("$datetime", "$base64", "$decimal", "$double")},
}


def _member(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be an object, not {_kind(value)}")
    return value


def _text_member(data: dict[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string, not {_kind(value)}")
    return value


def _is_pair(pair: Any) -> bool:
    return isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair)


def _kind(value: Any) -> str:
    """A value's JSON type and a short view of it, for error messages."""
    if value is None:
        return "missing (or null)"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "a list", dict: "an object"}
    return f"{names.get(type(value), type(value).__name__)} {_clip(value)}"


def _clip(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut short: a message names a bad value, it does not quote a file."""
    return _cut(repr(value), limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -------------------------------------------------------------------------- writing


def storable(stored: dict[str, Any], content: bytes) -> dict[str, Any]:
    """``stored`` as a file can hold it: a JSON body the loader would refuse kept as text.

    Python's JSON reader takes ``NaN``, ``Infinity`` and ``1e999``, and nesting that
    :data:`MAX_DEPTH` refuses, none of which the file may hold (see :func:`load_file`). Such a
    body is stored as the text (or bytes) it came as, which replays the same.
    """
    body = stored.get("json")
    if "json" not in stored or (within_depth(body, BODY_DEPTH) and _finite(body)):
        return stored
    out = {key: value for key, value in stored.items() if key != "json"}
    return {**out, **text_or_base64(content)}


def _finite(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, (dict, list)):
            stack += item.values() if isinstance(item, dict) else item
    return True


def dumps_interactions(
    interactions: Iterable[Interaction], redacted: Mapping[str, Any] | None = None
) -> str:
    """The cassette file text: sorted keys, two-space indent, so re-recording diffs cleanly."""
    data: dict[str, Any] = {"format": FORMAT, "interactions": [i.to_json() for i in interactions]}
    if redacted is not None:
        data["redacted"] = dict(redacted)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_file(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, however many threads and processes save it.

    Each save writes its own temporary file in the same folder, then renames it over the
    cassette (``os.replace`` is atomic on POSIX: a reader sees the old file or the new one,
    never part of either); saves of one path also take turns through an advisory lock, so
    no save fails or is lost halfway. The last save wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        temporary = _temporary(path)
        try:
            with open(temporary, "w", encoding="utf-8", newline="\n") as file:
                file.write(text)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _temporary(path: Path) -> Path:
    """A new, empty file beside ``path``, with a name no other save uses.

    Not tempfile.NamedTemporaryFile: it creates files readable by their owner only (0600),
    which the rename would hand on to the cassette; O_EXCL with 0666 minus the umask makes
    the same guarantee of a fresh name and the permissions of any other new file.
    """
    stem = _truncated(path.name, 100)  # room for the rest within NAME_MAX
    while True:
        candidate = path.with_name(f".{stem}.{secrets.token_hex(8)}.tmp")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return candidate


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the advisory lock of ``path``: ``flock`` on a hidden lock file beside it.

    The lock file is removed on release, so a fixtures folder keeps no litter. Whoever
    waited on a removed one finds, once it holds it, that the name now points elsewhere (or
    nowhere), and starts again on the current file: the usual protocol for unlinked lock
    files (flock(2) locks an open file, not a name).
    """
    if sys.platform == "win32":
        yield
        return
    name = f".{path.name}.lock"
    if len(name.encode()) > NAME_MAX:
        name = f".{sha256_hex(path.name)[:32]}.lock"
    lock = path.with_name(name)
    while True:
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if _names(lock, descriptor):
                break
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)  # still holding it: no one else can hold this file now
        os.close(descriptor)


def _names(lock: Path, descriptor: int) -> bool:
    """Whether ``lock`` still names the file open as ``descriptor``."""
    try:
        named = os.stat(lock)
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def sha256_hex(text: str) -> str:
    """The SHA-256 of ``text``'s UTF-8 bytes, in hex: a stable short name for a long one."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _truncated(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")


def collapse_notes(keys: Sequence[str], originals: Mapping[int, str]) -> dict[int, str]:
    """Notes for the recordings that redaction made indistinguishable from an earlier one.

    ``keys`` are the stored requests' matching keys, by index; ``originals`` a digest of each
    request as it was sent, before redaction, for the interactions recorded in this session
    (a file holds no such digest, so older recordings are never noted). A recording gets a
    note when an earlier one has its key but was sent differently.
    """
    first: dict[str, dict[str, int]] = {}  # key -> original digest -> first index
    notes: dict[int, str] = {}
    for index in sorted(originals):
        seen = first.setdefault(keys[index], {})
        if seen and originals[index] not in seen:
            notes[index] = NOTE.format(first=min(seen.values()))
        seen.setdefault(originals[index], index)
    return notes
