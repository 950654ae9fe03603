"""Run one corpus call site, as written, with the XML-RPC library the corpus imports swapped.

:class:`Legacy` stands for one process running the legacy code base. Its modules are
executed from the audit's reading of each file (``_source``), definitions only: imports,
functions, classes, and module-level assignments that make no call the audit reported
(``proxy = xmlrpc.client.ServerProxy(URL)`` runs; ``dupes = server.DataService.query(...)``
does not). Their imports go through the process's own ``__import__``: ``xmlrpc.client`` and
``xmlrpclib`` are whatever the side under test gives, corpus modules (``ifs_helpers``) are
executed the same way, and ``infusionsoft.library`` / ``django.conf`` are the stand-ins next
to this file. Anything else is the real module.

:meth:`Legacy.run` evaluates the call site's own expression where it sits: names bound in
its function (a struct, a field list, an ``orderBy``) are bound by executing their own
assignments; parameters and other names whose value comes from elsewhere (a loop, an
earlier call) take the test's fill values. The module's names are the module's.
``xmlrpc.client.dumps(params, method)`` builds a request body rather than sending it, so
the body it builds is delivered to the side under test, as the code would post it.
"""

from __future__ import annotations

import ast
import builtins
import copy
import urllib.parse
import xmlrpc.client
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from keap_adapter import legacy
from keap_adapter.migration import AuditReport, CallSite
from keap_adapter.migration._audit_files import list_sources

from ._source import CORPUS, Audited, audited, compiled, loaded_names, own_nodes, parameters

HERE = Path(__file__).parent
# Modules the corpus imports that are not Keap call sites: stand-ins, run as those modules.
STAND_INS = {
    "infusionsoft.library": HERE / "infusionsoft_library.py",
    "django.conf": HERE / "django_conf.py",
}
APP_URL = "https://myapp.infusionsoft.com/api/xmlrpc"  # the corpus's Keap URL
STDLIB_PROXY = xmlrpc.client.ServerProxy  # bound before any test installs the shim
_DEFINITIONS = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
    ast.Try,
)
_RUNS_NOW = (ast.Assign, ast.AnnAssign, ast.Try)  # a def or class body runs when called


@dataclass(frozen=True)
class Expr:
    """A fill value computed in the call site's module, e.g. ``Expr("Keap()")``."""

    source: str


Fill = Mapping[str, object]
Deliver = Callable[[str], Any]


