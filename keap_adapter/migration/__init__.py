"""Moving off XML-RPC (shut down on 2026-12-31): the method map, shadow comparison, audit.

- :class:`Shadow` / :class:`AsyncShadow`: run reads on two clients, return the control's
  result, record every mismatch field by field. Writes go to the control only.
- :func:`audit_path`: find the Keap XML-RPC call sites in Python code.
- :data:`METHODS`: XML-RPC method -> facade call -> REST v2 endpoint.
"""

from __future__ import annotations

from ._ashadow import AsyncShadow
from ._audit import AuditReport, CallSite, DynamicCall, ParseFailure, audit_path
from ._audit_render import render_json, render_text
from ._compare import Row, compare_contacts, fake_pair, render_table, sample_contact_ids
from ._methods import METHODS, SHUTDOWN_DATE, LegacyMethod, lookup, rest_alternative
from ._normalize import Difference, Observation, diff, normalize
from ._shadow import MismatchError, Publisher, Shadow, ShadowStats, log_observation

__all__ = [
    "METHODS",
    "SHUTDOWN_DATE",
    "AsyncShadow",
    "AuditReport",
    "CallSite",
    "Difference",
    "DynamicCall",
    "LegacyMethod",
    "MismatchError",
    "Observation",
    "ParseFailure",
    "Publisher",
    "Row",
    "Shadow",
    "ShadowStats",
    "audit_path",
    "compare_contacts",
    "diff",
    "fake_pair",
    "log_observation",
    "lookup",
    "normalize",
    "render_json",
    "render_table",
    "render_text",
    "rest_alternative",
    "sample_contact_ids",
]
