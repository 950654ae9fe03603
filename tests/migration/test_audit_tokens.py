"""The audit's token-level pass: Python 2, damaged and notebook files, and honest summaries."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from keap_adapter.migration import _audit_tokens
from keap_adapter.migration._audit import AuditReport, FileScan, _scan_path, audit_path, scan_file
from keap_adapter.migration._audit_model import CallSite
from keap_adapter.migration._audit_render import render_json, render_text
from keap_adapter.migration._audit_tokens import lex

CORPUS = Path(__file__).parent / "legacy_corpus"


def scan(source: str | bytes) -> FileScan:
    text = textwrap.dedent(source) if isinstance(source, str) else source
    return scan_file(text, "app.py")


def sites(result: FileScan) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(line, column, label, untranslatable columns) of each call site."""
    return [(c.line, c.column, c.label, c.columns) for c in result.calls]


# Python 2.


def test_python2_statements() -> None:
    result = scan("""\
        import xmlrpclib
        s = xmlrpclib.ServerProxy(URL)
        print "x"; s.ContactService.load(K, 1, ["Username"])
        if ok: print s.ContactService.add(K, {"Email": "e", "Password": 1})
        exec "import os"
        raise ValueError, s.ContactService.merge(K, 1, 2)
        x = `s.DataService.count(K, "Contact", {})`
        y = 0777 + 10L + 0xFFL
        if a <> b: s.ContactService.findByEmail(K, ur"a@b", ["Id"])
        print >>f, s.DataService.query(K, "ContactGroup", 1, 0, {}, ["Id"]),
        try:
            pass
        except (IOError, xmlrpclib.Fault), e:
            s.APIEmailService.optIn(K, "e", "r")
        """)
    assert sites(result) == [
        (3, 12, "ContactService.load", ("Username",)),
        (4, 14, "ContactService.add", ("Password",)),
        (6, 19, "ContactService.merge", ()),
        (7, 6, "DataService.count('Contact')", ()),
        (9, 12, "ContactService.findByEmail", ()),
        (10, 12, "DataService.query('ContactGroup')", ()),
        (14, 5, "APIEmailService.optIn", ()),
    ]
    assert {c.found_by for c in result.calls} == {"tokens"}
    assert result.failure is not None and result.failure.read_as == "tokens"


def test_python2_keeps_scopes_when_the_whole_file_rewrites() -> None:
    result = scan("""\
        ADD = "ContactService.add"
        def helper(ADD):
            print "shadowed"
            return call(ADD, KEY)
        def job():
            table = "ContactGroup"
            print call("DataService.query", KEY, table, 10, 0, {}, ["Id"])
        """)
    assert [(c.line, c.label) for c in result.calls] == [(7, "DataService.query('ContactGroup')")]


def test_tabs_and_spaces_mixed_report_the_files_own_columns() -> None:
    result = scan(
        "class Sync:\n"
        "\tdef add(self):\n"
        "\t\treturn s.ContactService.add(K, {})\n"
        "        def load(self):\n"  # eight spaces: one tab to Python 2
        "\t\tprint s.ContactService.load(K, 1, [])\n"
    )
    assert result.failure is not None and result.failure.message.startswith("TabError")
    assert [(c.line, c.column) for c in result.calls] == [(3, 10), (5, 9)]


def test_a_coding_cookie_is_honoured() -> None:
    result = scan(b'# -*- coding: latin-1 -*-\nprint "caf\xe9"\ns.ContactService.add(K, {})\n')
    assert [(c.line, c.label) for c in result.calls] == [(3, "ContactService.add")]


# Damaged files.


def test_damaged_file() -> None:
    result = scan('''\
        s.ContactService.load(K, 1, ["Id"]))
        a = f(1,
        s.ContactService.add(K, {"Email": "e"})
        def g(x)
            return s.DataService.query(K,
                "Contact", 10, 0, {}, ["Id", "Username"])
        """never closed
        s.ContactService.merge(K, 1, 2)
        ''')
    assert sites(result) == [
        (1, 1, "ContactService.load", ()),  # one closer too many
        (3, 1, "ContactService.add", ()),  # after a bracket that never closes
        (5, 12, "DataService.query('Contact')", ("Username",)),  # under a def with no colon
    ]  # line 8 is inside the unterminated string, as Python would read it


def test_a_file_cut_off_inside_a_call() -> None:
    result = scan('s.ContactService.update(K, 1, {\n    "FirstName": "a",\n    "Username": "b",\n')
    assert sites(result) == [(1, 1, "ContactService.update", ("Username",))]
    truncated = scan(
        'x = s.DataService.query(K, "Contact", 10, 0,\n    {}, ["Id", "Validated", "Em'
    )
    assert sites(truncated) == [(1, 5, "DataService.query('Contact')", ("Validated",))]


def test_nul_bytes_and_stray_characters() -> None:
    assert [c.line for c in scan("s.ContactService.add(K, {})\nx = \0\n").calls] == [1]
    assert [c.line for c in scan("x = 1 $ 2\ns.ContactService.add(K, {})\n").calls] == [2]


