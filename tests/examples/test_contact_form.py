"""The contact form example (examples/contact_form/app.py), driven through WSGI in process.

Tests that reach Keap run on both backends; the rest never send a request at all, which is
what most of them check.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import lxml.html
import pytest

import keap_adapter as ka
from examples.contact_form import app as contact_form
from keap_adapter.auth import FileTokenStore, Tokens
from keap_adapter.testing import FakeKeap

from .conftest import SECRET_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

both_backends = pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
TAG = contact_form.DEFAULT_TAG
ADA = {"given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com"}


@pytest.fixture
def web(client: ka.KeapClient) -> Iterator[httpx.Client]:
    """A browser-like client of the app (redirects are not followed: tests look at them)."""
    with _web(contact_form.make_app(client, TAG)) as made:
        yield made


def _web(app: WSGIApplication) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://form.test")


def _page(response: httpx.Response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.text)


def _one(page: lxml.html.HtmlElement, xpath: str) -> lxml.html.HtmlElement:
    found = page.xpath(xpath)
    assert isinstance(found, list)
    assert len(found) == 1, f"{xpath}: {len(found)} found"
    element = found[0]
    assert isinstance(element, lxml.html.HtmlElement)
    return element


def _tag_names(client: ka.KeapClient, contact_id: int) -> set[str]:
    return {tag.name for tag in client.contacts.tags(contact_id)}


# --- The form ---------------------------------------------------------------------------


def test_the_form_is_labelled_and_carries_a_hidden_honeypot(web: httpx.Client) -> None:
    response = web.get("/")
    assert response.status_code == 200
    page = _page(response)
    assert page.get("lang") == "en"
    assert _one(page, "//title").text == "Contact us"
    for name, autocomplete in [
        ("given_name", "given-name"),
        ("family_name", "family-name"),
        ("email", "email"),
        ("phone", "tel"),
    ]:
        field = _one(page, f"//input[@name='{name}']")
        assert field.get("autocomplete") == autocomplete
        assert _one(page, f"//label[@for='{field.get('id')}']").text_content().strip()
        assert field.get("aria-invalid") is None
    assert _one(page, "//input[@name='email']").get("required") is not None
    honeypot = _one(page, "//input[@name='website']")
    assert honeypot.get("tabindex") == "-1"
    assert honeypot.get("autocomplete") == "off"
    assert _one(page, "//*[@aria-hidden='true'][.//input[@name='website']]").get("class") == "hp"
    assert _one(page, "//label[@for='website']") is not None


def test_every_page_has_the_security_headers_and_the_policy_allows_its_style(
    web: httpx.Client,
) -> None:
    for response in (web.get("/"), web.get("/thanks"), web.get("/nope"), web.post("/", data={})):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "form-action 'self'" in policy
        style = _one(_page(response), "//style").text or ""
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in policy


def test_head_answers_without_a_body(web: httpx.Client) -> None:
    response = web.head("/")
    assert response.status_code == 200
    assert response.content == b""


# --- Valid submissions ------------------------------------------------------------------


@both_backends
def test_a_valid_submission_saves_a_tagged_contact_and_redirects_to_thanks(
    web: httpx.Client, client: ka.KeapClient
) -> None:
    response = web.post("/", data={**ADA, "phone": "+44 20 7946 0958"})
    assert response.status_code == 303
    assert response.headers["location"] == "/thanks"
    thanks = web.get("/thanks")
    assert thanks.status_code == 200
    assert "Thank you" in thanks.text

    [contact] = client.contacts.find_by_email("ada@example.com")
    assert (contact.given_name, contact.family_name) == ("Ada", "Lovelace")
    assert [p.number for p in contact.phone_numbers] == ["+44 20 7946 0958"]
    assert _tag_names(client, contact.id) == {TAG}


@both_backends
def test_the_same_person_twice_is_one_contact_and_the_tag_is_created_once(
    web: httpx.Client, client: ka.KeapClient, fake: FakeKeap
) -> None:
    assert web.post("/", data=ADA).status_code == 303
    assert web.post("/", data={**ADA, "given_name": "Augusta Ada"}).status_code == 303
    # A second process (a fresh app) finds the tag instead of making another.
    with _web(contact_form.make_app(client, TAG)) as second:
        assert second.post("/", data=ADA).status_code == 303
    # Fields left empty leave what Keap holds alone.
    assert web.post("/", data={"email": ADA["email"], "given_name": ""}).status_code == 303

    [contact] = client.contacts.find_by_email("ada@example.com")
    assert (contact.given_name, contact.family_name) == ("Ada", "Lovelace")
    assert [tag.name for tag in client.tags.list(name=TAG)] == [TAG]
    assert _tag_names(client, contact.id) == {TAG}
    assert _tag_creations(fake) == 1


def _tag_creations(fake: FakeKeap) -> int:
    """How many requests the fake got that create a tag, on either protocol."""
    return sum(
        (r.method == "POST" and r.url.path.endswith("/rest/v2/tags"))
        or (b"DataService.add" in r.content and b"ContactGroup" in r.content)
        for r in fake.requests
    )


@both_backends
def test_visitors_at_once_make_one_tag(client: ka.KeapClient, fake: FakeKeap) -> None:
    app = contact_form.make_app(client, TAG)
    barrier = threading.Barrier(8)
    answers: list[int] = []

    def visit(n: int) -> None:
        with _web(app) as web:
            barrier.wait()
            answers.append(web.post("/", data={"email": f"v{n}@example.com"}).status_code)

    threads = [threading.Thread(target=visit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303] * 8
    assert _tag_creations(fake) == 1
    [tag] = client.tags.list(name=TAG)
    assert len(list(client.tags.contacts(tag.id))) == 8


class _CreatedMeanwhile(httpx.BaseTransport):
    """Another process creates the tag right after this client's first tag lookup."""

    def __init__(self, fake: FakeKeap, backend: ka.BackendName) -> None:
        self.fake = fake
        self.other = ka.KeapClient(backend, fake.api_key, transport=fake.transport)
        self.done = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.fake.transport.handle_request(request)
        if not self.done and _is_tag_lookup(request):
            self.done = True
            self.other.tags.create(TAG)
        return response


