"""The audit's scanner: the Keap XML-RPC call sites and dispatchers of one parsed module.

The styles it recognises (``CallSite.style``):

* ``attribute``: ``server.ContactService.add(key, ...)`` on a ``ServerProxy`` or any object
  (theY4Kman's ``infusionsoft.ContactService.add(...)``), also via ``svc = x.ContactService``
  or ``self.contacts = x.ContactService`` (``svc.add(...)``, ``self.contacts.add(...)``) and
  via a bound method kept in a name or on ``self`` (``merge = x.ContactService.merge``).
* ``service_call``: the Official-API-Python-Library's ``infusionsoft.ContactService('add', ...)``.
* ``getattr``: ``getattr(server, "ContactService.add")``, ``getattr(server.ContactService, "add")``,
  called at once or kept in a name (``load = getattr(...)``; reported where it is called).
* ``string_name``: a call whose first argument is ``"ContactService.add"``
  (``server._ServerProxy__request``, home-made ``call``/``execute`` helpers), and
  ``xmlrpc.client.dumps(params, "ContactService.add")``.

Method names, DataService tables and column lists may be literals or names bound once in the
module or an enclosing function. The token-level pass runs this same scanner over the
statements it recovers, so both passes recognise exactly the same styles.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from ._audit_columns import Arg, arity, untranslatable, verdict
from ._audit_dynamic import NOT_DISPATCH, Candidate, callee, code, dispatcher
from ._audit_limits import tick
from ._audit_model import CallSite, DynamicCall, FoundBy, Style
from ._audit_scope import (
    Binding,
    Method,
    Scope,
    Service,
    literal_names,
    proxy_receivers,
    receiver_key,
    scope_of,
    talks_keap,
)
from ._methods import METHODS, SERVICES, lookup, rest_alternative

# Where the key sits: before the parameters (ServerProxy.__request, dumps), nowhere (wrappers
# that add the key themselves) or unknown (attribute calls can be either), then we guess.
_Layout = Literal["keyed", "keyless", "guess"]

_METHOD_RE = re.compile(rf"^(?:{'|'.join(sorted(SERVICES))})\.\w+$")
_TABLE_RE = re.compile(r"^[A-Z]\w*$")
# The table-taking DataService methods are exactly those the map has per-table rows for.
_TABLE_METHODS = frozenset(m.method for m in METHODS if m.table is not None)
_UNMAPPED = rest_alternative("")  # its answer for a method the map does not know
_CONTACT_REST = {m.method: m.rest for m in METHODS if m.table == "Contact"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Nodes with no call below them: a name's or a constant's only child is its context.
_LEAVES = (ast.Constant, ast.Name, ast.expr_context)


@dataclass(frozen=True)
class _Match:
    method: str
    args: list[ast.expr]  # the XML-RPC parameters as written, with the key if the style has it
    layout: _Layout
    style: Style
    receiver: str | None = None  # the Keap client the call goes through, spelt as names


class Scanner:
    """Collects the Keap XML-RPC call sites and dispatchers of one parsed module.

    ``shifts`` maps a line to how many columns its indentation grew when the token pass
    expanded tabs, so reported columns are the file's own. ``extra_bound`` names count as
    rebound module names (the token pass flattens function bodies into one module).
    """

    def __init__(
        self,
        file: str,
        module: ast.Module,
        *,
        found_by: FoundBy = "ast",
        shifts: Mapping[int, int] | None = None,
        extra_bound: Iterable[str] = (),
    ) -> None:
        self.file = file
        self.found_by: FoundBy = found_by
        self.sites: list[CallSite] = []
        self._module = module
        self._shifts = shifts or {}
        self._scopes: list[Scope] = []
        self._claimed: set[int] = set()  # getattr(...) calls reported with their outer call
        self._receivers = proxy_receivers(module)
        self._candidates: list[Candidate] = []
        # getattr(...) kept in a followed name: reported where the name is called, or (never
        # called by name) where it is, after the visit; by the id of the getattr call.
        self._aliased: set[int] = set()
        self._called: set[int] = set()
        self._kept: dict[int, CallSite] = {}
        self._push(scope_of(module, extra_bound))

    def scan(self) -> tuple[list[CallSite], list[DynamicCall]]:
        """Visit the module; its call sites and the dispatchers that hold up."""
        self._visit()
        self.sites += [site for key, site in self._kept.items() if key not in self._called]
        self.sites.sort(key=lambda site: (site.line, site.column))
        keap = bool(self.sites) or talks_keap(self._module)
        kept = [
            c
            for c in self._candidates
            if (c.receiver is None or c.receiver in self._receivers) and (keap or not c.needs_keap)
        ]
        return self.sites, [self._dynamic(c) for c in kept]

    def _visit(self) -> None:
        """Every node, a parent before its children and those in order, as
        ``ast.NodeVisitor`` goes, but from a stack of its own: a recursive walk ends in a
        ``RecursionError`` some 500 levels down (``a + b + ...`` with 500 terms), where the
        parser goes much deeper."""
        pending: list[ast.AST | None] = [self._module]  # None: the end of a scope
        while pending:
            node = pending.pop()
            if node is None:
                self._scopes.pop()
                continue
            if isinstance(node, _LEAVES):
                continue
            tick()
            if isinstance(node, ast.Call) and id(node) not in self._claimed:
                self._call(node)
            if isinstance(node, _SCOPES):
                # Decorators and defaults get the inner scope too: harmless unless a parameter
                # shadows a constant that its own default uses.
                self._push(scope_of(node, owner=self._scopes[-1]))
                pending.append(None)
            pending.extend(reversed(list(ast.iter_child_nodes(node))))

    def _call(self, node: ast.Call) -> None:
        match = self._match(node)
        if match is not None and id(node) in self._aliased:
            self._kept[id(node)] = self._site(node, match)
        elif match is not None:
            self.sites.append(self._site(node, match))
            if match.receiver is not None:
                self._receivers.add(match.receiver)
        elif (candidate := dispatcher(node, self)) is not None:
            self._candidates.append(candidate)
            if candidate.inner is not None:
                self._claimed.add(id(candidate.inner))

    def _push(self, scope: Scope) -> None:
        self._scopes.append(scope)
        self._aliased.update(m.origin for m in scope.methods if m.style == "getattr")

    # One matcher per style, first match wins, at most one call site per call.

    def _match(self, node: ast.Call) -> _Match | None:
        matchers = (
            self._attribute,
            self._alias,
            self._service_call,
            self._getattr,
            self._string_name,
        )
        return next((m for m in (matcher(node) for matcher in matchers) if m), None)

    def _attribute(self, node: ast.Call) -> _Match | None:
        """``<anything>.ContactService.add(...)``, or ``svc.add(...)`` with ``svc`` a service."""
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        service = self._service(func.value)
        if service is None:
            return None
        method = f"{service.name}.{func.attr}"
        return _Match(method, node.args, "guess", "attribute", service.receiver)

    def _alias(self, node: ast.Call) -> _Match | None:
        """``merge(...)`` or ``self.merge(...)`` with ``merge`` a Keap method kept there."""
        method = self._bound(node.func)
        if not isinstance(method, Method):
            return None
        self._called.add(method.origin)
        name = f"{method.service}.{method.method}"
        return _Match(name, node.args, "guess", method.style, method.receiver)

    def _service_call(self, node: ast.Call) -> _Match | None:
        """``infusionsoft.ContactService('add', ...)``: the wrapper adds the key itself."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in SERVICES and node.args):
            return None
        name = self.string(node.args[0])
        if name is None or not name.isidentifier():
            return None  # a method chosen at run time: a dispatcher, not a call site
        receiver = receiver_key(func.value)
        return _Match(f"{func.attr}.{name}", node.args[1:], "keyless", "service_call", receiver)

    def _getattr(self, node: ast.Call) -> _Match | None:
        """``getattr(...)`` naming a Keap method, called right away or kept for later."""
        inner = node.func
        if isinstance(inner, ast.Call) and (method := self._getattr_method(inner)):
            self._claimed.add(id(inner))
            return _Match(method, node.args, "guess", "getattr", receiver_key(inner.args[0]))
        method = self._getattr_method(node)
        return (
            _Match(method, [], "guess", "getattr", receiver_key(node.args[0])) if method else None
        )

    def _getattr_method(self, node: ast.Call) -> str | None:
        func, args = node.func, node.args
        if not (isinstance(func, ast.Name) and func.id == "getattr" and len(args) >= 2):
            return None
        name = self.string(args[1])
        if name is None:
            return None
        if (service := self.service(args[0])) is not None:
            return f"{service}.{name}" if name.isidentifier() else None
        return name if _METHOD_RE.match(name) else None

    def _string_name(self, node: ast.Call) -> _Match | None:
        """A call that names the method in a string: ``f("ContactService.add", ...)``."""
        name_arg, params, layout = _named_call_parts(node)
        name = self.string(name_arg) if name_arg is not None else None
        if name is None or not _METHOD_RE.match(name) or callee(node) in NOT_DISPATCH:
            return None
        if len(params) == 1 and isinstance(params[0], (ast.Tuple, ast.List)):
            params = params[0].elts  # one params tuple, as ServerProxy.__request and dumps take
        receiver = receiver_key(node.func.value) if isinstance(node.func, ast.Attribute) else None
        return _Match(name, params, layout, "string_name", receiver)

    # What one call site is.

    def _site(self, node: ast.Call, match: _Match) -> CallSite:
        args = _positional(match.args)
        table, params = self._table_and_params(match, args)
        if match.method in _TABLE_METHODS and table is None:
            return self._unknown_table(node, match)
        row = lookup(match.method, table)
        runs = row is not None and row.shim  # only a call the shim runs can be partial
        named = [self._arg(p) for p in params] if runs else []
        columns = untranslatable(match.method, table, named)
        return CallSite(
            file=self.file,
            line=node.lineno,
            column=self._column(node),
            method=match.method,
            table=table,
            verdict=verdict(row, columns),
            facade=row.facade if row is not None else None,
            rest=row.rest if row is not None else _UNMAPPED,
            style=match.style,
            found_by=self.found_by,
            columns=columns,
        )

    def _unknown_table(self, node: ast.Call, match: _Match) -> CallSite:
        """A DataService call whose table is not a literal: not counted as covered."""
        return CallSite(
            file=self.file,
            line=node.lineno,
            column=self._column(node),
            method=match.method,
            table=None,
            verdict="not covered",
            facade=None,
            rest=f"depends on the table; for Contact: {_CONTACT_REST[match.method]}",
            style=match.style,
            found_by=self.found_by,
        )

    def _table_and_params(
        self, match: _Match, args: list[ast.expr]
    ) -> tuple[str | None, list[ast.expr]]:
        """The DataService table (if any) and the parameters after the key and table."""
        if match.method not in _TABLE_METHODS:
            return None, args[self._key_offset(match, args) :]
        first, second = [*map(self.string, args[:2]), None, None][:2]
        if match.layout != "guess":
            index = 1 if match.layout == "keyed" else 0
        # With a key the table comes second; without one it comes first and a number or a
        # dict follows, so a string in second place is the table, else a table-like first.
        elif second is not None:
            index = 1
        else:
            index = 0 if first is not None and _TABLE_RE.match(first) else -1
        table = [first, second][index] if index >= 0 else None
        return table, args[index + 1 :] if table is not None else []

    def _key_offset(self, match: _Match, args: list[ast.expr]) -> int:
        """0 or 1 parameters before the method's own; ``len(args)`` if it cannot tell."""
        if match.layout != "guess":
            return 1 if match.layout == "keyed" else 0
        known = arity(match.method)
        if known is None or len(args) != len(match.args):  # unknown method, or a *splat
            return len(args)
        return {known + 1: 1, known: 0}.get(len(args), len(args))

    def _dynamic(self, candidate: Candidate) -> DynamicCall:
        node = candidate.node
        return DynamicCall(
            file=self.file,
            line=node.lineno,
            column=self._column(node),
            service=candidate.service,
            style=candidate.style,
            code=code(node),
            found_by=self.found_by,
        )

    def _column(self, node: ast.expr) -> int:
        return node.col_offset + 1 - self._shifts.get(node.lineno, 0)

    # What an expression holds where the call sits.

    def service(self, node: ast.expr) -> str | None:
        """The Keap service ``node`` stands for: ``x.ContactService`` or a name bound to one."""
        service = self._service(node)
        return service.name if service is not None else None

    def _service(self, node: ast.expr) -> Service | None:
        if isinstance(node, ast.Attribute) and node.attr in SERVICES:
            return Service(node.attr, receiver_key(node.value))
        bound = self._bound(node)
        return bound if isinstance(bound, Service) else None

    def string(self, node: ast.expr) -> str | None:
        """The string ``node`` holds: a literal or a name bound once to one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and isinstance(bound := self._resolve(node.id), str):
            return bound
        return None

    def _arg(self, node: ast.expr) -> Arg:
        if isinstance(node, ast.Name):
            bound = self._resolve(node.id)
            return None if isinstance(bound, (Service, Method)) else bound
        return self.string(node) or literal_names(node)

    def _bound(self, node: ast.expr) -> Binding:
        """What a name, or an attribute of a method's ``self``, is bound to."""
        if isinstance(node, ast.Name):
            return self._resolve(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            scope = self._scope_binding(node.value.id)
            if scope is not None and scope.self_name == node.value.id:
                return scope.attributes.get(node.attr)
        return None

    def _resolve(self, name: str) -> Binding:
        scope = self._scope_binding(name)
        return scope.names[name] if scope is not None else None

    def _scope_binding(self, name: str) -> Scope | None:
        """The innermost scope that binds ``name`` where the call sits."""
        innermost = len(self._scopes) - 1
        for depth in range(innermost, -1, -1):
            scope: Scope = self._scopes[depth]
            # Code in a method does not see its class body's names, as in Python itself.
            if name in scope.names and (depth == innermost or not scope.is_class):
                return scope
        return None


def _positional(args: list[ast.expr]) -> list[ast.expr]:
    """The arguments before any ``*splat``: after one, positions are unknown."""
    splat = next((i for i, a in enumerate(args) if isinstance(a, ast.Starred)), len(args))
    return args[:splat]


def _named_call_parts(node: ast.Call) -> tuple[ast.expr | None, list[ast.expr], _Layout]:
    """The method-name argument, the parameters and their layout of a string-named call."""
    name = callee(node)
    if name == "dumps":  # xmlrpc.client.dumps(params, methodname=None, ...)
        keyword = next((k.value for k in node.keywords if k.arg == "methodname"), None)
        return (node.args[1] if len(node.args) > 1 else keyword), node.args[:1], "keyed"
    layout: _Layout = "keyed" if name == "_ServerProxy__request" else "guess"
    return (node.args[0] if node.args else None), node.args[1:], layout
