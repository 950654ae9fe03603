"""The cassette file: its interactions, what it says it redacted, and how it is written.

Pure data and file I/O for :mod:`._cassette`; the errors live here because reading a file is
where most of them start.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._codec import is_xmlrpc
from ._matching import request_key
from ._redact import read_entry

__all__ = [
    "FORMAT",
    "UNSTATED",
    "CassetteError",
    "CassetteMiss",
    "Interaction",
    "Redaction",
    "collapse_notes",
    "dumps_interactions",
    "load_file",
]

# The "redacted" entry and an interaction's "note" are optional, and older readers ignore
# them, so adding them kept format 1.
FORMAT = 1
# What a file says it redacted: the field names and the placeholder (see _cassette's docs);
# a file from before the "redacted" entry names no fields and no placeholder.
Redaction = tuple[frozenset[str], str | None]
UNSTATED: Redaction = (frozenset(), None)
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
    def from_json(cls, data: Mapping[str, Any]) -> Interaction:
        """Read one stored interaction; ``ValueError`` when it lacks a required part."""
        request, response = dict(data["request"]), dict(data["response"])
        if not isinstance(request.get("path"), str) or not isinstance(response.get("status"), int):
            raise ValueError("an interaction needs request.path and response.status")
        if not is_xmlrpc(request) and not isinstance(request.get("method"), str):
            raise ValueError("a REST request needs its method")
        request_key(request)  # fails here, naming the file, rather than at the first request
        note = data.get("note")
        return cls(request, response, note if isinstance(note, str) else None)


def load_file(path: Path) -> tuple[list[Interaction], Redaction]:
    """A cassette file's interactions and what it says it redacted.

    :class:`CassetteError` naming the file if it is unreadable or malformed.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CassetteError(f"cannot read cassette {path}: {exc}") from None
    version = data.get("format") if isinstance(data, dict) else None
    if version != FORMAT:
        raise CassetteError(
            f"cassette {path} has format {version!r}; this keap_adapter reads format {FORMAT}"
        )
    try:
        interactions = [Interaction.from_json(item) for item in data["interactions"]]
        redaction = read_entry(data["redacted"]) if "redacted" in data else UNSTATED
    except (KeyError, TypeError, ValueError) as exc:
        raise CassetteError(f"cassette {path} is malformed: {exc!r}") from None
    return interactions, redaction


def dumps_interactions(
    interactions: Iterable[Interaction], redacted: Mapping[str, Any] | None = None
) -> str:
    """The cassette file text: sorted keys, two-space indent, so re-recording diffs cleanly."""
    data: dict[str, Any] = {"format": FORMAT, "interactions": [i.to_json() for i in interactions]}
    if redacted is not None:
        data["redacted"] = dict(redacted)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
