"""A stand-in for ``infusionsoft/library.py`` of infusionsoft/Official-API-Python-Library.

The corpus's official_lib.py imports ``from infusionsoft.library import Infusionsoft``; the
runner executes this file as that module. It is the library's own code (its Python 3
branch), so it works as the library works: ``ServerProxy`` and ``Error`` are bound when the
module is imported, ``Infusionsoft(name, key)`` builds
``ServerProxy("https://" + name + ".infusionsoft.com/api/xmlrpc")``,
``ifs.ContactService("add", ...)`` calls ``getattr(server, "ContactService.add")(key, ...)``
and a fault comes back as the tuple ``("ERROR", fault)`` instead of being raised.

It lives here, not in legacy_corpus, because the audit would list its generic dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xmlrpc.client import Error, ServerProxy


class Infusionsoft:
    def __init__(self, name: str, api_key: str) -> None:
        self.client: Any = ServerProxy("https://" + name + ".infusionsoft.com/api/xmlrpc")
        self.client.error = Error  # type: ignore[attr-defined]  # the library's own line
        self.key = api_key

    def __getattr__(self, service: str) -> Callable[..., Any]:
        def function(method: str, *args: Any) -> Any:
            call = getattr(self.client, service + "." + method)
            try:
                return call(self.key, *args)
            except self.client.error as v:
                return "ERROR", v

        return function

    def server(self) -> Any:
        return self.client
