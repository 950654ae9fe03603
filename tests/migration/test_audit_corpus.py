"""The audit over legacy_corpus: a code base in the styles real Keap integrations use.

EXPECTED.json lists every call site by hand. The audit must find each one (recall) and
nothing else (precision), with the expected verdict and untranslatable columns.

The columns a site names split three ways:

* columns Keap's Contact table has and REST v2 has no field for (NO_REST_EQUIVALENT below):
  partial for good;
* Contact columns REST v2 has, which the facade maps once ``backends._fields.CONTACT_FIELDS``
  lists them (PENDING_CONTACT_COLUMNS, per site as "pending" in EXPECTED.json): partial only
  while CONTACT_FIELDS lacks them. The expectation is derived from CONTACT_FIELDS, so these
  tests give the right verdicts as that table grows; they also pin the verdicts with none of
  them mapped (the 48-name table) and with all of them mapped;
* tag-table columns the shim does not serve (TAG_UNSERVED).

Read-only Contact columns written in a struct (``backends._fields.READ_ONLY``) and rules the
shim applies to a whole call (in parentheses) are partial for good too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from keap_adapter.backends import _fields
from keap_adapter.backends._fields import CONTACT_FIELDS, READ_ONLY
from keap_adapter.migration import _audit_columns
from keap_adapter.migration._audit import AuditReport, CallSite, DynamicCall, audit_path
from keap_adapter.migration._audit_render import render_json, render_text

CORPUS = Path(__file__).parent / "legacy_corpus"
EXPECTED: dict[str, Any] = json.loads((CORPUS / "EXPECTED.json").read_text())
SITES: list[dict[str, Any]] = EXPECTED["sites"]

# Keap's XML-RPC Contact table (https://developer.infusionsoft.com/docs/table-schema/) against
# the REST v2 Contact model (https://developer.keap.com/docs/restv2/): these columns have no
# REST v2 field (portal login, validation flag, address types, notes kept apart, the lead
# source by name), so no version of the facade can translate them.
NO_REST_EQUIVALENT = frozenset(
    {
        "Username", "Password", "Validated", "Address1Type", "Address2Type", "Address3Type",
        "ContactNotes", "Leadsource",
    }
)  # fmt: skip
# Contact columns with a REST v2 field (preferred_name, prefix, website, owner_id, ...) that
# the 48-name CONTACT_FIELDS did not list.
PENDING_CONTACT_COLUMNS = frozenset(
    {
        "Nickname", "Title", "Suffix", "CompanyID", "AccountId", "Fax1", "Fax2", "Fax1Type",
        "Fax2Type", "ZipFour1", "ZipFour2", "ZipFour3", "Anniversary", "SpouseName", "Website",
        "TimeZone", "Language", "ContactType", "OwnerID", "LeadSourceId", "ReferralCode",
        "AssistantName", "AssistantPhone", "BillingInformation", "CreatedBy", "LastUpdatedBy",
    }
)  # fmt: skip
# Partial today (as EXPECTED.json's verdicts say), covered once their pending columns map.
FLIPS = 11
# Tag-table columns the legacy shim does not serve (ContactGroupAssign.DateCreated faults
# [NotTranslated]; CategoryName belongs to ContactGroupCategory, not ContactGroup).
TAG_UNSERVED = {"ContactGroupAssign": {"DateCreated"}, "ContactGroup": {"CategoryName"}}


def expected_columns(site: dict[str, Any], mapped: frozenset[str]) -> set[str]:
    """The columns a site should be partial for, with ``mapped`` Contact columns translatable."""
    return set(site["columns"]) | {c for c in site["pending"] if c not in mapped}


def expected_verdict(site: dict[str, Any], mapped: frozenset[str]) -> str:
    if site["verdict"] == "partial" and not expected_columns(site, mapped):
        return "covered"  # every pending column is in CONTACT_FIELDS now
    return str(site["verdict"])


def place(site: dict[str, Any]) -> tuple[str, int | None, int]:
    return site["file"], site.get("cell"), site["line"]


def found_at(call: CallSite | DynamicCall) -> tuple[str, int | None, int]:
    return call.file, call.cell, call.line


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_path(CORPUS)


def test_every_expected_call_site_is_found_and_nothing_else(report: AuditReport) -> None:
    expected = {(*place(s), s["method"], s["table"]) for s in SITES}
    found = {(*found_at(c), c.method, c.table) for c in report.calls}
    assert not expected - found, "missed (recall)"
    assert not found - expected, "not Keap calls (precision)"
    assert len(report.calls) == len(SITES) == 77


def test_verdicts_and_untranslatable_columns(report: AuditReport) -> None:
    mapped = frozenset(CONTACT_FIELDS)
    by_place = {found_at(c): c for c in report.calls}
    for site in SITES:
        call = by_place[place(site)]
        wanted = (expected_verdict(site, mapped), expected_columns(site, mapped))
        assert (call.verdict, set(call.columns)) == wanted, place(site)


@pytest.mark.parametrize("pending_mapped", [False, True], ids=["none-mapped", "all-mapped"])
def test_verdicts_as_the_field_table_grows(
    pending_mapped: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without any pending column (the verdicts as written), and with all of them."""
    base = frozenset(CONTACT_FIELDS) - PENDING_CONTACT_COLUMNS
    mapped = base | PENDING_CONTACT_COLUMNS if pending_mapped else base
    monkeypatch.setattr(_audit_columns, "_CONTACT", mapped)
    found = {found_at(c): (c.verdict, set(c.columns)) for c in audit_path(CORPUS).calls}
    for site in SITES:
        wanted = (expected_verdict(site, mapped), expected_columns(site, mapped))
        assert found[place(site)] == wanted, place(site)
        if not pending_mapped:
            assert found[place(site)][0] == site["verdict"], place(site)
    flips = [place(s) for s in SITES if expected_verdict(s, mapped) != s["verdict"]]
    assert len(flips) == (FLIPS if pending_mapped else 0)


