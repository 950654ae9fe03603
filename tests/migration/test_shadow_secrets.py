"""The Shadow report (and the compare command's) never holds a key, in any spelling.

A side whose server echoes the key in its error body (HTML-escaped, percent-encoded,
base64...) makes a mismatch; the report line written for it, the error the caller gets and
the error published must hide the key, and so must a line whose error is not keap_adapter's
(a custom read of ``Shadow.run``), where JSON-escaping spells ``"`` and ``\\`` differently.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter.migration._ashadow import AsyncShadow
from keap_adapter.migration._compare import compare_contacts
from keap_adapter.migration._normalize import Observation
from keap_adapter.migration._shadow import Shadow
from keap_adapter.testing import FakeKeap
from tests.secret_echoes import KEY, assert_error_hides, assert_hidden, echo, echoes

OTHER_KEY = "Ab9\"'<&>/+=%;Q" + "k" * 20  # the candidate's own key, as spiky
SPELLINGS = sorted(echoes(KEY))


def _no_sleep(seconds: float) -> None:
    """Retries wait through this; tests never sleep."""


def _echoing(status: int, text: str) -> Callable[[httpx.Request], httpx.Response]:
    """A REST server answering every request with Keap's v2 error body quoting ``text``."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = {"code": status, "message": text, "status": "UNAUTHENTICATED", "details": []}
        return httpx.Response(status, json=body)

    return answer


def _xmlrpc_echoing(text: str) -> Callable[[httpx.Request], httpx.Response]:
    """An XML-RPC server answering every request with a 500 whose text quotes ``text``."""
    return lambda _: httpx.Response(500, text=f"Internal error: {text}")


def _seeded(key: str = KEY) -> tuple[FakeKeap, int]:
    fake = FakeKeap(api_key=key)
    writer = ka.KeapClient("rest", key, transport=fake.transport)
    return fake, writer.contacts.create(ka.NewContact(given_name="Ada", email="ada@example.com")).id


def _report_lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert_hidden(text)  # the file as written, JSON escapes and all
    lines = [json.loads(line) for line in text.splitlines()]
    assert_hidden(json.dumps(lines, ensure_ascii=False))  # and each string, decoded
    return lines


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_candidate_echoing_the_key_leaves_no_key_in_the_report(
    spelling: str, tmp_path: Path
) -> None:
    fake, contact_id = _seeded()
    control = ka.KeapClient("xmlrpc", KEY, transport=fake.transport)
    handler = _echoing(401, f"Invalid API key {echo(spelling)}")
    candidate = ka.KeapClient("rest", KEY, transport=httpx.MockTransport(handler), max_retries=0)
    seen: list[Observation] = []
    report = tmp_path / "mismatches.jsonl"
    shadow = Shadow(control, candidate, publish=seen.append, report=report)

    assert shadow.contacts.get(contact_id).given_name == "Ada"  # the control's answer

    (line,) = _report_lines(report)
    assert line["candidate_error"].startswith("AuthenticationError: ")
    assert "Invalid API key ***" in line["candidate_error"]
    (observation,) = seen
    assert observation.candidate_error is not None
    assert_error_hides(observation.candidate_error)


@pytest.mark.parametrize("spelling", ["html", "percent", "base64+1", "json"])
def test_a_control_echoing_the_key_raises_and_reports_without_it(
    spelling: str, tmp_path: Path
) -> None:
    fake, contact_id = _seeded()
    control = ka.KeapClient(
        "xmlrpc",
        KEY,
        transport=httpx.MockTransport(_xmlrpc_echoing(echo(spelling))),
        max_retries=0,
        sleep=_no_sleep,
    )
    candidate = ka.KeapClient("rest", KEY, transport=fake.transport)
    report = tmp_path / "mismatches.jsonl"
    shadow = Shadow(control, candidate, report=report)

    with pytest.raises(ka.ServerError) as caught:
        shadow.contacts.get(contact_id)

    assert_error_hides(caught.value)
    (line,) = _report_lines(report)
    assert line["control_error"].startswith("ServerError: ")


