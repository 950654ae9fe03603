"""``keap-adapter demo``: a website form becomes an upserted, tagged contact, on both backends.

Runs on the embedded fake (no key, no network): the same code path a real integration runs,
first over REST v2, then over XML-RPC against the same store, then reads the contact back
through both backends and shows the two side by side.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import IO

from ._client import KeapClient
from ._config import BackendName
from ._models import Contact, NewContact, PhoneNumber, Tag
from .testing import FakeKeap

FORM = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0958",
    "company": "Analytical Engines Ltd",
}
TAG_NAME = "Web form lead"
BACKENDS: tuple[BackendName, ...] = ("rest", "xmlrpc")


def contact_from_form(form: dict[str, str]) -> NewContact:
    """The form's fields as a contact to upsert (validated before anything is sent)."""
    return NewContact(
        given_name=form["first_name"],
        family_name=form["last_name"],
        email=form["email"],
        company_name=form["company"],
        phone_numbers=[PhoneNumber(number=form["phone"], field="PHONE1", type="Mobile")],
    )


def tag_named(client: KeapClient, name: str) -> Tag:
    """The tag called ``name``, created if it does not exist yet."""
    return next(iter(client.tags.list(name=name)), None) or client.tags.create(name)


def handle_submission(client: KeapClient, form: dict[str, str]) -> tuple[Contact, bool]:
    """Upsert the submitter by email and tag them; returns the contact and whether it is new."""
    result = client.contacts.upsert(contact_from_form(form), match="email")
    tag = tag_named(client, TAG_NAME)
    outcome = client.tags.apply(tag.id, [result.contact.id])
    if not outcome.ok:
        raise RuntimeError(f"tagging failed: {outcome.failed}")
    return result.contact, result.created


def _row(contact: Contact, tags: list[Tag]) -> dict[str, str]:
    phone = contact.phone_numbers[0].number if contact.phone_numbers else ""
    return {
        "id": str(contact.id),
        "name": f"{contact.given_name} {contact.family_name}",
        "email": contact.email or "",
        "company": contact.company_name or "",
        "phone": phone,
        "tags": ", ".join(sorted(t.name for t in tags)),
        "created": contact.create_time.isoformat() if contact.create_time else "",
    }


def run_demo(out: IO[str]) -> int:
    """Run the flow and print what each backend did and read; 0 when both read the same."""
    fake = FakeKeap()
    with warnings.catch_warnings():  # the demo compares against XML-RPC on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        clients = {b: KeapClient(b, fake.api_key, transport=fake.transport) for b in BACKENDS}
    out.write(f"Form submitted: {FORM}\n\n")
    for backend, client in clients.items():
        contact, created = handle_submission(client, FORM)
        verb = "created" if created else "matched by email and updated"
        out.write(f"[{backend:>6}] upsert: contact {contact.id} {verb}; tagged {TAG_NAME!r}\n")
    contact_id = contact.id
    rows = {
        b: _row(c.contacts.get(contact_id), c.contacts.tags(contact_id)) for b, c in clients.items()
    }
    out.write("\nRead back through both backends:\n")
    out.write(_table(rows))
    same = rows["rest"] == rows["xmlrpc"]
    out.write("\nBoth backends agree.\n" if same else "\nThe backends DISAGREE (see table).\n")
    for client in clients.values():
        client.close()
    return 0 if same else 1


def _table(rows: Mapping[BackendName, dict[str, str]]) -> str:
    fields = list(rows["rest"])
    width = max(len(v) for row in rows.values() for v in row.values())
    lines = [f"{'field':<8} {'REST v2':<{width}}  {'XML-RPC':<{width}}  same"]
    for field in fields:
        rest, xml = rows["rest"][field], rows["xmlrpc"][field]
        lines.append(
            f"{field:<8} {rest:<{width}}  {xml:<{width}}  {'yes' if rest == xml else 'NO'}"
        )
    return "\n".join(lines) + "\n"
