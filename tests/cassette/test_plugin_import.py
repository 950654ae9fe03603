"""The pytest plugin loads in every pytest session of every user: loading it must be cheap.

Nothing heavy (httpx, lxml, pydantic, the facade, the fake) may be imported until a test asks
for ``keap_cassette``. Each check runs in a fresh interpreter, where ``sys.modules`` is clean.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import keap_adapter.testing
from keap_adapter.testing import _cassette, _pytest_plugin

REPORT = """
import json, sys
print(json.dumps(sorted(
    m for m in sys.modules
    if m.split('.')[0] in {'lxml', 'httpx', 'pydantic'}
    or m.startswith('keap_adapter.testing._fake')
    or m == 'keap_adapter._client'
)))
"""
# Stands in for keap_adapter/__init__.py, so this checks the testing package on its own.
STUB_PARENT = """
import importlib.util, sys, types
spec = importlib.util.find_spec('keap_adapter')
parent = types.ModuleType('keap_adapter')
parent.__path__ = list(spec.submodule_search_locations)
sys.modules['keap_adapter'] = parent
"""


def heavy_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_testing_package_and_the_plugin_import_nothing_heavy() -> None:
    assert heavy_after(STUB_PARENT + "import keap_adapter.testing._pytest_plugin") == []
    assert heavy_after(STUB_PARENT + "import keap_adapter.testing") == []


def test_loading_the_plugin_by_its_entry_point_imports_nothing_heavy() -> None:
    assert heavy_after("import keap_adapter.testing._pytest_plugin") == []


def test_the_fixture_imports_the_cassette_when_a_test_uses_it() -> None:
    code = STUB_PARENT + "import keap_adapter.testing._pytest_plugin as p; p.cassette_class()"
    assert "httpx" in heavy_after(code)


def test_the_testing_package_still_offers_every_name() -> None:
    for name in keap_adapter.testing.__all__:
        assert getattr(keap_adapter.testing, name) is not None
    assert set(keap_adapter.testing.__all__) <= set(dir(keap_adapter.testing))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = keap_adapter.testing.Nope


def test_the_plugins_mode_choices_are_the_cassettes() -> None:
    # The plugin spells them out rather than import _cassette (and httpx) at load time.
    assert _pytest_plugin.MODES == _cassette.MODES
