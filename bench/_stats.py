"""Timing in turns, and the rows of the benchmark table: medians over rounds, their spread,
and each contender's ratio to the library."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Sample = dict[str, list[float]]
"""Per contender, one figure per round."""


def cpu_per_call(call: Callable[[], object], count: int, scale: float) -> float:
    """This process's CPU time per ``call`` (times ``scale``: 1e6 for us, 1e3 for ms).

    CPU time, not wall time: a loopback server in another process, or a neighbour on a
    shared machine, does not count.
    """
    gc.collect()
    started = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - started) / count * scale


def in_turns(
    calls: dict[str, Callable[[], object]], rounds: int, count: int, scale: float = 1e6
) -> Sample:
    """Each contender's CPU per call, one batch each per round, taking turns, so that
    drift (frequency, neighbours) hits them alike."""
    for call in calls.values():  # warm up: connections open, caches filled
        for _ in range(3):
            call()
    sample: Sample = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            sample[name].append(cpu_per_call(call, count, scale))
    return sample


@dataclass(frozen=True)
class Row:
    """One contender in one benchmark. ``ratio`` is the library's cost over this one's
    (1.00 on the library's own row; 0.50 means the library costs half as much)."""

    benchmark: str
    contender: str
    unit: str
    median: float
    low: float
    high: float
    ratio: float


def ratio_rows(benchmark: str, unit: str, sample: Sample, ours: str) -> list[Row]:
    """A row per contender, each compared with ``ours`` round by round (the median of the
    per-round ratios: a slow spell of the machine hits both sides of a ratio alike)."""
    return [
        Row(
            benchmark,
            name,
            unit,
            statistics.median(values),
            min(values),
            max(values),
            statistics.median(a / b for a, b in zip(sample[ours], values, strict=True)),
        )
        for name, values in sample.items()
    ]


def render(rows: list[Row]) -> str:
    """The table, one line per row; the benchmark name only where it changes."""
    head = f"{'benchmark':<32} {'contender':<36} {'median':>9} {'min-max':>13} {'ours/this':>9}"
    lines, last = [head, "-" * len(head)], ""
    for row in rows:
        name = row.benchmark if row.benchmark != last else ""
        spread = f"{_num(row.low)}-{_num(row.high)}"
        lines.append(
            f"{name:<32} {row.contender:<36} {_num(row.median):>6} {row.unit:<2} "
            f"{spread:>13} {row.ratio:>8.2f}x"
        )
        last = row.benchmark
    return "\n".join(lines)


def _num(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def find(rows: list[Row], benchmark: str, contender: str) -> Row | None:
    """The row of ``contender`` in ``benchmark``, if it ran."""
    return next((r for r in rows if r.benchmark == benchmark and r.contender == contender), None)


Column = tuple[str, int, str]
"""A table column: its title, its width and its alignment (``<`` or ``>``)."""


def render_table(columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> str:
    """A plain table: a header, a rule, then one line per row of already formatted cells."""

    def line(cells: Sequence[str]) -> str:
        return " ".join(f"{c:{a}{w}}" for c, (_, w, a) in zip(cells, columns, strict=True))

    head = line([title for title, _, _ in columns])
    return "\n".join([head.rstrip(), "-" * len(head), *(line(r).rstrip() for r in rows)])


def verdict(met: bool) -> str:
    """How a target line ends."""
    return "met" if met else "NOT met"
