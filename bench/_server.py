"""A FakeKeap served on loopback from its own process, so a benchmark's clocks see only the
client: ``python -m bench._server [contacts] [--tags N] [--per-second N --per-minute N]
[--snapshot]``.

It seeds ``contacts`` contacts (1000 by default) straight into the fake's store (through the
REST face's own field conversion, so they are what ``POST contacts`` would have stored), prints
one JSON line (``url``, ``key``, ``contact_id``: the first contact, the others follow it;
``tag_ids``; ``seed_seconds``) and serves until its stdin closes. Each ``status`` line read on
stdin is answered with one JSON line: ``throttled`` (the 429s the fake answered) and
``requests`` (every request it received).

``--per-second``/``--per-minute`` make the fake announce and enforce those limits (no daily
quota), answering 429 as Keap's gateway does. ``--snapshot`` is for listing benchmarks only:
the fake rebuilds every contact on each page it answers (a test double, it is O(contacts) a
page: 4 s over REST and 9 s over XML-RPC at 100,000 contacts), so the server keeps one copy of
the listing, and of each contact's XML-RPC row, until the store next changes. That changes
how fast the server answers, not what it answers.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from keap_adapter.pacing import Limits
from keap_adapter.testing import FakeKeap
from keap_adapter.testing import _fake_tables as tables
from keap_adapter.testing._fake_rest_json import contact_fields
from keap_adapter.testing._fake_store import Store

KEY = "bench-key-0123456789"
Row = dict[str, Any]


def contact_body(i: int) -> dict[str, object]:
    """A contact with the fields a CRM record usually has filled in."""
    return {
        "given_name": f"Given{i}",
        "family_name": f"Family{i}",
        "job_title": "Engineer",
        "company": {"company_name": "Analytical Engines"},
        "email_addresses": [{"email": f"p{i}@example.com", "field": "EMAIL1"}],
        "phone_numbers": [{"number": "555-0100", "field": "PHONE1", "type": "Mobile"}],
        "addresses": [
            {
                "field": "BILLING",
                "line1": f"{i} Main St",
                "locality": "London",
                "postal_code": "N1",
                "country_code": "GBR",
            }
        ],
    }


def seed(fake: FakeKeap, contacts: int) -> int:
    """Create ``contacts`` contacts in ``fake`` (the first one tagged ``bench``); the first
    one's id. The ids that follow are consecutive."""
    store = fake.store
    tag = int(store.create_tag("bench")["id"])
    ids = [
        int(store.create_contact(contact_fields(store, contact_body(i)))["id"])
        for i in range(contacts)
    ]
    if ids:
        store.apply(ids[0], tag)
    return ids[0] if ids else 0


class SnapshotStore(Store):
    """A store that lists its contacts once and answers every listing from that copy (and
    each listed contact's XML-RPC row from one made once), until a write changes them."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__(now)
        self._listed: list[Row] | None = None
        self._listed_ids: set[int] = set()
        self._rows: dict[int, Row] = {}  # id() of a listed contact -> its XML-RPC row

    def all_contacts(self) -> list[Row]:
        """Every contact, in ascending id order: the same copies until the next write."""
        if self._listed is None:
            self._listed = super().all_contacts()
            self._listed_ids = {id(c) for c in self._listed}
            self._rows = {}
        return self._listed

    def xmlrpc_row(self, contact: Row, make: Callable[[Row], Row]) -> Row:
        """``make(contact)``, kept for the contacts of the current listing."""
        key = id(contact)  # the listed copies stay alive, so their ids stay theirs
        row = self._rows.get(key)
        if row is None:
            row = make(contact)
            if key in self._listed_ids:
                self._rows[key] = row
        return row

    def warm(self) -> None:
        """Make the listing and every XML-RPC row now, not on the first page asked for."""
        for contact in self.all_contacts():
            self.xmlrpc_row(contact, _CONTACT_STRUCT)

    def _changed(self) -> None:
        self._listed, self._listed_ids, self._rows = None, set(), {}

    def create_contact(self, fields: Row) -> Row:
        """As :meth:`Store.create_contact`; drops the listing."""
        self._changed()
        return super().create_contact(fields)

    def update_contact(self, contact_id: int, changes: Row, *, touch: bool = True) -> Row:
        """As :meth:`Store.update_contact`; drops the listing."""
        self._changed()
        return super().update_contact(contact_id, changes, touch=touch)

    def delete_contact(self, contact_id: int) -> bool:
        """As :meth:`Store.delete_contact`; drops the listing."""
        self._changed()
        return super().delete_contact(contact_id)

    def apply(self, contact_id: int, tag_id: int) -> None:
        """As :meth:`Store.apply`; drops the listing (it carries each contact's tags)."""
        self._changed()
        super().apply(contact_id, tag_id)

    def remove(self, contact_id: int, tag_id: int) -> None:
        """As :meth:`Store.remove`; drops the listing."""
        self._changed()
        super().remove(contact_id, tag_id)


_CONTACT_STRUCT: Callable[[Row], Row] = tables.contact_struct


def _use_snapshot(fake: FakeKeap) -> SnapshotStore:
    """Give ``fake`` an empty :class:`SnapshotStore` and route the XML-RPC Contact table's
    rows through it."""
    store = SnapshotStore(fake.store.now)
    fake.store = store

    def contact_struct(contact: Row) -> Row:
        return store.xmlrpc_row(contact, _CONTACT_STRUCT)

    # The Contact table looks the function up by name on every listing.
    setattr(tables, "contact_struct", contact_struct)  # noqa: B010
    return store


def main() -> None:
    """Seed, serve, announce, answer ``status`` lines, and serve until stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("contacts", nargs="?", type=int, default=1000)
    parser.add_argument("--tags", type=int, default=0, help="extra empty tags to create")
    parser.add_argument("--per-second", type=int, default=None)
    parser.add_argument("--per-minute", type=int, default=None)
    parser.add_argument("--snapshot", action="store_true", help="cache listings (see above)")
    args = parser.parse_args()
    # A request waiting for a free server thread is expected here (the async client sends
    # 16 at once), not worth a warning on the benchmark's stderr.
    logging.getLogger("waitress").setLevel(logging.ERROR)
    limits = None
    if args.per_second is not None or args.per_minute is not None:
        limits = Limits(per_second=args.per_second, per_minute=args.per_minute, per_day=None)
    fake = FakeKeap(api_key=KEY, limits=limits)
    started = time.perf_counter()
    snapshot = _use_snapshot(fake) if args.snapshot else None
    contact_id = seed(fake, args.contacts)
    tag_ids = [int(fake.store.create_tag(f"bench-{i}")["id"]) for i in range(args.tags)]
    if snapshot is not None:
        snapshot.warm()
    seeded = time.perf_counter() - started
    with fake.serve() as server:
        announced = {"url": server.url, "key": KEY, "contact_id": contact_id}
        print(json.dumps({**announced, "tag_ids": tag_ids, "seed_seconds": seeded}), flush=True)
        for line in sys.stdin:
            if line.strip() == "status":
                status = {"throttled": fake.throttled, "requests": len(fake.requests)}
                print(json.dumps(status), flush=True)


if __name__ == "__main__":
    main()
