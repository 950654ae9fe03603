"""Generic dispatchers: XML-RPC calls whose service or method name is chosen at run time.

``getattr(client, service + "." + method)(key, *args)``, ``getattr(client, service)(method,
*args)`` (the Official-API-Python-Library's services take the method as their first
argument), ``server._ServerProxy__request(name, params)``: each is one place in the code that
can call any Keap method, so none is a call site of one method. The audit lists them apart,
for a person to read. A plain ``getattr(obj, name)`` is everywhere in Python code, so it only
counts when ``obj`` is known to be a Keap client or the name is built as ``"Service.method"``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Protocol

from ._audit_model import Style
from ._audit_scope import receiver_key
from ._methods import SERVICES

_HOLE = "\0"  # stands for a run-time value inside a name being built
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
_PERCENT_FIELD = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdr]")
_RUN_TIME_SERVICE = re.compile(rf"{_HOLE}\.(?:{_HOLE}|\w+)")
_LITERAL_SERVICE = re.compile(rf"(\w+)\.{_HOLE}")
# Calls that take a method-like string without calling it: str, dict and set methods,
# logging and printing. ``handlers.get("ContactService.add")`` is a lookup, not a call site.
NOT_DISPATCH = frozenset(
    {
        "get", "pop", "setdefault", "add", "append", "remove", "discard", "index", "count",
        "startswith", "endswith", "split", "rsplit", "partition", "replace", "find", "format",
        "print", "debug", "info", "warning", "warn", "error", "exception", "critical", "log",
        "write",
    }
)  # fmt: skip


class Resolver(Protocol):
    """What the scanner knows about an expression where the call sits."""

    def service(self, node: ast.expr) -> str | None:
        """The Keap service ``node`` stands for, if any."""

    def string(self, node: ast.expr) -> str | None:
        """The string ``node`` holds, if it is a literal or a followed name."""


@dataclass(frozen=True)
class Candidate:
    """A dispatcher found in one call; kept if the conditions it carries hold for the file."""

    node: ast.Call
    service: str | None
    style: Style
    receiver: str | None = None  # must turn out to be a Keap client in this file
    needs_keap: bool = False  # the file must import an XML-RPC or Infusionsoft library
    inner: ast.Call | None = None  # the getattr(...) call this one calls


def dispatcher(node: ast.Call, r: Resolver) -> Candidate | None:
    """The dispatcher ``node`` is, or ``None`` when it is none (or not a Keap one)."""
    return (
        _getattr_dispatch(node, r)
        or _service_dispatch(node, r)
        or _request_dispatch(node, r)
        or _built_name_call(node)
    )


def dotted_name(node: ast.expr) -> tuple[bool, str | None]:
    """Whether ``node`` builds ``"Service.method"`` at run time, and the service if literal.

    Recognises ``a + "." + b``, f-strings, ``"%s.%s" % ...``, ``"{}.{}".format(...)`` and
    ``".".join([a, b])``; a name built with any other shape is not taken for one.
    """
    parts = _parts(node)
    if parts is None or all(p is not None for p in parts):
        return False, None
    text = "".join(_HOLE if p is None else p for p in parts)
    if _RUN_TIME_SERVICE.fullmatch(text):
        return True, None
    literal = _LITERAL_SERVICE.fullmatch(text)
    return (True, literal[1]) if literal and literal[1] in SERVICES else (False, None)


def _getattr_dispatch(node: ast.Call, r: Resolver) -> Candidate | None:
    inner = _getattr_call(node.func)
    call = inner if inner is not None else _getattr_call(node)
    if call is None or len(call.args) < 2 or r.string(call.args[1]) is not None:
        return None
    target, name = call.args[0], call.args[1]
    if (service := r.service(target)) is not None:
        return Candidate(node, service, "getattr", inner=inner)
    built, service = dotted_name(name)
    if built:
        return Candidate(node, service, "getattr", inner=inner)
    if inner is not None and _passes_method_on(node):  # getattr(client, service)(method, *a)
        return Candidate(node, None, "getattr", needs_keap=True, inner=inner)
    key = receiver_key(target)
    return Candidate(node, None, "getattr", receiver=key, inner=inner) if key else None


def _service_dispatch(node: ast.Call, r: Resolver) -> Candidate | None:
    """``infusionsoft.ContactService(method, ...)`` with a method name known at run time.

    Only in a file that talks to Keap: elsewhere ``services.ContactService(session)`` is more
    likely a class of the code base's own that shares the name.
    """
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in SERVICES and node.args):
        return None
    first = node.args[0]
    if not isinstance(first, ast.Starred) and r.string(first) is not None:
        return None
    return Candidate(node, func.attr, "service_call", needs_keap=True)


def _request_dispatch(node: ast.Call, r: Resolver) -> Candidate | None:
    """``server._ServerProxy__request(name, params)``: the stdlib proxy's own dispatcher."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "_ServerProxy__request"):
        return None
    if node.args and r.string(node.args[0]) is not None:
        return None
    service = dotted_name(node.args[0])[1] if node.args else None
    return Candidate(node, service, "string_name")


