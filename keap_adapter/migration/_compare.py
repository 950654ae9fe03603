"""The core of ``keap-adapter compare``: read contacts through two clients, tabulate the diffs.

Each contact is read with ``contacts.get`` and ``contacts.tags`` through a :class:`Shadow`
(every read sampled), so the command checks exactly what shadowing checks in production.
The command runs XML-RPC as the control and REST v2 as the candidate.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from os import PathLike
from typing import TYPE_CHECKING, Any, Literal, TextIO

from .._client import KeapClient
from .._exceptions import KeapError, NotFoundError
from .._models import NewContact, PhoneNumber, check_id
from ._normalize import RAISED, Difference, Observation
from ._shadow import Shadow

if TYPE_CHECKING:
    from ..testing import FakeKeap

__all__ = ["Row", "Status", "compare_contacts", "fake_pair", "render_table", "sample_contact_ids"]

Status = Literal["match", "MISMATCH", "missing", "error"]
CONTROL = "XML-RPC (control)"
CANDIDATE = "REST v2 (candidate)"
# A fixed clock makes two fake_pair() stores byte-for-byte alike (create_time included).
FAKE_EPOCH = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
_NAMES = [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Katherine", "Johnson"),
          ("Edsger", "Dijkstra"), ("Barbara", "Liskov"), ("Donald", "Knuth")]  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One contact's verdict.

    ``status``: ``match``; ``MISMATCH`` (both read it, differently); ``missing`` (a side
    answered ``NotFoundError``: the ``(raised)`` entry says which); ``error`` (any other
    error, on either side). ``diff`` holds what differed; tag paths start with ``tags``.
    """

    contact_id: int
    status: Status
    diff: tuple[Difference, ...] = ()

    @property
    def fields(self) -> list[str]:
        """The differing paths, e.g. ``["family_name", "tags[id=3]"]``."""
        return [d.path for d in self.diff]


def compare_contacts(
    control: KeapClient,
    candidate: KeapClient,
    contact_ids: Sequence[int],
    *,
    progress: bool = True,
    out: TextIO,
    report: str | PathLike[str] | None = None,
) -> list[Row]:
    """Read each contact (and its tags) through both clients; one :class:`Row` per id.

    ``out`` is where the progress bar goes (the command passes ``sys.stderr``, keeping
    stdout for the table); ``progress=False`` draws none. ``report`` appends every mismatch
    as a JSON line, as :class:`Shadow` does. A contact the control lacks is not read for
    tags. ``ValueError`` for an id that is not a positive int.
    """
    ids = [check_id(i, "a contact id") for i in contact_ids]  # all refused before any read
    seen: list[Observation] = []
    shadow = Shadow(control, candidate, sample_rate=1.0, publish=seen.append, report=report)
    rows = []
    for contact_id in _progress(ids, progress=progress, out=out):
        del seen[:]
        _read(shadow, contact_id, seen)
        rows.append(_row(contact_id, seen))
    return rows


def _read(shadow: Shadow, contact_id: int, seen: Sequence[Observation]) -> None:
    """Both reads for one contact; each outcome, errors included, lands in ``seen``."""
    try:
        shadow.contacts.get(contact_id)
    except KeapError:
        return  # the control lacks it: nothing to read tags of
    if seen[-1].candidate_error is None:  # a missing candidate contact has no tags either
        shadow.contacts.tags(contact_id)


def _row(contact_id: int, seen: Sequence[Observation]) -> Row:
    errors = [e for o in seen for e in (o.control_error, o.candidate_error) if e is not None]
    diff = tuple(d for o in seen for d in _prefixed(o))
    if any(not isinstance(e, NotFoundError) for e in errors):
        return Row(contact_id, "error", diff or _raised(seen))
    if errors:
        return Row(contact_id, "missing", diff or _raised(seen))
    return Row(contact_id, "MISMATCH" if diff else "match", diff)


