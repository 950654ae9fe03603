"""Name resolution for the audit's ast pass: what a simple name holds where a call uses it.

Only a name bound exactly once in its scope is followed (to a string, literal column names,
a Keap service object or one of its methods); anything rebound, looped over, imported or
passed in is unknown, so the audit never guesses from the wrong assignment. The attributes
a class's methods set on ``self`` follow the same rule over the whole class: one assignment
(``self.contacts = self.server.ContactService``) in the class, and only a service or a
method is followed there.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ._audit_columns import Names, exact_id
from ._audit_limits import tick
from ._audit_model import Style
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
    """``name = <receiver>.ContactService``: calls on ``name`` are ContactService calls."""

    name: str
    receiver: str | None = None  # the Keap client, spelt as names (``self.server``)


@dataclass(frozen=True)
class Method:
    """``name = <receiver>.ContactService.merge`` (style ``attribute``), or the same from
    ``getattr(<receiver>.ContactService, "merge")`` (``getattr``): ``name(...)`` calls it.

    ``origin`` is the ``id()`` of the bound expression, so a ``getattr(...)`` kept in a name
    is reported where the name is called, not twice.
    """

    service: str
    method: str
    style: Style
    receiver: str | None
    origin: int


# None: bound to something the audit does not follow
Binding = str | Names | Service | Method | None


@dataclass(frozen=True)
class Scope:
    """The followed names of one module, class or function body.

    In a method, ``self_name`` is its first parameter and ``attributes`` what the class sets
    on it; in a class, ``attributes`` are those it sets (for its methods' scopes).
    """

    names: dict[str, Binding]
    is_class: bool
    attributes: Mapping[str, Binding] = field(default_factory=dict)
    self_name: str | None = None

    @property
    def methods(self) -> Iterator[Method]:
        """The method aliases bound in this scope (and, in a class, on ``self``)."""
        bound = [*self.names.values(), *(self.attributes.values() if self.is_class else ())]
        return (b for b in bound if isinstance(b, Method))


def scope_of(node: ast.AST, extra_bound: Iterable[str] = (), owner: Scope | None = None) -> Scope:
    """What a module, class or function binds; ``extra_bound`` names count as bound too.

    ``owner`` is the scope ``node`` sits in: a function directly in a class is a method.
    """
    own = list(_own_nodes(node))
    values: dict[str, ast.expr | None] = {}
    for child in own:
        if isinstance(child, ast.Assign):
            values.update((t.id, child.value) for t in child.targets if isinstance(t, ast.Name))
        elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
            values[child.target.id] = child.value
    counts = Counter([*_bound_names(node, own), *extra_bound])
    names = {name: binding(values.get(name)) if n == 1 else None for name, n in counts.items()}
    for name, value in values.items():  # ``add = svc.add`` with ``svc`` a service bound here
        if counts[name] == 1 and names[name] is None:
            names[name] = _via_service(value, names)
    if isinstance(node, ast.ClassDef):
        return Scope(names, is_class=True, attributes=_class_attributes(node, names))
    self_name = _self_name(node) if owner is not None and owner.is_class else None
    attributes = owner.attributes if owner is not None and self_name else {}
    return Scope(names, is_class=False, attributes=attributes, self_name=self_name)


def _self_name(node: ast.AST) -> str | None:
    """A method's first parameter (``self``), unless it is a static method."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list):
        return None
    first = [*node.args.posonlyargs, *node.args.args][:1]
    return first[0].arg if first else None


def _class_attributes(cls: ast.ClassDef, body: Mapping[str, Binding]) -> dict[str, Binding]:
    """The services and methods a class keeps on ``self``, each set exactly once in it.

    Its body's own names count as set once each (``svc = x.ContactService`` in the body is
    ``self.svc`` in its methods); an attribute set in two places is not followed.
    """
    counts = Counter(list(body))
    values: dict[str, ast.expr | None] = {}
    for method in cls.body:
        me = _self_name(method)
        for node in ast.walk(method) if me else ():
            tick()
            if isinstance(node, ast.Attribute) and _on(node.value, me) and _stores(node):
                counts[node.attr] += 1
            for target in _targets(node):
                if isinstance(target, ast.Attribute) and _on(target.value, me):
                    values[target.attr] = getattr(node, "value", None)
    found = {name: body[name] for name in body} | {n: binding(v) for n, v in values.items()}
    return {
        name: bound
        for name, bound in found.items()
        if counts[name] == 1 and isinstance(bound, (Service, Method))
    }


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    return [node.target] if isinstance(node, ast.AnnAssign) else []


def _on(node: ast.expr, name: str | None) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _stores(node: ast.Attribute) -> bool:
    return isinstance(node.ctx, (ast.Store, ast.Del))


def parameters(node: ast.AST) -> Iterator[str]:
    """Every parameter name of every function and lambda under ``node``."""
    for child in ast.walk(node):
        tick()
        if isinstance(child, _FUNCTIONS):
            a = child.args
            args = (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg)
            yield from (x.arg for x in args if x)


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The scope's nodes, not descending into nested functions, lambdas or classes."""
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        tick()
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
        return Service(value.attr, receiver_key(value.value))
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Attribute):
        held = value.value
        if held.attr in SERVICES:  # ``x.ContactService.merge``
            return _method(held.attr, value.attr, "attribute", receiver_key(held.value), value)
    return literal_names(value) or _getattr_binding(value)


