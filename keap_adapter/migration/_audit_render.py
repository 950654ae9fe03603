r"""Rendering of a call-site audit: the text report people read and the JSON tools read.

Both say how complete the count is: a file read at token level (Python 2, damaged) may hide
calls, a skipped file certainly hides them, so neither report shows 100% coverage then, and
an audit that found no call sites shows no percentage at all.

Neither lets the scanned tree write to the terminal. File names, link targets and the code's
own strings (column names, a dispatcher's call) may hold any character but ``/``: a newline
would forge a line of the report (``evil\nC:\fake.py:1:1 ... covered``), an escape sequence
recolour or clear the terminal, a bidirectional override show a name backwards, and a byte
that is not UTF-8 (kept by Python as a lone surrogate) stop the printing. The text report
shows each such character escaped, as ``repr`` does but leaving backslashes as they are
(``evil\nC:``, ``\x1b``, ``\u202e``, ``\xff`` for the undecodable byte 0xff), so a name
with a backslash-n in it reads the same as one with a newline: the JSON report tells them
apart. There the same characters are JSON escapes (``\n``, ``\u001b``, ``\udcff``), which
JSON readers decode back to the exact names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict

from ..backends._fields import READ_ONLY
from ._audit_model import AuditReport, CallSite
from ._methods import SHUTDOWN_DATE

__all__ = ["render_json", "render_text"]

_VERDICT = {"covered": "covered", "partial": "partial", "not covered": "NOT covered"}
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters JSON does not escape by itself and a terminal may not print as themselves:
# anything outside printable ASCII, but the newlines between lines. JSON escapes control
# characters (below U+0020) itself, inside strings; outside them there are none.
_JSON_SUSPECT = re.compile(r"[^\x20-\x7e\n]")


def render_json(report: AuditReport) -> str:
    """The report as JSON with sorted keys, for CI jobs and dashboards."""
    summary = {
        "call_sites": len(report.calls),
        "covered": report.covered,
        "partial": report.partial,
        "not_covered": len(report.calls) - report.covered - report.partial,
        "coverage_percent": report.coverage,
        "complete": report.complete,
        "files_scanned": len(report.files),
        "files_failed": len(report.failures),
        "files_token_level": len(report.token_files),
        "files_skipped": len(report.skipped_files),
        "dynamic_dispatchers": len(report.dynamic),
        "by_method": report.by_method,
    }
    payload = {
        "root": report.root,
        "shutdown_date": SHUTDOWN_DATE,
        "summary": summary,
        "calls": [{**asdict(c), "label": c.label, "covered": c.covered} for c in report.calls],
        "dynamic": [{**asdict(d), "label": d.label} for d in report.dynamic],
        "failures": [asdict(failure) for failure in report.failures],
    }
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False)
    return _JSON_SUSPECT.sub(_json_escape, text)


def render_text(report: AuditReport) -> str:
    """The report for a terminal: one line per call site, the summary, per-method counts."""
    lines = [
        f"Keap XML-RPC call sites in {report.root} (XML-RPC shuts down {SHUTDOWN_DATE})",
        "",
        *(_call_lines(report.calls) or ["No Keap XML-RPC call sites found."]),
        "",
        *_summary(report),
    ]
    if report.calls:
        lines += ["", "By method:", *(f"  {row}" for row in _method_rows(report))]
    if report.dynamic:
        lines += ["", "Dynamic dispatchers (not counted: the method is chosen at run time):"]
        rows = [(d.place, d.label, d.style, d.code) for d in report.dynamic]
        lines += [f"  {row}" for row in _aligned(rows)]
    lines += _failure_lines(report)
    # Table cells are escaped before they are aligned (``_aligned``); this is for the rest
    # (the root, columns, failures' messages), and it leaves escaped text as it is.
    return "\n".join(_shown(line) for line in lines) + "\n"


def _shown(text: str) -> str:
    """``text`` with every character that is not printable escaped (see the docstring)."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if char in _ESCAPES:
        return _ESCAPES[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _json_escape(match: re.Match[str]) -> str:
    """A JSON escape for a character that is not printable, as UTF-16 for one past U+FFFF."""
    char = match.group()
    if char.isprintable():
        return char
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _call_lines(calls: Sequence[CallSite]) -> list[str]:
    # file:line:col first, as linters print it, so editors and grep jump straight to the call.
    rows = _aligned(
        [(c.place, c.label, _VERDICT[c.verdict], _style(c),
          c.facade or "-", c.rest) for c in calls]
    )  # fmt: skip
    lines = []
    for call, row in zip(calls, rows, strict=True):
        lines.append(row)
        table = call.table or "Contact"
        columns = [c for c in call.columns if not c.startswith("(")]
        # Read-only columns are only ever listed when written (the shim reads every one).
        written = [c for c in columns if c in READ_ONLY and table == "Contact"]
        for title, group in (
            ("columns the shim cannot translate", [c for c in columns if c not in written]),
            ("read-only columns written (REST v2 only reads them)", written),
        ):
            if group:
                lines.append(f"    ^ {title}: {', '.join(f'{table}.{c}' for c in group)}")
        # Rules rather than columns ("(no Email ...)"): said as they are.
        rules = (c[1:-1] for c in call.columns if c.startswith("("))
        lines += [f"    ^ the shim refuses it: {rule}" for rule in rules]
    return lines


def _style(call: CallSite) -> str:
    return call.style if call.found_by == "ast" else f"{call.style}[tokens]"


def _summary(report: AuditReport) -> list[str]:
    total = len(report.calls)
    not_covered = total - report.covered - report.partial
    counts = f"{report.covered} covered, {report.partial} partial, {not_covered} not covered"
    dynamic = f"; dynamic dispatchers: {len(report.dynamic)}" if report.dynamic else ""
    return [
        f"Call sites: {total} ({counts}); files scanned: {len(report.files)}{dynamic}",
        f"Covered by the legacy shim: {report.covered} of {total} call sites "
        f"({_share(report)}); {_reading(report)}",
    ]


def _share(report: AuditReport) -> str:
    # 0 of 0 is no evidence of coverage, and all of a partial count is not 100% of the code.
    if report.coverage is not None:
        return f"{report.coverage:.1f}%"
    return "all of those found; files not parsed may hold more" if report.calls else "none found"


def _reading(report: AuditReport) -> str:
    tokens, skipped = len(report.token_files), len(report.skipped_files)
    files = "file" if tokens == 1 else "files"
    return f"{tokens} {files} read at token level only (Python 2 or damaged); {skipped} skipped"


def _failure_lines(report: AuditReport) -> list[str]:
    lines = []
    for read_as, title in (
        ("tokens", "Read at token level only (Python 3 cannot parse them):"),
        ("skipped", "Could not be read (skipped):"),
    ):
        failures = [f for f in report.failures if f.read_as == read_as]
        if failures:
            lines += ["", title, *(f"  {f.place}: {f.message}" for f in failures)]
    return lines


def _method_rows(report: AuditReport) -> list[str]:
    # Most frequent first: that is where migrating pays off soonest.
    by_label: dict[str, list[CallSite]] = {}
    for call in report.calls:
        by_label.setdefault(call.label, []).append(call)
    counts = sorted(report.by_method.items(), key=lambda item: (-item[1], item[0]))
    return _aligned(
        [(str(n), label, _method_verdict(by_label[label]), by_label[label][0].rest)
         for label, n in counts]
    )  # fmt: skip


def _method_verdict(calls: list[CallSite]) -> str:
    partial = sum(c.verdict == "partial" for c in calls)
    if all(c.verdict == "not covered" for c in calls):
        return _VERDICT["not covered"]
    return f"covered ({partial} partial)" if partial else "covered"


def _aligned(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Rows as lines, every column but the last padded to its widest cell, escaped."""
    if not rows:
        return []
    rows = [tuple(_shown(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in rows
    ]
