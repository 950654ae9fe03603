"""A paced job: ``calls`` calls of ``contacts.get`` against a FakeKeap enforcing Keap's limits.

Two variants, each against its own served fake that announces and enforces the limits (no
daily quota) and answers 429 as Keap's gateway does: one process with the client's default
in-memory limiter (which learns the limits from the fake's headers), and three processes each
doing a third of the job through one ``RedisLimiter`` on a throwaway redis-server. The two run
side by side (each at a few requests a second, neither loads the machine) so that the whole
benchmark waits out the minute windows once.

The fake counts the 429s it answers; the achieved share of the allowed rate is the ideal wall
time over the measured one. The ideal is what the sliding windows allow at best: with N a
second and M a minute, request k may arrive no earlier than request k-N's arrival plus a second
and request k-M's plus a minute (the first M go in M/N seconds, then M more each minute).

Run as ``python -m bench._paced URL KEY CONTACT_ID CALLS [REDIS_URL REDIS_KEY]`` it is one
worker: it says ``ready``, waits for a ``go`` line, runs its calls and prints one JSON line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import keap_adapter as ka
from bench._redis_server import redis_server
from bench._served import ROOT, Served, served
from bench._stats import render_table
from keap_adapter.pacing import BaseLimiter, Limits

KEAP_PAT = Limits(per_second=10, per_minute=240, per_day=None)
"""Keap's documented limits for a Personal Access Token, without the daily quota."""
QUICK = Limits(per_second=20, per_minute=60, per_day=None)
"""For a smoke run: the minute window still binds, after three seconds."""
SHARED_PROCESSES = 3


def ideal_seconds(calls: int, limits: Limits) -> float:
    """The least time from the first request's arrival to the last one's under ``limits``'
    sliding windows (a second and a minute), starting from empty windows."""
    windows = [(n, length) for n, length in ((limits.per_second, 1.0), (limits.per_minute, 60.0))]
    times: list[float] = []
    for k in range(calls):
        at = times[-1] if times else 0.0
        for limit, length in windows:
            if limit is not None and k >= limit:
                at = max(at, times[k - limit] + length)
        times.append(at)
    return times[-1] if times else 0.0


@dataclass(frozen=True)
class PacedRun:
    """One variant's run."""

    variant: str
    processes: int
    calls: int
    throttled: int  # 429s the fake answered
    errors: int  # calls that raised, after the client's retries
    seconds: float  # first call sent to last answer, over all the variant's processes
    ideal: float

    @property
    def share(self) -> float:
        """The achieved rate as a share of the allowed rate."""
        return self.ideal / self.seconds if self.seconds > 0 and self.ideal > 0 else 1.0

    def met(self, least_share: float) -> bool:
        """No 429 and no error, at ``least_share`` of the allowed rate or more."""
        return self.throttled == 0 and self.errors == 0 and self.share >= least_share


def _spawn(server: Served, calls: int, redis: tuple[str, str] | None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "bench._paced", server.base_url, server.key]
    args += [str(server.contact_id), str(calls), *(redis or ())]
    child = subprocess.Popen(
        args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        child.kill()
        raise RuntimeError("a paced worker did not start")
    return child


def _finish(children: Sequence[subprocess.Popen[str]]) -> list[dict[str, float]]:
    said = []
    for child in children:
        assert child.stdout is not None
        assert child.stdin is not None
        said.append(json.loads(child.stdout.readline()))
        child.stdin.close()
        child.wait(timeout=30)
    return said


def _run(
    variant: str, said: list[dict[str, float]], server: Served, calls: int, ideal: float
) -> PacedRun:
    seconds = max(s["end"] for s in said) - min(s["start"] for s in said)
    errors = int(sum(s["errors"] for s in said))
    throttled = server.status()["throttled"]
    return PacedRun(variant, len(said), calls, throttled, errors, seconds, ideal)


def _thirds(calls: int) -> list[int]:
    share, extra = divmod(calls, SHARED_PROCESSES)
    return [share + (1 if i < extra else 0) for i in range(SHARED_PROCESSES)]


def paced(calls: int, limits: Limits) -> tuple[list[PacedRun], list[str]]:
    """Both variants' runs (side by side), and notes on any variant that could not run."""
    ideal = ideal_seconds(calls, limits)
    notes: list[str] = []
    with (
        served(1, limits=limits) as alone,
        served(1, limits=limits) as shared,
        redis_server() as redis_url,
    ):
        alone_name = "1 process, in-memory Limiter"
        groups = {alone_name: (alone, [_spawn(alone, calls, None)])}
        if redis_url is None:
            notes.append("shared RedisLimiter: not run (redis-server is not installed)")
        else:
            key = f"bench-{uuid.uuid4().hex}"
            workers = [_spawn(shared, n, (redis_url, key)) for n in _thirds(calls)]
            groups[f"{SHARED_PROCESSES} processes, 1 RedisLimiter"] = (shared, workers)
        for _, children in groups.values():
            for child in children:
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.flush()
        runs = [
            _run(name, _finish(children), server, calls, ideal)
            for name, (server, children) in groups.items()
        ]
    return runs, notes


def render(runs: list[PacedRun], least_share: float) -> str:
    """The table: one line per variant."""
    columns = [
        ("paced contacts.get", 32, "<"),
        ("calls", 6, ">"),
        ("429s", 5, ">"),
        ("wall time", 10, ">"),
        ("ideal", 8, ">"),
        ("share of allowed", 16, ">"),
        ("", 8, "<"),
    ]
    rows = [
        [
            run.variant,
            f"{run.calls:,}",
            str(run.throttled) + (f" ({run.errors} failed)" if run.errors else ""),
            f"{run.seconds:.1f} s",
            f"{run.ideal:.0f} s",
            f"{run.share:.1%}",
            "met" if run.met(least_share) else "NOT met",
        ]
        for run in runs
    ]
    return render_table(columns, rows)


# -- the worker ----------------------------------------------------------------------------


def worker(argv: Sequence[str]) -> None:
    """Say ``ready``, wait for ``go``, make the calls, print start, end and errors."""
    base_url, key, contact_id, calls = argv[0], argv[1], int(argv[2]), int(argv[3])
    limiter: BaseLimiter | None = None
    if len(argv) > 4:
        from keap_adapter.pacing import RedisLimiter  # noqa: PLC0415 - only this variant

        limiter = RedisLimiter(argv[4], key=argv[5])
    client = ka.KeapClient("rest", key, base_url=base_url, limiter=limiter)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    errors = 0
    with client:
        start = time.time()
        for _ in range(calls):
            try:
                client.contacts.get(contact_id)
            except ka.KeapError:
                errors += 1
        end = time.time()
    print(json.dumps({"start": start, "end": end, "errors": errors}), flush=True)


if __name__ == "__main__":
    worker(sys.argv[1:])
