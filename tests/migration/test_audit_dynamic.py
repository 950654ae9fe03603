"""Generic dispatchers: listed apart as dynamic, never counted as call sites."""

from __future__ import annotations

import ast
import textwrap

import pytest

from keap_adapter.migration._audit import scan_file
from keap_adapter.migration._audit_dynamic import dotted_name

KEAP_IMPORT = "import xmlrpc.client\n"


def dispatchers(source: str) -> list[tuple[int, str | None, str]]:
    """(line, service, style) of each dispatcher; asserts none is also a call site."""
    result = scan_file(textwrap.dedent(source), "a.py")
    assert not {c.line for c in result.calls} & {d.line for d in result.dynamic}
    return [(d.line, d.service, d.style) for d in result.dynamic]


def test_the_dispatcher_shapes() -> None:
    assert dispatchers("""\
        import xmlrpc.client
        server = xmlrpc.client.ServerProxy(URL)
        def call(client, service, method, *args):
            return getattr(client, service)(method, *args)
        def call2(service, method, *args):
            return getattr(server, service + "." + method)(KEY, *args)
        def raw(name, params):
            return server._ServerProxy__request(name, params)
        def fmt(service, method):
            getattr(proxy, f"{service}.{method}")
            getattr(proxy, "%s.%s" % (service, method))
            getattr(proxy, "{}.{}".format(service, method))
            getattr(proxy, ".".join([service, method]))
        def contact(action, *args):
            getattr(server.ContactService, action)(KEY, *args)
            ifs.ContactService(action, *args)
            call("ContactService." + action, KEY, *args)
            getattr(server, action)
        def helper(service, method, *args):
            return self._call(service + "." + method, *args)
        """) == [
        (4, None, "getattr"),
        (6, None, "getattr"),
        (8, None, "string_name"),
        (10, None, "getattr"),
        (11, None, "getattr"),
        (12, None, "getattr"),
        (13, None, "getattr"),
        (15, "ContactService", "getattr"),
        (16, "ContactService", "service_call"),
        (17, "ContactService", "string_name"),
        (18, None, "getattr"),  # server is a ServerProxy
        (20, None, "string_name"),
    ]


def test_a_receiver_known_from_its_calls() -> None:
    assert dispatchers("""\
        def go(client, name):
            client.ContactService.add(KEY, {})
            return getattr(client, name)(KEY)
        """) == [(3, None, "getattr")]


def test_generic_getattr_is_not_a_dispatcher() -> None:
    assert (
        dispatchers("""\
        def value(self, name):
            return getattr(self, name)
        def dispatch(obj, event, *args):
            return getattr(obj, event)(event, *args)  # no XML-RPC import in this file
        log.warning("ContactService." + name)
        log.info("%s.%s" % (service, method))
        print(a + "." + b)
        getattr(server, "system.listMethods")()
        getattr(server, "OtherService." + name)
        """)
        == []
    )


def test_weaker_shapes_need_a_file_that_talks_to_keap() -> None:
    source = (
        "def f(obj, event, *args):\n"
        "    return getattr(obj, event)(event, *args)\n"
        "contacts = services.ContactService(session)\n"
    )
    assert dispatchers(source) == []
    assert dispatchers(KEAP_IMPORT + source) == [
        (3, None, "getattr"),
        (4, "ContactService", "service_call"),
    ]


def test_a_python2_dispatcher_is_found_at_token_level() -> None:
    result = scan_file(
        "import xmlrpclib\nprint 'x'\ngetattr(server, svc + '.' + m)(KEY, *args)\n", "a.py"
    )
    assert [(d.line, d.found_by, d.label) for d in result.dynamic] == [(3, "tokens", "<dynamic>")]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('a + "." + b', (True, None)),
        ('"ContactService." + m', (True, "ContactService")),
        ('s + ".add"', (True, None)),
        ('f"{s}.{m}"', (True, None)),
        ('f"DataService.{m}"', (True, "DataService")),
        ('"%s.%s" % (s, m)', (True, None)),
        ('"{0}.{1}".format(s, m)', (True, None)),
        ('".".join((s, m))', (True, None)),
        ('"OtherService." + m', (False, None)),
        ('"ContactService." + m + " failed"', (False, None)),
        ('"ContactService.add"', (False, None)),
        ("a + b", (False, None)),
        ("name", (False, None)),
    ],
)
def test_dotted_name(code: str, expected: tuple[bool, str | None]) -> None:
    node = ast.parse(code, mode="eval").body
    assert dotted_name(node) == expected
