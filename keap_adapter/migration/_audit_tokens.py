"""Tokens of a file Python 3 cannot parse, split into statements, with Python 2 rewritten.

``lex`` uses the standard library's :mod:`tokenize`. When tokenize gives up before the end of
the file (an unterminated triple-quoted string, a dedent to no known level, or the stricter
tokenizer of Python 3.12+, https://docs.python.org/3/whatsnew/3.12.html#changes-in-the-python-api)
a regular-expression lexer reads the whole file instead. Both give the same token shapes, and
neither ever raises.

``rewrite`` turns one statement's Python 2 syntax into Python 3 syntax of the same width, so
line and column numbers stay the file's own: ``print x`` becomes ``(     x)``, ``except X,
e:`` drops ``, e``, backticks become parentheses, ``0777`` and ``10L`` lose what Python 3
rejects (https://docs.python.org/3/whatsnew/3.0.html lists each of these changes).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal, cast

from ._audit_limits import tick

Kind = Literal["name", "number", "string", "op", "error", "nl"]


@dataclass(frozen=True)
class Tok:
    """One token: its kind, its text and where it starts (1-based row, 0-based column)."""

    kind: Kind
    text: str
    row: int
    col: int

    @property
    def end_row(self) -> int:
        """The row the token ends on (a triple-quoted string can span rows)."""
        return self.row + self.text.count("\n")

    @property
    def end_col(self) -> int:
        """The column just after the token."""
        lines = self.text.split("\n")
        return (self.col if len(lines) == 1 else 0) + len(lines[-1])


def lex(text: str) -> list[Tok]:
    """The file's tokens, comments left out; ``nl`` ends every physical line."""
    tokens = _std_tokens(text)
    return tokens if tokens is not None else list(_regex_tokens(text))


# --------------------------------------------------------------------- tokenize, normalised

_KINDS: dict[int, Kind] = {
    tokenize.NAME: "name",
    tokenize.NUMBER: "number",
    tokenize.STRING: "string",
    tokenize.OP: "op",
    tokenize.ERRORTOKEN: "error",
    tokenize.NEWLINE: "nl",
    tokenize.NL: "nl",
}
# Python 3.12+ splits f-strings (3.14: t-strings too) into parts; the audit wants them whole.
_STRING_PARTS = {
    getattr(tokenize, name)
    for name in ("FSTRING_START", "FSTRING_END", "TSTRING_START", "TSTRING_END")
    if hasattr(tokenize, name)
}


def _std_tokens(text: str) -> list[Tok] | None:
    """Tokens from :mod:`tokenize`, or ``None`` if it stopped before the end of the file."""
    out: list[Tok] = []
    lines = text.splitlines(keepends=True)
    try:
        for tok in _merged_strings(tokenize.generate_tokens(io.StringIO(text).readline), lines):
            tick()
            kind = _KINDS.get(tok.type)
            if kind is not None and not (kind == "error" and tok.string.isspace()):
                out.append(Tok(kind, tok.string, tok.start[0], tok.start[1]))
    except tokenize.TokenError as exc:
        row = exc.args[1][0] if len(exc.args) > 1 else 0
        if row <= len(lines):  # not the end-of-file complaint about open brackets
            return None
    except (SyntaxError, ValueError):  # IndentationError is a SyntaxError
        return None
    return _joined(out)


def _merged_strings(
    tokens: Iterator[tokenize.TokenInfo], lines: list[str]
) -> Iterator[tokenize.TokenInfo]:
    """F-string parts (Python 3.12+) as one STRING token sliced from the source."""
    depth, start = 0, (0, 0)
    for tok in tokens:
        if tok.type not in _STRING_PARTS:
            if depth == 0:
                yield tok
        elif tokenize.tok_name[tok.type].endswith("_START"):
            depth, start = depth + 1, (tok.start if depth == 0 else start)
        else:
            depth -= 1
            if depth == 0:
                body = _slice(lines, start, tok.end)
                yield tokenize.TokenInfo(tokenize.STRING, body, start, tok.end, tok.line)


def _slice(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1] : end[1]]
    middle = lines[start[0] : end[0] - 1]
    return "".join([lines[start[0] - 1][start[1] :], *middle, lines[end[0] - 1][: end[1]]])


