"""``Cassette``: record httpx traffic to a readable JSON file and replay it, as a transport.

The cassette is injected where the real transport would go (``KeapClient(...,
transport=cassette.transport)``), so nothing is patched and the same object serves the sync
and the async client. Decoding (:mod:`._codec`), redaction (:mod:`._redact`) and matching
(:mod:`._matching`) are pure; this module only keeps the books and does the file I/O.

Record modes follow pytest-recording:

- ``none``: replay only; a request with no unplayed recording raises :class:`CassetteMiss`;
- ``once``: record everything if the file does not exist yet, else behave as ``none``;
- ``new_episodes``: replay what matches, record (and append) the rest;
- ``all``: ignore the file, record everything, overwrite it.

A recording is never replayed twice: the Nth identical request gets the Nth recorded answer.

Redaction: the file's top-level ``"redacted"`` entry names the fields and placeholder it was
recorded with. Every live request is redacted with those plus any ``redact_fields`` given now
(the union) before matching, so a redacted recording replays without being told again. A field
once redacted stays redacted, even when the file is re-recorded in mode ``all``; a different
``placeholder`` than the file's is a :class:`CassetteError`, because nothing would match.
Files written before the entry existed load as redacting no extra fields.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import httpx

from ._codec import build_response, decode_request, decode_response, is_xmlrpc
from ._matching import miss_message, request_key
from ._redact import DEFAULT_PLACEHOLDER, Redactor, read_entry

__all__ = [
    "FORMAT",
    "MODES",
    "Cassette",
    "CassetteError",
    "CassetteMiss",
    "CassetteTransport",
    "Interaction",
]

MODES = ("none", "once", "new_episodes", "all")
# The "redacted" entry is optional and older readers ignore it, so adding it kept format 1.
FORMAT = 1
# What a file says it redacted: the field names and the placeholder (see the module docs);
# a file from before the "redacted" entry names no fields and no placeholder.
Redaction = tuple[frozenset[str], str | None]
UNSTATED: Redaction = (frozenset(), None)


class CassetteError(Exception):
    """A cassette file that cannot be read or used (wrong format version, bad data)."""


class CassetteMiss(CassetteError):
    """A request the cassette holds no unplayed answer for, in a mode that may not record.

    The message names the request, the cassette and its mode, and the nearest recorded
    requests with what differed from each.
    """


@dataclass
class Interaction:
    """One request and its response, in stored form (decoded, redacted; see the module docs)."""

    request: dict[str, Any]
    response: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The object written to the cassette file."""
        return {"request": self.request, "response": self.response}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Interaction:
        """Read one stored interaction; ``ValueError`` when it lacks a required part."""
        request, response = dict(data["request"]), dict(data["response"])
        if not isinstance(request.get("path"), str) or not isinstance(response.get("status"), int):
            raise ValueError("an interaction needs request.path and response.status")
        if not is_xmlrpc(request) and not isinstance(request.get("method"), str):
            raise ValueError("a REST request needs its method")
        request_key(request)  # fails here, naming the file, rather than at the first request
        return cls(request, response)


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


def _queues(interactions: list[Interaction]) -> dict[str, deque[int]]:
    queues: dict[str, deque[int]] = {}
    for index, interaction in enumerate(interactions):
        queues.setdefault(request_key(interaction.request), deque()).append(index)
    return queues


