"""Test doubles for code that talks to Keap.

:class:`FakeKeap` is an in-memory Keap app that answers REST v2 and XML-RPC from one store,
in process (``fake.transport`` for httpx) or over loopback HTTP (``fake.serve()``).
:class:`Cassette` records real traffic once and replays it offline, for both protocols; the
pytest plugin's ``keap_cassette`` fixture gives each test its own.

The names are imported on first use (PEP 562 module ``__getattr__``): pytest imports this
package for the plugin in every session, and most sessions never need httpx or the fake.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Which private module defines each public name.
_HOMES = {
    "MODES": "_cassette",
    "Cassette": "_cassette",
    "CassetteError": "_cassette",
    "CassetteMiss": "_cassette",
    "Interaction": "_cassette",
    "Failure": "_fake",
    "FakeKeap": "_fake",
    "FakeServer": "_serve",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    """The public names too, though not imported yet."""
    return sorted({*globals(), *__all__})