def test_each_sides_key_is_hidden_when_they_differ(tmp_path: Path) -> None:
    control = ka.KeapClient(
        "xmlrpc",
        KEY,
        transport=httpx.MockTransport(_xmlrpc_echoing(echo("html"))),
        max_retries=0,
        sleep=_no_sleep,
    )
    candidate = ka.KeapClient(
        "rest",
        OTHER_KEY,
        transport=httpx.MockTransport(_echoing(403, f"key {echo('percent', OTHER_KEY)}")),
    )
    report = tmp_path / "mismatches.jsonl"
    with pytest.raises(ka.ServerError):
        Shadow(control, candidate, report=report).contacts.get(1)
    text = report.read_text(encoding="utf-8")
    assert_hidden(text, KEY)
    assert_hidden(text, OTHER_KEY)
    (line,) = (json.loads(line) for line in text.splitlines())
    assert line["candidate_error"].startswith("PermissionDeniedError: ")


@pytest.mark.parametrize("spelling", ["plain", "html-decimal", "form", "base64url+2"])
def test_an_error_that_is_not_keap_adapters_is_scrubbed_from_the_report(
    spelling: str, tmp_path: Path
) -> None:
    """A custom read raising its own error with the key, e.g. a URL it built by hand."""
    fake, contact_id = _seeded()
    control = ka.KeapClient("xmlrpc", KEY, transport=fake.transport)
    candidate = ka.KeapClient("rest", KEY, transport=fake.transport)
    report = tmp_path / "mismatches.jsonl"
    shadow = Shadow(control, candidate, report=report)

    def read(client: ka.KeapClient) -> str:
        if client is candidate:
            raise RuntimeError(f"could not fetch {echo(spelling)} from x.test")
        return client.contacts.get(contact_id).given_name or ""

    assert shadow.run("custom.read", read, (KEY,), {"token": echo(spelling)}) == "Ada"

    (line,) = _report_lines(report)
    assert line["candidate_error"] == "RuntimeError: could not fetch *** from x.test"
    assert line["args"] == ["***"]
    assert line["kwargs"] == {"token": "***"}


@pytest.mark.parametrize("spelling", ["html", "percent-lower", "base64+0"])
def test_the_async_shadow_report_hides_the_key(spelling: str, tmp_path: Path) -> None:
    fake, contact_id = _seeded()
    report = tmp_path / "mismatches.jsonl"
    handler = _echoing(500, f"upstream refused {echo(spelling)}")

    async def main() -> ka.Contact:
        async with (
            ka.AsyncKeapClient("xmlrpc", KEY, transport=fake.transport) as control,
            ka.AsyncKeapClient(
                "rest", KEY, transport=httpx.MockTransport(handler), max_retries=0
            ) as candidate,
        ):
            return await AsyncShadow(control, candidate, report=report).contacts.get(contact_id)

    assert asyncio.run(main()).given_name == "Ada"
    (line,) = _report_lines(report)
    assert line["candidate_error"].startswith("ServerError: ")


def test_the_compare_report_and_table_hide_the_key(tmp_path: Path) -> None:
    fake, contact_id = _seeded()
    control = ka.KeapClient("xmlrpc", KEY, transport=fake.transport)
    handler = _echoing(401, f"Invalid API key {echo('html')}")
    candidate = ka.KeapClient("rest", KEY, transport=httpx.MockTransport(handler), max_retries=0)
    report = tmp_path / "compare.jsonl"

    rows = compare_contacts(
        control, candidate, [contact_id], progress=False, out=io.StringIO(), report=report
    )

    assert [row.status for row in rows] == ["error"]
    assert_hidden(repr(rows))
    (line,) = _report_lines(report)
    assert line["operation"] == "contacts.get"
