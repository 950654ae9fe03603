"""What the call-site audit reports, as data: call sites, dynamic dispatchers, unparsed files.

Kept apart from the scanners so that the scanners, the token-level pass and the renderers all
share one set of result types without importing each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

Style = Literal["attribute", "service_call", "getattr", "string_name"]
FoundBy = Literal["ast", "tokens"]
"""``ast``: the file parsed as Python 3. ``tokens``: it did not, and the token-level pass
(Python 2 syntax rewritten, damaged statements recovered one by one) found the call."""
Verdict = Literal["covered", "partial", "not covered"]
ReadAs = Literal["tokens", "skipped"]

DYNAMIC = "<dynamic>"
"""Stands for a service or method name that is only known at run time."""


@dataclass(frozen=True)
class CallSite:
    """One XML-RPC call in the scanned code and what replaces it.

    ``verdict`` is ``covered`` when the legacy shim runs the call unchanged, ``partial`` when
    it runs the method but not every column the call names literally (those are in
    ``columns``), and ``not covered`` otherwise.
    """

    file: str  # relative to the scanned folder, with forward slashes
    line: int
    column: int  # 1-based, as editors and linters print it
    method: str
    table: str | None
    verdict: Verdict
    facade: str | None
    rest: str
    style: Style
    found_by: FoundBy = "ast"
    columns: tuple[str, ...] = ()  # named columns the shim cannot translate
    # In a notebook (.ipynb): the cell, counted from 1 over all cells (markdown too), and
    # ``line`` is the line within that cell.
    cell: int | None = None

    @property
    def place(self) -> str:
        """``file:line:column``, ``sync.ipynb[cell 3]:2:1`` in a notebook."""
        return f"{where(self.file, self.cell)}:{self.line}:{self.column}"

    @property
    def covered(self) -> bool:
        """The legacy shim runs this call unchanged (every named column included)."""
        return self.verdict == "covered"

    @property
    def label(self) -> str:
        """``DataService.query('Contact')`` or ``ContactService.add``."""
        return f"{self.method}('{self.table}')" if self.table else self.method


@dataclass(frozen=True)
class DynamicCall:
    """A generic dispatcher: an XML-RPC call whose service or method is chosen at run time.

    ``getattr(client, service + "." + method)``, ``server._ServerProxy__request(name, args)``
    and the like are not call sites of one method, so they are listed apart and not counted:
    each needs a person to read which methods flow through it.
    """

    file: str
    line: int
    column: int
    service: str | None  # the service, when only the method is dynamic
    style: Style
    code: str  # the call, unparsed and shortened
    found_by: FoundBy = "ast"
    cell: int | None = None  # as CallSite.cell

    @property
    def place(self) -> str:
        """``file:line:column``, as CallSite.place."""
        return f"{where(self.file, self.cell)}:{self.line}:{self.column}"

    @property
    def label(self) -> str:
        """``ContactService.<dynamic>`` or ``<dynamic>``."""
        return f"{self.service}.{DYNAMIC}" if self.service else DYNAMIC


@dataclass(frozen=True)
class ParseFailure:
    """A file Python 3 could not parse: read at token level instead, or skipped.

    Skipped, ``message`` says why: it could not be read, it is over the audit's size or time
    limit, or it is a link out of the scanned folder. ``file`` may be a folder that could not
    be listed, or a link to a folder outside (skipped, with what it held).
    """

    file: str
    line: int | None
    message: str
    read_as: ReadAs = "skipped"
    cell: int | None = None  # as CallSite.cell

    @property
    def place(self) -> str:
        """``file:line`` (``?`` for no line), as CallSite.place."""
        return f"{where(self.file, self.cell)}:{self.line or '?'}"


def where(file: str, cell: int | None) -> str:
    """The file, with the notebook cell when there is one: ``sync.ipynb[cell 3]``."""
    return file if cell is None else f"{file}[cell {cell}]"


@dataclass(frozen=True)
class AuditReport:
    """Every call site found under ``root`` (sorted by file, line, column) and the files seen."""

    root: str
    calls: tuple[CallSite, ...]
    files: tuple[str, ...]
    failures: tuple[ParseFailure, ...] = ()
    dynamic: tuple[DynamicCall, ...] = ()

    @property
    def covered(self) -> int:
        """How many call sites the legacy shim runs unchanged."""
        return sum(call.verdict == "covered" for call in self.calls)

    @property
    def partial(self) -> int:
        """How many call sites the shim runs, but without some of the columns they name."""
        return sum(call.verdict == "partial" for call in self.calls)

    @property
    def coverage(self) -> float | None:
        """Covered call sites in percent of those found, one decimal.

        ``None`` when no call site was found, or when all found are covered but some file was
        not parsed (it may hold more): neither is evidence of 100%. Never rounds up to 100.0
        while a call site is not covered.
        """
        if not self.calls or (self.covered == len(self.calls) and not self.complete):
            return None
        percent = round(100 * self.covered / len(self.calls), 1)
        return 99.9 if percent == 100.0 and self.covered < len(self.calls) else percent

    @property
    def token_files(self) -> tuple[str, ...]:
        """Files Python 3 could not parse, read at token level (Python 2 or damaged)."""
        return tuple(f.file for f in self.failures if f.read_as == "tokens")

    @property
    def skipped_files(self) -> tuple[str, ...]:
        """Files (and folders) the audit did not read: unreadable, over a limit, or outside."""
        return tuple(f.file for f in self.failures if f.read_as == "skipped")

    @property
    def complete(self) -> bool:
        """Every file was parsed as Python 3, so the call sites found are all there are."""
        return not self.failures

    @property
    def by_method(self) -> dict[str, int]:
        """Call sites per label (``DataService.query('Contact')``), sorted by label."""
        return dict(sorted(Counter(call.label for call in self.calls).items()))
