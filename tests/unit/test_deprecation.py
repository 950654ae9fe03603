"""Using the XML-RPC backend warns once per process, naming the shutdown date."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

import keap_adapter as ka
from keap_adapter import _client


@pytest.fixture
def fresh_process() -> Iterator[None]:
    _client._warn_xmlrpc_shutdown.cache_clear()
    yield
    _client._warn_xmlrpc_shutdown.cache_clear()


def test_the_first_xmlrpc_client_warns_with_the_date_and_points_at_the_caller(
    fresh_process: None,
) -> None:
    with pytest.warns(DeprecationWarning, match="2026-12-31") as caught:
        ka.KeapClient("xmlrpc", "KeapAK-test-key-0001")
    assert caught[0].filename == __file__  # the warning points at the user's line


def test_it_warns_once_per_process(fresh_process: None) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ka.KeapClient("xmlrpc", "KeapAK-test-key-0001")
        ka.AsyncKeapClient("xmlrpc", "KeapAK-test-key-0001")
        ka.KeapClient("xmlrpc", "KeapAK-test-key-0001")
    assert [str(w.message) for w in seen] == [_client.XMLRPC_SHUTDOWN]


def test_rest_does_not_warn(fresh_process: None) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ka.KeapClient("rest", "KeapAK-test-key-0001")
    assert seen == []


def test_from_env_points_at_the_caller_too(fresh_process: None) -> None:
    with pytest.warns(DeprecationWarning, match="2026-12-31") as caught:
        ka.KeapClient.from_env({"KEAP_API_KEY": "KeapAK-test-key-0001", "KEAP_BACKEND": "xmlrpc"})
    assert caught[0].filename == __file__
