"""In-process benchmarks: the XML-RPC reader, whole pages into models, and building a request."""

from __future__ import annotations

import json
import xmlrpc.client
from datetime import datetime

import httpx

import keap_adapter as ka
from bench._stats import Row, in_turns, ratio_rows
from keap_adapter.backends import _fields, _rest_json
from keap_adapter.backends._xmlrpc_wire import loads_response
from keap_adapter.backends.rest import RestBackend

ROWS = 1000
READER = "read 1000-row XML-RPC answer"


def query_row(i: int) -> dict[str, object]:
    """One row of a ``DataService.query('Contact', ...)`` answer."""
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


def rest_contact(i: int) -> dict[str, object]:
    """The same contact as REST v2 returns it."""
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


def query_answer() -> bytes:
    """The 1000-row answer as stdlib writes it (indented: one element per line)."""
    rows = [query_row(i) for i in range(ROWS)]
    return xmlrpc.client.dumps((rows,), methodresponse=True).encode()


def reader(rounds: int) -> list[Row]:
    """The hardened lxml reader vs ``xmlrpc.client.loads``, same answer, same result."""
    body = query_answer()
    assert loads_response(body) == xmlrpc.client.loads(body, use_builtin_types=True)[0][0]
    sample = in_turns(
        {
            "keap_adapter lxml reader": lambda: loads_response(body),
            "xmlrpc.client.loads": lambda: xmlrpc.client.loads(body, use_builtin_types=True),
        },
        rounds,
        count=3,
        scale=1e3,
    )
    return ratio_rows(READER, "ms", sample, "keap_adapter lxml reader")


def pages(rounds: int) -> list[Row]:
    """One 1000-contact page into ``Contact`` models, per protocol (reading and validating)."""
    rest = json.dumps({"contacts": [rest_contact(i) for i in range(ROWS)]}).encode()
    xml = query_answer()

    def parse_rest() -> object:
        return [_rest_json.contact_from_json(c, {}) for c in json.loads(rest)["contacts"]]

    def parse_xml() -> object:
        return [
            ka.Contact.model_validate(_fields.from_struct(s), context={"lenient": True})
            for s in loads_response(xml)
        ]

    sample = in_turns(
        {"REST v2 JSON -> models": parse_rest, "XML-RPC -> models": parse_xml},
        rounds,
        count=2,
        scale=1e3,
    )
    return ratio_rows("1000 contacts -> models", "ms", sample, "REST v2 JSON -> models")


def request_building(rounds: int) -> list[Row]:
    """Building the ``contacts.get`` request: the codec now vs what it did before (an
    ``httpx.Request`` from the URL string and the ``fields`` dict, parsed every call)."""
    base = "https://api.infusionsoft.com/crm/rest/v2/"
    backend = RestBackend(url=base)
    fields = _rest_json.FIELDS
    sample = in_turns(
        {
            "keap_adapter (prebuilt URL parts)": lambda: next(backend.get_contact(12345)),
            "httpx.Request from strings (before)": lambda: httpx.Request(
                "GET", base + "contacts/12345", params=fields
            ),
        },
        rounds,
        count=200,
    )
    return ratio_rows(
        "build contacts.get request", "us", sample, "keap_adapter (prebuilt URL parts)"
    )
