"""Every call site the audit calls covered runs through the shim with its own arguments.

For each covered call site in legacy_corpus (Python 3, Python 2 and damaged files alike)
the call is evaluated as written, from the audit's own reading of its file (``corpus_runner``
explains how), twice on identically seeded fakes with one pinned clock:

* by the stdlib: ``xmlrpc.client.ServerProxy`` against a served FakeKeap (loopback HTTP);
* through the shim: the same code under ``legacy.install(client)``, with a KeapClient on
  the REST backend and on the XML-RPC backend.

The answers must be equal (a fault: the same faultCode), and so must both fakes' stores,
read back with every column. The literal arguments (structs, field lists, tables, queries,
``orderBy``) are the call site's own; only what the source cannot give (parameters, a loop
variable, an id an earlier call returned) comes from FILL below, keyed by (file, line); in a
notebook by ("file[cell N]", line in the cell).
"""

from __future__ import annotations

import sys
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import keap_adapter as ka
from keap_adapter import legacy
from keap_adapter.migration import CallSite, audit_path
from keap_adapter.migration._audit_model import where

from .corpus_runner._fakes import (
    ADA,
    ALAN,
    CATEGORY,
    GRACE,
    KATHERINE,
    KEY,
    NEWSLETTER,
    OLD_LIST,
    VIP,
    seeded,
    snapshot,
)
from .corpus_runner._runner import Expr, Fill, shim, stdlib
from .corpus_runner._source import CORPUS

REPORT = audit_path(CORPUS)
COVERED = [call for call in REPORT.calls if call.covered]
KEAP = Expr("Keap()")  # web/forms.py's (or web/wrapper.py's) wrapper, built as views build it

# What each covered call site's source cannot give: its parameters and the like.
FILL: dict[tuple[str, int], Fill] = {
    ("contacts_sync.py", 18): {
        "order": {"first": "Lin", "last": "Clark", "email": "new@example.com", "phone": "555-0100"}
    },
    ("contacts_sync.py", 23): {
        "order": {"first": "Ada", "email": "ada@example.com", "ref": "ADA10"}
    },
    ("contacts_sync.py", 27): {"contact_id": ADA},
    ("contacts_sync.py", 35): {"contact_id": GRACE, "first": "Grace", "last": "Murray Hopper"},
    ("contacts_sync.py", 43): {"contact_id": ALAN, "tag_id": VIP},
    ("contacts_sync.py", 44): {"contact_id": ADA},  # tag 99 does not exist
    ("damaged/half_saved.py", 14): {"contact_id": ADA},
    ("damaged/half_saved.py", 18): {},
    ("damaged/half_saved.py", 22): {"tag_id": OLD_LIST},
    ("damaged/half_saved.py", 25): {},
    ("jobs/reports.py", 12): {},
    ("jobs/reports.py", 19): {},
    ("jobs/reports.py", 25): {},
    ("jobs/reports.py", 39): {"domain": "example.com"},
    ("jobs/reports.py", 43): {"email": "ada@example.com"},
    ("jobs/reports.py", 47): {"contact_id": ADA},
    ("jobs/tag_sync.py", 13): {"tag_id": VIP},
    ("jobs/tag_sync.py", 23): {"tag_id": VIP},
    ("jobs/tag_sync.py", 28): {"name": "VIP"},  # a getattr kept in a name
    ("jobs/export_contacts", 12): {"contact_id": ADA},  # a script without a suffix
    (".github/scripts/nightly_cleanup.py", 16): {},  # a bound method kept in a name
    (".github/scripts/nightly_cleanup.py", 24): {"label": "Shoe width"},
    ("jobs/tag_sync.py", 32): {"name": "VIP"},
    ("jobs/tag_sync.py", 38): {"tag_id": VIP},
    ("jobs/tag_sync.py", 47): {"category_id": CATEGORY},
    ("notebooks/cleanup_export.py", 20): {},
    ("notebooks/cleanup_export.py", 28): {"row": {"Id": ADA, "Email": "ada@example.com"}},
    ("notebooks/cleanup_export.py", 41): {},  # after %timeit
    ("notebooks/tag_report.ipynb[cell 3]", 2): {},  # DateCreated of a query by tag
    ("notebooks/tag_report.ipynb[cell 5]", 3): {"row": {"ContactId": ADA}},  # after %%time
    ("official_lib.py", 20): {},
    ("official_lib.py", 28): {},
    ("official_lib.py", 34): {"name": "Spring sale"},
    ("official_lib.py", 38): {"email": "ada@example.com"},
    ("py2/legacy_import.py", 17): {
        "row": {"first": "Lin", "last": "Clark", "email": "new@example.com"}
    },
    ("py2/legacy_import.py", 22): {"contact_id": KATHERINE},  # what add returned
    ("py2/legacy_import.py", 29): {},
    ("py2/tag_admin.py", 26): {"tag_id": NEWSLETTER, "name": "Weekly newsletter"},
    ("py2/tag_admin.py", 38): {"tag_id": OLD_LIST},
    ("web/forms.py", 20): {
        "self": KEAP,
        "form": {"first": "Lin", "email": "new@example.com", "title": "Dr."},
    },
    ("web/forms.py", 24): {
        "self": KEAP,
        "contact_id": ALAN,
        "form": {
            "company": "Bletchley Park",
            "job": "Cryptanalyst",
            "site": "https://alan.example",
        },
    },
    ("web/forms.py", 27): {"self": KEAP, "contact_id": KATHERINE},
    ("web/forms.py", 30): {"self": KEAP, "tag_id": VIP},
    ("web/forms.py", 34): {"self": KEAP, "email": "grace@example.com"},
    # web/wrapper.py keeps its services and two methods on self
    ("web/wrapper.py", 22): {
        "self": KEAP,
        "data": {"FirstName": "Lin", "Email": "new@example.com"},
    },
    ("web/wrapper.py", 31): {"self": KEAP, "tag_id": VIP},
    ("web/wrapper.py", 34): {"self": KEAP, "tag_id": VIP},
}

