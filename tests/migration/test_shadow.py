"""Shadow reads: XML-RPC as control, REST v2 as candidate, on the embedded fake."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import keap_adapter as ka
from keap_adapter.migration._ashadow import AsyncShadow
from keap_adapter.migration._normalize import Difference, Observation, diff, normalize
from keap_adapter.migration._shadow import MismatchError, Shadow, log_observation
from keap_adapter.testing import FakeKeap

EPOCH = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
ADA = ka.NewContact(
    given_name="Ada",
    family_name="Lovelace",
    email="ada@example.com",
    company_name="Analytical Engines",
    job_title="Countess",
    email_addresses=[ka.EmailAddress(email="ada@example.org", field="EMAIL2")],
    phone_numbers=[
        ka.PhoneNumber(number="+44 20 7946 0958", field="PHONE1", type="Mobile"),
        ka.PhoneNumber(number="555-0100", field="PHONE2", extension="12"),
    ],
    addresses=[
        ka.Address(
            field="BILLING",
            line1="12 St James's Square",
            locality="London",
            postal_code="SW1Y 4JH",
            country_code="GBR",
        ),
    ],
    birth_date=date(1815, 12, 10),
    custom_fields={"Color": "blue"},
)


def _fake() -> FakeKeap:
    fake = FakeKeap()
    fake.now = lambda: EPOCH  # two fakes then stamp identical create/update times
    fake.add_custom_field("Color")
    return fake


def _seed(fake: FakeKeap) -> tuple[int, int]:
    """Ada, tagged VIP; the contact id and the tag id."""
    client = ka.KeapClient("rest", fake.api_key, transport=fake.transport)
    contact = client.contacts.create(ADA)
    tag = client.tags.create("VIP", description="Very important")
    client.tags.apply(tag.id, [contact.id])
    return contact.id, tag.id


def _no_sleep(seconds: float) -> None:
    """Retries wait through this; tests never sleep."""


def _client(fake: FakeKeap, backend: ka.BackendName) -> ka.KeapClient:
    return ka.KeapClient(backend, fake.api_key, transport=fake.transport, sleep=_no_sleep)


@pytest.fixture
def fake() -> FakeKeap:
    return _fake()


@pytest.fixture
def twin() -> FakeKeap:
    """A second, separate store: the candidate's, made to differ from the control's."""
    return _fake()


@pytest.fixture
def seen() -> list[Observation]:
    return []


@pytest.fixture
def shadow(fake: FakeKeap, seen: list[Observation]) -> Shadow:
    """XML-RPC control and REST candidate on one store."""
    return Shadow(_client(fake, "xmlrpc"), _client(fake, "rest"), publish=seen.append)


@pytest.fixture
def split(fake: FakeKeap, twin: FakeKeap, seen: list[Observation]) -> Shadow:
    """XML-RPC control on ``fake``, REST candidate on ``twin``; Ada is in both."""
    assert _seed(fake) == _seed(twin)
    return Shadow(_client(fake, "xmlrpc"), _client(twin, "rest"), publish=seen.append)


def _all_reads(shadow: Shadow, contact_id: int, tag_id: int) -> None:
    shadow.contacts.get(contact_id)
    shadow.contacts.find_by_email("ada@example.com")
    list(shadow.contacts.list())
    list(shadow.contacts.list(family_name="Love*"))
    shadow.contacts.tags(contact_id)
    shadow.tags.get(tag_id)
    list(shadow.tags.list())
    list(shadow.tags.contacts(tag_id))


def test_every_read_matches_on_one_store(
    fake: FakeKeap, shadow: Shadow, seen: list[Observation]
) -> None:
    contact_id, tag_id = _seed(fake)
    _client(fake, "rest").contacts.create(ka.NewContact(given_name="Grace", email="g@example.com"))
    _all_reads(shadow, contact_id, tag_id)
    assert [o.operation for o in seen] == [
        "contacts.get", "contacts.find_by_email", "contacts.list", "contacts.list",
        "contacts.tags", "tags.get", "tags.list", "tags.contacts",
    ]  # fmt: skip
    assert [o.diff for o in seen] == [()] * 8
    assert shadow.stats.matches == 8
    assert shadow.stats.mismatches == shadow.stats.candidate_errors == shadow.stats.skipped == 0


def test_returns_the_controls_result(fake: FakeKeap, shadow: Shadow) -> None:
    contact_id, tag_id = _seed(fake)
    contact = shadow.contacts.get(contact_id)
    assert contact == shadow.control.contacts.get(contact_id)
    assert contact.custom_fields == {"Color": "blue"}
    listing = shadow.tags.contacts(tag_id)
    assert isinstance(listing, Iterator)
    assert [c.id for c in listing] == [contact_id]


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (ka.ContactUpdate(family_name="Byron"), ("family_name", "Lovelace", "Byron")),
        (
            ka.ContactUpdate(phone_numbers=[
                ka.PhoneNumber(number="+44 20 7946 0958", field="PHONE1", type="Mobile"),
                ka.PhoneNumber(number="555-0199", field="PHONE2", extension="12"),
            ]),
            ("phone_numbers[PHONE2].number", "555-0100", "555-0199"),
        ),
        (
            ka.ContactUpdate(email_addresses=[ka.EmailAddress(email="ada@example.com"),
                                              ka.EmailAddress(email="byron@example.org",
                                                              field="EMAIL2")]),
            ("email_addresses[EMAIL2].email", "ada@example.org", "byron@example.org"),
        ),
        (ka.ContactUpdate(custom_fields={"Color": "red"}), ("custom_fields.Color", "blue", "red")),
        (ka.ContactUpdate(job_title=None), ("job_title", "Countess", None)),
    ],
)  # fmt: skip
def test_names_exactly_the_field_that_differs(
    split: Shadow,
    twin: FakeKeap,
    seen: list[Observation],
    update: ka.ContactUpdate,
    expected: tuple[str, object, object],
) -> None:
    _client(twin, "rest").contacts.update(1, update)
    split.contacts.get(1)
    assert seen[-1].diff == (expected,)
    assert not seen[-1].matched


def test_a_removed_tag_is_named_by_id(split: Shadow, twin: FakeKeap) -> None:
    _client(twin, "rest").tags.remove(1, [1])
    with pytest.raises(MismatchError):
        Shadow(split.control, split.candidate, raise_on_mismatch=True).contacts.tags(1)
    seen: list[Observation] = []
    Shadow(split.control, split.candidate, publish=seen.append).contacts.get(1)
    assert seen[0].diff == (("tag_ids", [1], None),)


def test_listings_are_keyed_by_id(split: Shadow, twin: FakeKeap, seen: list[Observation]) -> None:
    _client(twin, "rest").contacts.update(1, ka.ContactUpdate(given_name="Augusta"))
    list(split.contacts.list())
    list(split.tags.contacts(1))
    assert [o.diff for o in seen] == [
        (("[id=1].given_name", "Ada", "Augusta"),),
        (("[id=1].given_name", "Ada", "Augusta"),),
    ]


def test_missing_on_the_candidate_is_a_mismatch_not_an_error(
    split: Shadow, twin: FakeKeap, seen: list[Observation]
) -> None:
    _client(twin, "rest").contacts.delete(1)
    contact = split.contacts.get(1)  # the candidate's NotFoundError never reaches the caller
    assert contact.given_name == "Ada"
    assert seen[0].diff == (("(raised)", None, "NotFoundError"),)
    assert isinstance(seen[0].candidate_error, ka.NotFoundError)
    assert split.stats.candidate_errors == split.stats.mismatches == 1


def test_missing_on_both_is_a_match_and_the_control_error_is_raised(
    shadow: Shadow, seen: list[Observation]
) -> None:
    with pytest.raises(ka.NotFoundError) as raised:
        shadow.contacts.get(404)
    assert raised.value.backend == "xmlrpc"  # the control's own error
    assert seen[0].matched
    assert isinstance(seen[0].control_error, ka.NotFoundError)


def test_a_control_error_is_raised_even_when_the_candidate_succeeds(
    split: Shadow, fake: FakeKeap, seen: list[Observation]
) -> None:
    fake.fail(403, fault="[NoAccess] no access to ContactGroup")
    with pytest.raises(ka.PermissionDeniedError):
        split.tags.get(1)
    assert seen[0].diff[0].path == "(raised)"
    assert seen[0].candidate_error is None


def test_candidate_failures_never_escape(
    fake: FakeKeap, twin: FakeKeap, seen: list[Observation]
) -> None:
    _seed(fake)
    twin.fail(401, times=100)
    shadow = Shadow(_client(fake, "xmlrpc"), _client(twin, "rest"), publish=seen.append)
    assert shadow.contacts.get(1).id == 1
    assert [t.name for t in shadow.contacts.tags(1)] == ["VIP"]
    assert [c.id for c in shadow.contacts.list()] == [1]
    assert {type(o.candidate_error) for o in seen} == {ka.AuthenticationError}


def test_sample_rate_zero_never_calls_the_candidate(fake: FakeKeap, twin: FakeKeap) -> None:
    _seed(fake)
    before = len(twin.requests)
    shadow = Shadow(_client(fake, "xmlrpc"), _client(twin, "rest"), sample_rate=0)
    _all_reads(shadow, 1, 1)
    assert len(twin.requests) == before
    assert shadow.stats.skipped == 8
    assert shadow.stats.matches == shadow.stats.mismatches == 0


def test_sampling_follows_the_injected_draw(fake: FakeKeap, twin: FakeKeap) -> None:
    _seed(fake)
    _seed(twin)
    draws = iter([0.1, 0.9, 0.49, 0.5])
    shadow = Shadow(
        _client(fake, "xmlrpc"), _client(twin, "rest"), sample_rate=0.5, random=lambda: next(draws)
    )
    before = len(twin.requests)
    for _ in range(4):
        shadow.contacts.get(1)
    loads = [r for r in twin.requests[before:] if r.url.path.endswith("/contacts/1")]
    assert len(loads) == 2
    assert (shadow.stats.matches, shadow.stats.skipped) == (2, 2)


@pytest.mark.parametrize("rate", [-0.1, 1.5, True, "1"])
def test_sample_rate_outside_zero_to_one_is_refused(fake: FakeKeap, rate: object) -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        Shadow(_client(fake, "xmlrpc"), _client(fake, "rest"), sample_rate=rate)  # type: ignore[arg-type]


def test_report_has_one_json_line_per_mismatch_and_no_key(
    fake: FakeKeap, twin: FakeKeap, tmp_path: Path
) -> None:
    _seed(fake)
    _seed(twin)
    _client(twin, "rest").contacts.update(1, ka.ContactUpdate(family_name="Byron"))
    report = tmp_path / "mismatches.jsonl"
    shadow = Shadow(_client(fake, "xmlrpc"), _client(twin, "rest"), report=report)
    shadow.contacts.get(1)  # mismatch
    shadow.tags.get(1)  # match: not reported
    shadow.contacts.find_by_email("ada@example.com")  # mismatch
    text = report.read_text()
    assert fake.api_key not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(line["operation"], line["args"]) for line in lines] == [
        ("contacts.get", [1]),
        ("contacts.find_by_email", ["ada@example.com"]),
    ]
    assert lines[0]["diff"] == [
        {"path": "family_name", "control": "Lovelace", "candidate": "Byron"}
    ]
    assert datetime.fromisoformat(lines[0]["timestamp"]).tzinfo is not None


def test_raise_on_mismatch_carries_the_diff(split: Shadow, twin: FakeKeap) -> None:
    _client(twin, "rest").contacts.update(1, ka.ContactUpdate(family_name="Byron"))
    strict = Shadow(split.control, split.candidate, raise_on_mismatch=True)
    with pytest.raises(MismatchError, match="family_name: 'Lovelace' \\(control\\)") as raised:
        strict.contacts.get(1)
    assert raised.value.mismatch.diff == (("family_name", "Lovelace", "Byron"),)
    assert strict.tags.get(1).name == "VIP"  # matches do not raise


def test_a_failing_publisher_does_not_break_the_read(
    shadow: Shadow, fake: FakeKeap, caplog: pytest.LogCaptureFixture
) -> None:
    _seed(fake)

    def broken(observation: Observation) -> None:
        raise RuntimeError("publisher down")

    quiet = Shadow(shadow.control, shadow.candidate, publish=broken)
    assert quiet.contacts.get(1).id == 1
    assert "publisher failed" in caplog.text


def test_writes_go_to_the_control_only(fake: FakeKeap, twin: FakeKeap) -> None:
    shadow = Shadow(_client(fake, "xmlrpc"), _client(twin, "rest"))
    before = len(twin.requests)
    contact = shadow.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com"))
    shadow.contacts.update(contact.id, ka.ContactUpdate(family_name="Lovelace"))
    shadow.contacts.upsert(ka.NewContact(email="ada@example.com", given_name="Augusta"))
    tag = shadow.tags.create("VIP")
    shadow.tags.update(tag.id, {"description": "Very"})
    shadow.contacts.create_many([ka.NewContact(email="bulk@example.com")])
    shadow.contacts.upsert_many([ka.NewContact(email="bulk@example.com", given_name="B")])
    shadow.tags.apply(tag.id, [contact.id])
    shadow.tags.remove(tag.id, [contact.id])
    shadow.tags.delete(tag.id)
    shadow.contacts.delete(contact.id)
    assert len(twin.requests) == before
    assert fake.requests
    assert shadow.stats == type(shadow.stats)()  # writes are not observed at all


def test_async_shadow_has_the_same_surface(fake: FakeKeap, twin: FakeKeap) -> None:
    _seed(fake)
    _seed(twin)
    _client(twin, "rest").contacts.update(1, ka.ContactUpdate(family_name="Byron"))
    seen: list[Observation] = []

    async def run() -> list[str | None]:
        control = ka.AsyncKeapClient("xmlrpc", fake.api_key, transport=fake.transport)
        candidate = ka.AsyncKeapClient("rest", twin.api_key, transport=twin.transport)
        shadow = AsyncShadow(control, candidate, publish=seen.append)
        names = [(await shadow.contacts.get(1)).family_name]
        names += [c.family_name async for c in shadow.contacts.list()]
        names += [c.family_name async for c in shadow.tags.contacts(1)]
        await shadow.contacts.tags(1)
        await shadow.contacts.find_by_email("ada@example.com")
        await shadow.tags.get(1)
        names += [t.name async for t in shadow.tags.list()]
        await shadow.tags.create("Control only")
        return names

    assert asyncio.run(run()) == ["Lovelace", "Lovelace", "Lovelace", "VIP"]
    assert [o.matched for o in seen] == [False, False, False, True, False, True, True]
    assert seen[0].diff == (("family_name", "Lovelace", "Byron"),)
    assert [t.name for t in _client(twin, "rest").tags.list()] == ["VIP"]


def test_async_unsampled_listing_is_the_controls(fake: FakeKeap, twin: FakeKeap) -> None:
    _seed(fake)

    async def run() -> list[int]:
        control = ka.AsyncKeapClient("xmlrpc", fake.api_key, transport=fake.transport)
        candidate = ka.AsyncKeapClient("rest", twin.api_key, transport=twin.transport)
        shadow = AsyncShadow(control, candidate, sample_rate=0)
        assert (await shadow.contacts.get(1)).id == 1
        return [c.id async for c in shadow.contacts.list()]

    assert asyncio.run(run()) == [1]
    assert twin.requests == []


def test_normalize_forgives_backend_noise() -> None:
    eastern_naive = datetime(2026, 1, 15, 7, 0, 0)  # 12:00 UTC, as XML-RPC would send it
    utc = datetime(2026, 1, 15, 12, 0, 0, 250_000, tzinfo=timezone.utc)
    left = {"id": "12", "b": None, "when": eastern_naive, "tag_ids": [3, 1], "x": [],
            "items": [{"id": 2, "n": "b"}, {"id": 1, "n": "a"}]}  # fmt: skip
    right = {"when": utc, "id": 12, "tag_ids": [1, 3], "b": "", "y": {},
             "items": [{"id": "1", "n": "a"}, {"id": 2, "n": "b"}]}  # fmt: skip
    assert normalize(left) == normalize(right)
    assert diff(normalize(left), normalize(right)) == []
    later = {**right, "when": utc + timedelta(seconds=1)}
    assert diff(normalize(left), normalize(later)) == [
        Difference("when", "2026-01-15T12:00:00+00:00", "2026-01-15T12:00:01+00:00")
    ]


def test_log_observation_warns_on_mismatches(
    split: Shadow, twin: FakeKeap, caplog: pytest.LogCaptureFixture
) -> None:
    _client(twin, "rest").contacts.update(1, ka.ContactUpdate(family_name="Byron"))
    logged = Shadow(split.control, split.candidate, publish=log_observation)
    with caplog.at_level(logging.DEBUG, logger="keap_adapter.migration"):
        logged.contacts.get(1)
        logged.tags.get(1)
    assert [r.levelname for r in caplog.records] == ["WARNING", "DEBUG"]
    assert "family_name: 'Lovelace' (control) != 'Byron' (candidate)" in caplog.records[0].message
    assert caplog.records[1].message == "shadow tags.get(1): match"


def test_the_repeated_daylight_saving_hour_is_not_a_mismatch() -> None:
    from datetime import datetime, timezone

    from keap_adapter.migration import diff, normalize

    first = datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)  # 01:30 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc)  # 01:30 EST, an hour later
    assert diff(normalize({"t": first}), normalize({"t": second})) == []
    later = datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc)
    assert diff(normalize({"t": first}), normalize({"t": later})) != []


def _read_methods(resource: object) -> list[str]:
    """Every public method of a facade resource that does not change data."""
    writes = {"create", "update", "delete", "upsert", "apply", "remove", "opt_in", "opt_out"}
    writes |= {f"{w}_many" for w in ("create", "update", "upsert")}
    names = [n for n in dir(resource) if not n.startswith("_") and callable(getattr(resource, n))]
    return [n for n in names if n not in writes]


def test_the_shadow_runs_the_facades_own_resources(shadow: Shadow) -> None:
    # Reads added to the facade are shadowed with no new shadow code: these are the same
    # classes a client has.
    assert type(shadow.contacts) is type(shadow.control.contacts)
    assert type(shadow.tags) is type(shadow.control.tags)
    assert _read_methods(shadow.contacts) == [
        "custom_field_names", "email_status", "find_by_email", "get", "list", "tags",
    ]  # fmt: skip
    assert _read_methods(shadow.tags) == ["contacts", "get", "list"]


def test_every_facade_read_is_observed(
    fake: FakeKeap, shadow: Shadow, seen: list[Observation]
) -> None:
    contact_id, tag_id = _seed(fake)
    shadow.contacts.custom_field_names()  # never had shadow code of its own
    assert seen[-1].operation == "contacts.custom_field_names" and seen[-1].matched
    _all_reads(shadow, contact_id, tag_id)
    shadow.contacts.email_status("ada@example.com")
    list(shadow.tags.categories.list())  # sub-resources are the facade's own too
    shadow.contacts.custom_fields.list()
    assert {"tags.categories.list", "contacts.custom_fields.list"} <= {o.operation for o in seen}
    ops = {o.operation for o in seen}
    assert {f"contacts.{n}" for n in _read_methods(shadow.contacts)} <= ops
    assert {f"tags.{n}" for n in _read_methods(shadow.tags)} <= ops


def test_bad_arguments_fail_before_either_side_is_called(
    fake: FakeKeap, shadow: Shadow, seen: list[Observation]
) -> None:
    before = len(fake.requests)
    with pytest.raises(ValueError, match="positive int"):
        shadow.contacts.get(0)
    with pytest.raises(ValueError, match="cannot contain"):
        shadow.contacts.list(given_name="x;email==y")
    assert len(fake.requests) == before and seen == []


def test_async_shadow_runs_the_async_resources(fake: FakeKeap) -> None:
    async def run() -> list[str]:
        control = ka.AsyncKeapClient("xmlrpc", fake.api_key, transport=fake.transport)
        candidate = ka.AsyncKeapClient("rest", fake.api_key, transport=fake.transport)
        seen: list[Observation] = []
        shadow = AsyncShadow(control, candidate, publish=seen.append)
        assert type(shadow.contacts) is type(control.contacts)
        await shadow.contacts.custom_field_names()
        await shadow.tags.create("VIP")  # a write: control only, not observed
        assert [t.name async for t in shadow.tags.list()] == ["VIP"]
        return [o.operation for o in seen if o.matched]

    assert asyncio.run(run()) == ["contacts.custom_field_names", "tags.list"]


def test_a_shadow_refuses_clients_of_the_other_flavour(fake: FakeKeap) -> None:
    sync = _client(fake, "rest")
    other = ka.AsyncKeapClient("rest", fake.api_key, transport=fake.transport)
    with pytest.raises(TypeError, match="Shadow runs KeapClients; the control is a Async"):
        Shadow(other, sync)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="runs AsyncKeapClients; the candidate is a KeapClient"):
        AsyncShadow(other, sync)  # type: ignore[arg-type]
