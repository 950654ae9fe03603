"""A real headless browser for the contact form's tests: Debian's chromium, driven by Playwright.

Playwright drives the system's ``chromium`` (``playwright install`` is never run: no browser
download). Without chromium or playwright the browser tests are skipped, except on CI (``CI``
set), where they fail: ``scripts/check`` installs chromium and the ``test`` extra brings
playwright, so CI never skips them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING
from wsgiref.simple_server import make_server

import pytest

from examples.contact_form import app as contact_form

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from playwright.sync_api import Browser

# What a headless chromium needs in a container (no sandbox, no GPU, a small /dev/shm), and
# what keeps it from calling home during a test.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium_or_skip() -> str:
    """The chromium executable; skips the test when it or playwright is missing (fails on CI)."""
    path = shutil.which("chromium")
    missing = [] if path else ["chromium (apt-get install --no-install-recommends chromium)"]
    if importlib.util.find_spec("playwright") is None:
        missing.append('playwright (pip install -e ".[test]")')
    if missing:
        reason = "the browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run them", pytrace=False)
        pytest.skip(reason)
    assert path is not None
    return path


@contextlib.contextmanager
def headless_chromium() -> Iterator[Browser]:
    """A headless chromium, closed (and its driver stopped) on leaving."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class QuietHandler(contact_form.RequestHandler):
    """The app's request handler without wsgiref's line per request on stderr."""

    def log_message(self, format: str, *args: object) -> None:
        return None


@contextlib.contextmanager
def serve(app: WSGIApplication) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a background thread; yields its URL."""
    server = make_server("127.0.0.1", 0, app, contact_form.ThreadingWSGIServer, QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="contact-form", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
