"""Hypothesis budgets of the hostile tests.

``hostile-ci`` (the default) keeps every property and fuzz test to a bounded number of
examples, derandomized so CI runs the same examples each time and takes the same time;
``hostile-deep`` explores far more, with fresh randomness, for a run by hand::

    KEAP_HOSTILE_PROFILE=hostile-deep .venv/bin/python -m pytest tests/hostile/test_fuzz.py

The profiles are registered, not loaded: the tests of this directory apply the one chosen
(``test_fuzz.BUDGET``), so Hypothesis's settings for the rest of the suite are untouched.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

PROFILE_ENV = "KEAP_HOSTILE_PROFILE"

settings.register_profile(
    "hostile-ci",
    max_examples=60,
    deadline=timedelta(
        seconds=5
    ),  # wall time: a hang guard (each example is bounded to 1 s of CPU)
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "hostile-deep",
    max_examples=2000,
    deadline=timedelta(seconds=5),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def hostile_profile() -> settings:
    """The profile ``KEAP_HOSTILE_PROFILE`` names (``hostile-ci`` when unset)."""
    return settings.get_profile(os.environ.get(PROFILE_ENV, "hostile-ci"))
