"""Drive a backend flow by hand: the requests it builds, answered by scripted responses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx

from keap_adapter import KeapError
from keap_adapter.backends._base import Backend, Call, Flow

T = TypeVar("T")
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def drive(backend: Backend, flow: Flow[T], answers: Sequence[Answer]) -> tuple[T, list[Call]]:
    """Run ``flow``, answering its calls in order; errors are thrown in as the client does."""
    calls: list[Call] = []
    pending = list(answers)
    try:
        call = next(flow)
        while True:
            calls.append(call)
            assert pending, (
                f"flow made an unexpected call: {call.request.method} {call.request.url}"
            )
            answer = pending.pop(0)
            response = answer(call.request) if callable(answer) else answer
            error = backend.error_for(call, response)
            call = flow.throw(error) if isinstance(error, KeapError) else flow.send(response)
    except StopIteration as stop:
        assert not pending, f"{len(pending)} scripted answers were not used"
        return stop.value, calls


def json_body(call: Call) -> Any:
    """The JSON body a call sends."""
    import json

    return json.loads(call.request.content)
