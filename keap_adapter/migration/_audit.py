"""Find the Keap XML-RPC calls in a Python codebase and say what replaces each one.

``audit_path`` parses every ``*.py`` file with :mod:`ast` (it never imports or runs them); the
method map in ``_methods`` says whether the legacy shim covers a call and which facade call and
REST v2 endpoint replace it. The styles it recognises (``CallSite.style``):

* ``attribute``: ``server.ContactService.add(key, ...)`` on a ``ServerProxy`` or any object
  (theY4Kman's ``infusionsoft.ContactService.add(...)``), also via ``svc = x.ContactService``.
* ``service_call``: the Official-API-Python-Library's ``infusionsoft.ContactService('add', ...)``.
* ``getattr``: ``getattr(server, "ContactService.add")``, ``getattr(server.ContactService, "add")``.
* ``string_name``: a call whose first argument is ``"ContactService.add"``
  (``server._ServerProxy__request``, home-made ``call``/``execute`` helpers), and
  ``xmlrpc.client.dumps(params, "ContactService.add")``.

Method names and DataService tables may be literals or string constants bound once in the
module or an enclosing function.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ._methods import METHODS, SERVICES, lookup, rest_alternative

Style = Literal["attribute", "service_call", "getattr", "string_name"]
# Where a DataService table sits: after the key (ServerProxy.__request, dumps), first (wrappers
# that add the key themselves) or unknown (attribute calls can be either), then we guess.
_Layout = Literal["keyed", "keyless", "guess"]

DYNAMIC = "<dynamic>"
"""The method part of a call site whose method name is not a literal (``getattr(s.X, name)``)."""

_METHOD_RE = re.compile(rf"^(?:{'|'.join(sorted(SERVICES))})\.\w+$")
_TABLE_RE = re.compile(r"^[A-Z]\w*$")
# The table-taking DataService methods are exactly those the map has per-table rows for.
_TABLE_METHODS = frozenset(m.method for m in METHODS if m.table is not None)
_UNMAPPED = rest_alternative("")  # its answer for a method the map does not know
_CONTACT_REST = {m.method: m.rest for m in METHODS if m.table == "Contact"}
_SKIP_DIRS = frozenset({"__pycache__", "site-packages", "node_modules"})
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class CallSite:
    """One XML-RPC call in the scanned code and what replaces it."""

    file: str  # relative to the scanned folder, with forward slashes
    line: int
    column: int  # 1-based, as editors and linters print it
    method: str
    table: str | None
    covered: bool
    facade: str | None
    rest: str
    style: Style

    @property
    def label(self) -> str:
        """``DataService.query('Contact')`` or ``ContactService.add``."""
        return f"{self.method}('{self.table}')" if self.table else self.method


@dataclass(frozen=True)
class ParseFailure:
    """A file the audit could not parse; the scan goes on without it."""

    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class AuditReport:
    """Every call site found under ``root`` (sorted by file, line, column) and the files seen."""

    root: str
    calls: tuple[CallSite, ...]
    files: tuple[str, ...]
    failures: tuple[ParseFailure, ...] = ()

    @property
    def covered(self) -> int:
        """How many call sites the legacy shim runs unchanged."""
        return sum(call.covered for call in self.calls)

    @property
    def coverage(self) -> float:
        """Covered call sites in percent, one decimal; 100.0 when there are none."""
        return round(100 * self.covered / len(self.calls), 1) if self.calls else 100.0

    @property
    def by_method(self) -> dict[str, int]:
        """Call sites per label (``DataService.query('Contact')``), sorted by label."""
        return dict(sorted(Counter(call.label for call in self.calls).items()))


def audit_path(path: str | Path) -> AuditReport:
    """Scan one ``.py`` file, or every ``*.py`` under a folder, for Keap XML-RPC calls.

    Raises ``FileNotFoundError`` if ``path`` does not exist. Files that do not parse (Python 2
    syntax, say) are listed in ``failures`` instead of stopping the scan.
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no such file or directory: {root}")
    base = root if root.is_dir() else root.parent
    names = [p.relative_to(base).as_posix() for p in _python_files(root)]
    calls: list[CallSite] = []
    failures: list[ParseFailure] = []
    for name in names:
        try:
            calls += scan_source((base / name).read_bytes(), name)
        except SyntaxError as exc:
            failures.append(ParseFailure(name, exc.lineno, f"{type(exc).__name__}: {exc.msg}"))
        except (OSError, ValueError, RecursionError) as exc:  # unreadable, NUL bytes, too deep
            failures.append(ParseFailure(name, None, f"{type(exc).__name__}: {exc}"))
    calls.sort(key=lambda c: (c.file, c.line, c.column))
    return AuditReport(str(path), tuple(calls), tuple(names), tuple(failures))


