"""Your own website contact form, posting into Keap with the key kept on the server.

    python examples/contact_form/app.py --fake           # embedded fake Keap: no key, no network
    KEAP_API_KEY=... python examples/contact_form/app.py --port 8000

``GET /`` serves the form. ``POST /`` checks it with keap_adapter's own models, upserts the
contact by email, applies the ``KEAP_FORM_TAG`` tag (default ``Web form lead``, created the
first time) and redirects to ``/thanks`` (Post/Redirect/Get: reloading the thank-you page
never submits twice). An invalid field comes back next to the field and nothing is sent to
Keap; when Keap fails, the visitor is asked to try again and the error is logged.

The standard library's WSGI server is enough for a form; on the internet, run it behind a
reverse proxy that terminates TLS (or hand ``make_app(...)`` to any WSGI server).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import html
import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pydantic import ValidationError

import keap_adapter as ka

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "ContactForm",
    "RequestHandler",
    "ThreadingWSGIServer",
    "client_from_env",
    "fake_client",
    "find_or_create_tag",
    "main",
    "make_app",
    "validate",
]

DEFAULT_TAG = "Web form lead"
# A filled-in form is well under 1 KiB: anything near this cap is not a person typing.
MAX_BODY = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"

# (name, label, input type, autocomplete token): the names are NewContact's own.
FIELDS = (
    ("given_name", "First name", "text", "given-name"),
    ("family_name", "Last name", "text", "family-name"),
    ("email", "Email", "email", "email"),
    ("phone", "Phone", "tel", "tel"),
)
LABELS = {name: label for name, label, _, _ in FIELDS}
# People never see this field (it is off-screen and hidden from screen readers); bots that
# fill in every input do, so a submission with it filled is dropped. (There is no CSRF
# token: with no login there is nothing of a visitor's to protect, and a post from another
# site is no worse than one sent directly, which is what the honeypot is for.)
HONEYPOT = "website"

# The messages never repeat what was typed: the field itself shows that.
MESSAGES = {
    "given_name": "Please check your first name: it holds a character we cannot store.",
    "family_name": "Please check your last name: it holds a character we cannot store.",
    "email": "Please enter a valid email address, like name@example.com.",
    "phone": "Please enter a phone number of at most 40 characters, or leave it empty.",
}

CSS = """
body { font: 1.05rem/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1f24; }
main { max-width: 32rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff;
       border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }
.field { margin: 0 0 1rem; }
label { display: block; font-weight: 600; }
input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit;
        border: 2px solid #6b7280; border-radius: 4px; }
