"""A FakeKeap served on loopback from its own process, so a benchmark's CPU clock sees only
the client: ``python -m bench._server [contacts]``.

It seeds ``contacts`` contacts (1000 by default) through the fake's own transport, prints one
JSON line (``url``, ``key``, ``contact_id``) and serves until its stdin closes.
"""

from __future__ import annotations

import json
import sys

import httpx

from keap_adapter.testing import FakeKeap

KEY = "bench-key"


def contact_body(i: int) -> dict[str, object]:
    """A contact with the fields a CRM record usually has filled in."""
    return {
        "given_name": f"Given{i}",
        "family_name": f"Family{i}",
        "job_title": "Engineer",
        "company": {"company_name": "Analytical Engines"},
        "email_addresses": [{"email": f"p{i}@example.com", "field": "EMAIL1"}],
        "phone_numbers": [{"number": "555-0100", "field": "PHONE1", "type": "Mobile"}],
        "addresses": [
            {
                "field": "BILLING",
                "line1": f"{i} Main St",
                "locality": "London",
                "postal_code": "N1",
                "country_code": "GBR",
            }
        ],
    }


def seed(fake: FakeKeap, contacts: int) -> int:
    """Create ``contacts`` contacts (tagged) in ``fake``; the first one's id."""
    base = "https://api.infusionsoft.com/crm/rest/v2/"
    headers = {"X-Keap-API-Key": fake.api_key}
    with httpx.Client(transport=fake.transport, base_url=base, headers=headers) as http:
        tag = http.post("tags", json={"name": "bench"}).raise_for_status().json()["id"]
        ids = [
            http.post("contacts", json=contact_body(i)).raise_for_status().json()["id"]
            for i in range(contacts)
        ]
        http.post(f"tags/{tag}/contacts:applyTags", json={"contact_ids": ids[:1]})
    return int(ids[0])


def main() -> None:
    """Seed, serve, announce, and serve until stdin closes."""
    contacts = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    fake = FakeKeap(api_key=KEY)
    contact_id = seed(fake, contacts)
    with fake.serve() as server:
        print(json.dumps({"url": server.url, "key": KEY, "contact_id": contact_id}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
