"""The contact form in a real headless chromium: what a visitor sees, and what Keap gets.

The app is served on loopback around a client on the fake; one browser serves the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import keap_adapter as ka
from examples.contact_form import app as contact_form
from keap_adapter.testing import FakeKeap

from .browser import headless_chromium, serve
from .conftest import SECRET_KEY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TAG = contact_form.DEFAULT_TAG


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, client: ka.KeapClient) -> Iterator[Page]:
    """A fresh browser tab on the form, served around ``client`` (on the test's fake)."""
    with serve(contact_form.make_app(client, TAG)) as url:
        context = browser.new_context(viewport={"width": 800, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        blocked: list[str] = []
        tab.on("console", lambda m: blocked.append(m.text) if "Security Policy" in m.text else None)
        tab.goto(url)
        try:
            yield tab
        finally:
            context.close()
        assert blocked == [], "the page's own style or form was blocked by its policy"


def test_a_visitor_fills_the_form_and_is_thanked_and_tagged(
    page: Page, client: ka.KeapClient
) -> None:
    from playwright.sync_api import expect

    # Only the four real fields are in the accessibility tree: the honeypot is hidden from it.
    expect(page.get_by_role("textbox")).to_have_count(4)
    # The inline style applies (its hash is in the policy): the button is the form's blue.
    expect(page.get_by_role("button", name="Send")).to_have_css(
        "background-color", "rgb(29, 78, 216)"
    )
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Phone").fill("+44 20 7946 0958")
    page.get_by_role("button", name="Send").click()

    expect(page).to_have_url(re.compile(r"/thanks$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    [contact] = client.contacts.find_by_email("ada@example.com")
    assert (contact.given_name, contact.family_name) == ("Ada", "Lovelace")
    assert [tag.name for tag in client.contacts.tags(contact.id)] == [TAG]


def test_an_invalid_email_is_shown_by_its_field_with_what_was_typed(
    page: Page, fake: FakeKeap
) -> None:
    from playwright.sync_api import expect

    page.get_by_label("First name").fill("<b>Ada</b>")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Send").click()

    email = page.get_by_label("Email")
    expect(page).to_have_title("Error: Contact us")
    expect(page.locator("#email-error")).to_have_text(
        "Please enter a valid email address, like name@example.com."
    )
    expect(email).to_have_attribute("aria-invalid", "true")
    # Screen readers read the message with the field: aria-describedby points at it.
    expect(email).to_have_accessible_description(
        "Please enter a valid email address, like name@example.com."
    )
    expect(email).to_have_value("not-an-email")
    expect(page.get_by_label("First name")).to_have_value("<b>Ada</b>")
    assert fake.requests == []


def test_a_keap_failure_shows_the_try_again_page(page: Page, fake: FakeKeap) -> None:
    from playwright.sync_api import expect

    fake.fail(500, times=10)
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("alert")).to_contain_text("Please try again")
    expect(page.get_by_label("Email")).to_have_value("ada@example.com")
    text = page.content()
    assert "Traceback" not in text
    assert SECRET_KEY not in text
