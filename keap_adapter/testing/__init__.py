"""Test doubles for code that talks to Keap.

:class:`FakeKeap` is an in-memory Keap app that answers REST v2 and XML-RPC from one store,
in process (``fake.transport`` for httpx) or over loopback HTTP (``fake.serve()``).
"""

from __future__ import annotations

from ._fake import Failure, FakeKeap
from ._serve import FakeServer

__all__ = ["Failure", "FakeKeap", "FakeServer"]