def _built_name_call(node: ast.Call) -> Candidate | None:
    """``call("ContactService." + action, ...)``, or ``call(svc + "." + m, *args)``."""
    if not node.args or callee(node) in NOT_DISPATCH:
        return None
    built, service = dotted_name(node.args[0])
    if not built:
        return None
    if service is not None:
        return Candidate(node, service, "string_name")
    splat = any(isinstance(a, ast.Starred) for a in node.args)
    return Candidate(node, None, "string_name", needs_keap=True) if splat else None


def callee(node: ast.Call) -> str | None:
    """The called name: ``f`` in ``f(...)``, ``m`` in ``x.m(...)``."""
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _getattr_call(node: ast.expr) -> ast.Call | None:
    """``node`` if it is a ``getattr(...)`` call."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
        return node
    return None


def _passes_method_on(node: ast.Call) -> bool:
    """``(method, *args)``: a name handed on first, then the rest of the parameters."""
    args = node.args
    return (
        len(args) >= 2
        and not isinstance(args[0], ast.Starred)
        and isinstance(args[-1], ast.Starred)
    )


def _parts(node: ast.expr) -> list[str | None] | None:
    """A string expression as literal pieces and run-time holes (``None``), if it is one."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return [str(v.value) if isinstance(v, ast.Constant) else None for v in node.values]
    if isinstance(node, ast.BinOp):
        return _binop_parts(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _method_parts(node, node.func)
    return None


def _binop_parts(node: ast.BinOp) -> list[str | None] | None:
    left = node.left
    if isinstance(node.op, ast.Add):
        return [*(_parts(left) or [None]), *(_parts(node.right) or [None])]
    if isinstance(node.op, ast.Mod) and isinstance(left, ast.Constant):
        return _template(left.value, _PERCENT_FIELD)
    return None


def _method_parts(node: ast.Call, func: ast.Attribute) -> list[str | None] | None:
    base = func.value
    if not (isinstance(base, ast.Constant) and isinstance(base.value, str)):
        return None
    if func.attr == "format":
        return _template(base.value, _FORMAT_FIELD)
    if func.attr == "join" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
        pieces = [_parts(e) or [None] for e in node.args[0].elts]
        joined: list[str | None] = []
        for i, piece in enumerate(pieces):
            joined += [base.value, *piece] if i else piece
        return joined
    return None


def _template(template: object, field: re.Pattern[str]) -> list[str | None] | None:
    if not isinstance(template, str):
        return None
    pieces = field.split(template)
    return [p for i, piece in enumerate(pieces) for p in ([None, piece] if i else [piece])]


def code(node: ast.Call, limit: int = 80) -> str:
    """The call as source text, shortened to ``limit`` characters."""
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
