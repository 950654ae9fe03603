"""One racing process of ``test_processes``: kept apart so a spawned child imports only
the library, not pytest and the test module."""

from __future__ import annotations

from typing import Any

import keap_adapter as ka
from keap_adapter.auth import FileTokenStore, OAuth2, TokenStore


def _store(kind: str, where: str) -> TokenStore:
    if kind == "file":
        return FileTokenStore(where)
    from keap_adapter.auth import RedisTokenStore

    url, key = where.split("|")
    return RedisTokenStore(url, key=key)


def work(url: str, kind: str, where: str, gate: Any, queue: Any) -> None:
    """Wait for the others at ``gate``, make one call, and put the outcome on ``queue``."""
    oauth = OAuth2("fake-client-id", "fake-app-secret-0123456789", store=_store(kind, where),
                   token_url=f"{url}/token")  # fmt: skip
    try:
        with ka.KeapClient("rest", auth=oauth, base_url=f"{url}/crm") as client:
            gate.wait()
            queue.put(("ok", len(list(client.tags.list()))))
    except ka.KeapError as error:
        queue.put(("error", f"{type(error).__name__}: {error}"))