def _joined(tokens: list[Tok]) -> list[Tok]:
    """Adjacent pieces tokenize splits and the regex lexer keeps whole: ``0777``, ``10L``,
    ``<>``, ``ur"..."``."""
    out: list[Tok] = []
    for tok in tokens:
        last = out[-1] if out else None
        if last is not None and last.end_row == tok.row and last.end_col == tok.col:
            kind = _join_kind(last, tok)
            if kind is not None:
                out[-1] = Tok(kind, last.text + tok.text, last.row, last.col)
                continue
        out.append(tok)
    return out


def _join_kind(left: Tok, right: Tok) -> Kind | None:
    if left.kind == "number" and right.kind in ("number", "name"):
        return "number"
    if (left.text, right.text) == ("<", ">"):
        return "op"
    if left.kind == "name" and right.kind == "string" and _PREFIX.fullmatch(left.text):
        return "string"
    return None


# --------------------------------------------------------------------------- regex lexer

_PREFIX = re.compile(r"[rRbBuUfF]{1,2}")
_LEX = re.compile(
    r"""
      (?P<nl>\r\n|\r|\n)
    | (?P<skip>[ \t\f]+|\\\r?\n|\#[^\r\n]*)
    | (?P<string>[rRbBuUfF]{0,2}(?:'''|\"\"\"|'|"))
    | (?P<number>\.?\d(?:[eE][-+]\d|[\w.])*)
    | (?P<name>\w+)
    | (?P<op>\.\.\.|\*\*=?|//=?|>>=?|<<=?|<>|!=|->|:=|[-+*/%&|^@=<>]=?|[()\[\]{},:;.~])
    | (?P<error>.)
    """,
    re.VERBOSE,
)
_LINE_END, _FILE_END = re.compile(r"[\r\n]|\Z"), re.compile(r"\Z")
_STRING_END = {q: re.compile(rf"(?:\\.|[^\\{q[0]}\r\n])*{q}", re.DOTALL) for q in ("'", '"')} | {
    q: re.compile(rf"(?:\\.|[^\\])*?{q}", re.DOTALL) for q in ("'''", '"""')
}


def _regex_tokens(text: str) -> Iterator[Tok]:
    """Tokens by regular expression: for files tokenize gives up on. Never raises."""
    pos, row, line_start = 0, 1, 0
    while pos < len(text):
        tick()
        match = _LEX.match(text, pos)
        assert match is not None  # the error alternative matches any one character
        kind, end = match.lastgroup, match.end()
        if kind == "string":
            kind, end = _string_end(text, match)
        if kind != "skip":
            yield Tok(cast(Kind, kind), text[pos:end], row, pos - line_start)
        newlines = text.count("\n", pos, end)
        if newlines:
            row, line_start = row + newlines, text.rindex("\n", pos, end) + 1
        pos = end


def _string_end(text: str, opening: re.Match[str]) -> tuple[str, int]:
    """Where the string that ``opening`` starts ends; an unterminated one is an error."""
    quote = opening[0].lstrip("rRbBuUfF")
    body = _STRING_END[quote].match(text, opening.end())
    if body is not None:
        return "string", body.end()
    found = (_LINE_END if len(quote) == 1 else _FILE_END).search(text, opening.end())
    return "error", found.start() if found else len(text)


# ---------------------------------------------------------------------------- statements

_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")


def statements(tokens: list[Tok]) -> list[list[Tok]]:
    """Logical lines: tokens up to a line end outside brackets (unmatched closers ignored)."""
    out: list[list[Tok]] = [[]]
    depth = 0
    for tok in tokens:
        tick()
        if tok.kind == "nl":
            if depth == 0 and out[-1]:
                out.append([])
            continue
        depth = step(tok, depth)
        out[-1].append(tok)
    return [s for s in out if s]


# ------------------------------------------------------------------ Python 2 -> Python 3

_COMPOUND = frozenset(
    {"if", "elif", "else", "for", "while", "with", "try", "except", "finally", "def", "class"}
)
_STATEMENT_KEYWORDS = frozenset({"print", "exec"})
_OCTAL = re.compile(r"0\d+[lL]?")
_LONG = re.compile(r"(?:0[xX][0-9a-fA-F]+|\d+)[lL]")


def rewrite(stmt: list[Tok]) -> list[Tok]:
    """One statement with its Python 2 syntax rewritten to Python 3 of the same width."""
    toks = _backticks([_token_fix(t) for t in _without_broken_strings(stmt)])
    if not toks:  # nothing left but a broken string
        return []
    toks = _except_comma(toks)
    # One simple statement at a time, each up to the next: rewriting them in place, one
    # after another, copied the whole line each time (quadratic in ``print 1; print 2; ...``).
    starts = _starts(toks)
    out: list[Tok] = []
    for start, end in zip(starts, [*starts[1:], len(toks)], strict=True):
        tick()
        out += _statement_keyword(toks[start:end])
    return out


