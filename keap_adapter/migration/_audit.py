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

Hostile trees (``_audit_limits``, ``_audit_files``): a file over ``max_file_size`` is not read,
one still being read after ``max_file_seconds`` is given up, links out of the folder are not
followed; each is listed as skipped, saying why. Whatever goes wrong reading one file (out of
memory, nested deeper than Python recurses, a codec that cannot decode it) is that file's
failure: the other files' results always make it into the report.

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
from ._audit_files import NotRegular, TooLarge, list_sources, read_source
from ._audit_limits import (
    DEFAULT_MAX_FILE_SECONDS,
    DEFAULT_MAX_FILE_SIZE,
    NOTEBOOK_FACTOR,
    OutOfTime,
    size_text,
    time_limit,
)
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
    "DEFAULT_MAX_FILE_SECONDS",
    "DEFAULT_MAX_FILE_SIZE",
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


_TOO_DEEP = "RecursionError: nested too deeply to read"
_SIZE_OPTION = " (--max-file-size)"


@dataclass(frozen=True)
class FileScan:
    """What the audit found in one file, and how it read it (``failure`` unless parsed)."""

    calls: list[CallSite]
    dynamic: list[DynamicCall]
    failure: ParseFailure | None = None


def audit_path(
    path: str | Path,
    *,
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE,
    max_file_seconds: float | None = DEFAULT_MAX_FILE_SECONDS,
) -> AuditReport:
    """Scan one file, or every Python source under a folder, for Keap XML-RPC calls.

    Raises ``FileNotFoundError`` if ``path`` does not exist. Files Python 3 cannot parse are
    read at token level, and files and folders that cannot be read at all are skipped; both
    are listed in ``failures`` instead of stopping the scan. So are files over
    ``max_file_size`` bytes (for a notebook: its code cells, the file itself may be
    ``NOTEBOOK_FACTOR`` times larger), files still being read after ``max_file_seconds``, and
    links to files or folders outside ``path``; ``None`` lifts a limit. Raises ``ValueError``
    for a limit that is not positive.
    """
    if max_file_size is not None and max_file_size <= 0:
        raise ValueError(f"max_file_size must be positive or None, not {max_file_size}")
    if max_file_seconds is not None and not 0 < max_file_seconds < float("inf"):
        raise ValueError(f"max_file_seconds must be positive or None, not {max_file_seconds}")
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
        scan = _scan_path(base / name, name, max_file_size, max_file_seconds)
        calls += scan.calls
        dynamic += scan.dynamic
        failures += [scan.failure] if scan.failure else []
    calls.sort(key=lambda c: (c.file, c.cell or 0, c.line, c.column))
    dynamic.sort(key=lambda d: (d.file, d.cell or 0, d.line, d.column))
    failures.sort(key=lambda f: (f.file.split("/"), f.cell or 0, f.line or 0))
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
    except RecursionError:  # nesting deeper than the parser goes
        return _skipped(file, _TOO_DEEP)
    try:
        return _ast_scan(module, file)
    except RecursionError:  # a helper that recurses over a deep expression
        return _skipped(file, _TOO_DEEP)


def scan_notebook(data: bytes, file: str = "<notebook>") -> FileScan:
    """Call sites and dispatchers of a Jupyter notebook's code cells, placed by cell."""
    return _scan_notebook(data, file, None)


def _scan_notebook(data: bytes, file: str, max_code: int | None) -> FileScan:
    try:
        notebook = read_notebook(data)
    except (ValueError, RecursionError) as exc:  # not JSON, or not a notebook's shape
        return FileScan([], [], ParseFailure(file, None, f"{type(exc).__name__}: {exc}"))
    if notebook is None:  # another language's kernel: no Python to read
        return FileScan([], [])
    code = len(notebook.text.encode("utf-8", "surrogatepass"))
    if max_code is not None and code > max_code:
        size, limit = size_text(code, max_code)
        return _skipped(
            file, f"too large: its code cells hold {size}, over the {limit} limit{_SIZE_OPTION}"
        )
    scan = scan_file(notebook.text, file)
    failure = notebook.place(scan.failure) if scan.failure else None
    return FileScan(
        [notebook.place(c) for c in scan.calls], [notebook.place(d) for d in scan.dynamic], failure
    )


def _scan_path(
    path: Path, name: str, max_file_size: int | None = None, max_file_seconds: float | None = None
) -> FileScan:
    """One file read and scanned within the limits; whatever goes wrong is its failure."""
    try:
        with time_limit(max_file_seconds):
            return _read_and_scan(path, name, max_file_size)
    except (OutOfTime, TooLarge, NotRegular) as exc:
        return _skipped(name, _over_limit(exc, name, max_file_seconds))
    except MemoryError:
        # Its frames are gone by now, and with them the memory it took: the rest can go on.
        return _skipped(name, "MemoryError: out of memory reading it")
    except RecursionError:
        return _skipped(name, _TOO_DEEP)
    except OSError as exc:
        return _skipped(name, f"{type(exc).__name__}: {exc.strerror or exc}")
    except Exception as exc:  # a reader's bug on one odd file must not lose all the others
        return _skipped(name, f"{type(exc).__name__} in the audit: {exc}")


def _over_limit(exc: OutOfTime | TooLarge | NotRegular, name: str, seconds: float | None) -> str:
    if isinstance(exc, OutOfTime):
        return f"took over {seconds:g} s of CPU time to read, stopped (--max-file-time)"
    if isinstance(exc, NotRegular):
        return str(exc)
    size, limit = size_text(exc.size, exc.limit)
    if name.endswith(".ipynb"):
        return (
            f"too large: {size}, over the {limit} limit for a notebook file "
            f"({NOTEBOOK_FACTOR} times --max-file-size: outputs take room)"
        )
    return f"too large: {size}, over the {limit} limit{_SIZE_OPTION}"


def _read_and_scan(path: Path, name: str, max_file_size: int | None) -> FileScan:
    if not name.endswith(".ipynb"):
        return scan_file(read_source(path, max_file_size), name)
    limit = None if max_file_size is None else max_file_size * NOTEBOOK_FACTOR
    return _scan_notebook(read_source(path, limit), name, max_file_size)


def _skipped(file: str, message: str) -> FileScan:
    return FileScan([], [], ParseFailure(file, None, message))


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
    except RecursionError:
        return _skipped(file, _TOO_DEEP)
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
    # A cookie naming a codec Python does not have (LookupError), or one that cannot replace
    # what it cannot decode: idna refuses errors="replace" and punycode ignores it
    # (https://docs.python.org/3/library/codecs.html#standard-encodings), raising UnicodeError.
    except (SyntaxError, LookupError, UnicodeError):
        return source.decode("utf-8", errors="replace")
