"""The core of ``keap-adapter compare``: rows and the table, on fake pairs."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

import keap_adapter as ka
from keap_adapter.migration._compare import (
    Row,
    compare_contacts,
    fake_pair,
    render_table,
    sample_contact_ids,
)
from keap_adapter.migration._normalize import Difference

IDS = [1, 2, 3, 4, 5]


def test_a_fake_pair_matches_everywhere() -> None:
    xmlrpc, rest, _ = fake_pair(5)
    assert (xmlrpc.backend, rest.backend) == ("xmlrpc", "rest")
    assert [c.id for c in rest.contacts.list()] == IDS
    assert [len(rest.contacts.tags(i)) for i in IDS] == [1, 0, 1, 0, 1]
    rows = compare_contacts(xmlrpc, rest, IDS, progress=False, out=io.StringIO())
    assert rows == [Row(i, "match") for i in IDS]
    table = render_table(rows)
    assert table.splitlines()[0].split("  ")[-2:] == ["XML-RPC (control)", "REST v2 (candidate)"]
    assert table.rstrip().endswith("5 contacts compared: 5 match")


def test_a_broken_candidate_row_names_the_field() -> None:
    xmlrpc, _, _ = fake_pair(5)
    _, rest, broken = fake_pair(5)  # same contacts in a second store, then broken there
    rest.contacts.update(3, ka.ContactUpdate(family_name="Byron"))
    rest.tags.remove(1, [5])
    rest.contacts.delete(4)
    rows = compare_contacts(xmlrpc, rest, IDS, progress=False, out=io.StringIO())
    assert [r.status for r in rows] == ["match", "match", "MISMATCH", "missing", "MISMATCH"]
    assert rows[2].diff == (("family_name", "Turing", "Byron"),)
    assert rows[3].diff == (("(raised)", None, "NotFoundError"),)
    assert rows[4].fields == ["tag_ids", "tags[id=1]"]
    lines = render_table(rows).splitlines()
    assert lines[3].split() == ["3", "MISMATCH", "family_name", "Turing", "Byron"]
    assert lines[4].split() == ["4", "missing", "(raised)", "-", "NotFoundError"]
    assert lines[-1] == "5 contacts compared: 2 match, 2 MISMATCH, 1 missing"
    assert len(broken.requests) > 0


def test_ids_on_neither_side_and_errors_get_their_own_status() -> None:
    xmlrpc, rest, fake = fake_pair(2)
    rows = compare_contacts(xmlrpc, rest, [1, 99], progress=False, out=io.StringIO())
    assert rows[1] == Row(
        99, "missing", (Difference("(raised)", "NotFoundError", "NotFoundError"),)
    )
    fake.fail(500, times=10, path="/rest/v2/contacts/2")
    quick = ka.KeapClient("rest", fake.api_key, transport=fake.transport, max_retries=0)
    rows = compare_contacts(xmlrpc, quick, [1, 2], progress=False, out=io.StringIO())
    assert [r.status for r in rows] == ["match", "error"]
    assert rows[1].diff == (("(raised)", None, "ServerError"),)


def test_mismatches_go_to_the_report(tmp_path: Path) -> None:
    xmlrpc, _, _ = fake_pair(2)
    _, rest, _ = fake_pair(2)
    rest.contacts.update(2, ka.ContactUpdate(given_name="Gracie"))
    report = tmp_path / "compare.jsonl"
    compare_contacts(xmlrpc, rest, [1, 2], progress=False, out=io.StringIO(), report=report)
    (line,) = report.read_text().splitlines()
    assert json.loads(line)["diff"] == [
        {"path": "given_name", "control": "Grace", "candidate": "Gracie"}
    ]


def test_progress_goes_to_out() -> None:
    xmlrpc, rest, _ = fake_pair(2)
    out = io.StringIO()
    compare_contacts(xmlrpc, rest, [1, 2], progress=True, out=out)
    assert "comparing" in out.getvalue()


def test_bad_ids_are_refused_before_any_read() -> None:
    xmlrpc, rest, fake = fake_pair(1)
    before = len(fake.requests)
    with pytest.raises(ValueError, match="contact id"):
        compare_contacts(xmlrpc, rest, [1, 0], progress=False, out=io.StringIO())
    assert len(fake.requests) == before


def test_sample_contact_ids_takes_the_first_n() -> None:
    xmlrpc, rest, _ = fake_pair(5)
    assert sample_contact_ids(rest, 3) == [1, 2, 3]
    assert sample_contact_ids(xmlrpc, 10) == IDS
    with pytest.raises(ValueError, match="positive"):
        sample_contact_ids(rest, 0)


def test_long_values_are_cut_in_the_table() -> None:
    row = Row(7, "MISMATCH", (Difference("company_name", "x" * 60, None),))
    cells = render_table([row]).splitlines()[1].split()
    assert cells[3] == "x" * 37 + "..."
    assert cells[4] == "-"


def test_without_tqdm_there_is_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # what an install without [cli] looks like
    xmlrpc, rest, _ = fake_pair(1)
    out = io.StringIO()
    assert compare_contacts(xmlrpc, rest, [1], out=out) == [Row(1, "match")]
    assert out.getvalue() == ""
