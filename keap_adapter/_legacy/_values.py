"""The shim's own value helpers: wire types in and out, and which query conditions the
facade's server-side filters can take. Keap's query semantics themselves (``%``,
``~null~``, ordering, paging) are the shared server rules in ``_xmlrpc_server._values``.
"""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime
from typing import Any

from .._xmlrpc_server._values import NULL

_WIRE_DATE = "%Y%m%dT%H:%M:%S"


def plain(value: Any) -> Any:
    """An input value as the wire would carry it (what Keap's server then sees).

    ``xmlrpc.client.DateTime`` becomes a naive datetime; an aware datetime loses its zone,
    as the stdlib marshaller writes only the wall time. Structs and arrays are walked.
    """
    if isinstance(value, xmlrpc.client.DateTime):
        return datetime.strptime(value.value, _WIRE_DATE)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def exact_id(value: Any) -> int | None:
    """An id a condition names exactly (``5`` or ``"5"``), else ``None`` (a wildcard...)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def prefix_filter(value: Any) -> str | None:
    """A condition the facade's server-side filters can take: exact, or trailing ``%``.

    Returns the facade form (a trailing ``*`` is a prefix), or ``None`` when the condition
    must be matched here instead (inner ``%``, ``~null~``, characters the REST filter
    language reserves...). Every row the server returns is still matched here, but a server
    that matches more narrowly than Keap's XML-RPC (say, case-sensitively: REST v2's rules
    are undocumented) would hide rows; ``ServerProxy(..., server_filters=False)`` reads
    everything instead.
    """
    if not isinstance(value, str) or value in ("", NULL) or any(c in value for c in "*;="):
        return None
    stem = value[:-1] if value.endswith("%") else value
    if not stem or "%" in stem:
        return None
    return stem + "*" if stem != value else stem


def legacy_types(value: Any) -> Any:
    """An answer as ``ServerProxy(..., use_builtin_types=False)`` gives it: ``DateTime``
    for dates, ``Binary`` for bytes."""
    if isinstance(value, datetime):
        return xmlrpc.client.DateTime(value)
    if isinstance(value, bytes):
        return xmlrpc.client.Binary(value)
    if isinstance(value, dict):
        return {k: legacy_types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [legacy_types(v) for v in value]
    return value
