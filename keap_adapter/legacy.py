"""Run existing XML-RPC call sites on any backend: a drop-in for ``xmlrpc.client.ServerProxy``.

```python
import keap_adapter as ka
from keap_adapter.legacy import ServerProxy

client = ka.KeapClient("rest", api_key)      # REST v2 underneath
server = ServerProxy(client)                 # was: xmlrpc.client.ServerProxy(url)
contact_id = server.ContactService.add(key, {"FirstName": "Ada", "Email": "ada@example.com"})
```

Each call runs through the facade (``client.contacts`` / ``client.tags``) and answers what
Keap's XML-RPC API answered: ints for ids, PascalCase structs holding only the requested
non-empty fields, booleans for group calls, lists of structs for queries, and
``xmlrpc.client.Fault`` with Keap's bracketed fault strings and codes for failures, so
``except Fault`` code keeps working.

Translated: ``ContactService`` add, addWithDupCheck, load, update, findByEmail,
addToGroup, removeFromGroup; ``DataService`` add, load, update, delete, query, count and
findByField on ``Contact``, ``ContactGroup`` and ``ContactGroupCategory``; query, count and
findByField on ``ContactGroupAssign`` by ``ContactId`` or ``GroupId`` (writing it faults
``[NoTableAccess]``, code 7, as Keap does); load, query, count and findByField on
``DataFormField``; ``DataService.addCustomField`` (its group id is not used: REST v2 puts
the field on the Custom Fields tab); ``APIEmailService`` getOptStatus, optIn and optOut.
Queries keep Keap's semantics: ``%`` anywhere, case-insensitive,
``~null~``, ``orderBy``/``ascending`` (default: ascending by ``Id``), ``limit`` 1..1000 and a
0-based ``page``. Custom fields are ``_Name`` in structs and selected fields.

Anything else (``ContactService.merge``, ``DataService.updateCustomField``, another table,
an unknown method) raises ``Fault(0, "[NotTranslated]... in REST v2: <endpoint>")``: code 0 is
what Keap answers for a call it has no handler for, and legacy code never retries it.

Dates come back as naive US Eastern ``datetime`` objects, as from
``xmlrpc.client.ServerProxy(url, use_builtin_types=True)``; pass
``use_builtin_types=False`` to get ``xmlrpc.client.DateTime`` as the stdlib's default does.
Inputs may hold either. ``None`` is refused as the stdlib refuses it without ``allow_none``;
with ``allow_none=True`` it faults as Keap faults on ``<nil/>``. Every other keyword of the
stdlib's ``ServerProxy`` is accepted (``encoding``, ``verbose``, ``transport``, ``headers``,
``context``) and has nothing to do: the client owns the connection.

One line at start-up switches an untouched code base, wrapper libraries included:

```python
legacy.install(client)     # xmlrpc.client.ServerProxy(keap_url) now returns the shim
with legacy.install(client):
    ...                    # or only inside the block; legacy.uninstall() undoes it
```

Differences from Keap, all from the facade's stricter contract: input the facade refuses
(a malformed email, text over Keap's length limits) faults ``[InvalidParameter]`` (12)
instead of being stored; REST v2 needs an email, phone or address to create a contact;
the Contact columns REST v2 has no field for (``ContactNotes``, ``Username``...) fault
``[NotTranslated]`` naming what to use instead, and ``AccountId`` reads but cannot be written;
a query reads every contact its Email/FirstName/LastName conditions
do not narrow on the server, and pages and orders them here. That narrowing assumes the
server matches names case-insensitively, as XML-RPC does; REST v2 does not document it, so
``server_filters=False`` reads every contact (or tag) and matches here alone. Throttling,
5xx answers and lost connections raise ``ProtocolError`` / ``ConnectionError`` as the
stdlib does; Country is written as given, so a REST backend needs ISO alpha-3 codes.
"""

from __future__ import annotations

import sys
import threading
import urllib.parse
import xmlrpc.client
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._exceptions import KeapError
from ._legacy._dispatch import call
from ._legacy._faults import from_error
from ._legacy._table import Context
from ._legacy._values import legacy_types
from ._xmlrpc_server._values import holds_nil

if TYPE_CHECKING:
    from ._client import KeapClient

__all__ = ["Installation", "ServerProxy", "install", "uninstall"]