def _is_tag_lookup(request: httpx.Request) -> bool:
    if request.url.path.endswith("/rest/v2/tags"):
        return request.method == "GET"
    return b"DataService.query" in request.content and b"ContactGroup" in request.content


@both_backends
def test_a_tag_created_meanwhile_by_another_process_is_used(
    fake: FakeKeap, backend: ka.BackendName
) -> None:
    racing = _CreatedMeanwhile(fake, backend)
    with racing.other, ka.KeapClient(backend, fake.api_key, transport=racing) as client:
        tag = contact_form.find_or_create_tag(client, TAG)
        assert racing.done
        assert [t.id for t in client.tags.list(name=TAG)] == [tag.id]


@both_backends
def test_a_tag_deleted_in_keap_is_created_again(
    web: httpx.Client, client: ka.KeapClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert web.post("/", data=ADA).status_code == 303
    [tag] = client.tags.list(name=TAG)
    client.tags.delete(tag.id)
    with caplog.at_level(logging.ERROR):
        assert web.post("/", data=ADA).status_code == 503  # the app still knew the old id
    assert web.post("/", data=ADA).status_code == 303
    [contact] = client.contacts.find_by_email("ada@example.com")
    assert _tag_names(client, contact.id) == {TAG}


# --- Invalid submissions send nothing ---------------------------------------------------


def test_an_invalid_email_comes_back_by_the_field_filled_in_and_escaped(
    web: httpx.Client, fake: FakeKeap
) -> None:
    typed = {
        "given_name": '<script>alert("hi")</script>',
        "family_name": "O'Brien & Sons",
        "email": "not-an-email",
        "phone": "555 0100",
    }
    response = web.post("/", data=typed)
    assert response.status_code == 400
    assert "<script>" not in response.text
    page = _page(response)
    assert _one(page, "//title").text == "Error: Contact us"
    email = _one(page, "//input[@name='email']")
    assert email.get("aria-invalid") == "true"
    assert email.get("aria-describedby") == "email-error"
    error = _one(page, "//*[@id='email-error']")
    assert "valid email address" in error.text_content()
    # The message sits inside the field's own block, right before the input.
    assert error.getparent() is email.getparent()
    for name, value in typed.items():
        assert _one(page, f"//input[@name='{name}']").get("value") == value
    assert _one(page, "//input[@name='given_name']").get("aria-invalid") is None
    assert _one(page, "//*[@role='alert']//a[@href='#email']") is not None
    assert fake.requests == []


def test_every_wrong_field_gets_its_own_message(web: httpx.Client, fake: FakeKeap) -> None:
    response = web.post(
        "/", data={"given_name": "A" * 41, "family_name": "x\x01", "phone": "1" * 41}
    )
    assert response.status_code == 400
    page = _page(response)
    messages = {
        name: _one(page, f"//*[@id='{name}-error']").text_content()
        for name in ("given_name", "family_name", "email", "phone")
    }
    assert messages["given_name"] == "Please use at most 40 characters."
    assert "character we cannot store" in messages["family_name"]
    assert messages["email"] == "Please enter your email address."
    assert "at most 40 characters" in messages["phone"]
    assert fake.requests == []


@pytest.mark.parametrize(
    "values",
    [{}, {"email": "   "}, {"email": "ada@example.com", "given_name": "x" * 41}],
)
def test_validate_refuses_without_a_contact(values: dict[str, str]) -> None:
    contact, errors = contact_form.validate(values)
    assert contact is None
    assert errors


def test_validate_leaves_out_what_was_left_empty() -> None:
    contact, errors = contact_form.validate({"email": "ada@example.com", "given_name": ""})
    assert errors == {}
    assert contact is not None
    assert contact.model_fields_set == {"email", "email_addresses"}


def test_a_filled_honeypot_is_thanked_and_sends_nothing(
    web: httpx.Client, fake: FakeKeap, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="contact_form"):
        response = web.post("/", data={**ADA, "website": "https://spam.example"})
    assert response.status_code == 303
    assert response.headers["location"] == "/thanks"
    assert fake.requests == []
    assert "honeypot" in caplog.text


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"email=a%40b.co&" + b"x" * (64 * 1024), {}, 413),
        (b'{"email": "ada@example.com"}', {"content-type": "application/json"}, 415),
        (b"--b\r\n\r\n--b--", {"content-type": "multipart/form-data; boundary=b"}, 415),
        (b"email=%FF%FE", {}, 400),
        (b"&".join(b"f%d=1" % n for n in range(50)), {}, 400),
    ],
    ids=["too-big", "json", "multipart", "not-utf8", "too-many-fields"],
)
def test_requests_no_form_sends_are_refused(
    web: httpx.Client, fake: FakeKeap, content: bytes, headers: dict[str, str], status: int
) -> None:
    sent = {"content-type": "application/x-www-form-urlencoded", **headers}
    response = web.post("/", content=content, headers=sent)
    assert response.status_code == status
    assert fake.requests == []