def _prefixed(observation: Observation) -> Iterator[Difference]:
    """Tag diffs are named under ``tags`` (``tags[id=3].name``), contact diffs as they are."""
    tags = observation.operation == "contacts.tags"
    for d in observation.diff:
        path = (
            f"tags {RAISED}" if tags and d.path == RAISED else f"tags{d.path}" if tags else d.path
        )
        yield Difference(path, d.control, d.candidate)


def _raised(seen: Sequence[Observation]) -> tuple[Difference, ...]:
    """Both sides raised the same class (a match for the shadow): still worth a line here."""
    o = seen[0]
    names = [None if e is None else type(e).__name__ for e in (o.control_error, o.candidate_error)]
    return (Difference(RAISED, *names),)


def _progress(ids: Sequence[int], *, progress: bool, out: TextIO) -> Iterable[int]:
    if not progress:
        return ids
    try:
        from tqdm import tqdm  # noqa: PLC0415 - the optional ``cli`` extra
    except ImportError:
        return ids
    return tqdm(ids, total=len(ids), file=out, unit="contact", desc="comparing", leave=False)


def sample_contact_ids(client: KeapClient, n: int) -> list[int]:
    """The ids of the first ``n`` contacts ``client.contacts.list`` returns (id order)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, not {n!r}")
    listing = client.contacts.list(page_size=min(n, 1000))
    return [contact.id for contact in itertools.islice(listing, n)]


def render_table(rows: Sequence[Row], *, control: str = CONTROL, candidate: str = CANDIDATE) -> str:
    """A plain-text table: one line per matching contact, one per differing field otherwise,
    with each side's value under its column, and a summary line."""
    header = ("contact", "result", "field", control, candidate)
    lines = [line for row in rows for line in _lines(row)]
    widths = [max(len(str(cells[i])) for cells in [header, *lines]) for i in range(4)]
    text = [_format(cells, widths) for cells in [header, *lines]]
    return "\n".join([*text, "", _summary(rows)]) + "\n"


def _lines(row: Row) -> Iterator[tuple[str, ...]]:
    if not row.diff:
        yield (str(row.contact_id), row.status, "", "", "")
    for i, (path, control, candidate) in enumerate(row.diff):
        first = i == 0
        cells = (str(row.contact_id) if first else "", row.status if first else "")
        yield (*cells, path, _cell(control), _cell(candidate))


def _cell(value: Any, limit: int = 40) -> str:
    text = "-" if value is None else value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _format(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=True)]
    return "  ".join([*padded, cells[-1]]).rstrip()


def _summary(rows: Sequence[Row]) -> str:
    counts = {
        s: sum(r.status == s for r in rows) for s in ("match", "MISMATCH", "missing", "error")
    }
    parts = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    return f"{len(rows)} contacts compared: {parts or 'none'}"


def fake_pair(n: int) -> tuple[KeapClient, KeapClient, FakeKeap]:
    """A :class:`FakeKeap` holding ``n`` sample contacts (names, emails, phones, a birth date;
    every other one tagged ``Newsletter``), and an XML-RPC and a REST client on it:
    ``(xmlrpc_client, rest_client, fake)``, for ``keap-adapter compare --fake``."""
    from ..testing import FakeKeap  # noqa: PLC0415 - only --fake runs need the fake

    fake = FakeKeap()
    fake.now = lambda: FAKE_EPOCH
    rest = KeapClient("rest", fake.api_key, transport=fake.transport)
    xmlrpc = KeapClient("xmlrpc", fake.api_key, transport=fake.transport)
    ids = [rest.contacts.create(_sample(i)).id for i in range(n)]
    if ids[::2]:
        rest.tags.apply(rest.tags.create("Newsletter").id, ids[::2])
    return xmlrpc, rest, fake


def _sample(i: int) -> NewContact:
    given, family = _NAMES[i % len(_NAMES)]
    return NewContact(
        given_name=given,
        family_name=family,
        email=f"{given.lower()}.{family.lower()}{i}@example.com",
        phone_numbers=[PhoneNumber(number=f"+1 555 01{i % 100:02d}", field="PHONE1")],
        birth_date=date(1900 + i % 100, 1 + i % 12, 1 + i % 28),
    )
