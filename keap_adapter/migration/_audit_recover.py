"""The token-level pass: a module the ast scanner can read, from a file Python 3 cannot parse.

Rather than a second matcher over tokens, which would drift from the ast scanner, the pass
turns the tokens back into Python 3 text at their own rows and columns:

1. the file's tokens (``_audit_tokens.lex``) in logical statements, Python 2 rewritten;
2. all of them rendered as one file and parsed: a Python 2 file with no other damage parses
   here, with its functions and scopes intact;
3. otherwise (a damaged file) each statement is parsed on its own, and one that still fails
   (an unclosed bracket swallows the lines after it, the file ends mid-call) is tried line
   by line, brackets closed, so every intact call is still found. The statements found are
   flattened into one module, which loses function scopes: every function's parameters are
   then treated as rebound names, so no name is followed past one.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from ._audit_limits import tick
from ._audit_scope import parameters
from ._audit_tokens import Tok, depths, lex, rewrite, statements, step

MAX_SPAN = 16  # physical lines one recovered statement may cover
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_SKIPPED_HEADERS = frozenset({"else", "try", "finally", "except", "@"})  # no call sites there
# Words that only ever start a statement, never continue an expression on a new line: a
# recovered span stops before a row that starts with one (``if``, ``for``, ``else`` can
# continue a conditional expression or a comprehension, so they are not here).
_STATEMENT_ONLY = frozenset(
    {
        "def", "class", "return", "import", "from", "try", "except", "finally", "while",
        "with", "raise", "pass", "break", "continue", "global", "nonlocal", "del", "assert",
        "elif", "@",
    }
)  # fmt: skip
# Tokens a cut-off statement cannot end with; dropped before brackets are closed.
_DANGLING = frozenset(
    {
        ".", "=", "+", "-", "*", "/", "//", "%", "**", "|", "&", "^", "<", ">", "==", "!=",
        "<=", ">=", "and", "or", "not", "in", "is", "lambda", "->", ":=",
    }
)  # fmt: skip
_IPYTHON_LINE = re.compile(r"^([ \t]*)([!%].*)$", re.MULTILINE)
# Line magics that run the Python code after them, and their options that take a value.
_CODE_MAGICS = {"time": "", "timeit": "nrp", "prun": "slDT"}
_MAGIC = re.compile(r"%(\w+)[ \t]+")
_OPTION = re.compile(r"-(\w)(\S*)[ \t]+")
_VALUE = re.compile(r"\S+[ \t]+")


@dataclass(frozen=True)
class Recovered:
    """What the token pass could parse of a file, and how to report positions in it."""

    module: ast.Module
    shifts: dict[int, int]  # line -> columns its indentation grew (tabs expanded)
    rebound: tuple[str, ...]  # names to treat as bound more than once


def recover(text: str) -> Recovered:
    """The statements of ``text`` that can be read, as one module (never raises SyntaxError)."""
    # Python reads \r\n and a lone \r as line ends too; one kind keeps rows countable.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", " ")
    shifts = _indent_shifts(text)
    stmts = [r for s in statements(lex(text)) if (r := rewrite(s))]
    whole = parse(_render(stmts, shifts))
    if whole is not None:
        return Recovered(whole, shifts, ())
    module = ast.Module(body=[n for s in stmts for n in _statement(s, shifts)], type_ignores=[])
    return Recovered(module, shifts, tuple(parameters(module)))


def without_ipython(text: str) -> str:
    """A notebook export with its ``!shell`` and ``%magic`` lines turned into ``pass``.

    ``%time``, ``%timeit`` and ``%prun`` run the code after them, which is kept where it is:
    ``%time f()`` becomes ``pass; f()``, of the same width. ``jupyter nbconvert --to script``
    writes magics as ``get_ipython()`` calls, which parse; other exports keep them as typed,
    which do not.
    """
    return _IPYTHON_LINE.sub(_ipython_line, text)


def _ipython_line(match: re.Match[str]) -> str:
    indent, line = match[1], match[2]
    magic = _MAGIC.match(line)
    if magic is None or magic[1] not in _CODE_MAGICS:
        return f"{indent}pass"
    takes_value, at = _CODE_MAGICS[magic[1]], magic.end()
    while option := _OPTION.match(line, at):  # -n 10, -n10, -q
        at = option.end()
        if option[1] in takes_value and not option[2] and (value := _VALUE.match(line, at)):
            at = value.end()
    code = line[at:]
    return f"{indent}{'pass;'.ljust(at)}{code}" if code.strip() else f"{indent}pass"


def parse(text: str) -> ast.Module | None:
    """``text`` as a module, or ``None`` if Python 3 cannot parse it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy code's invalid escapes are not our business
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            return None


def _indent_shifts(text: str) -> dict[int, int]:
    """Lines indented with tabs, and how much wider Python 2's 8-column tabs make them."""
    shifts = {}
    for row, line in enumerate(text.split("\n"), 1):
        indent = line[: len(line) - len(line.lstrip(" \t\f"))]
        if "\t" in indent:
            shifts[row] = len(indent.expandtabs(8)) - len(indent)
    return shifts


# ------------------------------------------------------------------------------ rendering


def _render(stmts: Sequence[list[Tok]], shifts: Mapping[int, int], base_row: int = 1) -> str:
    """The statements as text, each token at its own row and (tab-expanded) column."""
    canvas = _Canvas()
    for stmt in stmts:
        levels = depths(stmt)
        for i, tok in enumerate(stmt):
            tick()
            prev = stmt[i - 1] if i else None
            if prev is not None and tok.row > prev.end_row and not levels[i]:
                canvas.write(prev.end_row - base_row, " \\")  # was a backslash continuation
            canvas.put(tok, tok.col + shifts.get(tok.row, 0), tok.row - base_row)
    return canvas.text()


