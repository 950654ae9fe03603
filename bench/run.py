"""Benchmarks, printed side by side: ``python bench/run.py`` (add ``--quick`` for a smoke run).

1. Reading a 1000-contact XML-RPC query answer: our hardened lxml reader vs stdlib
   ``xmlrpc.client.loads`` (the reader every other Python client uses).
2. Parsing one 1000-contact page into ``Contact`` models, REST v2 vs XML-RPC.
3. A whole facade call (build, send in-process to the fake, read back), per backend:
   the library's own overhead per Keap call, which must stay far below a network round trip.
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
import warnings
import xmlrpc.client
from collections.abc import Callable
from datetime import datetime

import keap_adapter as ka
from keap_adapter.backends import _fields, _rest_json
from keap_adapter.backends._xmlrpc_wire import loads_response
from keap_adapter.testing import FakeKeap

ROWS = 1000
BACKENDS: tuple[ka.BackendName, ...] = ("rest", "xmlrpc")


def _struct(i: int) -> dict[str, object]:
    return {
        "Id": i,
        "FirstName": f"Given{i}",
        "LastName": f"Family{i}",
        "Email": f"p{i}@example.com",
        "Phone1": "555-0100",
        "Phone1Type": "Mobile",
        "Company": "Analytical Engines",
        "StreetAddress1": f"{i} Main St",
        "City": "London",
        "PostalCode": "N1",
        "Country": "GBR",
        "Groups": "1,2,3",
        "DateCreated": datetime(2026, 1, 2, 3, 4, 5),
    }


def _rest(i: int) -> dict[str, object]:
    return {
        "id": str(i),
        "given_name": f"Given{i}",
        "family_name": f"Family{i}",
        "email_addresses": [{"email": f"p{i}@example.com", "field": "EMAIL1"}],
        "phone_numbers": [{"number": "555-0100", "field": "PHONE1", "type": "Mobile"}],
        "company": {"company_name": "Analytical Engines"},
        "addresses": [
            {
                "field": "BILLING",
                "line1": f"{i} Main St",
                "locality": "London",
                "postal_code": "N1",
                "country_code": "GBR",
            }
        ],
        "tag_ids": ["1", "2", "3"],
        "create_time": "2026-01-02T08:04:05Z",
    }


def _best_ms(fn: Callable[[], object], number: int, repeat: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1000


def _readers(repeat: int) -> list[tuple[str, str, float, float]]:
    body = xmlrpc.client.dumps(([_struct(i) for i in range(ROWS)],), methodresponse=True).encode()
    ours = _best_ms(lambda: loads_response(body), 3, repeat)
    stdlib = _best_ms(lambda: xmlrpc.client.loads(body, use_builtin_types=True), 3, repeat)
    return [("read 1000-row XML-RPC answer", "lxml reader vs stdlib loads", ours, stdlib)]


def _pages(repeat: int) -> list[tuple[str, str, float, float]]:
    rest = json.dumps({"contacts": [_rest(i) for i in range(ROWS)]}).encode()
    xml = xmlrpc.client.dumps(([_struct(i) for i in range(ROWS)],), methodresponse=True).encode()

    def parse_rest() -> object:
        return [_rest_json.contact_from_json(c, {}) for c in json.loads(rest)["contacts"]]

    def parse_xml() -> object:
        return [
            ka.Contact.model_validate(_fields.from_struct(s), context={"lenient": True})
            for s in loads_response(xml)
        ]

    return [
        (
            "1000 contacts -> models",
            "REST v2 vs XML-RPC",
            _best_ms(parse_rest, 2, repeat),
            _best_ms(parse_xml, 2, repeat),
        )
    ]


def _calls(repeat: int) -> list[tuple[str, str, float, float]]:
    fake = FakeKeap()
    with warnings.catch_warnings():  # comparing against XML-RPC on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        clients = {b: ka.KeapClient(b, fake.api_key, transport=fake.transport) for b in BACKENDS}
    cid = clients["rest"].contacts.create(ka.NewContact(given_name="A", email="a@example.com")).id
    times = {b: _best_ms(lambda c=c: c.contacts.get(cid), 50, repeat) for b, c in clients.items()}  # type: ignore[misc]
    return [("contacts.get, in-process fake", "REST v2 vs XML-RPC", times["rest"], times["xmlrpc"])]


def main() -> None:
    """Run every benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    repeat = 2 if parser.parse_args().quick else 5
    rows = [*_readers(repeat), *_pages(repeat), *_calls(repeat)]
    print(f"{'benchmark':<32} {'compared':<30} {'first ms':>9} {'second ms':>10} {'ratio':>6}")
    for name, compared, first, second in rows:
        print(f"{name:<32} {compared:<30} {first:>9.2f} {second:>10.2f} {second / first:>6.2f}")
    print(f"(best of {repeat} runs; ratio = second / first; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