def test_many_unclosed_brackets_stay_fast() -> None:
    body = "".join(
        f"def f{i}(x):\n    y = s.ContactService.load(K, x, ['Id']\n    return y\n"
        for i in range(300)
    )
    result = scan(body)
    assert len(result.calls) == 300
    assert {c.found_by for c in result.calls} == {"tokens"}


# The regular-expression lexer, for files tokenize gives up on.


def test_regex_lexer_agrees_with_tokenize() -> None:
    source = (CORPUS / "contacts_sync.py").read_text() + 'x = 1e-9 + .5\ny = f"{a!r}" ...\n'
    std = _audit_tokens._std_tokens(source)
    assert std is not None
    assert list(_audit_tokens._regex_tokens(source)) == std


def test_an_unterminated_triple_quote_uses_the_regex_lexer() -> None:
    source = 's.ContactService.add(K, {})\nx = """abc\ns.ContactService.load(K, 1, [])\n'
    assert _audit_tokens._std_tokens(source) is None
    assert [t.kind for t in lex(source)][-2:] == ["op", "error"]
    assert [c.line for c in scan(source).calls] == [1]


def test_the_corpus_reads_the_same_with_the_regex_lexer(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on Python 3.12+, whose stricter tokenize gives up on more damaged files."""
    expected = audit_path(CORPUS)
    monkeypatch.setattr(_audit_tokens, "_std_tokens", lambda _text: None)
    assert audit_path(CORPUS) == expected


# Notebook exports.


def test_a_notebook_export_parses_without_its_magics() -> None:
    result = scan("""\
        # In[1]:
        get_ipython().run_line_magic('matplotlib', 'inline')
        !pip install infusionsoft-python
        %time
        import xmlrpc.client
        # In[2]:
        for row in rows:
            !echo $row
            s.ContactService.add(K, {})
        """)
    assert result.failure is None
    assert [(c.line, c.found_by) for c in result.calls] == [(9, "ast")]


def test_a_notebook_that_still_does_not_parse_is_token_scanned() -> None:
    result = scan("%%bash\necho hi\ns.ContactService.add(K, {})\n")
    assert result.failure is not None and result.failure.read_as == "tokens"
    assert [(c.line, c.found_by) for c in result.calls] == [(3, "tokens")]


# The summary says how much was read.


def report_of(tmp_path: Path, files: dict[str, str]) -> AuditReport:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return audit_path(tmp_path)


def test_a_tree_whose_files_all_fail_is_not_100_percent(tmp_path: Path) -> None:
    report = report_of(tmp_path, {"a.py": "def (:\n", "b.py": "print 'x'\n"})
    assert (report.coverage, report.complete, report.token_files) == (None, False, ("a.py", "b.py"))
    text = render_text(report)
    assert "100" not in text
    assert (
        "Covered by the legacy shim: 0 of 0 call sites (none found); "
        "2 files read at token level only (Python 2 or damaged); 0 skipped"
    ) in text


def test_all_found_covered_but_a_file_read_at_token_level(tmp_path: Path) -> None:
    report = report_of(tmp_path, {"a.py": 'print s.ContactService.add(K, {"Email": "a@b.co"})\n'})
    assert (report.covered, report.coverage, report.complete) == (1, None, False)
    text = render_text(report)
    assert "100" not in text
    assert "1 of 1 call sites (all of those found; files not parsed may hold more)" in text
    summary = json.loads(render_json(report))["summary"]
    assert (summary["coverage_percent"], summary["complete"]) == (None, False)
    assert summary["files_token_level"] == 1


def test_all_covered_and_complete_is_100_percent(tmp_path: Path) -> None:
    report = report_of(tmp_path, {"a.py": 's.ContactService.add(K, {"Email": "a@b.co"})\n'})
    assert report.complete
    assert "1 of 1 call sites (100.0%); 0 files read at token level only" in render_text(report)


def test_coverage_never_rounds_up_to_100() -> None:
    site = CallSite("a.py", 1, 1, "ContactService.add", None, "covered", None, "", "attribute")
    calls = (
        *[site] * 2499,
        CallSite("a.py", 2, 1, "X.y", None, "not covered", None, "", "attribute"),
    )
    assert AuditReport("a", calls, ("a.py",)).coverage == 99.9


def test_unreadable_files_are_skipped(tmp_path: Path) -> None:
    unreadable = _scan_path(tmp_path, "folder.py")  # reading a folder fails like a lost file
    assert unreadable.failure is not None
    assert (unreadable.failure.read_as, unreadable.calls) == ("skipped", [])
    report = AuditReport("x", (), ("folder.py",), (unreadable.failure,))
    text = render_text(report)
    assert "0 files read at token level only (Python 2 or damaged); 1 skipped" in text
    assert "Could not be read (skipped):\n  folder.py:?: IsADirectoryError:" in text