# (file, line, backend) -> why the shim cannot answer as Keap does there. Strict: a fix
# makes the case pass, and pytest then fails until the entry goes. (official_lib.py:46, a
# FirstName alone, was here until the audit learnt to call such a struct partial.)
DEFECTS: dict[tuple[str, int, str], str] = {}


@dataclass(frozen=True)
class Faulted:
    """A Fault, equal to another with the same faultCode (its string is shown, not compared)."""

    code: int
    string: str = field(compare=False)


def answer(value: Any) -> Any:
    """``value`` with every Fault in it (the Official library returns them) as Faulted."""
    if isinstance(value, xmlrpc.client.Fault):
        return Faulted(value.faultCode, value.faultString)
    if isinstance(value, (list, tuple)):
        return type(value)(answer(v) for v in value)
    if isinstance(value, dict):
        return {k: answer(v) for k, v in value.items()}
    return value


def site_id(site: CallSite) -> str:
    return f"{where(site.file, site.cell)}:{site.line}:{site.method}"


def place(site: CallSite) -> tuple[str, int]:
    """The FILL key: the file (with the cell, in a notebook) and the line."""
    return where(site.file, site.cell), site.line


def cases() -> Iterator[Any]:
    for site in COVERED:
        for backend in ("rest", "xmlrpc"):
            reason = DEFECTS.get((*place(site), backend))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(site, backend, id=f"{site_id(site)}-{backend}", marks=marks)


@pytest.fixture(autouse=True)
def _legacy_surroundings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The key where the corpus reads it: ifs_helpers and py2/ read the environment,
    py2/tag_admin.py its command line."""
    monkeypatch.setenv("INFUSIONSOFT_KEY", KEY)
    monkeypatch.setattr(sys, "argv", ["tag_admin.py", KEY])
    yield
    legacy.uninstall()


Seen = tuple[Any, dict[str, Any]]  # the answer, and the store after the call
_BY_STDLIB: dict[tuple[str, int], Seen] = {}


def by_stdlib(site: CallSite) -> Seen:
    """The call by the stdlib's ServerProxy against a served fake (once per site)."""
    key = place(site)
    if key not in _BY_STDLIB:
        fake = seeded()
        with fake.serve() as server, stdlib(REPORT, server.url + "/crm/xmlrpc/v1") as process:
            _BY_STDLIB[key] = (attempt(process.run, site), snapshot(fake))
    return _BY_STDLIB[key]


def through_shim(site: CallSite, backend: ka.BackendName) -> tuple[Any, dict[str, Any], list[str]]:
    """The call under legacy.install(client), on a client of ``backend``; what the fake saw."""
    fake = seeded()
    with (
        ka.KeapClient(backend, fake.api_key, transport=fake.transport) as client,
        legacy.install(client),
    ):
        seen = attempt(shim(REPORT).run, site)
    paths = [r.url.path for r in fake.requests]  # before snapshot() reads over XML-RPC
    return seen, snapshot(fake), paths


def attempt(run: Callable[[CallSite, Fill], Any], site: CallSite) -> Any:
    """What the call answered: its value, or the Fault it raised (as Faulted)."""
    try:
        return answer(run(site, FILL[place(site)]))
    except xmlrpc.client.Fault as fault:
        return answer(fault)


def test_every_covered_call_site_has_a_runner_entry() -> None:
    """So a newly covered site fails here until it runs below (and a stale entry too)."""
    covered = {place(c) for c in COVERED}
    assert not covered - set(FILL), "covered call sites with no FILL entry"
    assert not set(FILL) - covered, "FILL entries for sites the audit does not call covered"
    assert {c.found_by for c in COVERED} == {"ast", "tokens"}
    assert {c.file for c in COVERED if c.found_by == "tokens"} == set(REPORT.token_files)
    assert {(f, line) for f, line, _ in DEFECTS} <= set(FILL)


@pytest.mark.parametrize(("site", "backend"), list(cases()))
def test_covered_call_site_answers_as_keap_does_through_the_shim(
    site: CallSite, backend: ka.BackendName
) -> None:
    expected, store_after = by_stdlib(site)
    seen, store, paths = through_shim(site, backend)

    assert seen == expected, f"{site_id(site)}: shim {seen!r}, stdlib {expected!r}"
    for part, rows in store_after.items():  # part by part first: a readable failure
        assert store[part] == rows, part
    if backend == "rest":
        assert not [p for p in paths if "/xmlrpc" in p], "the shim on REST sent XML-RPC"
