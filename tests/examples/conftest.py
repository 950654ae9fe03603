"""Fixtures of the contact form example's tests: its app around a client on a fake Keap.

The tests import the app as ``examples.contact_form.app``: a namespace package found from
the repository's root (on ``sys.path`` under pytest, and on mypy's path), so the example stays
a plain script folder and outside the installed package.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import keap_adapter as ka
from keap_adapter.testing import FakeKeap

# Distinctive, so that a plain substring search finds it wherever it leaks.
SECRET_KEY = "sk-very-secret-contact-form-key-7f3a9c1e5b"


@pytest.fixture
def backend() -> ka.BackendName:
    """REST unless a test parametrizes ``backend`` itself (those that reach Keap do)."""
    return "rest"


@pytest.fixture
def fake() -> FakeKeap:
    return FakeKeap(api_key=SECRET_KEY)


@pytest.fixture
def client(fake: FakeKeap, backend: ka.BackendName) -> Iterator[ka.KeapClient]:
    # No real sleeping between retries: a failing fake answers at once, every time.
    with ka.KeapClient(backend, fake.api_key, transport=fake.transport, sleep=_no_sleep) as made:
        yield made


def _no_sleep(_seconds: float) -> None:
    return None
