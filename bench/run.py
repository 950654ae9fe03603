"""Benchmarks, printed as one table: ``python bench/run.py`` (``--quick`` for a smoke run).

1. Reading a 1000-row XML-RPC query answer: the hardened lxml reader vs stdlib
   ``xmlrpc.client.loads`` (what every other Python client uses), same result.
2. Building the ``contacts.get`` request: the REST codec vs an ``httpx.Request`` made from
   strings (what the codec did before it kept the URL parts).
3. One 1000-contact page into ``Contact`` models, REST v2 vs XML-RPC.
4. Client CPU per call against a loopback FakeKeap in another process: ``contacts.get`` and
   a page of ``contacts.list``, REST (vs the official SDK and plain httpx) and XML-RPC (vs
   stdlib ``ServerProxy``), every client asking for the same fields.

Figures are medians over rounds in which the contenders take turns, with the spread over
rounds; time is this process's CPU time, so the server and neighbours do not count.
"""

from __future__ import annotations

import argparse
import os
import sys

from bench import _calls, _reader
from bench._stats import Row, find, render

# (what, benchmark, contender, bound): the library's cost over the contender's must stay
# within ``bound`` (issue 9's targets).
TARGETS = (
    ("REST call CPU at most the official SDK's", "contacts.get, REST",
     "official SDK (keap-core-v2-sdk)", 1.0),
    ("REST call CPU at most 1.15x raw httpx", "contacts.get, REST",
     "httpx.Client.get + .json()", 1.15),
    ("XML-RPC call CPU at most 2x stdlib ServerProxy", "contacts.get, XML-RPC",
     "stdlib ServerProxy", 2.0),
    ("XML-RPC reader at least 3x xmlrpc.client.loads", _reader.READER,
     "xmlrpc.client.loads", 1 / 3),
)  # fmt: skip


def targets(rows: list[Row]) -> list[str]:
    """One line per target: the measured ratio and whether it is met."""
    lines = []
    for what, benchmark, contender, bound in TARGETS:
        row = find(rows, benchmark, contender)
        if row is None:
            lines.append(f"  {what}: not run")
            continue
        # row.ratio: the library's cost over the contender's
        shown = f"{1 / row.ratio:.2f}x faster" if bound < 1 else f"{row.ratio:.2f}x theirs"
        lines.append(f"  {what}: {shown} -> {'met' if row.ratio <= bound else 'NOT met'}")
    return lines


def main() -> None:
    """Run every benchmark and print one table, then the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    quick = parser.parse_args().quick
    rounds, calls = (3, 20) if quick else (9, 100)
    rows = [
        *_reader.reader(rounds),
        *_reader.request_building(rounds),
        *_reader.pages(rounds),
    ]
    with _calls.loopback_server() as server:
        rows += _calls.rest_calls(server, rounds, calls)
        rows += _calls.xmlrpc_calls(server, rounds, calls)
    print(render(rows))
    print(f"\n(median and min-max of {rounds} rounds, CPU time in this process; ours/this =")
    print(" median over rounds of the library's cost over this one's, below 1.00x the library")
    print(f" is cheaper; python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print("\ntargets:")
    print("\n".join(targets(rows)))


if __name__ == "__main__":
    main()