class Cassette:
    """Recorded HTTP interactions in a JSON file, replayed through :attr:`transport`.

    ``real_transport`` is where recording sends (an ``httpx.MockTransport`` such as
    ``FakeKeap().transport`` serves sync and async); by default an ``httpx.HTTPTransport``
    or ``AsyncHTTPTransport`` is created only when a request actually needs recording, so
    replay never touches the network. ``redact_fields`` names JSON keys / XML-RPC struct
    members (and query parameters) whose values are replaced by ``placeholder`` anywhere in
    stored bodies; they add to the fields the file already names, and ``placeholder`` defaults
    to the file's (else ``<REDACTED>``): see the module docs. Use as a (sync or async) context
    manager: the file is saved on exit if anything was recorded.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: str = "none",
        *,
        real_transport: httpx.BaseTransport | httpx.AsyncBaseTransport | object | None = None,
        redact_fields: Iterable[str] = (),
        placeholder: str | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if isinstance(redact_fields, str):  # its letters are not what the caller meant
            raise TypeError(f"redact_fields must be a list of names, not {redact_fields!r}")
        if placeholder == "":
            raise ValueError("placeholder must not be empty")
        self.path = Path(path)
        self.mode = mode
        self.existed = self.path.exists()
        loaded, (recorded_fields, recorded_placeholder) = self._load()
        self._redactor = self._make_redactor(
            recorded_fields | frozenset(redact_fields), placeholder, recorded_placeholder
        )
        if self.redact_fields - recorded_fields:
            loaded = [self._redact_loaded(interaction) for interaction in loaded]
        self.interactions: list[Interaction] = loaded
        self._loaded = len(loaded)
        # Per matching key, the recordings not yet replayed, in recorded order.
        self._queues = _queues(loaded)
        self._recorded_counts = Counter({key: len(queue) for key, queue in self._queues.items()})
        self._played: set[int] = set()
        self._dirty = False
        self._lock = threading.Lock()
        self._real = real_transport
        self._own_sync: httpx.HTTPTransport | None = None
        self._own_async: httpx.AsyncHTTPTransport | None = None
        self.transport = CassetteTransport(self)

    def __repr__(self) -> str:
        return f"Cassette({str(self.path)!r}, mode={self.mode!r})"

    def _load(self) -> tuple[list[Interaction], Redaction]:
        """The file's interactions, and the fields and placeholder it was redacted with."""
        if not self.existed:
            return [], UNSTATED
        if self.mode != "all":
            return load_file(self.path)
        # Re-recording drops the old interactions but keeps the file's redaction: a field once
        # redacted must not reappear in clear because a later run forgot to name it.
        try:
            return [], load_file(self.path)[1]
        except CassetteError:
            return [], UNSTATED  # an unreadable file is about to be overwritten anyway

    def _make_redactor(
        self, fields: frozenset[str], placeholder: str | None, recorded: str | None
    ) -> Redactor:
        if recorded is not None and placeholder not in (None, recorded) and self.mode != "all":
            raise CassetteError(
                f"cassette {self.path} was redacted with placeholder {recorded!r}, "
                f"not {placeholder!r}: recorded requests would never match; pass the same "
                "placeholder (or none) or re-record with mode 'all'"
            )
        return Redactor(fields, placeholder or recorded or DEFAULT_PLACEHOLDER)

    def _redact_loaded(self, interaction: Interaction) -> Interaction:
        # Fields named now but not by the file: redact the recordings too, so they match.
        redact = self._redactor.fields_only
        return Interaction(redact(interaction.request), redact(interaction.response))

    @property
    def redact_fields(self) -> frozenset[str]:
        """The fields redacted: those the file names plus those given (see the module docs)."""
        return frozenset(self._redactor.fields)

    @property
    def recording(self) -> bool:
        """Whether a request without a recorded answer is sent on and recorded."""
        return self.mode in ("new_episodes", "all") or (self.mode == "once" and not self.existed)

    @property
    def play_count(self) -> int:
        """How many interactions loaded from the file have been replayed."""
        return len(self._played)

    @property
    def all_played(self) -> bool:
        """Whether every interaction loaded from the file has been replayed."""
        return len(self._played) == self._loaded

    @property
    def unplayed(self) -> list[Interaction]:
        """The interactions loaded from the file that have not been replayed (yet)."""
        return [self.interactions[i] for i in range(self._loaded) if i not in self._played]

    def save(self) -> None:
        """Write the file now (atomically), with every known secret scrubbed once more."""
        entry = self._redactor.entry()
        text = self._redactor.scrub_text(dumps_interactions(self.interactions, entry))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        temporary.replace(self.path)
        self._dirty = False

    # ------------------------------------------------------------ used by the transport

    def _prepare(self, request: httpx.Request) -> tuple[dict[str, Any], httpx.Response | None]:
        """The stored form of ``request`` and its replayed answer; ``None`` means record it."""
        with self._lock:
            stored = self._redactor.request(decode_request(request))
            queue = self._queues.get(request_key(stored))
            index = queue.popleft() if queue else None
            if index is not None:
                self._played.add(index)
        if index is not None:
            return stored, self._replay(index)
        if not self.recording:
            raise CassetteMiss(self._miss_message(stored))
        return stored, None

    def _replay(self, index: int) -> httpx.Response:
        try:
            return build_response(self.interactions[index].response)
        except (KeyError, TypeError, ValueError) as exc:
            raise CassetteError(f"cassette {self.path}: interaction #{index}: {exc!r}") from None

    def _record(self, stored: dict[str, Any], response: httpx.Response) -> httpx.Response:
        """Store the answer, and return it as it will replay (so both runs see the same)."""
        with self._lock:
            answer = self._redactor.response(decode_response(response, xmlrpc=is_xmlrpc(stored)))
            self.interactions.append(Interaction(stored, answer))
            self._dirty = True
        return build_response(answer)

    def _miss_message(self, stored: dict[str, Any]) -> str:
        recorded = self._recorded_counts[request_key(stored)]
        if not self.existed:
            why = "the cassette file does not exist, so every request is a miss; "
            why += "record it with mode 'once'"
        elif recorded:
            why = f"all {recorded} recorded answers for this request were already played"
        else:
            why = "to record it, use mode 'new_episodes' (append) or 'all' (re-record)"
        candidates = [i.request for i in self.interactions[: self._loaded]]
        return miss_message(stored, candidates, where=str(self.path), mode=self.mode, why=why)

    def _real_sync(self) -> httpx.BaseTransport:
        if self._real is not None:
            if not hasattr(self._real, "handle_request"):
                raise CassetteError(f"real_transport {self._real!r} cannot send sync requests")
            return cast("httpx.BaseTransport", self._real)
        if self._own_sync is None:
            self._own_sync = httpx.HTTPTransport()
        return self._own_sync

    def _real_async(self) -> httpx.AsyncBaseTransport:
        if self._real is not None:
            if not hasattr(self._real, "handle_async_request"):
                raise CassetteError(f"real_transport {self._real!r} cannot send async requests")
            return cast("httpx.AsyncBaseTransport", self._real)
        if self._own_async is None:
            self._own_async = httpx.AsyncHTTPTransport()
        return self._own_async

    def _close_sync(self) -> None:
        # Only transports the cassette created; a given real_transport belongs to the caller.
        if self._own_sync is not None:
            self._own_sync.close()
            self._own_sync = None

    async def _close_async(self) -> None:
        if self._own_async is not None:
            await self._own_async.aclose()
            self._own_async = None

    # ------------------------------------------------------------------ context manager

    def _finish(self) -> None:
        if self._dirty:
            self.save()
        self._close_sync()

    def __enter__(self) -> Cassette:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._finish()

    async def __aenter__(self) -> Cassette:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close_async()
        self._finish()


class CassetteTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A cassette as an httpx transport, for ``httpx.Client`` and ``httpx.AsyncClient`` alike."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Replay the recorded answer, or send through the real transport and record."""
        request.read()
        stored, replayed = self.cassette._prepare(request)
        if replayed is not None:
            return replayed
        response = self.cassette._real_sync().handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return self.cassette._record(stored, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The async twin of :meth:`handle_request`."""
        await request.aread()
        stored, replayed = self.cassette._prepare(request)
        if replayed is not None:
            return replayed
        response = await self.cassette._real_async().handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return self.cassette._record(stored, response)

    def close(self) -> None:
        """Close the real transport the cassette created, if any (the client closes us)."""
        self.cassette._close_sync()

    async def aclose(self) -> None:
        """Async :meth:`close`."""
        await self.cassette._close_async()
