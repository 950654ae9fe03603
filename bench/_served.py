"""A FakeKeap served from a child process (``bench._server``), with its options, its seeded
contacts and tags, and its counters (429s answered, requests received)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from keap_adapter.pacing import Limits

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    """A running ``bench._server``: where it listens, what it holds, how to ask it."""

    url: str
    key: str
    contact_id: int
    contacts: int
    tag_ids: list[int]
    seed_seconds: float
    _child: subprocess.Popen[str] = field(repr=False)

    @property
    def contact_ids(self) -> list[int]:
        """Every seeded contact's id (they are consecutive)."""
        return list(range(self.contact_id, self.contact_id + self.contacts))

    @property
    def base_url(self) -> str:
        """What a client takes as ``base_url``."""
        return self.url + "/crm"

    def status(self) -> dict[str, int]:
        """The server's counters: ``throttled`` (429s answered) and ``requests``."""
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        self._child.stdin.write("status\n")
        self._child.stdin.flush()
        answer: dict[str, int] = json.loads(self._child.stdout.readline())
        return answer


@contextlib.contextmanager
def served(
    contacts: int, *, tags: int = 0, limits: Limits | None = None, snapshot: bool = False
) -> Iterator[Served]:
    """A FakeKeap in a child process, seeded with ``contacts`` contacts and ``tags`` empty
    tags, enforcing ``limits`` (per second and per minute) if given, until the block ends."""
    args = [sys.executable, "-m", "bench._server", str(contacts), "--tags", str(tags)]
    if limits is not None:
        if limits.per_second is not None:
            args += ["--per-second", str(limits.per_second)]
        if limits.per_minute is not None:
            args += ["--per-minute", str(limits.per_minute)]
    if snapshot:
        args.append("--snapshot")
    child = subprocess.Popen(
        args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        said = json.loads(child.stdout.readline())
        yield Served(
            said["url"],
            said["key"],
            int(said["contact_id"]),
            contacts,
            [int(t) for t in said["tag_ids"]],
            float(said["seed_seconds"]),
            child,
        )
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
