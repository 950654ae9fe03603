"""Named scenarios for ``keap-adapter record``: realistic sequences of facade calls.

Each scenario runs on a client and returns a JSON-able summary of what it saw, so a
recording and its replay can be compared. Scenarios delete the contacts and the tag they
create.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._client import KeapClient
from .._exceptions import NotFoundError
from .._models import ContactUpdate, NewContact, Tag

Scenario = Callable[[KeapClient, str], dict[str, Any]]
TAG_NAME = "keap-adapter scenario"


def _email(suffix: str, who: str) -> str:
    return f"keap-adapter-{who}-{suffix}@example.com"


def _tag(client: KeapClient) -> Tag:
    return next(iter(client.tags.list(name=TAG_NAME)), None) or client.tags.create(TAG_NAME)


def contacts(client: KeapClient, suffix: str) -> dict[str, Any]:
    """Create, read, update, find, list, upsert and delete one contact."""
    email = _email(suffix, "ada")
    created = client.contacts.create(
        NewContact(given_name="Ada", family_name="Scenario", email=email)
    )
    updated = client.contacts.update(created.id, ContactUpdate(job_title="Analyst"))
    upsert = client.contacts.upsert(
        NewContact(given_name="Ada", family_name="Upserted", email=email)
    )
    summary = {
        "get": client.contacts.get(created.id).model_dump(mode="json", exclude={"update_time"}),
        "job_title": updated.job_title,
        "found": [c.id == created.id for c in client.contacts.find_by_email(email)],
        "listed": [c.family_name for c in client.contacts.list(email=email)],
        "upsert_created": upsert.created,
    }
    client.contacts.delete(created.id)
    summary["deleted"] = _gone(client, created.id)
    return summary


def tags(client: KeapClient, suffix: str) -> dict[str, Any]:
    """Tag two contacts, read the tag both ways, remove it from one, clean up."""
    tag = _tag(client)
    people = [
        client.contacts.create(
            NewContact(given_name=name, family_name="Tagged", email=_email(suffix, name))
        )
        for name in ("grace", "alan")
    ]
    ids = [p.id for p in people]
    applied = client.tags.apply(tag.id, ids)
    tagged = sorted(c.given_name or "" for c in client.tags.contacts(tag.id) if c.id in ids)
    client.tags.remove(tag.id, ids[:1])
    summary = {
        "applied_ok": applied.ok,
        "tagged": tagged,
        "after_remove": [[t.name for t in client.contacts.tags(i)] for i in ids],
    }
    for person in people:
        client.contacts.delete(person.id)
    client.tags.delete(tag.id)
    return summary


def form(client: KeapClient, suffix: str) -> dict[str, Any]:
    """The demo's web form: upsert the submitter by email twice and tag them."""
    email = _email(suffix, "form")
    tag = _tag(client)
    first = client.contacts.upsert(NewContact(given_name="Form", family_name="Lead", email=email))
    second = client.contacts.upsert(NewContact(given_name="Form", family_name="Lead", email=email))
    client.tags.apply(tag.id, [first.contact.id])
    summary = {
        "created": [first.created, second.created],
        "same_contact": first.contact.id == second.contact.id,
        "tags": [t.name for t in client.contacts.tags(first.contact.id)],
    }
    client.contacts.delete(first.contact.id)
    client.tags.delete(tag.id)
    return summary


def _gone(client: KeapClient, contact_id: int) -> bool:
    try:
        client.contacts.get(contact_id)
    except NotFoundError:
        return True
    return False


SCENARIOS: dict[str, Scenario] = {"contacts": contacts, "tags": tags, "form": form}
