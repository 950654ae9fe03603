"""``Cassette``: record httpx traffic to a readable JSON file and replay it, as a transport.

The cassette is injected where the real transport would go (``KeapClient(...,
transport=cassette.transport)``), so nothing is patched and the same object serves the sync
and the async client. Decoding (:mod:`._codec`), redaction (:mod:`._redact`), matching
(:mod:`._matching`, :mod:`._cassette_replays`) and the file format (:mod:`._cassette_file`)
are apart; this module only keeps the books.

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

Naming a field the file does not list rewrites the file at once, in every mode, with the
field redacted in every recording and its values scrubbed everywhere: what replay matches
and what the file holds must not differ, or a value the test no longer sees would stay in
clear in the file. Redacted values are not matched, so requests that differ only in them
replay in recorded order; when recording made two such requests, the later interaction
carries a ``"note"`` saying so (:func:`._cassette_file.collapse_notes`).
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import httpx

from .. import _body, _deadline
from .._config import MAX_RESPONSE_SIZE
from ._cassette_file import (
    FORMAT,
    UNSTATED,
    CassetteError,
    CassetteMiss,
    Interaction,
    Redaction,
    collapse_notes,
    dumps_interactions,
    load_file,
    storable,
    write_file,
)
from ._cassette_replays import Replays
from ._codec import build_response, decode_request, decode_response, is_xmlrpc
from ._matching import miss_message, request_key
from ._redact import DEFAULT_PLACEHOLDER, Redactor

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
# A request on its way: its stored (redacted) form and a digest of it as it was sent.
Pending = tuple[dict[str, Any], str]


class Cassette:
    """Recorded HTTP interactions in a JSON file, replayed through :attr:`transport`.

    ``real_transport`` is where recording sends (an ``httpx.MockTransport`` such as
    ``FakeKeap().transport`` serves sync and async); by default an ``httpx.HTTPTransport``
    or ``AsyncHTTPTransport`` is created only when a request actually needs recording, so
    replay never touches the network. ``redact_fields`` names JSON keys / XML-RPC struct
    members (and query parameters) whose values are replaced by ``placeholder`` anywhere in
    stored bodies, and then scrubbed from the rest of the file (see :mod:`._redact`); they add
    to the fields the file already names, and ``placeholder`` defaults to the file's (else
    ``<REDACTED>``): see the module docs. Use as a (sync or async) context manager: the file
    is saved on exit if anything was recorded.

    A real answer is read as the client reads one (:mod:`keap_adapter._body`): at most
    ``max_response_size`` bytes once decompressed (the client's default; the client's own
    cap still applies to what the cassette hands it), refusing a coded body cut short or
    followed by more data, and, under the sync client, within the attempt's deadline (the
    cassette's own ``HTTPTransport`` gets it down to each socket read). An answer refused so
    raises what the client raises (``ResponseTooLargeError``, ``TransportError``) and is not
    recorded.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: str = "none",
        *,
        real_transport: httpx.BaseTransport | httpx.AsyncBaseTransport | object | None = None,
        redact_fields: Iterable[str] = (),
        placeholder: str | None = None,
        max_response_size: int = MAX_RESPONSE_SIZE,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if isinstance(redact_fields, str):  # its letters are not what the caller meant
            raise TypeError(f"redact_fields must be a list of names, not {redact_fields!r}")
        if placeholder == "":
            raise ValueError("placeholder must not be empty")
        if isinstance(max_response_size, bool) or not isinstance(max_response_size, int):
            raise TypeError(f"max_response_size must be an int, not {max_response_size!r}")
        if max_response_size <= 0:
            raise ValueError(f"max_response_size must be positive, not {max_response_size}")
        self.max_response_size = max_response_size
        self.path = Path(path)
        self.mode = mode
        self.existed = self.path.exists()
        loaded, (recorded_fields, recorded_placeholder) = self._load()
        self._redactor = self._make_redactor(
            recorded_fields | frozenset(redact_fields), placeholder, recorded_placeholder
        )
        # Mode "all" drops the recordings and rewrites the file on exit anyway.
        replaying = self.existed and self.mode != "all"
        newly_named = replaying and bool(self.redact_fields - recorded_fields)
        self.interactions: list[Interaction] = (
            self._redact_loaded(loaded) if newly_named else loaded
        )
        self._loaded = len(loaded)
        self._replays = Replays([i.request for i in self.interactions], self._redactor.placeholder)
        self._originals: dict[int, str] = {}  # index -> digest of the request as sent
        self._dirty = False
        self._lock = threading.Lock()
        self._real = real_transport
        self._own_sync: httpx.HTTPTransport | None = None
        self._own_async: httpx.AsyncHTTPTransport | None = None
        self.transport = CassetteTransport(self)
        if newly_named:
            self.save()  # at once: the file must not keep in clear what the test no longer sees

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

    def _redact_loaded(self, loaded: list[Interaction]) -> list[Interaction]:
        # Fields named now but not by the file: redact the recordings too, so they match. All
        # the fields first, so that each value taken out is then scrubbed from every recording.
        redact = self._redactor.fields_only
        fielded = [(redact(i.request), redact(i.response), i.note) for i in loaded]
        scrub = self._redactor.scrub
        return [
            Interaction(scrub(request), scrub(response), note)
            for request, response, note in fielded
        ]

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
        return len(self._replays.played)

    @property
    def all_played(self) -> bool:
        """Whether every interaction loaded from the file has been replayed."""
        return len(self._replays.played) == self._loaded

    @property
    def unplayed(self) -> list[Interaction]:
        """The interactions loaded from the file that have not been replayed (yet)."""
        played = self._replays.played
        return [self.interactions[i] for i in range(self._loaded) if i not in played]

    def save(self) -> None:
        """Write the file now, with every known secret scrubbed once more.

        Atomically, and safely beside other threads and processes saving the same path (see
        :func:`._cassette_file.write_file`): the last save wins, none fails.

        Once more because a value may be learnt secret (from a later request) after an
        earlier interaction showed it; the interactions recorded now are noted where that
        made them indistinguishable (see the module docs).
        """
        with self._lock:
            interactions = self._final_interactions()
        entry = self._redactor.entry()
        write_file(self.path, self._redactor.scrub_text(dumps_interactions(interactions, entry)))
        self._dirty = False

    def _final_interactions(self) -> list[Interaction]:
        scrub = self._redactor.scrub
        out = [Interaction(scrub(i.request), scrub(i.response), i.note) for i in self.interactions]
        keys = [request_key(interaction.request) for interaction in out]
        for index, note in collapse_notes(keys, self._originals).items():
            out[index].note = note
        return out

    # ------------------------------------------------------------ used by the transport

    def _prepare(self, request: httpx.Request) -> tuple[Pending, httpx.Response | None]:
        """The request on its way and its replayed answer; ``None`` means record it."""
        with self._lock:
            sent = storable(decode_request(request), request.content)
            original = hashlib.sha256(request_key(sent).encode()).hexdigest()
            stored = self._redactor.request(sent)
            index = self._replays.take(stored)
        if index is not None:
            return (stored, original), self._replay(index)
        if not self.recording:
            raise CassetteMiss(self._miss_message(stored))
        return (stored, original), None

    def _replay(self, index: int) -> httpx.Response:
        try:
            return build_response(self.interactions[index].response)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            # The loader checked every response (see load_file); an interaction added since,
            # through the public list, can still be wrong.
            raise CassetteError(f"cassette {self.path}: interaction #{index}: {exc!r}") from None

    def _record(self, pending: Pending, response: httpx.Response) -> httpx.Response:
        """Store the answer, and return it as it will replay (so both runs see the same)."""
        stored, original = pending
        with self._lock:
            decoded = decode_response(response, xmlrpc=is_xmlrpc(stored))
            answer = self._redactor.response(storable(decoded, response.content))
            self._originals[len(self.interactions)] = original
            self.interactions.append(Interaction(stored, answer))
            self._dirty = True
        return build_response(answer)

    def _reader(self, response: httpx.Response) -> _body.Reader:
        """A bounded reader for a real answer: the cassette's cap, and the sync client's
        attempt deadline when one is running on this thread (the async client bounds the
        whole attempt, this transport included, with ``asyncio.wait_for``)."""
        end: float | None = getattr(_deadline._local, "end", None)
        if end is None:
            return _body.Reader(response, self.max_response_size, math.inf, math.inf)
        left = max(0.0, end - time.monotonic())
        return _body.Reader(response, self.max_response_size, end, left)

    def _miss_message(self, stored: dict[str, Any]) -> str:
        recorded = self._replays.counts[request_key(stored)]
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
            # Per-read deadlines, as the client gives its own transport (see _deadline).
            self._own_sync = _deadline.with_deadlines(httpx.HTTPTransport())
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
        pending, replayed = self.cassette._prepare(request)
        if replayed is not None:
            return replayed
        response = self.cassette._real_sync().handle_request(request)
        try:
            _body.read(response, self.cassette._reader(response))
        finally:
            response.close()
        return self.cassette._record(pending, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The async twin of :meth:`handle_request`."""
        await request.aread()
        pending, replayed = self.cassette._prepare(request)
        if replayed is not None:
            return replayed
        response = await self.cassette._real_async().handle_async_request(request)
        try:
            await _body.aread(response, self.cassette._reader(response))
        finally:
            await response.aclose()
        return self.cassette._record(pending, response)

    def close(self) -> None:
        """Close the real transport the cassette created, if any (the client closes us)."""
        self.cassette._close_sync()

    async def aclose(self) -> None:
        """Async :meth:`close`."""
        await self.cassette._close_async()