class Legacy:
    """The legacy code base in one process; ``overrides`` are modules by dotted name."""

    def __init__(
        self,
        report: AuditReport,
        overrides: Mapping[str, ModuleType],
        deliver: Deliver,
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self._report = report
        self._overrides = dict(overrides)
        self._deliver = deliver
        self._close = close
        self._modules: dict[str, ModuleType] = {}
        self._builtins = {**vars(builtins), "__import__": self._import}

    def __enter__(self) -> Legacy:
        return self

    def __exit__(self, *_exc: object) -> None:
        """The process ends: the connections its proxies opened are closed."""
        self._close()

    # ------------------------------------------------------------------ one call site

    def run(self, site: CallSite, fill: Fill) -> Any:
        """Evaluate the call at ``site`` with ``fill`` for the names the module cannot give."""
        source = audited(site.file)
        call = source.locate(site)
        namespace = dict(vars(self.module(_dotted(site.file))))
        used: set[str] = set()
        self._bind(namespace, source, call, call.lineno, fill, used)
        if unused := set(fill) - used:
            raise LookupError(f"{site.file}:{site.line}: fill values not used: {sorted(unused)}")
        value = eval(compiled(call, str(CORPUS / site.file)), namespace)
        return self._deliver(value) if _callee(call) == "dumps" else value

    def _bind(
        self,
        namespace: dict[str, Any],
        source: Audited,
        node: ast.AST,
        line: int,
        fill: Fill,
        used: set[str],
    ) -> None:
        """Bind the names ``node`` reads that its function (or the fill) must give."""
        func = source.function_of(node)
        local = _local_names(func) if func is not None else set()
        for name in loaded_names(node):
            if name in used:
                continue
            if name in fill:
                namespace[name] = _value(fill[name], namespace)
                used.add(name)
            elif func is not None and name in local:
                assign = self._assignment(source, func, name, line)
                self._bind(namespace, source, assign.value, assign.lineno, fill, used)
                exec(compiled(assign, str(CORPUS / source.file)), namespace)
                used.add(name)
            elif name not in namespace and not hasattr(builtins, name):
                raise LookupError(f"{source.file}:{line}: {name!r} needs a fill value")

    def _assignment(self, source: Audited, func: ast.AST, name: str, line: int) -> ast.Assign:
        """The one plain assignment of ``name`` before ``line`` in ``func`` (no call site)."""
        stores = [
            n
            for n in own_nodes(func)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == name
        ]
        assigns = [
            n
            for n in own_nodes(func)
            if isinstance(n, ast.Assign)
            and n.lineno < line
            and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
        ]
        if len(stores) != 1 or len(assigns) != 1 or self._makes_call_site(source, assigns[0]):
            raise LookupError(f"{source.file}:{line}: {name!r} needs a fill value")
        return assigns[0]

    def _makes_call_site(self, source: Audited, node: ast.AST) -> bool:
        sites = {id(source.locate(c)) for c in self._report.calls if c.file == source.file}
        return any(id(n) in sites for n in ast.walk(node))

    # ------------------------------------------------------------------ modules

    def module(self, name: str) -> ModuleType:
        """The module ``name`` as this process imports it."""
        if name in self._overrides:
            return self._overrides[name]
        if name not in self._modules:
            self._modules[name] = self._load(name)
        return self._modules[name]

    def _load(self, name: str) -> ModuleType:
        module = ModuleType(name)
        module.__dict__["__builtins__"] = self._builtins
        path = STAND_INS.get(name)
        if path is not None:
            tree, filename = ast.parse(path.read_text()), str(path)
        elif _corpus_file(name) is not None:
            source = audited(_corpus_file(name) or "")
            tree, filename = source.module, str(CORPUS / source.file)
        else:  # a package of stand-ins: its submodules are imported as they are asked for
            return module
        for stmt in tree.body:
            if isinstance(stmt, _DEFINITIONS) and not (
                isinstance(stmt, _RUNS_NOW)
                and path is None
                and self._makes_call_site(audited(_corpus_file(name) or ""), stmt)
            ):
                exec(compiled(stmt, filename), module.__dict__)
        return module

    def _ours(self, name: str) -> bool:
        names = [*self._overrides, *STAND_INS]
        return (
            name in names
            or _corpus_file(name) is not None
            or any(n.startswith(name + ".") for n in names)
        )

    def _import(
        self,
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: tuple[str, ...] | None = (),
        level: int = 0,
    ) -> ModuleType:
        if level or not self._ours(name):
            return builtins.__import__(name, globals, locals, fromlist or (), level)
        parts = name.split(".")
        for depth in range(1, len(parts)):  # import a.b binds a, which holds b
            setattr(
                self.module(".".join(parts[:depth])),
                parts[depth],
                self.module(".".join(parts[: depth + 1])),
            )
        return self.module(name) if fromlist else self.module(parts[0])


def _dotted(file: str) -> str:
    """The module a corpus file runs as: ``jobs.reports``, ``.github.scripts.nightly_cleanup``
    (a dot folder), ``jobs.export_contacts`` (a script without a suffix), a notebook too."""
    return file.removesuffix(".py").removesuffix(".ipynb").replace("/", ".")


def _corpus_file(name: str) -> str | None:
    return _CORPUS_FILES.get(name)


_CORPUS_FILES = {_dotted(file): file for file in list_sources(CORPUS).files}


def _local_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    stored = {
        n.id for n in own_nodes(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    return parameters(func) | stored


def _value(value: object, namespace: dict[str, Any]) -> Any:
    if isinstance(value, Expr):
        return eval(compile(value.source, "<fill>", "eval"), namespace)
    return copy.deepcopy(value)


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


# ---------------------------------------------------------------------- the two sides


def stdlib(report: AuditReport, url: str) -> Legacy:
    """The corpus on the stdlib's ``xmlrpc.client``, every Keap URL pointed at ``url``."""

    opened: list[xmlrpc.client.ServerProxy] = []

    class ServerProxy(STDLIB_PROXY):
        def __init__(self, uri: str, *args: Any, **kwargs: Any) -> None:
            if urllib.parse.urlsplit(uri).hostname != "myapp.infusionsoft.com":
                raise ValueError(f"not the corpus's Keap URL: {uri}")
            super().__init__(url, *args, **kwargs)
            opened.append(self)

    def close() -> None:
        for proxy in opened:
            proxy("close")()

    client = ModuleType("xmlrpc.client")
    client.__dict__.update(vars(xmlrpc.client))
    client.__dict__.update(ServerProxy=ServerProxy, Server=ServerProxy)
    package = ModuleType("xmlrpc")
    package.__dict__["client"] = client
    overrides = {"xmlrpc": package, "xmlrpc.client": client, "xmlrpclib": client}

    def deliver(body: str) -> Any:
        """POST the body as ``ServerProxy`` would, and read the answer as it would."""
        parts = urllib.parse.urlsplit(url)
        with closing(xmlrpc.client.Transport()) as transport:
            answer = transport.request(parts.netloc, parts.path, body.encode())
        return answer[0] if len(answer) == 1 else answer

    return Legacy(report, overrides, deliver, close)


def shim(report: AuditReport) -> Legacy:
    """The corpus on the real ``xmlrpc.client``: call inside ``legacy.install(client)``."""

    if not isinstance(xmlrpc.client.ServerProxy(APP_URL), legacy.ServerProxy):
        raise RuntimeError("shim() runs the corpus inside legacy.install(client) only")

    def deliver(body: str) -> Any:
        """The body's call, run by the proxy the installed shim gives for Keap's URL."""
        params, method = xmlrpc.client.loads(body)
        proxy = xmlrpc.client.ServerProxy(APP_URL)
        assert isinstance(proxy, legacy.ServerProxy), "legacy.install() is not in force"
        return proxy._ServerProxy__request(method or "", params)

    return Legacy(report, {}, deliver)
