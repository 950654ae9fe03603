"""Client CPU per Keap call against a loopback FakeKeap in another process.

Every client asks for the same thing: over REST, ``GET contacts/{id}`` and one page of
``GET contacts`` with the library's full ``fields`` list (the library, the official SDK,
plain ``httpx.Client.get`` + ``.json()``); over XML-RPC, ``ContactService.load`` and one
``DataService.query`` page with the library's column list (the library and stdlib
``xmlrpc.client.ServerProxy``). Only the client process's CPU clock is read, so the server's
work does not count; clients take turns within each round, so drift hits them alike.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import json
import subprocess
import sys
import warnings
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import keap_adapter as ka
from bench._stats import Row, in_turns, ratio_rows
from keap_adapter.backends import _fields, _rest_json

ROOT = Path(__file__).resolve().parent.parent
PAGE = 100


@dataclass(frozen=True)
class Server:
    """Where the loopback fake listens, its key, and a seeded contact."""

    url: str
    key: str
    contact_id: int


@contextlib.contextmanager
def loopback_server(contacts: int = 2 * PAGE) -> Iterator[Server]:
    """A FakeKeap served from a child process (``bench._server``) until the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench._server", str(contacts)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        announced = json.loads(child.stdout.readline())
        yield Server(announced["url"], announced["key"], int(announced["contact_id"]))
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def _no_pacing() -> dict[str, Any]:
    # The fake announces Keap's per-minute limits; a paced client would wait on them.
    return {"limits": None} if "limits" in inspect.signature(ka.KeapClient).parameters else {}


def _sdk(server: Server) -> Any:
    try:
        from keap_core_v2_client.api.contact_api import ContactApi  # noqa: PLC0415
        from keap_core_v2_client.api_client import ApiClient  # noqa: PLC0415
        from keap_core_v2_client.configuration import Configuration  # noqa: PLC0415
    except ImportError:  # the official SDK is optional here
        return None
    api = ApiClient(Configuration(host=server.url + "/crm"))
    api.set_default_header("X-Keap-API-Key", server.key)  # type: ignore[no-untyped-call]
    return ContactApi(api)


def rest_calls(server: Server, rounds: int, count: int) -> list[Row]:
    """``contacts.get`` and a page of ``contacts.list`` over REST: the library vs the
    official SDK vs plain httpx, all asking for the same fields."""
    client = ka.KeapClient("rest", server.key, base_url=server.url + "/crm", **_no_pacing())
    base = f"{server.url}/crm/rest/v2/contacts"
    http = httpx.Client(headers={"X-Keap-API-Key": server.key})
    one, cid = f"{base}/{server.contact_id}", server.contact_id
    page: dict[str, str | int] = {**_rest_json.FIELDS, "page_size": PAGE}
    gets: dict[str, Callable[[], object]] = {
        "keap_adapter REST": lambda: client.contacts.get(cid),
        "httpx.Client.get + .json()": lambda: http.get(one, params=_rest_json.FIELDS).json(),
    }
    lists: dict[str, Callable[[], object]] = {
        "keap_adapter REST": lambda: list(
            itertools.islice(client.contacts.list(page_size=PAGE), PAGE)
        ),
        "httpx.Client.get + .json()": lambda: http.get(base, params=page).json(),
    }
    if (sdk := _sdk(server)) is not None:
        fields = list(_rest_json.CONTACT_JSON_FIELDS)
        gets["official SDK (keap-core-v2-sdk)"] = lambda: sdk.get_contact(str(cid), fields=fields)
        lists["official SDK (keap-core-v2-sdk)"] = lambda: sdk.list_contacts(
            fields=fields, page_size=PAGE
        )
    with client, http:
        got = in_turns(gets, rounds, count)
        listed = in_turns(lists, rounds, max(1, count // 10))
    return [
        *ratio_rows("contacts.get, REST", "us", got, "keap_adapter REST"),
        *ratio_rows(f"contacts.list {PAGE}/page, REST", "us", listed, "keap_adapter REST"),
    ]


def xmlrpc_calls(server: Server, rounds: int, count: int) -> list[Row]:
    """``contacts.get`` and a page of ``contacts.list`` over XML-RPC: the library vs stdlib
    ``ServerProxy`` asking for the same columns."""
    with warnings.catch_warnings():  # comparing against XML-RPC on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        client = ka.KeapClient("xmlrpc", server.key, base_url=server.url + "/crm", **_no_pacing())
    proxy = xmlrpc.client.ServerProxy(server.url + "/crm/xmlrpc/v1", use_builtin_types=True)
    columns = list(_fields.CONTACT_FIELDS)  # the fake has no custom fields
    key, cid = server.key, server.contact_id
    gets: dict[str, Callable[[], object]] = {
        "keap_adapter XML-RPC": lambda: client.contacts.get(cid),
        "stdlib ServerProxy": lambda: proxy.ContactService.load(key, cid, columns),
    }
    lists: dict[str, Callable[[], object]] = {
        "keap_adapter XML-RPC": lambda: list(
            itertools.islice(client.contacts.list(page_size=PAGE), PAGE)
        ),
        "stdlib ServerProxy": lambda: proxy.DataService.query(
            key, "Contact", PAGE, 0, {"Id": "%"}, columns, "Id", True
        ),
    }
    with client, proxy:
        got = in_turns(gets, rounds, count)
        listed = in_turns(lists, rounds, max(1, count // 10))
    return [
        *ratio_rows("contacts.get, XML-RPC", "us", got, "keap_adapter XML-RPC"),
        *ratio_rows(f"contacts.list {PAGE}/page, XML-RPC", "us", listed, "keap_adapter XML-RPC"),
    ]