input:focus { outline: 3px solid #2563eb; outline-offset: 1px; }
input[aria-invalid="true"] { border-color: #b91c1c; }
.error { color: #b91c1c; font-weight: 600; margin: .25rem 0; }
.notice { border-left: 5px solid #b91c1c; padding: .25rem 1rem; margin: 0 0 1rem; }
.notice a { color: #b91c1c; }
.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
button { font: inherit; font-weight: 600; padding: .6rem 1.6rem; border: 0; border-radius: 4px;
         background: #1d4ed8; color: #fff; cursor: pointer; }
button:focus { outline: 3px solid #1b1f24; outline-offset: 2px; }
"""
# The stylesheet is inline and the policy allows exactly it, by hash: no other style and no
# script can run on these pages, whatever a visitor manages to put in a field.
_STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),  # pages echo what people typed: keep them out of caches
]


@dataclass(frozen=True)
class Response:
    """An HTML answer: status, page and any headers beyond the ones every page gets."""

    status: HTTPStatus
    text: str
    headers: tuple[tuple[str, str], ...] = ()


# --- Checking the form --------------------------------------------------------------------


def validate(values: Mapping[str, str]) -> tuple[ka.NewContact | None, dict[str, str]]:
    """The contact the form describes, or a message for each field that is wrong.

    The library's models do the checking (Keap's length limits, a plausible email, text XML
    can carry), so the form refuses what Keap would refuse, before anything is sent.
    """
    errors = {} if values.get("email") else {"email": "Please enter your email address."}
    # Only what was filled in: a field given as None would clear what Keap holds for a
    # returning visitor who left it empty this time.
    data: dict[str, object] = {
        name: values[name] for name in ("given_name", "family_name", "email") if values.get(name)
    }
    if values.get("phone"):
        data["phone_numbers"] = [{"number": values["phone"], "field": "PHONE1"}]
    try:
        contact = ka.NewContact.model_validate(data)
    except ValidationError as error:
        return None, {**_field_errors(error), **errors}
    return (None, errors) if errors else (contact, {})


def _field_errors(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in error.errors():
        loc = problem["loc"]
        # Nested slots belong to their form field; the one whole-contact rule a form can
        # break ("no way to reach them") is the email's to fix.
        top = str(loc[0]) if loc else "email"
        name = {"email_addresses": "email", "phone_numbers": "phone"}.get(top, top)
        if problem["type"] == "string_too_long":
            said = f"Please use at most {problem['ctx']['max_length']} characters."
        else:
            said = MESSAGES.get(name, MESSAGES["email"])
        found.setdefault(name, said)
    return found


def read_form(environ: WSGIEnvironment) -> dict[str, str] | Response:
    """The submitted fields (trimmed), or the answer that refuses the request."""
    kind = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        return message(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Please submit the form itself.")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length > MAX_BODY:  # refused before reading: a huge body never fills memory
        return message(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "That is more than a form holds.")
    if length < 0:
        return message(HTTPStatus.BAD_REQUEST, "The form arrived garbled; please try again.")
    raw = _body(environ, length)
    if not isinstance(raw, bytes):
        return raw
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except ValueError:  # not UTF-8 (the page asks for it), or more fields than the form has
        return message(HTTPStatus.BAD_REQUEST, "The form arrived garbled; please try again.")
    known = (*LABELS, HONEYPOT)
    return {name: fields[name][0].strip() for name in known if name in fields}


def _body(environ: WSGIEnvironment, length: int) -> bytes | Response:
    """The body's ``length`` bytes, or the answer to a client that did not send them."""
    try:
        raw: bytes = environ["wsgi.input"].read(length)
    except OSError:  # TimeoutError included: a client that stalls mid-body (not our bug)
        return message(HTTPStatus.REQUEST_TIMEOUT, "The form took too long to arrive.")
    if len(raw) < length:  # the connection ended before the body it announced
        return message(HTTPStatus.BAD_REQUEST, "The form arrived garbled; please try again.")
    return raw


# --- Talking to Keap ----------------------------------------------------------------------


def find_or_create_tag(client: ka.KeapClient, name: str) -> ka.Tag:
    """The tag called ``name``, created if Keap has none yet."""
    existing = next(client.tags.list(name=name), None)
    if existing is not None:
        return existing
    try:
        return client.tags.create(name)
    except ka.ConflictError:
        # Another process (a second server, someone in Keap's UI) created it between our
        # list and our create: theirs is the one to use.
        existing = next(client.tags.list(name=name), None)
        if existing is None:
            raise
        return existing


class ContactForm:
    """The WSGI application: the form, its submissions and the thank-you page.

    One instance serves every thread of the server; it shares the client (thread-safe) and
    the tag's id, looked up once.
    """

    def __init__(self, client: ka.KeapClient, tag_name: str, logger: logging.Logger) -> None:
        self.client = client
        self.tag_name = tag_name
        self.log = logger
        self._tag_id: int | None = None
        # One lookup (and at most one create) of the tag, however many visitors come at once.
        self._tag_lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request (the WSGI protocol)."""
        try:
            response = self.route(environ)
        except Exception:
            # A bug of ours: the log gets the traceback, the visitor a plain page.
            self.log.exception("the contact form failed")
            response = message(HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong.")
        body = response.text.encode()
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *SECURITY_HEADERS,
            *response.headers,
        ]
        start_response(f"{response.status.value} {response.status.phrase}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def route(self, environ: WSGIEnvironment) -> Response:
        """The answer to a request, by path and method."""
        path, method = environ.get("PATH_INFO") or "/", environ["REQUEST_METHOD"]
        allowed = {"/": ("GET", "HEAD", "POST"), "/thanks": ("GET", "HEAD")}.get(path)
        if allowed is None:
            return message(HTTPStatus.NOT_FOUND, "There is no page here.")
        if method not in allowed:
            refused = message(HTTPStatus.METHOD_NOT_ALLOWED, "This page does not do that.")
            return Response(refused.status, refused.text, (("Allow", ", ".join(allowed)),))
        if path == "/thanks":
            return Response(HTTPStatus.OK, thanks_page(environ.get("SCRIPT_NAME", "")))
        if method == "POST":
            return self.submit(environ)
        return Response(HTTPStatus.OK, form_page({}, {}))

    def submit(self, environ: WSGIEnvironment) -> Response:
        """Check a submission, save it to Keap, and answer."""
        values = read_form(environ)
        if isinstance(values, Response):
            return values
        thanks = see_other(environ.get("SCRIPT_NAME", "") + "/thanks")
        if values.get(HONEYPOT):
            # Thanked like anyone else, so the bot learns nothing; Keap hears nothing.
            self.log.info("dropped a submission that filled the honeypot")
            return thanks
        contact, errors = validate(values)
        if contact is None:
            return Response(HTTPStatus.BAD_REQUEST, form_page(values, errors))
        try:
            self.save(contact)
        except ka.KeapError:
            # The library scrubs the key from its errors, so the log may hold them whole; the
            # visitor sees none of it, and keeps what they typed to send again.
            self.log.exception("could not save a form submission to Keap")
            return Response(HTTPStatus.SERVICE_UNAVAILABLE, form_page(values, {}, failed=True))
        return thanks

    def save(self, contact: ka.NewContact) -> None:
        """Upsert the contact by email (the same person twice is one contact) and tag it."""
        result = self.client.contacts.upsert(contact, match="email")
        tag_id = self.tag_id()
        try:
            outcome = self.client.tags.apply(tag_id, [result.contact.id])
        except ka.NotFoundError:
            self._tag_id = None  # deleted in Keap since we looked: look again next time
            raise
        if not outcome.ok:
            # Saved but untagged: the automation would not start, so it counts as a failure
            # (sending again is safe: the upsert finds the contact).
            raise ka.KeapError(f"tagging contact {result.contact.id} failed: {outcome.failed}")
        verb = "created" if result.created else "updated"
        self.log.info("contact %d %s and tagged %r", result.contact.id, verb, self.tag_name)

    def tag_id(self) -> int:
        """The id of the form's tag, found (or created) on first use."""
        with self._tag_lock:
            if self._tag_id is None:
                self._tag_id = find_or_create_tag(self.client, self.tag_name).id
            return self._tag_id


def make_app(
    client: ka.KeapClient, tag_name: str = DEFAULT_TAG, *, logger: logging.Logger | None = None
) -> WSGIApplication:
    """The contact form as a WSGI application saving to Keap through ``client``."""
    return ContactForm(client, tag_name, logger or logging.getLogger("contact_form"))


# --- Pages --------------------------------------------------------------------------------


def page(title: str, body: str) -> str:
    """A whole HTML page around ``body`` (which must already be escaped)."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def form_page(values: Mapping[str, str], errors: Mapping[str, str], *, failed: bool = False) -> str:
    """The form, filled in with ``values``, each error next to its field."""
    notice = ""
    if failed:
        notice = (
            '<div class="notice" role="alert"><h2>Sorry, that did not go through</h2>'
            "<p>We could not save your details just now. Please try again in a few minutes."
            "</p></div>"
        )
    elif errors:
        links = "".join(
            f'<li><a href="#{name}">{LABELS[name]}: {html.escape(errors[name])}</a></li>'
            for name in LABELS
            if name in errors
        )
        notice = (
            f'<div class="notice" role="alert"><h2>Please check the form</h2><ul>{links}</ul></div>'
        )
    fields = "\n".join(
        _field(spec, values.get(spec[0], ""), errors.get(spec[0])) for spec in FIELDS
    )
    # novalidate: the server's messages (accessible, next to the field) are the only ones,
    # rather than each browser's own bubble; `required` and the types still guide people.
    # The title says first what happened: it is what a screen reader announces on arrival.
    return page(
        ("Not sent: " if failed else "Error: " if errors else "") + "Contact us",
        f"""<h1>Contact us</h1>
<p>Leave your details and we will get back to you.</p>
{notice}
<form method="post" accept-charset="utf-8" novalidate>
{fields}
<div class="hp" aria-hidden="true">
<label for="{HONEYPOT}">Leave this field empty</label>
<input id="{HONEYPOT}" name="{HONEYPOT}" type="text" tabindex="-1" autocomplete="off">
</div>
<button type="submit">Send</button>
</form>""",
    )


def _field(spec: tuple[str, str, str, str], value: str, error: str | None) -> str:
    name, label, kind, auto = spec
    required = name == "email"
    attributes = f'id="{name}" name="{name}" type="{kind}" autocomplete="{auto}"'
    attributes += f' value="{html.escape(value)}"' + " required" * required
    said = ""
    if error:
        attributes += f' aria-invalid="true" aria-describedby="{name}-error"'
        said = f'<p class="error" id="{name}-error">{html.escape(error)}</p>'
    return (
        f'<div class="field"><label for="{name}">{label}{" (required)" * required}</label>'
        f"{said}<input {attributes}></div>"
    )


def thanks_page(root: str) -> str:
    """The page a visitor lands on once their details are saved."""
    return page(
        "Thank you",
        "<h1>Thank you</h1><p>We have your details and will be in touch soon.</p>"
        f'<p><a href="{html.escape(root)}/">Back to the form</a></p>',
    )


def message(status: HTTPStatus, text: str) -> Response:
    """A short page saying ``text`` (which is never anything a visitor or Keap sent)."""
    return Response(status, page(status.phrase, f"<h1>{status.phrase}</h1><p>{text}</p>"))


def see_other(location: str) -> Response:
    """A 303 redirect: the browser follows it with a GET."""
    body = f'<p><a href="{html.escape(location)}">Continue</a></p>'
    return Response(HTTPStatus.SEE_OTHER, page("Redirecting", body), (("Location", location),))


# --- Running it ---------------------------------------------------------------------------


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server with a thread per request: one slow visitor holds up no one else."""

    daemon_threads = True  # Ctrl+C does not wait for a stalled browser


class RequestHandler(WSGIRequestHandler):
    """wsgiref's handler with a socket timeout, so a connection left hanging frees its thread."""

    timeout = 30


def _backend(env: Mapping[str, str]) -> ka.BackendName:
    # KeapClient refuses anything but "rest" and "xmlrpc" with a ConfigurationError.
    return cast("ka.BackendName", env.get("KEAP_BACKEND") or "rest")


def client_from_env(env: Mapping[str, str]) -> ka.KeapClient:
    """A client from ``KEAP_API_KEY`` or, when only ``KEAP_CLIENT_ID`` is set, OAuth2 (its
    tokens in ``KEAP_TOKEN_FILE``); ``KEAP_BACKEND`` (default ``rest``) and
    ``KEAP_BASE_URL`` apply to both. ``ConfigurationError`` when neither is set."""
    return ka.KeapClient.from_env(env)


def fake_client(env: Mapping[str, str]) -> ka.KeapClient:
    """A client on an embedded, in-memory fake Keap: the whole flow, no key, no network."""
    from keap_adapter.testing import FakeKeap  # noqa: PLC0415 (only --fake needs the fake)

    fake = FakeKeap()
    return ka.KeapClient(_backend(env), fake.api_key, transport=fake.transport)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the form until Ctrl+C. Exits with 2 when Keap's settings are missing."""
    parser = argparse.ArgumentParser(description="Your own contact form, posting into Keap.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    parser.add_argument("--fake", action="store_true", help="use an embedded fake Keap")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # httpx logs every request's URL at INFO, and a lookup's URL holds the visitor's email.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        client = fake_client(os.environ) if args.fake else client_from_env(os.environ)
    except ka.ConfigurationError as error:
        parser.exit(2, f"contact_form: {error} (or run with --fake)\n")
    app = make_app(client, os.environ.get("KEAP_FORM_TAG") or DEFAULT_TAG)
    with client, make_server(args.host, args.port, app, ThreadingWSGIServer, RequestHandler) as srv:
        print(f"Contact form: http://{args.host}:{srv.server_port}/ (Ctrl+C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