def scan_source(source: str | bytes, file: str = "<string>") -> list[CallSite]:
    """The call sites in one module's source; raises ``SyntaxError`` if it does not parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy code's invalid escapes are not our business
        module = ast.parse(source, filename=file)
    scanner = _Scanner(file, module)
    scanner.visit(module)
    return scanner.sites


def _python_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.py") if p.is_file() and _ours(p.relative_to(root)))


def _ours(relative: Path) -> bool:
    # Hidden folders (.venv, .git, .tox) and the like hold other people's code.
    return not any(d.startswith(".") or d in _SKIP_DIRS for d in relative.parts[:-1])


# Name resolution: which simple names hold a string constant or a Keap service object.


@dataclass(frozen=True)
class _Service:
    """``name = <anything>.ContactService``: calls on ``name`` are ContactService calls."""

    name: str


_Binding = str | _Service | None  # None: bound to something we do not follow


@dataclass(frozen=True)
class _Scope:
    names: dict[str, _Binding]
    is_class: bool


def _scope_of(node: ast.AST) -> _Scope:
    """What a module, class or function binds; only a name bound exactly once is followed."""
    own = list(_own_nodes(node))
    values: dict[str, ast.expr | None] = {}
    for child in own:
        if isinstance(child, ast.Assign):
            values.update((t.id, child.value) for t in child.targets if isinstance(t, ast.Name))
        elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
            values[child.target.id] = child.value
    counts = Counter(_bound_names(node, own))
    names = {name: _binding(values.get(name)) if n == 1 else None for name, n in counts.items()}
    return _Scope(names, is_class=isinstance(node, ast.ClassDef))


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The scope's nodes, not descending into nested functions, lambdas or classes."""
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (*_DEFS, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


def _bound_names(scope: ast.AST, own: list[ast.AST]) -> Iterator[str]:
    # Every binding counts, so a name also bound by a loop, import or parameter is no constant.
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = scope.args
        yield from (x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if x)
    for node in own:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from (alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, _DEFS):
            yield node.name


def _binding(value: ast.expr | None) -> _Binding:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Attribute) and value.attr in SERVICES:
        return _Service(value.attr)
    return _getattr_service(value)