def test_a_body_shorter_than_announced_is_refused_quietly(
    client: ka.KeapClient, fake: FakeKeap, caplog: pytest.LogCaptureFixture
) -> None:
    app = contact_form.make_app(client, TAG)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "500",
        "wsgi.input": io.BytesIO(b"email=a%40example.com"),
    }
    statuses: list[str] = []
    app(environ, lambda status, headers, *_: statuses.append(status))  # type: ignore[arg-type]
    assert statuses[0].startswith("400")
    assert fake.requests == []
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)


def test_a_form_with_a_charset_is_accepted(web: httpx.Client) -> None:
    sent = {"content-type": "application/x-www-form-urlencoded; charset=UTF-8"}
    assert web.post("/", content=b"email=ada%40example.com", headers=sent).status_code == 303


def test_unknown_paths_and_methods_are_refused(web: httpx.Client) -> None:
    assert web.get("/admin").status_code == 404
    assert web.post("/thanks", data=ADA).status_code == 405
    refused = web.put("/", content=b"")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, POST"


# --- When Keap fails --------------------------------------------------------------------


@both_backends
def test_a_keap_failure_asks_to_try_again_and_is_logged(
    web: httpx.Client, fake: FakeKeap, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail(500, times=10)
    with caplog.at_level(logging.ERROR, logger="contact_form"):
        response = web.post("/", data=ADA)
    assert response.status_code == 503
    assert "Please try again" in response.text
    assert _one(_page(response), "//title").text == "Not sent: Contact us"
    assert "Traceback" not in response.text
    assert "500" not in response.text  # nothing of what Keap said
    assert _one(_page(response), "//input[@name='email']").get("value") == ADA["email"]
    [record] = [r for r in caplog.records if r.name == "contact_form"]
    assert record.levelno == logging.ERROR
    assert isinstance(record.exc_info and record.exc_info[1], ka.ServerError)


class _EchoingKeap(httpx.BaseTransport):
    """A Keap whose error pages repeat the request's key: the worst an upstream can do."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        said = request.headers.get("X-Keap-API-Key") or request.content.decode()
        return httpx.Response(500, json={"message": f"Internal error for key {said}"})


@both_backends
def test_the_key_reaches_neither_the_browser_nor_the_log(
    backend: ka.BackendName, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        ka.KeapClient(backend, SECRET_KEY, transport=_EchoingKeap(), max_retries=0) as client,
        _web(contact_form.make_app(client, TAG)) as web,
        caplog.at_level(logging.DEBUG),
    ):
        answers = [
            web.get("/"),
            web.post("/", data=ADA),  # Keap fails, echoing the key
            web.post("/", data={"email": "bad"}),
            web.get("/thanks"),
            web.get("/missing"),
            web.delete("/"),
        ]
    assert answers[1].status_code == 503
    assert "contact_form" in {r.name for r in caplog.records}
    for response in answers:
        assert SECRET_KEY not in response.text
        assert SECRET_KEY not in str(response.headers)
    assert "Internal error for key" in caplog.text  # what Keap said is logged, key scrubbed
    assert SECRET_KEY not in caplog.text


def test_a_bug_of_the_app_gets_a_plain_page(
    web: httpx.Client, client: ka.KeapClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in the app")

    monkeypatch.setattr(client.contacts, "upsert", broken)
    response = web.post("/", data=ADA)
    assert response.status_code == 500
    assert "a bug in the app" not in response.text
    assert "Traceback" not in response.text


# --- Running it -------------------------------------------------------------------------


def test_client_from_env_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ka.ConfigurationError, match="KEAP_API_KEY"):
        contact_form.client_from_env({})
    env = {"KEAP_API_KEY": SECRET_KEY, "KEAP_BACKEND": "rest"}
    with contact_form.client_from_env(env) as client:
        assert client.backend == "rest"
    monkeypatch.delenv("KEAP_API_KEY", raising=False)
    monkeypatch.delenv("KEAP_CLIENT_ID", raising=False)
    with pytest.raises(SystemExit) as exited:
        contact_form.main([])
    assert exited.value.code == 2


def test_the_script_serves_the_form_on_the_fake() -> None:
    script = Path(contact_form.__file__)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEAP_")}
    command = [sys.executable, str(script), "--fake", "--port", "0"]
    out = subprocess.PIPE
    with subprocess.Popen(
        command, stdout=out, stderr=subprocess.DEVNULL, env=env, text=True
    ) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split()[2]  # "Contact form: http://... (Ctrl+C stops)"
            assert url.startswith("http://127.0.0.1:")
            with httpx.Client(base_url=url, timeout=10) as web:
                assert "Contact us" in web.get("/").text
                saved = web.post("/", data=ADA, follow_redirects=True)
                assert saved.status_code == 200
                assert "Thank you" in saved.text
        finally:
            server.terminate()


def test_the_readme_picture_is_there_and_small() -> None:
    png = (Path(contact_form.__file__).parent / "form.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png[16:20], "big") == 800  # the width, from the IHDR chunk
    assert len(png) < 150_000


def test_with_only_oauth_settings_the_form_posts_on_the_apps_tokens(tmp_path: Path) -> None:
    fake = FakeKeap()
    tokens = fake.oauth.grant()
    now = datetime.now(timezone.utc)
    access, refresh = str(tokens["access_token"]), str(tokens["refresh_token"])
    FileTokenStore(tmp_path / "tokens.json").save(
        Tokens(access, refresh, now + timedelta(hours=1), now)
    )
    with fake.serve() as server:
        env = {
            "KEAP_CLIENT_ID": fake.oauth.client_id,
            "KEAP_CLIENT_SECRET": fake.oauth.client_secret,
            "KEAP_TOKEN_FILE": str(tmp_path / "tokens.json"),
            "KEAP_TOKEN_URL": f"{server.url}/token",
            "KEAP_BASE_URL": f"{server.url}/crm",
        }
        with contact_form.client_from_env(env) as client:
            app = contact_form.make_app(client, "Web form lead")
            transport = httpx.WSGITransport(app=app)
            with httpx.Client(transport=transport, base_url="http://form.test") as web:
                answer = web.post("/", data={"email": "oauth@example.com", "given_name": "O"})
            assert answer.status_code == 303
            [contact] = client.contacts.find_by_email("oauth@example.com")
            assert _tag_names(client, contact.id) == {TAG}
    assert {r.headers.get("authorization", "")[:10] for r in fake.requests} == {"Bearer at-"}
