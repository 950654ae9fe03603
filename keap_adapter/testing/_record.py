"""``keap-adapter record``: run a named scenario through a recording cassette."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._client import KeapClient
from .._config import BackendName
from ._cassette import Cassette
from ._fake import FakeKeap
from ._scenarios import SCENARIOS

# The fake's clock is pinned while recording, so re-recording gives the same file.
RECORDING_EPOCH = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


def record_scenario(
    name: str, backend: BackendName, out_dir: str | Path, *, fake: bool, mode: str = "all"
) -> dict[str, Any]:
    """Record ``name`` on ``backend`` into ``out_dir/<name>-<backend>.json``; what it saw.

    With ``fake`` it runs on the embedded fake; otherwise on the account of
    ``KEAP_API_KEY`` (``KEAP_BASE_URL`` and ``KEAP_XMLRPC_URL`` are honoured).
    """
    scenario = SCENARIOS[name]
    path = Path(out_dir) / f"{name}-{backend}.json"
    server = FakeKeap() if fake else None
    if server is not None:
        server.now = lambda: RECORDING_EPOCH
    inner = server.transport if server is not None else None
    with (
        Cassette(path, mode, real_transport=inner) as cassette,
        _client(backend, server, cassette) as client,
    ):
        result = scenario(client, "fake" if fake else str(int(time.time())))
    return {
        "scenario": name,
        "backend": backend,
        "cassette": str(path),
        "interactions": len(cassette.interactions),
        "result": result,
    }


def _client(backend: BackendName, server: FakeKeap | None, cassette: Cassette) -> KeapClient:
    if server is not None:
        return KeapClient(backend, server.api_key, transport=cassette.transport)
    return KeapClient.from_env(backend=backend, transport=cassette.transport)
