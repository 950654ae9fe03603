"""Moving off XML-RPC (shut down on 2026-12-31): the method map, shadow comparison, audit."""

from __future__ import annotations

from ._methods import METHODS, SHUTDOWN_DATE, LegacyMethod, lookup, rest_alternative

__all__ = ["METHODS", "SHUTDOWN_DATE", "LegacyMethod", "lookup", "rest_alternative"]
