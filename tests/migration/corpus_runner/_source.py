"""The corpus as the call-site audit reads it: one ast per file, and each call site's node.

A file Python 3 parses is its own ast. A notebook export is parsed without its ``!shell``
and ``%magic`` lines, and any other file Python 3 rejects (Python 2, damaged) is the audit's
token-level rewrite (``_audit_recover.recover``): the same three readings, in the same
order, as ``keap_adapter.migration._audit.scan_file``. A Jupyter notebook is its code cells
as the audit joins them (``_audit_notebook.read_notebook``), a call site's cell and line
placed back in that text. So the call a test runs is the call
the audit judged, with the arguments the audit saw (a damaged call's missing bracket closed,
a Python 2 ``print`` statement made an expression, a field list cut off by the end of the
file ending where the audit's reading ends it).
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import CodeType

from keap_adapter.migration import CallSite
from keap_adapter.migration._audit_notebook import Notebook, read_notebook
from keap_adapter.migration._audit_recover import parse, recover, without_ipython

CORPUS = Path(__file__).parent.parent / "legacy_corpus"
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Audited:
    """One corpus file's module as the audit reads it."""

    file: str  # relative to the corpus, as CallSite.file spells it
    module: ast.Module
    shifts: dict[int, int]  # line -> columns its indentation grew (tabs expanded)
    parents: dict[int, ast.AST]  # id(node) -> its parent
    notebook: Notebook | None = None  # a .ipynb file: where its cells are in ``module``

    def locate(self, site: CallSite) -> ast.Call:
        """The call node the audit reported as ``site``: the outermost call starting there."""
        line = site.line
        if self.notebook is not None and site.cell is not None:
            line += self.notebook.starts[self.notebook.cells.index(site.cell)] - 1
        found = [
            node
            for node in ast.walk(self.module)
            if isinstance(node, ast.Call)
            and node.lineno == line
            and node.col_offset + 1 - self.shifts.get(node.lineno, 0) == site.column
        ]
        if not found:
            raise LookupError(f"no call at {site.file}:{site.line}:{site.column}")
        return max(found, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The innermost function (``def``) around ``node``, if any."""
        parent = self.parents.get(id(node))
        while parent is not None:
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return parent
            parent = self.parents.get(id(parent))
        return None


@cache
def audited(file: str) -> Audited:
    """``file`` (relative to the corpus) read as the audit reads it."""
    data = (CORPUS / file).read_bytes()
    notebook = read_notebook(data) if file.endswith(".ipynb") else None
    module, shifts = _read(notebook.text.encode() if notebook is not None else data)
    parents = {id(child): node for node in ast.walk(module) for child in ast.iter_child_nodes(node)}
    return Audited(file, module, shifts, parents, notebook)


def _read(data: bytes) -> tuple[ast.Module, dict[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in legacy strings
        try:
            return ast.parse(data), {}
        except (SyntaxError, ValueError):
            pass
    text = _text(data)
    notebook = without_ipython(text)
    if notebook != text and (module := parse(notebook)) is not None:
        return module, {}
    found = recover(notebook)
    return found.module, found.shifts


def _text(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding, errors="replace")


def own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function or module body, not those of nested functions or classes."""
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))


def parameters(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    a = func.args
    return {x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if x}


def loaded_names(node: ast.AST) -> list[str]:
    """The simple names ``node`` reads, in source order, each once."""
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    names.sort(key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in names))


def compiled(node: ast.stmt | ast.expr, filename: str) -> CodeType:
    """``node`` compiled on its own (a statement to exec, an expression to eval)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in legacy strings
        if isinstance(node, ast.expr):
            return compile(ast.Expression(node), filename, "eval")
        return compile(ast.Module([node], type_ignores=[]), filename, "exec")
