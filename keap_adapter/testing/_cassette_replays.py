"""Which loaded recording answers a request, and which have been played.

A recording is never replayed twice: the Nth identical request gets the Nth recorded answer.
When no unplayed recording matches exactly, one whose placeholders :func:`._matching.fits`
the request answers it: replay may meet a value in clear before it learns (from a later
request) that it is secret, while the file has it scrubbed everywhere.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from typing import Any

from ._matching import fits, request_key

__all__ = ["Replays"]


class Replays:
    """The loaded recordings' requests, queued by matching key in recorded order."""

    def __init__(self, requests: Sequence[Mapping[str, Any]], placeholder: str) -> None:
        self._requests = requests
        self._placeholder = placeholder
        self._keys = [request_key(request) for request in requests]
        self._queues: dict[str, deque[int]] = {}
        for index, key in enumerate(self._keys):
            self._queues.setdefault(key, deque()).append(index)
        self.counts = Counter(self._keys)  # per key, how many were recorded
        # Only a recording holding the placeholder can fit a request it does not equal.
        escaped = json.dumps(placeholder, ensure_ascii=False)[1:-1]
        self._wild = [index for index, key in enumerate(self._keys) if escaped in key]
        self.played: set[int] = set()

    def take(self, stored: Mapping[str, Any]) -> int | None:
        """The index of the recording that answers ``stored`` (now played), or ``None``."""
        queue = self._queues.get(request_key(stored))
        index = queue.popleft() if queue else self._fitting(stored)
        if index is not None:
            self.played.add(index)
        return index

    def _fitting(self, stored: Mapping[str, Any]) -> int | None:
        for index in self._wild:
            if index not in self.played and fits(stored, self._requests[index], self._placeholder):
                self._queues[self._keys[index]].remove(index)
                return index
        return None
