"""The ``account`` fixture: a fake Keap served on loopback, with the CLI's env pointing at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keap_adapter.testing import FakeKeap

from .helpers import FAKE_KEY


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKeap]:
    """A served fake whose URL and key are in KEAP_BASE_URL / KEAP_API_KEY (REST backend)."""
    fake = FakeKeap(api_key=FAKE_KEY)
    with fake.serve(host="127.0.0.1", port=0) as server:
        monkeypatch.setenv("KEAP_API_KEY", FAKE_KEY)
        monkeypatch.setenv("KEAP_BASE_URL", f"{server.url}/crm")
        monkeypatch.delenv("KEAP_BACKEND", raising=False)
        monkeypatch.delenv("KEAP_XMLRPC_URL", raising=False)
        yield fake
