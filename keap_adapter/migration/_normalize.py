"""Normalise what each backend read, diff the two field by field, record the outcome.

The facade already maps both protocols onto one model, so what is left to forgive is the
noise between them: id types (``12`` vs ``"12"``), field and list order, time zones, and
empty vs missing. :func:`normalize` turns a read result (models, lists, dicts, scalars) into
plain JSON-able data where those differences are gone; :func:`diff` walks two normalised
values and names every path where they still differ.

Rules, each for a reason:

- ``None``, ``""``, ``[]``, ``{}`` and an absent key are one value: XML-RPC omits empty
  fields where REST sends ``null`` or ``""``.
- Keys named ``id`` or ``*_id`` hold ints, even when a wire sent ``"12"``; ``*_ids`` lists
  are sorted (tag order is not meaningful).
- Datetimes compare as UTC at whole seconds: XML-RPC dates are naive US Eastern and carry
  no fractions, REST's are aware and may. Dates compare as ISO strings.
- A list whose items all have an ``id`` is keyed by it (``[id=7]``), so listing order does
  not matter; a list of slots (``email_addresses``...) is keyed by slot (``[EMAIL1]``).
- Errors compare by class: both sides raising ``NotFoundError`` is a match.

Everything here is pure; :mod:`._shadow` does the calls and the output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, NamedTuple

from pydantic import BaseModel

from ..backends._fields import EASTERN

__all__ = ["RAISED", "Difference", "Observation", "compare", "diff", "is_empty", "normalize"]

# XML-RPC date-times carry no zone and mean US Eastern (infusionsoft/infusionsoft-php#79).
RAISED = "(raised)"
"""The diff path naming the error class each side raised (``None``: it did not raise)."""


class Difference(NamedTuple):
    """One differing path: ``("family_name", "Lovelace", "Byron")``.

    ``None`` on one side means the value is empty or absent there. A tuple, so tests and
    callers may compare it with a plain ``(path, control, candidate)`` tuple.
    """

    path: str
    control: Any
    candidate: Any


def is_empty(value: Any) -> bool:
    """``None``, ``""``, ``[]`` and ``{}``: the values that count as absent."""
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


def normalize(value: Any, key: str = "") -> Any:
    """``value`` as plain data with the backend noise removed (see the module docstring).

    ``key`` is the name the value is stored under; it decides the id rules.
    """
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python")
    if isinstance(value, Mapping):
        return _mapping(value)
    if isinstance(value, (list, tuple)):
        return _sequence(value, key)
    return _scalar(value, key)


def _mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    pairs = ((str(k), normalize(v, str(k))) for k, v in value.items())
    return {k: v for k, v in sorted(pairs, key=lambda kv: kv[0]) if not is_empty(v)}


def _sequence(value: Sequence[Any], key: str) -> Any:
    items = [normalize(item) for item in value]
    if key.endswith("_ids"):
        return sorted(items, key=repr)
    slot = _slot_key(items)
    if slot is None:
        return items
    keyed = {slot(item): item for item in items}
    # Two items with one key would silently collapse: keep the list so the diff shows both.
    return keyed if len(keyed) == len(items) else items


def _slot_key(items: list[Any]) -> Any:
    """How to key a list of records: by ``id``, by slot ``field``, or not at all (``None``)."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    if all("id" in item for item in items):
        return lambda item: f"[id={item['id']}]"
    if all(isinstance(item.get("field"), str) for item in items):
        return lambda item: f"[{item['field']}]"
    return None


def _scalar(value: Any, key: str) -> Any:
    if isinstance(value, datetime):
        return _utc_seconds(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if (key == "id" or key.endswith("_id")) and _int_like(value):
        return int(value)
    return value


def _int_like(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


def _utc_seconds(value: datetime) -> datetime:
    """An instant at the precision XML-RPC can carry: whole seconds of US Eastern wall time.

    Compared as wall time, the two instants of the repeated hour when daylight saving ends
    (01:00-02:00 twice) are equal: XML-RPC cannot tell them apart, so they must not be
    reported as a mismatch. The result is shown in UTC as the wall time's first instant.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=EASTERN)
    wall = aware.astimezone(EASTERN).replace(tzinfo=None, microsecond=0, fold=0)
    return wall.replace(tzinfo=EASTERN).astimezone(timezone.utc)


def diff(control: Any, candidate: Any, path: str = "") -> list[Difference]:
    """Every path where two normalised values differ, in path order.

    Dicts (including keyed lists) are walked key by key; anything else is compared whole.
    """
    if not path:  # an empty listing is [], a full one a keyed dict: diff them item by item
        control, candidate = (
            {} if is_empty(v) and isinstance(other, dict) else v
            for v, other in ((control, candidate), (candidate, control))
        )
    if isinstance(control, dict) and isinstance(candidate, dict):
        return [
            found
            for key in sorted(control.keys() | candidate.keys())
            for found in diff(control.get(key), candidate.get(key), _join(path, key))
        ]
    if control == candidate or (is_empty(control) and is_empty(candidate)):
        return []
    return [Difference(path, control, candidate)]


def _join(path: str, key: str) -> str:
    """``a`` + ``b`` is ``a.b``; a bracketed key attaches directly: ``a[EMAIL1]``."""
    if not path or key.startswith("["):
        return f"{path}{key}"
    return f"{path}.{key}"


def compare(
    control: Any, candidate: Any, control_error: Exception | None, candidate_error: Exception | None
) -> list[Difference]:
    """How two outcomes differ: values diffed after normalising; errors by class name."""
    if control_error is None and candidate_error is None:
        return diff(normalize(control), normalize(candidate))
    names = [None if e is None else type(e).__name__ for e in (control_error, candidate_error)]
    return [] if names[0] == names[1] else [Difference(RAISED, *names)]


@dataclass(frozen=True)
class Observation:
    """One shadowed read: what ran, whether both sides agreed, and what each side did.

    ``diff`` is empty exactly when ``matched``; a mismatch is an observation that did not
    match. Durations are in seconds. Errors are kept as raised; :meth:`as_json` writes them
    as ``"Class: message"`` (messages the client built, which never hold the key).
    """

    operation: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    diff: tuple[Difference, ...]
    control_duration: float
    candidate_duration: float
    control_error: Exception | None
    candidate_error: Exception | None
    timestamp: datetime

    @property
    def matched(self) -> bool:
        """Both sides read the same (or raised the same class of error)."""
        return not self.diff

    def as_json(self) -> dict[str, Any]:
        """A JSON-able dict: the report's line for a mismatch."""
        return {
            "timestamp": self.timestamp.isoformat(),
            "operation": self.operation,
            "args": list(self.args),
            "kwargs": dict(self.kwargs),
            "matched": self.matched,
            "diff": [d._asdict() for d in self.diff],
            "control_error": _describe(self.control_error),
            "candidate_error": _describe(self.candidate_error),
        }

    def __str__(self) -> str:
        given = [*map(repr, self.args), *(f"{k}={v!r}" for k, v in self.kwargs.items())]
        head = f"{self.operation}({', '.join(given)})"
        if self.matched:
            return f"{head}: match"
        lines = (f"  {d.path}: {d.control!r} (control) != {d.candidate!r} (candidate)"
                 for d in self.diff)  # fmt: skip
        return f"{head} differs:\n" + "\n".join(lines)


def _describe(error: Exception | None) -> str | None:
    return None if error is None else f"{type(error).__name__}: {error}"
