"""Rendering of a call-site audit: the text report people read and the JSON tools read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from ._audit import AuditReport
from ._methods import SHUTDOWN_DATE

__all__ = ["render_json", "render_text"]

_COVERAGE = {True: "covered", False: "NOT covered"}


def render_json(report: AuditReport) -> str:
    """The report as JSON with sorted keys, for CI jobs and dashboards."""
    summary = {
        "call_sites": len(report.calls),
        "covered": report.covered,
        "coverage_percent": report.coverage,
        "files_scanned": len(report.files),
        "files_failed": len(report.failures),
        "by_method": report.by_method,
    }
    payload = {
        "root": report.root,
        "shutdown_date": SHUTDOWN_DATE,
        "summary": summary,
        "calls": [{**asdict(call), "label": call.label} for call in report.calls],
        "failures": [asdict(failure) for failure in report.failures],
    }
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False)


def render_text(report: AuditReport) -> str:
    """The report for a terminal: one line per call site, the summary, per-method counts."""
    # file:line:col first, as linters print it, so editors and grep jump straight to the call.
    calls = _aligned(
        [(f"{c.file}:{c.line}:{c.column}", c.label, _COVERAGE[c.covered], c.style,
          c.facade or "-", c.rest) for c in report.calls]
    )  # fmt: skip
    failed = f" ({len(report.failures)} could not be parsed)" if report.failures else ""
    lines = [
        f"Keap XML-RPC call sites in {report.root} (XML-RPC shuts down {SHUTDOWN_DATE})",
        "",
        *(calls or ["No Keap XML-RPC call sites found."]),
        "",
        f"Call sites: {len(report.calls)}; files scanned: {len(report.files)}{failed}",
        f"Covered by the legacy shim: {report.covered} of {len(report.calls)} "
        f"({report.coverage:.1f}%)",
    ]
    if report.calls:
        lines += ["", "By method:", *(f"  {row}" for row in _method_rows(report))]
    if report.failures:
        lines += ["", "Could not parse (skipped):"]
        lines += [f"  {f.file}:{f.line or '?'}: {f.message}" for f in report.failures]
    return "\n".join(lines) + "\n"


def _method_rows(report: AuditReport) -> list[str]:
    # Most frequent first: that is where migrating pays off soonest.
    by_label = {call.label: call for call in report.calls}
    counts = sorted(report.by_method.items(), key=lambda item: (-item[1], item[0]))
    return _aligned(
        [(str(n), label, _COVERAGE[by_label[label].covered], by_label[label].rest)
         for label, n in counts]
    )  # fmt: skip


def _aligned(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Rows as lines, every column but the last padded to its widest cell."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in rows
    ]
