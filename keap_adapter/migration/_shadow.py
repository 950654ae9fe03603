"""Shadow reads (the scientist pattern): run each read on two clients, return the control's.

During the move off XML-RPC the control is the XML-RPC client your code trusts today and the
candidate is the REST v2 client it will use tomorrow. Every read runs on the control first,
then on the candidate; the two results are normalised and diffed field by field
(:mod:`._normalize`), and the caller always gets the control's result, or the control's error.
The candidate can never break the caller: its errors are caught and recorded.

Writes are not shadowed: sending a create or a tag twice would change data twice. They go
to the control only (see :class:`Shadow`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random as _random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._exceptions import KeapError
from .._resources import Contacts, Tags
from .._secrets import redact_text
from ._normalize import Observation, compare

if TYPE_CHECKING:
    from .._client import AsyncKeapClient, KeapClient
    from .._operations import Listing, Op

__all__ = [
    "MismatchError",
    "Publisher",
    "Shadow",
    "ShadowStats",
    "log_observation",
]

T = TypeVar("T")
C = TypeVar("C", "KeapClient", "AsyncKeapClient")
logger = logging.getLogger("keap_adapter.migration")


class MismatchError(AssertionError):
    """Raised by ``raise_on_mismatch=True`` shadows; ``.mismatch`` is the observation that
    did not match (``.mismatch.diff`` names the fields).

    An ``AssertionError``, not a :class:`~keap_adapter.KeapError`: it is a failed check
    (meant for tests and staging), and code that handles Keap's failures with
    ``except KeapError`` must not swallow it by accident.
    """

    def __init__(self, mismatch: Observation) -> None:
        self.mismatch = mismatch
        super().__init__(str(mismatch))


@dataclass
class ShadowStats:
    """Counters since the shadow was made. ``candidate_errors`` counts every candidate call
    that raised, matched or not; ``skipped`` counts reads not sampled (control only)."""

    matches: int = 0
    mismatches: int = 0
    candidate_errors: int = 0
    skipped: int = 0


Publisher = Callable[[Observation], None]
"""A hook that gets every observation (``list.append`` is one)."""


def log_observation(observation: Observation) -> None:
    """A ready-made publisher: mismatches as WARNING, matches as DEBUG, to the
    ``keap_adapter.migration`` logger."""
    level = logging.DEBUG if observation.matched else logging.WARNING
    logger.log(level, "shadow %s", observation)


@dataclass
class _Run:
    """What one side did: its value or its error, and how long it took."""

    value: Any = None
    error: Exception | None = None
    duration: float = 0.0

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def _run(read: Callable[[Any], Any], client: Any) -> _Run:
    start = time.perf_counter()
    try:
        value = read(client)
    except Exception as exc:  # recorded, and re-raised for the control by the caller
        return _Run(error=exc, duration=time.perf_counter() - start)
    return _Run(value, None, time.perf_counter() - start)


@dataclass
class _Recorder:
    """Sampling, comparison and every output: shared by :class:`Shadow` and :class:`AsyncShadow`."""

    sample_rate: float
    publish: Publisher | None
    report: Path | None
    raise_on_mismatch: bool
    random: Callable[[], float]
    secrets: tuple[str, ...]
    stats: ShadowStats = field(default_factory=ShadowStats)

    def __post_init__(self) -> None:
        rate = self.sample_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"sample_rate must be a number from 0 to 1, not {rate!r}")

    def sampled(self) -> bool:
        """Whether this read also runs on the candidate (counted as skipped when not)."""
        chosen = self.sample_rate >= 1 or self.random() < self.sample_rate
        self.stats.skipped += not chosen
        return chosen

    def record(
        self,
        op: str,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        control: _Run,
        candidate: _Run,
    ) -> None:
        """Count, publish and report one observation; raise if asked to."""
        for error in (control.error, candidate.error):
            if isinstance(error, KeapError):  # either key, in case a side echoed the other's
                error.redact(*self.secrets)
        found = compare(control.value, candidate.value, control.error, candidate.error)
        observation = Observation(
            op, args, dict(kwargs), tuple(found), control.duration, candidate.duration,
            control.error, candidate.error, datetime.now(timezone.utc),
        )  # fmt: skip
        self.stats.candidate_errors += candidate.error is not None
        self.stats.matches += observation.matched
        self.stats.mismatches += not observation.matched
        self._publish(observation)
        if not observation.matched:
            self._write(observation)
            if self.raise_on_mismatch:
                raise MismatchError(observation) from control.error

    def _publish(self, observation: Observation) -> None:
        if self.publish is None:
            return
        try:
            self.publish(observation)
        except Exception:  # a broken publisher must not break the caller's read
            logger.exception("shadow publisher failed on %s", observation.operation)

    def _write(self, mismatch: Observation) -> None:
        if self.report is None:
            return
        # Each string is scrubbed before it is JSON-escaped (an escaped key is spelled
        # differently: \" and \\), and the line after, for what ``default`` turned to text.
        data = _redacted(mismatch.as_json(), self.secrets)
        line = json.dumps(
            data, default=lambda value: redact_text(str(value), self.secrets), sort_keys=True
        )
        line = redact_text(line, self.secrets)
        with self.report.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def _redacted(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` (JSON-like data) with every spelling of each secret replaced, in its strings
    and its keys: errors that are not keap_adapter's, arguments, read values."""
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {_redacted(k, secrets): _redacted(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(item, secrets) for item in value]
    return value


class _ShadowBase(Generic[C]):
    """The options and the recorder both shadows share."""

    def __init__(
        self,
        control: C,
        candidate: C,
        *,
        sample_rate: float = 1.0,
        publish: Publisher | None = None,
        report: str | PathLike[str] | None = None,
        raise_on_mismatch: bool = False,
        random: Callable[[], float] = _random.random,
    ) -> None:
        wanted = self._client_type()
        for side, client in (("control", control), ("candidate", candidate)):
            if not isinstance(client, wanted):
                raise TypeError(
                    f"{type(self).__name__} runs {wanted.__name__}s; the {side} is a "
                    f"{type(client).__name__}"
                )
        self.control: C = control
        self.candidate: C = candidate
        secrets = tuple(s for c in (control, candidate) if (s := c._settings.api_key))
        path = None if report is None else Path(report)
        self._recorder = _Recorder(sample_rate, publish, path, raise_on_mismatch, random, secrets)

    @staticmethod
    def _client_type() -> type:
        from .._client import KeapClient  # noqa: PLC0415 - the client imports nothing of this

        return KeapClient

    @property
    def stats(self) -> ShadowStats:
        """A snapshot of the counters."""
        return dataclasses.replace(self._recorder.stats)


class Shadow(_ShadowBase["KeapClient"]):
    """Runs every read on ``control`` and ``candidate``, returns the control's, records diffs.

    ``shadow.contacts`` and ``shadow.tags`` are the facade's own resource classes, run
    through the shadow instead of one client, so every facade read is shadowed (a read added
    to the facade is shadowed with no new code here).

    Writes go to the control only: the candidate never sees them; compare reads after the
    candidate's data has caught up, or point both at the same account.

    Reads run on the control first, then on the candidate. A candidate error is recorded,
    never raised; a control error is recorded (both sides raising the same class, e.g.
    ``NotFoundError``, is a match) and then raised. Listings are read to the end on both
    sides when sampled and return an iterator over the control's list; unsampled, they are
    the control's own lazy iterator. Bad arguments raise ``ValueError`` before either side
    is called, as on a client.

    ``sample_rate`` (0 to 1) is the share of reads also sent to the candidate: shadowing
    doubles the requests made, and a PAT/SAK key gets 240 a minute. ``publish`` gets every
    observation; ``report`` (a path) gets one JSON line per mismatch, never a key;
    ``raise_on_mismatch`` raises :class:`MismatchError` instead of only recording (for
    tests); ``random`` is the sampling draw, ``random() < sample_rate`` means sampled.
    """

    @cached_property
    def contacts(self) -> Contacts:
        """Contact reads, shadowed; contact writes, on the control only."""
        return Contacts(self)

    @cached_property
    def tags(self) -> Tags:
        """Tag reads, shadowed; tag writes, on the control only."""
        return Tags(self)

    @property
    def page_size(self) -> int:
        """The control's default page size (listings use it on both sides)."""
        return self.control.page_size

    def run(
        self,
        operation: str,
        read: Callable[[KeapClient], T],
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> T:
        """Shadow any read: ``read(client)`` on the control (and, if sampled, the candidate);
        ``operation``, ``args`` and ``kwargs`` only label the observation."""
        if not self._recorder.sampled():
            return read(self.control)
        return self._both(operation, read, args, kwargs or {})

    def _operate(self, op: Op[T]) -> T:
        if op.write:
            return self.control._operate(op)
        return self.run(op.name, lambda c: c._operate(op), op.args, op.kwargs)

    def _list(self, listing: Listing[T]) -> Iterator[T]:
        if not self._recorder.sampled():
            return self.control._list(listing)  # lazy, as the facade's own listing
        read: Callable[[KeapClient], list[T]] = lambda c: list(c._list(listing))  # noqa: E731
        return iter(self._both(listing.name, read, listing.args, listing.kwargs))

    def _both(
        self,
        operation: str,
        read: Callable[[KeapClient], T],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> T:
        control = _run(read, self.control)
        candidate = _run(read, self.candidate)
        self._recorder.record(operation, args, kwargs, control, candidate)
        result: T = control.result()
        return result
