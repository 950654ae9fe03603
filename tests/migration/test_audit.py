"""The XML-RPC call-site audit: the sample legacy codebase, each call style, the reports."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from keap_adapter.migration._audit import (
    DYNAMIC,
    AuditReport,
    CallSite,
    audit_path,
    scan_source,
)
from keap_adapter.migration._audit_render import render_json, render_text
from keap_adapter.migration._methods import SHUTDOWN_DATE, rest_alternative

LEGACY_APP = Path(__file__).parent / "legacy_app"
UNMAPPED = rest_alternative("ContactService.noSuchMethod")

# Every Keap XML-RPC call in legacy_app: (file, line, method, table, verdict).
EXPECTED = [
    ("broken.py", 6, "ContactService.add", None, "partial"),  # Python 2; no email: see below
    ("crm_sync.py", 20, "ContactService.add", None, "covered"),
    ("crm_sync.py", 21, "ContactService.addWithDupCheck", None, "covered"),
    ("crm_sync.py", 22, "ContactService.update", None, "partial"),  # Username
    ("crm_sync.py", 23, "ContactService.load", None, "covered"),
    ("crm_sync.py", 27, "ContactService.findByEmail", None, "covered"),
    ("crm_sync.py", 32, "ContactService.removeFromGroup", None, "covered"),
    ("crm_sync.py", 33, "ContactService.addToGroup", None, "covered"),
    ("crm_sync.py", 37, "DataService.query", "Contact", "covered"),
    ("crm_sync.py", 38, "DataService.query", "ContactGroup", "covered"),  # via TAG_TABLE
    ("crm_sync.py", 39, "DataService.query", "ContactGroupAssign", "covered"),
    ("crm_sync.py", 42, "DataService.count", "Contact", "covered"),
    ("crm_sync.py", 43, "DataService.query", "Invoice", "not covered"),  # a table the map lacks
    ("crm_sync.py", 48, "DataService.delete", "ContactGroup", "covered"),
    ("crm_sync.py", 49, "DataService.load", None, "not covered"),  # table is a parameter
    ("crm_sync.py", 51, "DataService.findByField", "Contact", "covered"),
    ("crm_sync.py", 52, "DataService.update", "ContactGroupAssign", "not covered"),
    ("crm_sync.py", 53, "DataService.add", "ContactGroup", "covered"),
    ("helpers.py", 12, "ContactService.add", None, "covered"),  # module constant
    ("helpers.py", 16, "ContactService.load", None, "covered"),
    ("helpers.py", 20, "ContactService.update", None, "covered"),
    ("helpers.py", 21, "ContactService.load", None, "covered"),
    ("helpers.py", 26, "DataService.delete", None, "not covered"),  # function constant; no table
    ("helpers.py", 35, "DataService.query", "ContactGroupAssign", "covered"),
    ("helpers.py", 44, "ContactService.findByEmail", None, "covered"),
    ("helpers.py", 45, "APIEmailService.getOptStatus", None, "covered"),
    ("helpers.py", 49, "DataService.load", "ContactGroup", "covered"),
    ("jobs/nightly.py", 9, "DataService.query", "Contact", "covered"),
    ("jobs/nightly.py", 10, "ContactService.removeFromCampaign", None, "not covered"),
    ("legacy_official.py", 10, "ContactService.add", None, "covered"),
    ("legacy_official.py", 11, "ContactService.addToGroup", None, "covered"),
    ("legacy_official.py", 16, "ContactService.merge", None, "not covered"),
    ("legacy_official.py", 21, "DataService.query", "Contact", "covered"),
    ("legacy_official.py", 22, "DataService.query", "ContactGroup", "covered"),
    ("legacy_official.py", 25, "ProductService.getInventory", None, "not covered"),
    ("legacy_official.py", 30, "ContactService.add", None, "covered"),
    ("tasks.py", 10, "ContactService.add", None, "partial"),  # a FirstName alone
    ("tasks.py", 14, "DataService.query", "ContactGroup", "covered"),
    ("tasks.py", 21, "ContactService.merge", None, "not covered"),
    ("tasks.py", 22, "APIEmailService.optIn", None, "covered"),
    ("tasks.py", 27, "ContactService.addToCampaign", None, "not covered"),
    ("tasks.py", 37, "ContactService.load", None, "covered"),
    ("tasks.py", 38, "DataService.count", "ContactGroupAssign", "covered"),
    ("tasks.py", 39, "InvoiceService.createBlankOrder", None, "not covered"),
]
# Dispatchers that choose the method at run time: listed apart, not call sites.
EXPECTED_DYNAMIC = [
    ("helpers.py", 31, None),  # getattr(server, method)(*params), server a Keap proxy
    ("tasks.py", 28, "ContactService"),  # getattr(infusionsoft.ContactService, action)
]


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_path(LEGACY_APP)


def audit(tmp_path: Path, source: str) -> list[tuple[int, str, str | None, str]]:
    """(line, method, table, style) of each call site in one module written to tmp_path."""
    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    return [(c.line, c.method, c.table, c.style) for c in audit_path(tmp_path).calls]


# The sample codebase.


def test_finds_every_call_in_the_sample_codebase(report: AuditReport) -> None:
    found = [(c.file, c.line, c.method, c.table, c.verdict) for c in report.calls]
    assert found == EXPECTED


def test_dispatchers_are_listed_apart(report: AuditReport) -> None:
    assert [(d.file, d.line, d.service) for d in report.dynamic] == EXPECTED_DYNAMIC
    assert report.dynamic[1].label == f"ContactService.{DYNAMIC}"


def test_sample_codebase_exercises_every_style(report: AuditReport) -> None:
    styles = {(c.file, c.style) for c in report.calls}
    assert ("crm_sync.py", "attribute") in styles
    assert ("legacy_official.py", "service_call") in styles
    assert {("helpers.py", "string_name"), ("helpers.py", "getattr")} <= styles
    assert ("tasks.py", "attribute") in styles


def test_decoys_are_not_reported(report: AuditReport) -> None:
    assert "decoys.py" in report.files
    assert not [c for c in report.calls if c.file == "decoys.py"]
    assert not [d for d in report.dynamic if d.file == "decoys.py"]


def test_a_file_that_does_not_parse_is_read_at_token_level(report: AuditReport) -> None:
    assert "broken.py" in report.files
    [failure] = report.failures
    assert (failure.file, failure.line, failure.read_as) == ("broken.py", 6, "tokens")
    assert failure.message.startswith("SyntaxError:")
    [site] = [c for c in report.calls if c.file == "broken.py"]
    assert (site.found_by, site.column, site.style) == ("tokens", 7, "attribute")
    assert {c.found_by for c in report.calls if c.file != "broken.py"} == {"ast"}


def test_summary(report: AuditReport) -> None:
    assert (len(report.calls), report.covered, report.partial, report.coverage) == (44, 31, 3, 70.5)
    assert len(report.files) == 7
    assert (report.token_files, report.skipped_files, report.complete) == (
        ("broken.py",),
        (),
        False,
    )
    assert report.by_method["ContactService.add"] == 6
    assert report.by_method["DataService.query('ContactGroup')"] == 3
    assert sum(report.by_method.values()) == 44


def test_replacements_come_from_the_method_map(report: AuditReport) -> None:
    by_place = {(c.file, c.line): c for c in report.calls}
    add = by_place["crm_sync.py", 20]
    assert (add.facade, add.rest, add.column) == ("contacts.create", "POST /rest/v2/contacts", 18)
    assert by_place["crm_sync.py", 38].facade == "tags.list"
    assert by_place["tasks.py", 21].rest == "POST /rest/v2/contacts:merge"
    assert by_place["tasks.py", 22].rest == "PATCH /rest/v2/emailAddresses/{email}/status"
    invoice = by_place["crm_sync.py", 43]
    assert (invoice.facade, invoice.rest) == (None, UNMAPPED)
    update = by_place["crm_sync.py", 22]
    assert (update.verdict, update.columns, update.covered) == ("partial", ("Username",), False)


def test_render_text(report: AuditReport) -> None:
    text = render_text(report)
    assert f"shuts down {SHUTDOWN_DATE}" in text
    assert (
        "Covered by the legacy shim: 31 of 44 call sites (70.5%); "
        "1 file read at token level only (Python 2 or damaged); 0 skipped"
    ) in text
    assert (
        "Call sites: 44 (31 covered, 3 partial, 10 not covered); files scanned: 7; "
        "dynamic dispatchers: 2"
    ) in text
    lines = text.splitlines()
    add = next(line for line in lines if line.startswith("crm_sync.py:20:18 "))
    assert add.split() == [
        "crm_sync.py:20:18", "ContactService.add", "covered", "attribute", "contacts.create",
        "POST", "/rest/v2/contacts",
    ]  # fmt: skip
    merge = next(line for line in lines if line.startswith("tasks.py:21:5 "))
    assert "NOT covered" in merge
    assert merge.endswith("POST /rest/v2/contacts:merge")
    update = lines.index(next(line for line in lines if line.startswith("crm_sync.py:22:5 ")))
    assert lines[update].split()[2] == "partial"
    assert lines[update + 1] == "    ^ columns the shim cannot translate: Contact.Username"
    broken = next(line for line in lines if line.startswith("broken.py:6:7 "))
    assert broken.split()[3] == "attribute[tokens]"
    assert "  6  ContactService.add" in text
    by_method = next(line for line in lines if line.startswith("  2  ContactService.update "))
    assert by_method.split()[2:5] == ["covered", "(1", "partial)"]
    assert "  tasks.py:28:12    ContactService.<dynamic>  getattr" in text
    assert "Read at token level only (Python 3 cannot parse them):" in text
    assert "  broken.py:6: SyntaxError:" in text


def test_render_json(report: AuditReport) -> None:
    out = render_json(report)
    data = json.loads(out)
    assert out == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    assert data["summary"] == {
        "call_sites": 44,
        "covered": 31,
        "partial": 3,
        "not_covered": 10,
        "coverage_percent": 70.5,
        "complete": False,
        "files_scanned": 7,
        "files_failed": 1,
        "files_token_level": 1,
        "files_skipped": 0,
        "dynamic_dispatchers": 2,
        "by_method": report.by_method,
    }
    assert data["shutdown_date"] == SHUTDOWN_DATE
    by_place = {(c["file"], c["line"]): c for c in data["calls"]}
    assert by_place["crm_sync.py", 20] == {
        "file": "crm_sync.py",
        "line": 20,
        "column": 18,
        "method": "ContactService.add",
        "label": "ContactService.add",
        "table": None,
        "verdict": "covered",
        "covered": True,
        "columns": [],
        "facade": "contacts.create",
        "rest": "POST /rest/v2/contacts",
        "style": "attribute",
        "found_by": "ast",
        "cell": None,  # a notebook's cell: see test_audit_files.py
    }
    assert by_place["crm_sync.py", 22]["columns"] == ["Username"]
    assert by_place["broken.py", 6]["found_by"] == "tokens"
    assert data["failures"] == [
        {
            "file": "broken.py",
            "line": 6,
            "message": "SyntaxError: Missing parentheses in call to 'print'. "
            "Did you mean print(...)?",
            "read_as": "tokens",
            "cell": None,
        }
    ]
    assert data["dynamic"][1] == {
        "file": "tasks.py",
        "line": 28,
        "column": 12,
        "service": "ContactService",
        "label": f"ContactService.{DYNAMIC}",
        "style": "getattr",
        "code": "getattr(infusionsoft.ContactService, action)(contact_id)",
        "found_by": "ast",
        "cell": None,
    }
    assert len(data["calls"]) == len(EXPECTED)


# One style at a time, on small sources.


def test_stdlib_server_proxy(tmp_path: Path) -> None:
    source = """\
        import xmlrpc.client
        import xmlrpclib
        from xmlrpc.client import ServerProxy

        server = xmlrpc.client.ServerProxy(URL)
        server.ContactService.add(KEY, {"FirstName": "Ada"})
        ServerProxy(URL).DataService.query(KEY, "ContactGroup", 10, 0, {}, ["Id"])
        xmlrpclib.ServerProxy(URL).DataService.count(KEY, "Contact", {})
        """
    assert audit(tmp_path, source) == [
        (6, "ContactService.add", None, "attribute"),
        (7, "DataService.query", "ContactGroup", "attribute"),
        (8, "DataService.count", "Contact", "attribute"),
    ]


def test_attribute_chains_on_any_object(tmp_path: Path) -> None:
    source = """\
        import infusionsoft

        infusionsoft.DataService.query("Contact", 1000, 0, {}, ["Id"])
        app.DataService.count(KEY, "ContactGroupAssign", {})
        class Sync:
            def run(self):
                self.infusionsoft.ContactService.load(5, ["Id"])
                contacts = self.infusionsoft.ContactService
                contacts.merge(1, 2)
        """
    assert audit(tmp_path, source) == [
        (3, "DataService.query", "Contact", "attribute"),  # theY4Kman's client adds the key
        (4, "DataService.count", "ContactGroupAssign", "attribute"),
        (7, "ContactService.load", None, "attribute"),
        (9, "ContactService.merge", None, "attribute"),
    ]


def test_official_library_service_call(tmp_path: Path) -> None:
    source = """\
        infusionsoft = Infusionsoft("myapp", KEY)
        infusionsoft.ContactService("add", {"FirstName": "Ada"})
        table = "ContactGroup"
        infusionsoft.DataService("query", table, 10, 0, {}, ["Id"])
        infusionsoft.DataService("load", "Contact", 5, ["Id"])
        infusionsoft.ContactService(method_name, 1)
        """
    assert audit(tmp_path, source) == [
        (2, "ContactService.add", None, "service_call"),
        (4, "DataService.query", "ContactGroup", "service_call"),
        (5, "DataService.load", "Contact", "service_call"),
    ]  # line 6: a dispatcher
    [dynamic] = audit_path(tmp_path).dynamic
    assert (dynamic.line, dynamic.label, dynamic.style) == (
        6,
        f"ContactService.{DYNAMIC}",
        "service_call",
    )


def test_string_method_names(tmp_path: Path) -> None:
    source = """\
        ADD = "ContactService.add"
        server._ServerProxy__request(ADD, (KEY, {"FirstName": "Ada"}))
        server._ServerProxy__request("DataService.query", (KEY, "ContactGroup", 10, 0, {}, []))
        call("DataService.count", KEY, "Contact", {})
        client.execute("ContactService.load", KEY, 5, ["Id"])
        xmlrpc.client.dumps((KEY, "ContactGroup", 5), methodname="DataService.delete")
        def job():
            method = "ContactService.merge"
            return call(method, KEY, 1, 2)
        def helper(ADD):
            return call(ADD, KEY)
        """
    assert audit(tmp_path, source) == [
        (2, "ContactService.add", None, "string_name"),
        (3, "DataService.query", "ContactGroup", "string_name"),
        (4, "DataService.count", "Contact", "string_name"),
        (5, "ContactService.load", None, "string_name"),
        (6, "DataService.delete", "ContactGroup", "string_name"),
        (9, "ContactService.merge", None, "string_name"),
    ]  # line 11: the parameter ADD shadows the module constant


def test_getattr(tmp_path: Path) -> None:
    source = """\
        getattr(server, "ContactService.add")(KEY, {})
        getattr(server.DataService, "query")(KEY, "Contact", 10, 0, {}, [])
        fn = getattr(server, "DataService.delete")
        getattr(server.ContactService, action)(KEY, 5)
        getattr(server, action)(KEY, 5)
        """
    assert audit(tmp_path, source) == [
        (1, "ContactService.add", None, "getattr"),
        (2, "DataService.query", "Contact", "getattr"),
        (3, "DataService.delete", None, "getattr"),
    ]  # lines 4 and 5 choose the method at run time: dispatchers, not call sites
    dynamic = audit_path(tmp_path).dynamic
    assert [(d.line, d.service) for d in dynamic] == [(4, "ContactService"), (5, None)]


def test_not_calls_to_keap(tmp_path: Path) -> None:
    source = '''\
        """Mentions server.ContactService.add(key, data) and "DataService.query"."""
        import xmlrpc.client
        from xmlrpc.client import ServerProxy
        server = ServerProxy(URL)  # server.ContactService.add(KEY, {})
        server.system.listMethods()
        proxy.OtherService.add(KEY, {})
        proxy.OtherService("add", {})
        bound = server.ContactService.add
        call("OtherService.add", KEY)
        log.info("ContactService.add failed")
        getattr(server, "system.listMethods")()
        ContactService.add({})
        '''
    assert audit(tmp_path, source) == []


def test_unknown_method_and_table_are_reported_uncovered(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        'server.ContactService.frobnicate(KEY)\nserver.DataService.query(KEY, "Job", 1, 0)\n'
    )
    calls = audit_path(tmp_path).calls
    assert [(c.method, c.table, c.covered, c.facade) for c in calls] == [
        ("ContactService.frobnicate", None, False, None),
        ("DataService.query", "Job", False, None),
    ]
    assert calls[0].rest == rest_alternative("ContactService.frobnicate") == UNMAPPED
    assert calls[1].rest == UNMAPPED  # not the Contact row's endpoint


def test_table_guess_and_splats(tmp_path: Path) -> None:
    source = """\
        x.DataService.load(key, table, 5)
        x.DataService.load("Contact", 5)
        x.DataService.load("098f6bcd4621d373cade4e832627b4f6", table, 5)
        x.DataService.load(*params)
        x.DataService.addCustomField(KEY, "Contact", "Shoe size", "Text", 1)
        """
    tables = [table for _, _, table, _ in audit(tmp_path, source)]
    assert tables == [None, "Contact", None, None, None]


def test_empty_report(tmp_path: Path) -> None:
    report = audit_path(tmp_path)
    assert (report.coverage, report.by_method) == (None, {})  # 0 of 0 is not 100%
    text = render_text(report)
    assert "No Keap XML-RPC call sites found." in text
    assert "Covered by the legacy shim: 0 of 0 call sites (none found);" in text
    data = json.loads(render_json(report))
    assert (data["calls"], data["summary"]["coverage_percent"]) == ([], None)


def test_scan_source_and_label() -> None:
    [site] = scan_source('s.DataService.count(KEY, "ContactGroup", {})\n', "m.py")
    assert isinstance(site, CallSite)
    assert (site.label, site.file, site.column) == ("DataService.count('ContactGroup')", "m.py", 1)


def test_a_service_fetched_with_getattr_and_kept_in_a_name(tmp_path: Path) -> None:
    source = (
        'svc = getattr(proxy, "DataService")\n'
        'rows = svc.query(KEY, "Contact", 10, 0, {"Id": "%"}, ["Id"])\n'
    )
    (sites,) = [scan_source(source, "alias.py")]
    assert [(s.line, s.method, s.table, s.covered) for s in sites] == [
        (2, "DataService.query", "Contact", True)
    ]
