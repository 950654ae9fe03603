"""Jupyter notebooks (``*.ipynb``): their code cells as one module, and where each line was.

The code cells are read from the notebook's JSON (nbformat 4, and nbformat 3's worksheets)
and put one after another, as the kernel runs them, so a name bound in one cell is followed
in the next. What is not Python becomes blank or ``pass`` at its own place, so lines and
columns stay the cell's own:

* a cell magic's line (``%%time``); the whole cell when the magic runs something other than
  Python (``%%bash``, ``%%html``, ``%%sql``...). A cell magic the audit does not know keeps
  its body: if that is not Python either, the notebook is read at token level, never taken
  for complete;
* line magics and shell lines (``_audit_recover.without_ipython``), keeping the code after
  ``%time``, ``%timeit`` and ``%prun``, which run it.

A call site is reported with ``file`` the notebook, ``cell`` the cell's number (from 1, every
cell counted, markdown too, as the notebook shows them top to bottom) and ``line`` the line
within that cell.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from ._audit_model import CallSite, DynamicCall, ParseFailure
from ._audit_recover import without_ipython

# Cell magics whose body is another language: left out. Any other cell magic keeps its body:
# ``%%time``, ``%%timeit``, ``%%prun``, ``%%capture`` run it in the kernel, ``%%python3`` in a
# subprocess, and ``%%writefile x.py`` (a Python file name) writes Python to run later.
_WRITES_FILE = frozenset({"writefile", "file"})
_OTHER_CELLS = frozenset(
    {
        "bash", "sh", "script", "system", "html", "HTML", "javascript", "js", "latex", "markdown",
        "svg", "perl", "ruby", "sql", "R", "sx", "writefile", "file", "cmd", "powershell",
    }
)  # fmt: skip

Placed = TypeVar("Placed", CallSite, DynamicCall, ParseFailure)


@dataclass(frozen=True)
class Notebook:
    """A notebook's code cells as one module's text, and where each cell starts in it."""

    text: str
    cells: tuple[int, ...]  # the cell number of each code cell, in order
    starts: tuple[int, ...]  # the line of ``text`` each of those cells starts on

    def place(self, found: Placed) -> Placed:
        """``found`` with its line turned into a cell and the line within that cell."""
        if found.line is None or not self.starts:
            return found
        index = max(bisect.bisect_right(self.starts, found.line) - 1, 0)
        return replace(found, cell=self.cells[index], line=found.line - self.starts[index] + 1)


def read_notebook(data: bytes) -> Notebook | None:
    """The notebook in ``data``; ``None`` if its kernel runs another language than Python.

    The whole of ``data`` is parsed, outputs included, at up to 25 times its size in memory:
    the audit reads no notebook file over ``NOTEBOOK_FACTOR`` times its size cap (10 MB).

    Raises ``ValueError`` (``json.JSONDecodeError`` is one) if ``data`` is no notebook.
    """
    notebook = json.loads(data)
    if not isinstance(notebook, dict):
        raise ValueError("not a Jupyter notebook: no top-level object")
    if not _python_kernel(notebook.get("metadata")):
        return None
    cells = _cells(notebook)
    lines: list[str] = []
    numbers: list[int] = []
    starts: list[int] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            raise ValueError(f"not a Jupyter notebook: cell {number} is not an object")
        if cell.get("cell_type") != "code":
            continue
        code = _code_lines(_source(cell, number))
        if code:
            numbers.append(number)
            starts.append(len(lines) + 1)
            lines += code
    return Notebook(without_ipython("\n".join(lines) + "\n"), tuple(numbers), tuple(starts))


def _python_kernel(metadata: Any) -> bool:
    if not isinstance(metadata, dict):
        return True
    kernel, info = metadata.get("kernelspec"), metadata.get("language_info")
    language = (kernel.get("language") if isinstance(kernel, dict) else None) or (
        info.get("name") if isinstance(info, dict) else None
    )
    return not isinstance(language, str) or language.lower().startswith("python")


def _cells(notebook: dict[str, Any]) -> list[Any]:
    if "worksheets" not in notebook:
        return _list(notebook.get("cells"), "cells")
    sheets = _list(notebook["worksheets"], "worksheets")  # nbformat 3
    if not all(isinstance(sheet, dict) for sheet in sheets):
        raise ValueError("not a Jupyter notebook: a worksheet is not an object")
    return [cell for sheet in sheets for cell in _list(sheet.get("cells", []), "cells")]


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"not a Jupyter notebook: {name} is not a list")
    return value


def _source(cell: dict[str, Any], number: int) -> str:
    source = cell.get("source", cell.get("input", ""))  # nbformat 3 calls it input
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise ValueError(f"not a Jupyter notebook: cell {number}'s source is not text")
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _code_lines(source: str) -> list[str]:
    """The cell's lines, with a cell magic's line (and a non-Python body) blanked."""
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].startswith("%%"):
        return lines
    name, *arguments = lines[0][2:].split() or [""]
    writes_python = name in _WRITES_FILE and any(a.endswith(".py") for a in arguments)
    if name in _OTHER_CELLS and not writes_python:
        return ["" for _ in lines]
    return ["", *lines[1:]]