Send = Callable[[str, tuple[Any, ...]], Any]


class _Method:
    """``proxy.ContactService`` and ``proxy.ContactService.add``: a dotted name to call."""

    def __init__(self, send: Send, name: str) -> None:
        self._send = send
        self._name = name

    def __getattr__(self, name: str) -> _Method:
        if name.startswith("_"):  # keep copy, pickle and introspection probes working
            raise AttributeError(name)
        return _Method(self._send, f"{self._name}.{name}")

    def __call__(self, *params: Any) -> Any:
        return self._send(self._name, params)

    def __repr__(self) -> str:
        return f"<legacy method {self._name}>"


class ServerProxy:
    """A stand-in for ``xmlrpc.client.ServerProxy(url)`` that runs calls on ``client``.

    ``proxy.Service.method(key, ...)``, ``getattr(proxy, "Service.method")(key, ...)`` and
    the stdlib's private ``proxy._ServerProxy__request(name, params)`` all work. The key
    argument is required (Keap's signatures start with it) but ignored: ``client`` holds
    the key. As a context manager it leaves ``client`` open, since the caller owns it.
    """

    def __init__(  # noqa: PLR0917 - the stdlib ServerProxy's own positional order
        self,
        client: KeapClient,
        transport: object = None,
        encoding: str | None = None,
        verbose: bool = False,
        allow_none: bool = False,
        use_datetime: bool = False,
        use_builtin_types: bool = True,
        *,
        headers: Iterable[tuple[str, str]] = (),
        context: object = None,
        server_filters: bool = True,
    ) -> None:
        # transport, encoding, verbose, headers and context configure a connection; the
        # client owns it, so they are accepted (wrapper libraries pass them) and unused.
        del transport, encoding, verbose, headers, context
        self.__client = client
        self.__context = Context(client, server_filters=server_filters)
        self.__builtin_types = use_builtin_types or use_datetime
        self.__allow_none = allow_none

    def __request(self, methodname: str, params: tuple[Any, ...]) -> Any:
        if holds_nil(params):
            if self.__allow_none:  # the stdlib would send <nil/>, which Keap cannot read
                raise xmlrpc.client.Fault(0, "Failed to parse XML-RPC request: Unknown type: nil")
            raise TypeError("cannot marshal None unless allow_none is enabled")
        try:
            answer = call(self.__context, methodname, tuple(params))
        except (KeapError, ValueError) as exc:
            raise from_error(exc, self.__client.endpoint) from exc
        return answer if self.__builtin_types else legacy_types(answer)

    def __getattr__(self, name: str) -> _Method:
        # The one place the design allows dynamic attributes: every Keap service and method.
        if name.startswith("_"):  # private and special names are never Keap methods
            raise AttributeError(name)
        return _Method(self.__request, name)

    def __call__(self, attr: str) -> Callable[[], None]:
        """``proxy("close")()``, as on the stdlib proxy; closing leaves the client open."""
        if attr == "close":
            return self.__close
        raise AttributeError(f"attribute {attr!r} not found")

    def __close(self) -> None:
        """Nothing to release: the connection pool belongs to the client."""

    def __enter__(self) -> ServerProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__close()

    def __repr__(self) -> str:
        return f"<keap_adapter.legacy.ServerProxy for {self.__client!r}>"


# ---------------------------------------------------------------------------- install

# Hosts that only ever serve Keap's API (Keap's XML-RPC docs use api.infusionsoft.com, the
# REST v2 spec api.keap.com; legacy app hosts are {app}.infusionsoft.com).
_KEAP_HOSTS = ("api.infusionsoft.com", "api.keap.com")
# The stdlib ServerProxy's positional parameters after the URI, in order.
_POSITIONAL = (
    "transport",
    "encoding",
    "verbose",
    "allow_none",
    "use_datetime",
    "use_builtin_types",
)
_lock = threading.Lock()
_stack: list[Installation] = []  # installations in force, innermost last
_saved: dict[str, Any] = {}  # what install replaced: the stdlib class, whether xmlrpclib was there