def _without_broken_strings(stmt: list[Tok]) -> list[Tok]:
    """Error tokens dropped; an unterminated string also takes the rest of its row."""
    out: list[Tok] = []
    dead_row = 0
    for tok in stmt:
        if tok.row == dead_row:
            continue
        if tok.kind == "error" and tok.text.lstrip("rRbBuUfF")[:1] in ("'", '"'):
            dead_row = tok.row
        if tok.kind != "error" or tok.text == "`":
            out.append(tok)
    return out


def _token_fix(tok: Tok) -> Tok:
    if tok.kind == "number" and _OCTAL.fullmatch(tok.text) and tok.text.strip("0lL"):
        return replace(tok, text="0")  # 0777: a value the audit never needs
    if tok.kind == "number" and _LONG.fullmatch(tok.text):
        return replace(tok, text=tok.text[:-1])
    if tok.kind == "op" and tok.text == "<>":
        return replace(tok, text="!=")
    if tok.kind == "string" and tok.text[:2].lower() == "ur":
        return replace(tok, text=" " + tok.text[1:])  # ur"..." -> r"...", same width
    return tok


def _backticks(toks: list[Tok]) -> list[Tok]:
    """`x` (repr) -> (x): the two backticks become an opening and a closing parenthesis."""
    out, opened = [], False
    for tok in toks:
        if tok.text != "`":
            out.append(tok)
            continue
        out.append(Tok("op", ")" if opened else "(", tok.row, tok.col))
        opened = not opened
    return out


def _except_comma(toks: list[Tok]) -> list[Tok]:
    """``except X, e:`` -> ``except X:`` (the name is never needed to find calls)."""
    if not toks or toks[0].text != "except":
        return toks
    levels = depths(toks)
    colon = next((i for i, t in enumerate(toks) if t.text == ":" and not levels[i]), -1)
    if colon >= 3 and toks[colon - 2].text == "," and toks[colon - 1].kind == "name":
        return toks[: colon - 2] + toks[colon:]
    return toks


def _starts(toks: list[Tok]) -> list[int]:
    """Where simple statements start: the beginning, after ``;`` and after a compound header."""
    compound = bool(toks) and toks[0].text in _COMPOUND
    levels = depths(toks)
    ends = (";", ":") if compound else (";",)
    return [0] + [
        i + 1
        for i, tok in enumerate(toks[:-1])
        if tok.kind == "op" and tok.text in ends and not levels[i]
    ]


def _statement_keyword(toks: list[Tok]) -> list[Tok]:
    """``print x, y`` / ``exec code`` / ``raise E, "msg"`` as a parenthesised expression.

    ``toks`` is one simple statement, up to and with the ``;`` that ends it, if any.
    """
    first = toks[0]
    if first.kind != "name" or first.text not in _STATEMENT_KEYWORDS | {"raise"}:
        return toks
    levels = depths(toks)
    ends = (i for i in range(len(toks)) if toks[i].text == ";" and not levels[i])
    end = next(ends, len(toks))
    rest = toks[1:end]
    if not rest or not _is_statement(first.text, rest):
        return toks
    if rest[0].text == ">>":  # print >>stream, x
        rest = rest[1:]
    if not rest:
        return toks
    opening = Tok("op", "(", first.row, first.col)
    closing = Tok("op", ")", rest[-1].end_row, rest[-1].end_col)
    return [opening, *rest, closing, *toks[end:]]


def _is_statement(keyword: str, rest: list[Tok]) -> bool:
    if keyword == "raise":  # raise E, "message"
        levels = depths(rest)
        return any(t.text == "," and not levels[i] for i, t in enumerate(rest))
    nxt = rest[0]
    return nxt.kind != "op" or nxt.text in (">>", "-", "+", "~", "[", "{")


def depths(toks: list[Tok]) -> list[int]:
    """The bracket depth before each token (an unmatched closer does not go below 0)."""
    out, depth = [], 0
    for tok in toks:
        out.append(depth)
        depth = step(tok, depth)
    return out


def step(tok: Tok, depth: int) -> int:
    """The bracket depth after ``tok``, from ``depth`` before it (never below 0)."""
    if tok.kind != "op":
        return depth
    if tok.text in _OPENERS:
        return depth + 1
    return max(0, depth - 1) if tok.text in _CLOSERS else depth
