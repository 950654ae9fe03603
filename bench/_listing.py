"""Memory while listing every contact: ``contacts.list(page_size=1000)`` iterated to the end.

A FakeKeap served from another process holds the contacts (seeded straight into its store;
``--snapshot`` keeps the server's per-page work small). Each measurement runs in a fresh
worker process, so nothing earlier in the benchmark sits in its heap: once with
``tracemalloc`` (the peak growth of Python's heap over the iteration: the target's figure),
and once without, reading the growth of the process's peak resident set (``VmHWM``),
which also counts what ``tracemalloc`` cannot see (libxml2's trees, allocator slack) but
not the ``tracemalloc`` bookkeeping itself.

Run as ``python -m bench._listing BASE_URL KEY BACKEND tracemalloc|rss`` it is one worker and
prints one JSON line: ``items``, ``seconds``, ``cpu`` (its own CPU seconds) and ``grown``
(bytes).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import keap_adapter as ka
from bench._served import ROOT, served
from bench._stats import render_table

PAGE = 1000
MB = 1024 * 1024
BACKENDS: tuple[ka.BackendName, ...] = ("rest", "xmlrpc")


@dataclass(frozen=True)
class Listed:
    """One backend's listing: items seen, and the heap and resident-set growth."""

    backend: str
    contacts: int
    items: int
    seconds: float  # the run without tracemalloc
    cpu: float  # this worker's CPU time over that run
    heap_peak: int  # bytes, tracemalloc
    rss_peak: int  # bytes, ru_maxrss growth

    def met(self, most_mb: float) -> bool:
        """Every contact listed, the heap's peak growth under ``most_mb``."""
        return self.items == self.contacts and self.heap_peak < most_mb * MB


def _measure(base_url: str, key: str, backend: str, how: str) -> dict[str, float]:
    args = [sys.executable, "-m", "bench._listing", base_url, key, backend, how]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    said: dict[str, float] = json.loads(done.stdout)
    return said


def listing(contacts: int) -> tuple[list[Listed], float]:
    """Each backend's listing, and how long the server took to seed (and snapshot)."""
    runs = []
    with served(contacts, snapshot=True) as server:
        for backend in BACKENDS:
            heap = _measure(server.base_url, server.key, backend, "tracemalloc")
            rss = _measure(server.base_url, server.key, backend, "rss")
            runs.append(
                Listed(
                    backend,
                    contacts,
                    int(heap["items"]),
                    rss["seconds"],
                    rss["cpu"],
                    int(heap["grown"]),
                    int(rss["grown"]),
                )
            )
        return runs, server.seed_seconds


def render(runs: list[Listed], most_mb: float) -> str:
    """The table: one line per backend."""
    columns = [
        (f"list every contact, {PAGE}/page", 32, "<"),
        ("contacts", 8, ">"),
        ("listed", 8, ">"),
        ("wall time", 10, ">"),
        ("client CPU", 10, ">"),
        ("heap peak +", 11, ">"),
        ("RSS peak +", 10, ">"),
        ("", 8, "<"),
    ]
    rows = [
        [
            "contacts.list, " + ("REST" if run.backend == "rest" else "XML-RPC"),
            f"{run.contacts:,}",
            f"{run.items:,}",
            f"{run.seconds:.1f} s",
            f"{run.cpu:.1f} s",
            f"{run.heap_peak / MB:.1f} MB",
            f"{run.rss_peak / MB:.1f} MB",
            "met" if run.met(most_mb) else "NOT met",
        ]
        for run in runs
    ]
    return render_table(columns, rows)


# -- the worker ----------------------------------------------------------------------------


def _status_kib(name: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` figure of this process, in KiB (``None`` off Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> int:
    """This process's resident set now, in bytes, with its peak reset to it where Linux
    allows (``/proc/self/clear_refs``). ``ru_maxrss`` will not do: Linux carries it over
    ``execve`` from the parent, whose resident set is larger than this worker's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        pass
    rss = _status_kib("VmRSS")
    return rss * 1024 if rss is not None else _peak_rss()


def _peak_rss() -> int:
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def worker(argv: Sequence[str]) -> None:
    """List every contact once, measuring as ``argv[3]`` says; print one JSON line."""
    base_url, key, backend, how = argv[0], argv[1], argv[2], argv[3]
    name: ka.BackendName = "rest" if backend == "rest" else "xmlrpc"
    with warnings.catch_warnings():  # XML-RPC on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        client = ka.KeapClient(name, key, base_url=base_url)
    with client:
        items = 0
        if how == "tracemalloc":
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
        before = _reset_peak_rss()
        started, cpu = time.perf_counter(), time.process_time()
        for _ in client.contacts.list(page_size=PAGE):
            items += 1
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if how == "tracemalloc":
            grown = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
        else:
            grown = _peak_rss() - before
    said = {"items": items, "seconds": seconds, "cpu": cpu, "grown": grown}
    print(json.dumps(said), flush=True)


if __name__ == "__main__":
    worker(sys.argv[1:])
