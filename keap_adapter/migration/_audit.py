"""Find the Keap XML-RPC calls in a Python codebase and say what replaces each one.

``audit_path`` reads every Python source under a folder (``_audit_files`` says which: ``*.py``,
notebooks, scripts with a Python shebang, dot folders but not tools' own); it never imports
or runs them. A file Python 3 parses goes through the :mod:`ast` scanner (``_audit_ast``,
which lists the call styles it recognises). A Jupyter notebook's code cells are read as one
module (``_audit_notebook``), its call sites placed by cell and line. A notebook export is
parsed without its ``!shell`` and ``%magic`` lines (keeping the code after ``%time``). Any
other file Python 3 rejects (Python 2, damaged, truncated) is read at token level
(``_audit_recover``): the same scanner over what can be recovered, its call sites marked
``found_by="tokens"`` and the file listed in ``failures`` with ``read_as="tokens"``; a file or
folder that cannot be read at all is listed with ``read_as="skipped"``. So a report never
claims completeness it does not have.

The method map in ``_methods`` says whether the legacy shim covers a call and which facade
call and REST v2 endpoint replace it; ``_audit_columns`` says which named columns it cannot
translate. Generic dispatchers (``getattr(client, service + "." + method)``) are listed
apart in ``dynamic``: they are not call sites of one method.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path

from ._audit_ast import Scanner
from ._audit_files import list_sources
from ._audit_model import (
    DYNAMIC,
    AuditReport,
    CallSite,
    DynamicCall,
    FoundBy,
    ParseFailure,
    ReadAs,
    Style,
    Verdict,
)
from ._audit_notebook import read_notebook
from ._audit_recover import parse, recover, without_ipython

__all__ = [
    "DYNAMIC",
    "AuditReport",
    "CallSite",
    "DynamicCall",
    "FileScan",
    "FoundBy",
    "ParseFailure",
    "ReadAs",
    "Style",
    "Verdict",
    "audit_path",
    "scan_file",
    "scan_notebook",
    "scan_source",
]


@dataclass(frozen=True)
class FileScan:
    """What the audit found in one file, and how it read it (``failure`` unless parsed)."""

    calls: list[CallSite]
    dynamic: list[DynamicCall]
    failure: ParseFailure | None = None


def audit_path(path: str | Path) -> AuditReport:
    """Scan one file, or every Python source under a folder, for Keap XML-RPC calls.

    Raises ``FileNotFoundError`` if ``path`` does not exist. Files Python 3 cannot parse are
    read at token level, and files and folders that cannot be read at all are skipped; both
    are listed in ``failures`` instead of stopping the scan.
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no such file or directory: {root}")
    base = root if root.is_dir() else root.parent
    listing = list_sources(root)
    names = listing.files
    calls: list[CallSite] = []
    dynamic: list[DynamicCall] = []
    failures: list[ParseFailure] = list(listing.failures)
    for name in names:
        scan = _scan_path(base / name, name)
        calls += scan.calls
        dynamic += scan.dynamic
        failures += [scan.failure] if scan.failure else []
    calls.sort(key=lambda c: (c.file, c.cell or 0, c.line, c.column))
    dynamic.sort(key=lambda d: (d.file, d.cell or 0, d.line, d.column))
    return AuditReport(str(path), tuple(calls), tuple(names), tuple(failures), tuple(dynamic))


def scan_source(source: str | bytes, file: str = "<string>") -> list[CallSite]:
    """The call sites in one module's source (read at token level if it does not parse)."""
    return scan_file(source, file).calls


def scan_file(source: str | bytes, file: str = "<string>") -> FileScan:
    """Call sites and dispatchers of one module's source, and how it was read."""
    try:
        module = _parse(source, file)
    except (SyntaxError, ValueError) as exc:
        return _token_scan(_text(source), file, exc)
    except RecursionError as exc:  # nesting deeper than the parser goes
        return FileScan([], [], ParseFailure(file, None, f"RecursionError: {exc}"))
    return _ast_scan(module, file)


def scan_notebook(data: bytes, file: str = "<notebook>") -> FileScan:
    """Call sites and dispatchers of a Jupyter notebook's code cells, placed by cell."""
    try:
        notebook = read_notebook(data)
    except (ValueError, RecursionError) as exc:  # not JSON, or not a notebook's shape
        return FileScan([], [], ParseFailure(file, None, f"{type(exc).__name__}: {exc}"))
    if notebook is None:  # another language's kernel: no Python to read
        return FileScan([], [])
    scan = scan_file(notebook.text, file)
    failure = notebook.place(scan.failure) if scan.failure else None
    return FileScan(
        [notebook.place(c) for c in scan.calls], [notebook.place(d) for d in scan.dynamic], failure
    )


def _scan_path(path: Path, name: str) -> FileScan:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileScan([], [], ParseFailure(name, None, f"{type(exc).__name__}: {exc}"))
    return scan_notebook(data, name) if name.endswith(".ipynb") else scan_file(data, name)


def _parse(source: str | bytes, file: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy code's invalid escapes are not our business
        return ast.parse(source, filename=file)


def _ast_scan(module: ast.Module, file: str) -> FileScan:
    calls, dynamic = Scanner(file, module).scan()
    return FileScan(calls, dynamic)


def _token_scan(text: str, file: str, exc: SyntaxError | ValueError) -> FileScan:
    notebook = without_ipython(text)
    if notebook != text and (module := parse(notebook)) is not None:
        return _ast_scan(module, file)  # shell and magic lines hold no Python to miss
    try:
        found = recover(notebook)
        scanner = Scanner(
            file, found.module, found_by="tokens", shifts=found.shifts, extra_bound=found.rebound
        )
        calls, dynamic = scanner.scan()
    except RecursionError as deep:
        return FileScan([], [], ParseFailure(file, None, f"RecursionError: {deep}"))
    return FileScan(calls, dynamic, _failure(file, exc, "tokens"))


def _failure(file: str, exc: SyntaxError | ValueError, read_as: ReadAs) -> ParseFailure:
    if isinstance(exc, SyntaxError):
        return ParseFailure(file, exc.lineno, f"{type(exc).__name__}: {exc.msg}", read_as)
    return ParseFailure(file, None, f"{type(exc).__name__}: {exc}", read_as)


def _text(source: str | bytes) -> str:
    """Bytes decoded as Python would (coding cookie, BOM), undecodable bytes replaced."""
    if isinstance(source, str):
        return source
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        return source.decode(encoding, errors="replace")
    except (SyntaxError, LookupError):  # a cookie naming a codec Python does not have
        return source.decode("utf-8", errors="replace")
