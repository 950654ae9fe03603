"""Regenerate form.png, the README's picture of the contact form.

    python examples/contact_form/screenshot.py

Runs app.py on the embedded fake, fills the form in with an email the form refuses (so the
picture shows an error message by its field too), and photographs it in Debian's headless
chromium (``apt-get install --no-install-recommends chromium``) driven by Playwright (the
``test`` extra); ``playwright install`` is not needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def main() -> int:
    """Write form.png next to this script; 1 when chromium is missing."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("screenshot.py: chromium is not installed", file=sys.stderr)
        return 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEAP_")}
    command = [sys.executable, str(HERE / "app.py"), "--fake", "--port", "0"]
    with subprocess.Popen(  # noqa: S603 (this interpreter running app.py: no outside input)
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    ) as app:
        try:
            assert app.stdout is not None
            url = app.stdout.readline().split()[2]  # "Contact form: http://... (Ctrl+C stops)"
            photograph(chromium, url, HERE / "form.png")
        finally:
            app.terminate()
    return 0


def photograph(chromium: str, url: str, path: Path) -> None:
    """Fill the form at ``url`` in, send it, and save a picture of the answer to ``path``."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 800, "height": 600})
        page.goto(url)
        page.get_by_label("First name").fill("Ada")
        page.get_by_label("Last name").fill("Lovelace")
        page.get_by_label("Email").fill("ada@example")
        page.get_by_label("Phone").fill("+44 20 7946 0958")
        page.get_by_role("button", name="Send").click()
        page.locator("#email-error").wait_for()
        page.screenshot(path=path, full_page=True)
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