def test_every_listed_column_is_classified() -> None:
    for site in SITES:
        table = site["table"] or "Contact"
        if table == "Contact":  # or a rule the shim applies to a whole struct or call
            rules = {
                _audit_columns.NO_WAY_TO_REACH,
                _audit_columns.NO_EMAIL,
                _audit_columns.other_context("Company"),
            }
            writes = "struct" in _audit_columns.ROLES.get(site["method"], ())
            written = set(READ_ONLY) if writes else set()  # REST v2 only reads them
            assert set(site["columns"]) <= NO_REST_EQUIVALENT | rules | written, place(site)
        else:
            assert set(site["columns"]) <= TAG_UNSERVED.get(table, set()), place(site)
        assert set(site["pending"]) <= PENDING_CONTACT_COLUMNS, place(site)
        partial = bool(site["columns"] or site["pending"])
        assert (site["verdict"] == "partial") == partial, place(site)
    # A column without a REST v2 field can never join the facade's field table.
    assert not NO_REST_EQUIVALENT & set(CONTACT_FIELDS)
    assert not NO_REST_EQUIVALENT & PENDING_CONTACT_COLUMNS


def test_no_rest_equivalent_agrees_with_the_field_table() -> None:
    """Two lists written apart that must agree: double-entry bookkeeping for columns."""
    unmodelled = getattr(_fields, "UNMODELLED", None)
    if unmodelled is None:
        pytest.skip("backends._fields has no UNMODELLED table yet")
    assert set(unmodelled) == NO_REST_EQUIVALENT


def test_token_level_files_and_sites_are_marked(report: AuditReport) -> None:
    token_files = EXPECTED["token_level_files"]
    assert list(report.token_files) == token_files
    assert report.skipped_files == ()
    for call in report.calls:
        assert call.found_by == ("tokens" if call.file in token_files else "ast"), call
    assert "notebooks/cleanup_export.py" not in token_files  # parses without its magics


def test_dispatchers_are_listed_apart(report: AuditReport) -> None:
    expected = [(*place(d), d["service"]) for d in EXPECTED["dynamic"]]
    assert [(*found_at(d), d.service) for d in report.dynamic] == expected
    assert not {found_at(d) for d in report.dynamic} & {place(s) for s in SITES}


def test_decoys_are_not_reported(report: AuditReport) -> None:
    assert "misc/decoys.py" in report.files
    reported: list[CallSite | DynamicCall] = [*report.calls, *report.dynamic]
    assert not [x for x in reported if x.file == "misc/decoys.py"]


def test_summary_is_honest_about_what_was_read(report: AuditReport) -> None:
    assert not report.complete
    text = render_text(report)
    assert "3 files read at token level only (Python 2 or damaged); 0 skipped" in text
    assert f"{report.covered} of 77 call sites ({report.coverage:.1f}%)" in text
    summary = json.loads(render_json(report))["summary"]
    assert (summary["files_token_level"], summary["dynamic_dispatchers"]) == (3, 7)
    assert summary["call_sites"] == summary["covered"] + summary["partial"] + summary["not_covered"]


def test_files_in_every_place_python_lives_are_read(report: AuditReport) -> None:
    """A dot folder's script, a script with no suffix and a notebook: each holds call sites."""
    holders = {
        ".github/scripts/nightly_cleanup.py",
        "jobs/export_contacts",
        "notebooks/tag_report.ipynb",
    }
    assert holders <= set(report.files)
    assert holders <= {c.file for c in report.calls}
    assert {c.cell for c in report.calls if c.file.endswith(".ipynb")} == {3, 4, 5, 8}
    assert all(c.cell is None for c in report.calls if not c.file.endswith(".ipynb"))