def _getattr_service(value: ast.expr | None) -> _Service | None:
    """``getattr(proxy, "DataService")``: the service, named in a string."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return None
    name = value.args[1] if len(value.args) >= 2 else None
    if value.func.id == "getattr" and isinstance(name, ast.Constant) and name.value in SERVICES:
        return _Service(str(name.value))
    return None


# The scanner: one matcher per style, first match wins, at most one call site per call.


@dataclass(frozen=True)
class _Match:
    method: str
    args: list[ast.expr]  # the XML-RPC parameters as written, with the key if the style has it
    layout: _Layout
    style: Style


class _Scanner(ast.NodeVisitor):
    """Collects the Keap XML-RPC call sites of one parsed module."""

    def __init__(self, file: str, module: ast.Module) -> None:
        self.file = file
        self.sites: list[CallSite] = []
        self._scopes = [_scope_of(module)]
        self._claimed: set[int] = set()  # getattr(...) calls reported with their outer call

    def visit_Call(self, node: ast.Call) -> None:
        match = None if id(node) in self._claimed else self._match(node)
        if match is not None:
            self.sites.append(self._site(node, match))
        self.generic_visit(node)

    def _visit_scope(self, node: ast.AST) -> None:
        # Decorators and defaults get the inner scope too: harmless unless a parameter shadows
        # a constant that its own default uses.
        self._scopes.append(_scope_of(node))
        self.generic_visit(node)
        self._scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _visit_scope

    def _match(self, node: ast.Call) -> _Match | None:
        matchers = (self._attribute, self._service_call, self._getattr, self._string_name)
        return next((m for m in (matcher(node) for matcher in matchers) if m), None)

    def _attribute(self, node: ast.Call) -> _Match | None:
        """``<anything>.ContactService.add(...)``, or ``svc.add(...)`` with ``svc`` a service."""
        func = node.func
        if not isinstance(func, ast.Attribute) or (service := self._service(func.value)) is None:
            return None
        return _Match(f"{service}.{func.attr}", node.args, "guess", "attribute")

    def _service_call(self, node: ast.Call) -> _Match | None:
        """``infusionsoft.ContactService('add', ...)``: the wrapper adds the key itself."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in SERVICES and node.args):
            return None
        method = f"{func.attr}.{_identifier(self._string(node.args[0]))}"
        return _Match(method, node.args[1:], "keyless", "service_call")

    def _getattr(self, node: ast.Call) -> _Match | None:
        """``getattr(...)`` naming a Keap method, called right away or kept for later."""
        inner = node.func
        if isinstance(inner, ast.Call) and (method := self._getattr_method(inner)):
            self._claimed.add(id(inner))
            return _Match(method, node.args, "guess", "getattr")
        method = self._getattr_method(node)
        return _Match(method, [], "guess", "getattr") if method else None

    def _getattr_method(self, node: ast.Call) -> str | None:
        func, args = node.func, node.args
        if not (isinstance(func, ast.Name) and func.id == "getattr" and len(args) >= 2):
            return None
        name = self._string(args[1])
        if (service := self._service(args[0])) is not None:
            return f"{service}.{_identifier(name)}"
        return name if name is not None and _METHOD_RE.match(name) else None

    def _string_name(self, node: ast.Call) -> _Match | None:
        """A call that names the method in a string: ``f("ContactService.add", ...)``."""
        name_arg, params, layout = _named_call_parts(node)
        name = self._string(name_arg) if name_arg is not None else None
        if name is None or not _METHOD_RE.match(name):
            return None
        if len(params) == 1 and isinstance(params[0], (ast.Tuple, ast.List)):
            params = params[0].elts  # one params tuple, as ServerProxy.__request and dumps take
        return _Match(name, params, layout, "string_name")

    def _site(self, node: ast.Call, match: _Match) -> CallSite:
        takes_table = match.method in _TABLE_METHODS
        table = self._table(match) if takes_table else None
        if takes_table and table is None:  # a variable: coverage depends on what it holds
            return self._unknown_table(node, match)
        row = lookup(match.method, table)
        return CallSite(
            file=self.file,
            line=node.lineno,
            column=node.col_offset + 1,
            method=match.method,
            table=table,
            covered=row is not None and row.shim,
            facade=row.facade if row is not None else None,
            rest=row.rest if row is not None else _UNMAPPED,
            style=match.style,
        )

    def _unknown_table(self, node: ast.Call, match: _Match) -> CallSite:
        """A DataService call whose table is not a literal: not counted as covered."""
        return CallSite(
            file=self.file,
            line=node.lineno,
            column=node.col_offset + 1,
            method=match.method,
            table=None,
            covered=False,
            facade=None,
            rest=f"depends on the table; for Contact: {_CONTACT_REST[match.method]}",
            style=match.style,
        )

    def _table(self, match: _Match) -> str | None:
        splat = next((i for i, a in enumerate(match.args) if isinstance(a, ast.Starred)), None)
        first, second = [*map(self._string, match.args[:splat]), None, None][:2]
        if match.layout != "guess":
            return second if match.layout == "keyed" else first
        # With a key the table comes second; without one it comes first and a number or a
        # dict follows, so a string in second place is the table, else a table-like first.
        if second is not None:
            return second
        return first if first is not None and _TABLE_RE.match(first) else None

    def _service(self, node: ast.expr) -> str | None:
        """The Keap service ``node`` stands for: ``x.ContactService`` or a name bound to one."""
        if isinstance(node, ast.Attribute) and node.attr in SERVICES:
            return node.attr
        if isinstance(node, ast.Name) and isinstance(bound := self._resolve(node.id), _Service):
            return bound.name
        return None

    def _string(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and isinstance(bound := self._resolve(node.id), str):
            return bound
        return None

    def _resolve(self, name: str) -> _Binding:
        innermost = len(self._scopes) - 1
        for depth in range(innermost, -1, -1):
            scope = self._scopes[depth]
            # Code in a method does not see its class body's names, as in Python itself.
            if name in scope.names and (depth == innermost or not scope.is_class):
                return scope.names[name]
        return None


def _named_call_parts(node: ast.Call) -> tuple[ast.expr | None, list[ast.expr], _Layout]:
    """The method-name argument, the parameters and their layout of a string-named call."""
    func = node.func
    callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if callee == "dumps":  # xmlrpc.client.dumps(params, methodname=None, ...)
        keyword = next((k.value for k in node.keywords if k.arg == "methodname"), None)
        return (node.args[1] if len(node.args) > 1 else keyword), node.args[:1], "keyed"
    layout: _Layout = "keyed" if callee == "_ServerProxy__request" else "guess"
    return (node.args[0] if node.args else None), node.args[1:], layout


def _identifier(name: str | None) -> str:
    return name if name is not None and name.isidentifier() else DYNAMIC
