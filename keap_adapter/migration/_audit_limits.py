"""What one file may cost the audit: its size, and the time spent reading it.

A scanned tree may hold anything: a generated 50 MB module, a megabyte-long line, a file
nested deeper than Python's own recursion goes. Reading one such file took minutes and
gigabytes, so the audit caps both, per file, and says in the report which files it stopped:

* a file over ``max_file_size`` bytes is not read at all: every token becomes an :mod:`ast`
  node of a few hundred bytes, so a 5 MB module took 1 GB (ordinary code) to 2.6 GB (one
  call of a million calls) here, and the 50 MB one of the report 8.6 GB; a notebook file
  over ``NOTEBOOK_FACTOR`` times that (its JSON parsed costs up to 25 times its size) is
  not read either;
* a file still being read after ``max_file_seconds`` of CPU time is given up: the readers
  call :func:`tick` once per node or token, and it raises :class:`OutOfTime` past the
  deadline.

The time is the thread's CPU time (:func:`time.thread_time`), not the wall clock: on a busy
machine a 5 MB module took 75 s of wall time for 15 s of CPU, and a limit on wall time would
skip files there that it reads on an idle one. The deadline lives in a
:class:`~contextvars.ContextVar`, so the scanners need no extra parameter and a scan started
outside :func:`time_limit` (``scan_file`` on its own) has none.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "DEFAULT_MAX_FILE_SECONDS",
    "DEFAULT_MAX_FILE_SIZE",
    "NOTEBOOK_FACTOR",
    "OutOfTime",
    "size_text",
    "tick",
    "time_limit",
]

DEFAULT_MAX_FILE_SIZE = 5_000_000
"""Bytes. Hand-written modules stay far below it; generated ones (protocol buffers, data
tables) can pass it, and rarely hold Keap calls."""
DEFAULT_MAX_FILE_SECONDS = 60.0
"""CPU seconds per file. Measured here on 5 MB files: ordinary code 15 s, a list literal 20 s,
one call of a million calls 38 s, Python 2 code (read at token level) 35 s; a Python 2 list
literal on one line, 66 s, is stopped."""
NOTEBOOK_FACTOR = 2
"""A notebook's cap applies to its code cells; the file itself may be this many times larger
(10 MB by default), as outputs (plots as base64 images, tables) take most of a notebook's room.

Not more: the whole file is parsed as JSON before its code cells can be told from its outputs,
and parsing took up to about 25 times the file's size (a 46 MB notebook of small JSON objects,
each a dict of some 64 bytes for 3 bytes of text, peaked at 1.26 GB; at 10 times the 5 MB cap,
50 MB were allowed). A base64 image costs about its own size, so a 10 MB notebook peaks at
some 250 MB at worst; the standard library has no streaming JSON parser to do better."""

_CHECK_EVERY = 1024  # ticks between looks at the clock: a tick must stay cheap


class OutOfTime(Exception):
    """The file being read went past its time limit."""


class _Deadline:
    __slots__ = ("at", "ticks")

    def __init__(self, at: float) -> None:
        self.at = at
        self.ticks = 0


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("keap_audit_deadline", default=None)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Within the block, :func:`tick` raises :class:`OutOfTime` once the thread has spent
    ``seconds`` of CPU time in it (``None``: never)."""
    deadline = None if seconds is None else _Deadline(time.thread_time() + seconds)
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def tick() -> None:
    """One step of reading a file; raises :class:`OutOfTime` once past its deadline.

    The CPU clock is read every 1,024 ticks, so a file that takes fewer is never stopped.
    """
    deadline = _DEADLINE.get()
    if deadline is None:
        return
    deadline.ticks += 1
    if deadline.ticks % _CHECK_EVERY == 0 and time.thread_time() > deadline.at:
        raise OutOfTime


def size_text(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` for a person (``6.0 MB``, ``2.4 kB``, ``200 bytes``), exact when
    rounding would show them equal."""
    shown = _size(size), _size(limit)
    return shown if shown[0] != shown[1] else (f"{size:,} bytes", f"{limit:,} bytes")


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"