class _Canvas:
    """Rows of text built piece by piece. Appending to a row kept as one string copied the
    whole row each time: quadratic in a long line (a megabyte of ``x, x, ...`` on one line
    took minutes)."""

    def __init__(self) -> None:
        self._rows: list[list[str]] = []
        self._widths: list[int] = []
        self._last: list[str] = []  # each row's last character, "" while it has none

    def put(self, tok: Tok, col: int, row: int) -> None:
        """``tok`` at ``col`` of ``row`` (its later lines, if any, on the rows after)."""
        parts = tok.text.split("\n")
        self._reach(row + len(parts))
        glue = " " if _word(self._last[row]) and _word(parts[0][:1]) else ""  # never fuse names
        width = self._widths[row]
        self.write(row, (" " * (col - width) if col > width else glue) + parts[0])
        for k, part in enumerate(parts[1:], 1):
            self.write(row + k, part)

    def write(self, row: int, text: str) -> None:
        """``text`` at the end of ``row``."""
        self._reach(row + 1)
        if text:
            self._rows[row].append(text)
            self._widths[row] += len(text)
            self._last[row] = text[-1]

    def text(self) -> str:
        """The rows as one text, a line end after each."""
        return "\n".join("".join(row) for row in self._rows) + "\n"

    def _reach(self, rows: int) -> None:
        for _ in range(rows - len(self._rows)):
            self._rows.append([])
            self._widths.append(0)
            self._last.append("")


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


# ---------------------------------------------------------------- statement by statement


def _statement(stmt: list[Tok], shifts: Mapping[int, int]) -> list[ast.stmt]:
    """One statement's parsed nodes; line by line if it does not parse whole."""
    module = _parse_chunk(stmt, shifts)
    if module is not None:
        return module.body
    rows = _rows(stmt)
    return [node for body in _spans(rows, shifts) for node in body] if len(rows) > 1 else []


def _rows(stmt: list[Tok]) -> list[list[Tok]]:
    rows: list[list[Tok]] = []
    for tok in stmt:
        if rows and rows[-1][0].row == tok.row:
            rows[-1].append(tok)
        else:
            rows.append([tok])
    return rows


def _spans(rows: list[list[Tok]], shifts: Mapping[int, int]) -> Iterator[list[ast.stmt]]:
    """Runs of rows that parse; a row that starts none is skipped."""
    i = 0
    while i < len(rows):
        tick()
        found = _first_span(rows, i, shifts)
        if found is None:
            i += 1
            continue
        last, module = found
        yield module.body
        i = last + 1


def _first_span(
    rows: list[list[Tok]], i: int, shifts: Mapping[int, int]
) -> tuple[int, ast.Module] | None:
    """The longest span of rows from row ``i`` that parses: its last row and its module."""
    for j in _ends(rows, i):
        tick()
        module = _parse_chunk([t for row in rows[i : j + 1] for t in row], shifts)
        if module is not None:
            return j, module
    return None


def _ends(rows: list[list[Tok]], i: int) -> range:
    """Candidate last rows for a span from row ``i``: where its brackets close, or else up
    to ``MAX_SPAN`` rows, longest first."""
    depth, last = 0, min(len(rows), i + MAX_SPAN) - 1
    last = next((k - 1 for k in range(i + 1, last + 1) if rows[k][0].text in _STATEMENT_ONLY), last)
    for j in range(i, last + 1):
        depth = _depth_after(rows[j], depth)
        if depth == 0:
            return range(j, i - 1, -1)
    return range(last, i - 1, -1)


def _depth_after(row: list[Tok], depth: int) -> int:
    for tok in row:
        depth = step(tok, depth)
    return depth


def _parse_chunk(toks: list[Tok], shifts: Mapping[int, int]) -> ast.Module | None:
    """A few rows parsed on their own, with their own line numbers."""
    toks = _prepared(toks)
    if not toks:
        return None
    first = toks[0].row
    indented = toks[0].col + shifts.get(first, 0) > 0
    text = _render([toks], shifts, base_row=first)
    module = parse("if 1:\n" + text if indented else text)  # keeps the columns as they are
    if module is None:
        return None
    body = module.body[0].body if indented and isinstance(module.body[0], ast.If) else module.body
    for node in body:
        ast.increment_lineno(node, first - (2 if indented else 1))  # 2: past the if 1: line
    return ast.Module(body=body, type_ignores=[])


def _prepared(toks: list[Tok]) -> list[Tok]:
    """A statement made to parse alone: brackets closed, a header given a body."""
    head = toks[0].text
    if head in _SKIPPED_HEADERS:
        return []
    if head == "elif":
        toks = [replace(toks[0], text="if"), *toks[1:]]
    toks = _closed(toks)
    if toks and toks[-1].text == ":":
        toks.append(Tok("name", "pass", toks[-1].end_row, toks[-1].end_col + 1))
    return toks


def _closed(toks: list[Tok]) -> list[Tok]:
    """Unmatched closers dropped, dangling operators dropped, open brackets closed."""
    out: list[Tok] = []
    stack: list[str] = []
    for tok in toks:
        if tok.kind == "op" and tok.text in _PAIRS:
            stack.append(_PAIRS[tok.text])
        elif tok.kind == "op" and tok.text in _PAIRS.values():
            if not stack or stack[-1] != tok.text:
                continue
            stack.pop()
        out.append(tok)
    while out and (out[-1].text in _DANGLING or (stack and out[-1].text == ":")):
        out.pop()
    if not out:
        return []
    end = out[-1]
    return out + [Tok("op", c, end.end_row, end.end_col + k) for k, c in enumerate(reversed(stack))]
