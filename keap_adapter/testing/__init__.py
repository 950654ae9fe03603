"""Test doubles for code that talks to Keap.

:class:`FakeKeap` is an in-memory Keap app that answers REST v2 and XML-RPC from one store,
in process (``fake.transport`` for httpx) or over loopback HTTP (``fake.serve()``).
:class:`Cassette` records real traffic once and replays it offline, for both protocols; the
pytest plugin's ``keap_cassette`` fixture gives each test its own.
"""

from __future__ import annotations

from ._cassette import MODES, Cassette, CassetteError, CassetteMiss, Interaction
from ._fake import Failure, FakeKeap
from ._serve import FakeServer

__all__ = [
    "MODES",
    "Cassette",
    "CassetteError",
    "CassetteMiss",
    "Failure",
    "FakeKeap",
    "FakeServer",
    "Interaction",
]