class Installation:
    """What :func:`install` did; a context manager that undoes it on exit."""

    def __init__(self, client: KeapClient, urls: Iterable[str], proxy_options: dict[str, Any]):
        self.client = client
        self.urls = (client.endpoint, _own_xmlrpc_url(client), *urls)
        self._options = proxy_options

    def is_keap(self, uri: object) -> bool:
        """Whether ``uri`` is one of Keap's XML-RPC endpoints (so the shim answers it)."""
        text = uri.decode() if isinstance(uri, bytes) else str(uri)
        if any(text.rstrip("/") == u.rstrip("/") or text.startswith(u) for u in self.urls):
            return True
        host = (urllib.parse.urlsplit(text).hostname or "").lower().rstrip(".")
        return host in _KEAP_HOSTS or host.endswith(".infusionsoft.com")

    def __enter__(self) -> Installation:
        return self

    def __exit__(self, *_exc: object) -> None:
        with _lock:
            if self in _stack:
                _stack.remove(self)
            _point_at_top()


def _own_xmlrpc_url(client: KeapClient) -> str:
    """The XML-RPC endpoint the client's settings name, whatever its backend."""
    return client._settings.xmlrpc_endpoint


def install(client: KeapClient, *, urls: Iterable[str] = (), **proxy_options: Any) -> Installation:
    """Make ``xmlrpc.client.ServerProxy(url)`` (and Python 2's ``xmlrpclib.ServerProxy``)
    return the shim, running on ``client``, for Keap's XML-RPC URLs.

    Keap's URLs are the client's own XML-RPC endpoint (``{base_url}/xmlrpc/v1`` or its
    ``xmlrpc_url``, whatever its backend), any URL on ``api.infusionsoft.com``,
    ``api.keap.com`` or an ``*.infusionsoft.com`` app host, and those starting with one of
    ``urls``. Any other URL gets the ordinary proxy. The caller's arguments
    (``use_datetime``, ``allow_none``..., by keyword or position) are honoured as the
    stdlib honours them; ``proxy_options`` (``server_filters``) go to every shim.

    Installations nest: the newest is in force, and leaving a ``with legacy.install(...)``
    block brings back the one before it. :func:`uninstall` undoes them all. This patches the
    ``xmlrpc.client`` module, so it is process-wide, for every thread: install once at
    start-up rather than per thread. Code that bound ``ServerProxy`` before this call
    (``from xmlrpc.client import ServerProxy`` at import time) keeps the name it bound.
    """
    with _lock:
        if not _stack:
            _saved["class"] = xmlrpc.client.ServerProxy
            _saved["xmlrpclib"] = "xmlrpclib" in sys.modules
        installation = Installation(client, urls, proxy_options)
        _stack.append(installation)
        _point_at_top()
    return installation


def uninstall() -> None:
    """Undo every :func:`install` (nothing to do if none is in force)."""
    with _lock:
        _stack.clear()
        _point_at_top()


def _point_at_top() -> None:
    """Point ``xmlrpc.client.ServerProxy`` at the innermost installation, or restore it."""
    if _stack:
        xmlrpc.client.ServerProxy = xmlrpc.client.Server = _switch(_stack[-1])  # type: ignore[misc]
        sys.modules.setdefault("xmlrpclib", xmlrpc.client)
        return
    if "class" not in _saved:
        return
    xmlrpc.client.ServerProxy = xmlrpc.client.Server = _saved.pop("class")  # type: ignore[misc]
    if not _saved.pop("xmlrpclib") and sys.modules.get("xmlrpclib") is xmlrpc.client:
        del sys.modules["xmlrpclib"]


def _switch(installation: Installation) -> type[xmlrpc.client.ServerProxy]:
    """A ``ServerProxy`` class whose constructor answers Keap's URLs with the shim."""
    original: type[xmlrpc.client.ServerProxy] = _saved["class"]

    class KeapAwareServerProxy(original):  # type: ignore[valid-type, misc]
        def __new__(cls, uri: Any, *args: Any, **kwargs: Any) -> Any:
            if installation.is_keap(uri):
                given = dict(zip(_POSITIONAL, args, strict=False)) | kwargs
                options = {"use_builtin_types": False, **given, **installation._options}
                return ServerProxy(installation.client, **options)
            return super().__new__(cls)

    KeapAwareServerProxy.__qualname__ = KeapAwareServerProxy.__name__ = "ServerProxy"
    return KeapAwareServerProxy
