"""Calls made through a name or an attribute that holds a Keap service or one of its methods.

``self.contacts = self.server.ContactService``, ``merge = s.ContactService.merge`` and
``load = getattr(s.DataService, "load")`` are followed like a local ``svc = x.ContactService``:
the call site is where the alias is called, with its table and columns.
"""

from __future__ import annotations

import textwrap

from keap_adapter.migration._audit import scan_file, scan_source

Row = tuple[int, int, str, str | None, str, str, tuple[str, ...]]


def sites(source: str) -> list[Row]:
    """(line, column, method, table, style, verdict, columns) of each call site."""
    return [
        (c.line, c.column, c.method, c.table, c.style, c.verdict, c.columns)
        for c in scan_source(textwrap.dedent(source), "app.py")
    ]


def test_a_service_kept_on_self() -> None:
    assert sites("""\
        from xmlrpc.client import ServerProxy

        class Keap:
            def __init__(self, key):
                self.key = key
                self.server = ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")
                self.contacts = self.server.ContactService
                self.data = self.server.DataService

            def add(self, data):
                return self.contacts.add(self.key, data)

            def merge(self, a, b):
                return self.contacts.merge(self.key, a, b)

            def find(self, email):
                return self.contacts.findByEmail(self.key, email, ["Id", "Username"])

            def assigned(self, tag):
                query = {"GroupId": tag}
                fields = ["ContactId", "DateCreated"]
                return self.data.query(self.key, "ContactGroupAssign", 10, 0, query, fields)

            def later(self):
                return lambda cid: self.contacts.load(self.key, cid, ["Id"])
        """) == [
        (11, 16, "ContactService.add", None, "attribute", "covered", ()),
        (14, 16, "ContactService.merge", None, "attribute", "not covered", ()),
        (17, 16, "ContactService.findByEmail", None, "attribute", "partial", ("Username",)),
        (22, 16, "DataService.query", "ContactGroupAssign", "attribute", "covered", ()),
        (25, 28, "ContactService.load", None, "attribute", "covered", ()),
    ]


def test_self_attributes_are_followed_only_when_bound_once_in_their_class() -> None:
    assert sites("""\
        class Twice:
            def __init__(self, s):
                self.svc = s.ContactService
            def reset(self, s):
                self.svc = s.DataService
            def go(self):
                self.svc.add(K, {"Email": "a@example.com"})

        class Other:
            def go(self):
                self.svc.add(K, {"Email": "a@example.com"})

        class Shadowed:
            def __init__(self, s):
                self.svc = s.ContactService
            def go(self, other):
                other.svc.add(K, {})
                def inner(self):
                    return self.svc.add(K, {})
            @staticmethod
            def static(self):
                return self.svc.add(K, {})

        class Body:
            svc = server.ContactService
            def go(self):
                return self.svc.add(K, {"Email": "a@example.com"})
        """) == [(27, 16, "ContactService.add", None, "attribute", "covered", ())]


def test_a_bound_method_kept_in_a_name() -> None:
    assert sites("""\
        import xmlrpc.client as xc
        KEY = "x"
        s = xc.ServerProxy("https://api.infusionsoft.com/crm/xmlrpc/v1")
        merge = s.ContactService.merge
        merge("key", 1, 2)
        q = s.DataService.query
        rows = q(KEY, "Contact", 100, 0, {"Validated": 1}, ["Id"])
        find = s.ContactService.findByEmail
        find(KEY, "a@example.com", ["Id", "Username"])
        load = getattr(s.DataService, "load")
        load(KEY, "Contact", 5, ["Id", "Password"])
        add = getattr(s, "ContactService.add")
        add(KEY, {"Email": "a@example.com"})

        def job(svc_proxy):
            svc = svc_proxy.ContactService
            upd = svc.update
            return upd(KEY, 5, {"FirstName": "Ada"})
        """) == [
        (5, 1, "ContactService.merge", None, "attribute", "not covered", ()),
        (7, 8, "DataService.query", "Contact", "attribute", "partial", ("Validated",)),
        (9, 1, "ContactService.findByEmail", None, "attribute", "partial", ("Username",)),
        (11, 1, "DataService.load", "Contact", "getattr", "partial", ("Password",)),
        (13, 1, "ContactService.add", None, "getattr", "covered", ()),
        (18, 12, "ContactService.update", None, "attribute", "covered", ()),
    ]


def test_a_method_alias_on_self() -> None:
    assert sites("""\
        class Keap:
            def __init__(self, server):
                self.load = server.ContactService.load
                self.count = getattr(server.DataService, "count")
            def one(self, cid):
                return self.load(K, cid, ["Id", "Password"])
            def how_many(self):
                return self.count(K, "ContactGroup", {"GroupName": "VIP%"})
        """) == [
        (6, 16, "ContactService.load", None, "attribute", "partial", ("Password",)),
        (8, 16, "DataService.count", "ContactGroup", "getattr", "covered", ()),
    ]


def test_a_getattr_alias_never_called_is_still_reported_where_it_is() -> None:
    assert sites("""\
        fn = getattr(server, "DataService.delete")
        handlers = {"load": getattr(server.ContactService, "load")}
        again = getattr(server.ContactService, "merge")
        again = None
        """) == [
        (1, 6, "DataService.delete", None, "getattr", "not covered", ()),
        (2, 21, "ContactService.load", None, "getattr", "covered", ()),
        (3, 9, "ContactService.merge", None, "getattr", "not covered", ()),
    ]


def test_names_rebound_or_not_services_are_not_followed() -> None:
    assert (
        sites("""\
        merge = s.ContactService.merge
        merge = other
        merge(K, 1, 2)
        for add in (a, b):
            add(K, {})
        name = s.ContactService.add.__name__
        name(K, {})
        table = s.NotAService.add
        table(K, {})
        """)
        == []
    )


def test_a_service_kept_on_self_makes_its_receiver_a_keap_client() -> None:
    source = textwrap.dedent("""\
        class Keap:
            def __init__(self, proxy):
                self.proxy = proxy
                self.contacts = self.proxy.ContactService
            def add(self):
                return self.contacts.add(K, {"Email": "a@example.com"})
            def call(self, method, *args):
                return getattr(self.proxy, method)(K, *args)
            def any_contact_method(self, name, *args):
                return getattr(self.contacts, name)(K, *args)
        """)
    scan = scan_file(source, "app.py")
    assert [(c.line, c.method) for c in scan.calls] == [(6, "ContactService.add")]
    assert [(d.line, d.service) for d in scan.dynamic] == [(8, None), (10, "ContactService")]