def _via_service(value: ast.expr | None, names: Mapping[str, Binding]) -> Method | None:
    """``svc.add`` or ``getattr(svc, "add")``, with ``svc`` bound to a service in ``names``."""
    style: Style
    name: str | None
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
        service, name, style = names.get(value.value.id), value.attr, "attribute"
    elif (call := _getattr_call(value)) and isinstance(call.args[0], ast.Name):
        service, name, style = names.get(call.args[0].id), _literal(call.args[1]), "getattr"
    else:
        return None
    if not isinstance(service, Service) or value is None:
        return None
    return _method(service.name, name, style, service.receiver, value)


def _method(
    service: str, name: str | None, style: Style, receiver: str | None, value: ast.expr
) -> Method | None:
    if name is None or not name.isidentifier() or name.startswith("_"):
        return None
    return Method(service, name, style, receiver, id(value))


def literal_names(node: ast.expr | None) -> Names | None:
    """The strings of a list, tuple or set literal, or the keys of a dict literal/``dict()``."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return Names(_strings(node.elts))
    if isinstance(node, ast.Dict):
        pairs = [(k, v) for k, v in zip(node.keys, node.values, strict=True) if k is not None]
        return Names(_strings(k for k, _ in pairs), _inexact(pairs))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        keywords = [k for k in node.keywords if k.arg is not None]
        inner = literal_names(node.args[0]) if node.args else None
        names = (*(inner.names if inner else ()), *(str(k.arg) for k in keywords))
        pairs = [(ast.Constant(k.arg), k.value) for k in keywords]
        return Names(names, (inner.inexact if inner else frozenset()) | _inexact(pairs))
    return None


def _inexact(pairs: Iterable[tuple[ast.expr, ast.expr]]) -> frozenset[str]:
    """Keys whose literal value names no one id (a wildcard, a name): see ``Names``."""
    return frozenset(
        k.value
        for k, v in pairs
        if isinstance(k, ast.Constant)
        and isinstance(k.value, str)
        and isinstance(v, ast.Constant)
        and not exact_id(v.value)
    )


def _strings(nodes: Iterable[ast.expr]) -> tuple[str, ...]:
    return tuple(n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str))


def _getattr_binding(value: ast.expr | None) -> Service | Method | None:
    """``getattr(proxy, "DataService")``, ``getattr(proxy.DataService, "load")`` or
    ``getattr(proxy, "DataService.load")``: a service or a method, named in a string."""
    call = _getattr_call(value)
    if call is None or value is None:
        return None
    target, name = call.args[0], _literal(call.args[1])
    receiver = receiver_key(target)
    if name in SERVICES:
        return Service(name, receiver)
    if isinstance(target, ast.Attribute) and target.attr in SERVICES:
        return _method(target.attr, name, "getattr", receiver_key(target.value), value)
    service, _, method = (name or "").partition(".")
    return _method(service, method, "getattr", receiver, value) if service in SERVICES else None


def _getattr_call(value: ast.expr | None) -> ast.Call | None:
    """``value`` if it is ``getattr(obj, name[, default])``."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return None
    return value if value.func.id == "getattr" and len(value.args) >= 2 else None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


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
        tick()
        if isinstance(node, ast.Import) and any(_keap_module(a.name) for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and _keap_module(node.module or ""):
            return True
    return False


def proxy_receivers(module: ast.AST) -> set[str]:
    """Receivers bound to a Keap client anywhere in the module (``server = ServerProxy(...)``)."""
    found: set[str] = set()
    for node in ast.walk(module):
        tick()
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
