"""Name resolution for the audit's ast pass: what a simple name holds where a call uses it.

Only a name bound exactly once in its scope is followed (to a string, literal column names
or a Keap service object); anything rebound, looped over, imported or passed in is unknown,
so the audit never guesses from the wrong assignment.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ._audit_columns import Names
from ._methods import SERVICES

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Calls that return a Keap client: xmlrpc.client.ServerProxy / xmlrpclib.ServerProxy, the
# Official-API-Python-Library's Infusionsoft(...) and InfusionsoftOAuth(...), and the
# ``infusionsoft.server()`` helper many code bases wrap their proxy in.
_PROXY_FACTORIES = frozenset({"ServerProxy", "Infusionsoft", "InfusionsoftOAuth", "server"})
_KEAP_MODULES = frozenset({"xmlrpclib", "xmlrpc", "infusionsoft"})


@dataclass(frozen=True)
class Service:
    """``name = <anything>.ContactService``: calls on ``name`` are ContactService calls."""

    name: str


Binding = str | Names | Service | None  # None: bound to something the audit does not follow


@dataclass(frozen=True)
class Scope:
    """The followed names of one module, class or function body."""

    names: dict[str, Binding]
    is_class: bool


def scope_of(node: ast.AST, extra_bound: Iterable[str] = ()) -> Scope:
    """What a module, class or function binds; ``extra_bound`` names count as bound too."""
    own = list(_own_nodes(node))
    values: dict[str, ast.expr | None] = {}
    for child in own:
        if isinstance(child, ast.Assign):
            values.update((t.id, child.value) for t in child.targets if isinstance(t, ast.Name))
        elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
            values[child.target.id] = child.value
    counts = Counter([*_bound_names(node, own), *extra_bound])
    names = {name: binding(values.get(name)) if n == 1 else None for name, n in counts.items()}
    return Scope(names, is_class=isinstance(node, ast.ClassDef))


def parameters(node: ast.AST) -> Iterator[str]:
    """Every parameter name of every function and lambda under ``node``."""
    for child in ast.walk(node):
        if isinstance(child, _FUNCTIONS):
            a = child.args
            args = (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg)
            yield from (x.arg for x in args if x)


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
    if isinstance(scope, _FUNCTIONS):
        a = scope.args
        yield from (x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if x)
    for node in own:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from (alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, _DEFS):
            yield node.name


def binding(value: ast.expr | None) -> Binding:
    """What a name bound once to ``value`` stands for, if the audit follows it."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Attribute) and value.attr in SERVICES:
        return Service(value.attr)
    return literal_names(value) or _getattr_service(value)


def literal_names(node: ast.expr | None) -> Names | None:
    """The strings of a list, tuple or set literal, or the keys of a dict literal/``dict()``."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return Names(_strings(node.elts))
    if isinstance(node, ast.Dict):
        return Names(_strings(k for k in node.keys if k is not None))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        keywords = tuple(k.arg for k in node.keywords if k.arg is not None)
        inner = literal_names(node.args[0]) if node.args else None
        return Names((*(inner.names if inner else ()), *keywords))
    return None


def _strings(nodes: Iterable[ast.expr]) -> tuple[str, ...]:
    return tuple(n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str))


def _getattr_service(value: ast.expr | None) -> Service | None:
    """``getattr(proxy, "DataService")``: the service, named in a string."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return None
    name = value.args[1] if len(value.args) >= 2 else None
    if value.func.id == "getattr" and isinstance(name, ast.Constant) and name.value in SERVICES:
        return Service(str(name.value))
    return None


# Whole-module facts the dynamic-dispatcher rules need.


def receiver_key(node: ast.expr) -> str | None:
    """``server`` or ``self.client``: a receiver spelt as names, comparable across calls."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := receiver_key(node.value)) is not None:
        return f"{base}.{node.attr}"
    return None


def talks_keap(module: ast.AST) -> bool:
    """Whether the module imports an XML-RPC or Infusionsoft library."""
    for node in ast.walk(module):
        if isinstance(node, ast.Import) and any(_keap_module(a.name) for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and _keap_module(node.module or ""):
            return True
    return False


def proxy_receivers(module: ast.AST) -> set[str]:
    """Receivers bound to a Keap client anywhere in the module (``server = ServerProxy(...)``)."""
    found: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Assign) and _makes_proxy(node.value):
            found.update(k for t in node.targets if (k := receiver_key(t)) is not None)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            key = receiver_key(node.optional_vars)
            if key is not None and _makes_proxy(node.context_expr):
                found.add(key)
        elif isinstance(node, ast.Import):
            found.update(a.asname or a.name for a in node.names if a.name == "infusionsoft")
    return found


def _makes_proxy(value: ast.expr) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name in _PROXY_FACTORIES


def _keap_module(name: str) -> bool:
    return name.partition(".")[0] in _KEAP_MODULES
