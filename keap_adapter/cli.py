"""The ``keap-adapter`` command: ``demo``, ``serve``, and contact/tag calls against an account.

Account commands read the key from ``KEAP_API_KEY`` (never from the command line, where it
would land in shell history and process lists) and print JSON; without a key they use the
OAuth2 app in ``KEAP_CLIENT_ID``/``KEAP_CLIENT_SECRET``, whose tokens the ``oauth`` commands
obtain, refresh and describe (never print).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import secrets
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from pydantic import BaseModel

from ._cli_parser import Handler, parser_for
from ._cli_report import (
    EXIT_CANNOT_LISTEN,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    REAUTHORISE,
    TagResult,
    input_problems,
    listen_problem,
    say,
    tag_result_lines,
    token_status_lines,
    token_summary,
    token_times,
    xmlrpc_note,
)
from ._client import XMLRPC_SHUTDOWN, KeapClient
from ._exceptions import ConfigurationError, KeapError
from ._models import NewContact

if TYPE_CHECKING:
    from .auth import OAuth2, TokenStore

__all__ = ["build_parser", "main"]

# ``serve`` listens on loopback only: the fake takes any request it is sent.
SERVE_HOST = "127.0.0.1"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (see ``keap-adapter --help``)."""
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        # The library warns about XML-RPC with a Python warning and a source line; the
        # CLI says it in one plain line where a person chose XML-RPC (see ``_client``).
        warnings.filterwarnings(
            "ignore", message=re.escape(XMLRPC_SHUTDOWN), category=DeprecationWarning
        )
        return _run(args.handler, args)


def build_parser() -> argparse.ArgumentParser:
    """The command line: every command, option and help text (for docs and tests)."""
    return parser_for(HANDLERS)


def _run(handler: Handler, args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except ConfigurationError as exc:
        say(str(exc))
        return EXIT_USAGE
    except KeapError as exc:
        say(f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    except ValueError as exc:  # pydantic's ValidationError too: bad input, nothing was sent
        for line in input_problems(exc):
            say(line)
        return EXIT_USAGE


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[KeapClient]:
    options: dict[str, Any] = {"backend": args.backend} if args.backend else {}
    # Without KEAP_API_KEY, KEAP_CLIENT_ID selects OAuth2; the client closes what it made.
    with KeapClient.from_env(**options) as client:
        if client.backend == "xmlrpc":  # chosen by --backend or KEAP_BACKEND
            say(xmlrpc_note())
        yield client


def _print(value: Any) -> int:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") for v in value]
    print(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))
    return EXIT_OK


def _new_contact(args: argparse.Namespace) -> NewContact:
    given: dict[str, Any] = {
        "given_name": args.given_name,
        "family_name": args.family_name,
        "email": args.email,
    }
    if args.phone is not None:
        given["phone_numbers"] = [{"number": args.phone, "field": "PHONE1"}]
    return NewContact.model_validate({k: v for k, v in given.items() if v is not None})


def _contacts_get(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _print(client.contacts.get(args.contact_id))


def _contacts_create(args: argparse.Namespace) -> int:
    contact = _new_contact(args)  # refused here, before a client (or the XML-RPC note)
    with _client(args) as client:
        return _print(client.contacts.create(contact))


def _contacts_find(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _print(client.contacts.find_by_email(args.email))


def _tags_list(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _print(list(client.tags.list(name=args.name)))


def _tags_create(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _print(client.tags.create(args.name, description=args.description))


def _tags_apply(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _tag_result(client.tags.apply(args.tag_id, args.contact_ids), "applied to")


def _tags_remove(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _tag_result(client.tags.remove(args.tag_id, args.contact_ids), "removed from")


def _tag_result(result: TagResult, verb: str) -> int:
    """Print the result as JSON (the same keys on both backends), then what went wrong."""
    summary = {"ok": result.ok, "reported": result.reported}
    _print({**result.model_dump(mode="json"), **summary})
    for line in tag_result_lines(result, verb):
        say(line)
    return EXIT_OK if result.ok else EXIT_FAILED


def _serve(args: argparse.Namespace) -> int:
    from .testing import FakeKeap  # noqa: PLC0415 - the fake is not needed by account commands

    fake = FakeKeap(api_key=args.api_key)
    # waitress logs "Task queue depth is N" (logger waitress.queue) whenever a request waits
    # for a free thread; the fake answers one request at a time under its lock, so under
    # load that would be a stderr line per request and news of nothing.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        server = fake.serve(host=SERVE_HOST, port=args.port)
    except OSError as exc:
        say(listen_problem(exc, SERVE_HOST, args.port))
        return EXIT_CANNOT_LISTEN
    except ImportError as exc:  # the ``serve`` extra (waitress) is not installed
        say(str(exc))
        return EXIT_CANNOT_LISTEN
    with server:
        base = f"{server.url}/crm"
        print(f"fake Keap on {server.url}: REST {base}/rest/v2, XML-RPC {base}/xmlrpc/v1")
        print(f"KEAP_BASE_URL={base} KEAP_API_KEY={args.api_key!r} (a fake key); Ctrl-C stops it")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return EXIT_OK


def _record(args: argparse.Namespace) -> int:
    from .testing._record import record_scenario  # noqa: PLC0415

    return _print(record_scenario(args.scenario, args.backend, args.out, fake=args.fake))


def _audit(args: argparse.Namespace) -> int:
    from .migration import audit_path, render_json, render_text  # noqa: PLC0415
    from .migration._audit_limits import (  # noqa: PLC0415
        DEFAULT_MAX_FILE_SECONDS,
        DEFAULT_MAX_FILE_SIZE,
    )

    # An option not given keeps the library's default; 0 lifts the limit.
    size = DEFAULT_MAX_FILE_SIZE if args.max_file_size is None else args.max_file_size or None
    seconds = DEFAULT_MAX_FILE_SECONDS if args.max_file_time is None else args.max_file_time
    try:
        report = audit_path(args.path, max_file_size=size, max_file_seconds=seconds or None)
    except FileNotFoundError as exc:
        say(str(exc))
        return EXIT_USAGE
    print(render_json(report) if args.json else render_text(report), end="")
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from .migration import compare_contacts, fake_pair, render_table, sample_contact_ids  # noqa: PLC0415

    # XML-RPC is the point of this command (the control), so it prints no shutdown note.
    if args.fake:
        control, candidate, _ = fake_pair(args.sample or 5)
    else:
        control = KeapClient.from_env(backend="xmlrpc")
        candidate = KeapClient.from_env(backend="rest")
    with control, candidate:
        ids = args.contacts or sample_contact_ids(control, args.sample)
        rows = compare_contacts(
            control,
            candidate,
            ids,
            progress=sys.stderr.isatty(),
            out=sys.stderr,
            report=args.report,
        )
    sys.stdout.write(render_table(rows))
    return EXIT_OK if all(row.status == "match" for row in rows) else EXIT_FAILED


def _demo(args: argparse.Namespace) -> int:  # noqa: ARG001 - every handler takes the args
    from ._demo import run_demo  # noqa: PLC0415

    return run_demo(sys.stdout)


# ------------------------------------------------------------------ oauth

# The ``error`` word of a redirect (RFC 6749 section 4.1.2.1) is quoted only if it is one.
_ERROR_WORD = re.compile(r"[a-z_]{1,40}")
_QUERY = re.compile(r"(?:^|&)(?:code|state|error)=")


def _oauth_authorize(args: argparse.Namespace) -> int:
    oauth = _oauth()
    try:
        redirect_uri = (args.redirect_uri or oauth.redirect_uri or "").strip()
        if not redirect_uri:
            raise ConfigurationError(
                "a redirect URI is needed: give --redirect-uri or set KEAP_REDIRECT_URI "
                "(the one registered for the app in Keap's developer portal)"
            )
        oauth.redirect_uri = redirect_uri
        # A token file that cannot be read fails here, before a code is spent on it (the
        # library reads the file again when it saves the new tokens).
        oauth.tokens()
        if args.code is None:
            state = args.state or secrets.token_urlsafe(16)
            _ask_for_code(oauth.authorization_url(state), redirect_uri)
            pasted = sys.stdin.readline()
        else:  # from an earlier run: its --state (if given) is what the URL was made with
            state, pasted = args.state, args.code
        code = _code_in(pasted, state)
        if code is None:
            return EXIT_FAILED
        tokens = oauth.exchange_code(code)
    finally:
        oauth.close()
    summary = token_summary(tokens, _now(), oauth.rollover_after)
    print(f"authorized: tokens saved to {_where(oauth.store)}; {summary}")
    return EXIT_OK


def _ask_for_code(url: str, redirect_uri: str) -> None:
    print("Open this URL in a browser, sign in to Keap and allow access:")
    print()
    print(f"  {url}")
    print()
    print(f"Keap then sends the browser to {redirect_uri}?code=... (the page may not load;")
    print("the address bar still has it). Paste that whole address, or only its code, here")
    print("and press Enter:")
    sys.stdout.flush()


def _code_in(pasted: str, state: str | None) -> str | None:
    """The code in what was pasted (a bare code or the whole redirect URL); ``None`` after
    saying why when Keap redirected with an error. ``ValueError`` (exit 2) for a state that
    is not ``state``, the one sent: the code may be someone else's (CSRF)."""
    text = pasted.strip()
    if not text:
        raise ValueError("no code given: paste the code or the whole redirect URL, or use --code")
    if "?" not in text and not _QUERY.search(text):
        return text  # a bare code; never quoted in a message
    query = text.split("?", 1)[1] if "?" in text else text
    params = parse_qs(query.split("#", 1)[0], keep_blank_values=True)
    error = _one(params, "error")
    if error is not None:
        word = f" ({error})" if _ERROR_WORD.fullmatch(error) else ""
        say(f"Keap did not grant access{word}; nothing was stored")
        return None
    code = _one(params, "code")
    if not code:
        raise ValueError("the redirect URL has no code= in its query")
    returned = _one(params, "state")
    if returned is not None and state is None:
        raise ValueError(
            "the redirect URL carries a state, but no --state was given to check it against: "
            "give the --state the authorization URL was made with"
        )
    if returned is None and state is not None:  # RFC 6749 section 10.12: it must come back
        raise ValueError(
            "the redirect URL carries no state, but one was sent, so the code may not come "
            f"from your request (CSRF): refused, nothing was stored; {REAUTHORISE} again"
        )
    if returned is not None and returned != state:  # not secret: no constant-time compare
        raise ValueError(
            "the state in the redirect URL is not the one sent, so the code may not come from "
            f"your request (CSRF): refused, nothing was stored; {REAUTHORISE} again"
        )
    return code


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = set(params.get(name, []))
    if len(values) > 1:
        raise ValueError(f"the redirect URL has more than one {name}=")
    return values.pop() if values else None


def _oauth_refresh(args: argparse.Namespace) -> int:
    oauth = _oauth()
    try:
        tokens = oauth.refresh()  # whatever the expiry; a refusal leaves the file as it was
    finally:
        oauth.close()
    now = _now()
    if args.json:
        where = {"token_file": _where(oauth.store), "stored": True}
        return _print({**where, **token_times(tokens, now, oauth.rollover_after)})
    summary = token_summary(tokens, now, oauth.rollover_after)
    print(f"refreshed: tokens saved to {_where(oauth.store)}; {summary}")
    return EXIT_OK


def _oauth_status(args: argparse.Namespace) -> int:
    from .auth import ROLLOVER_AFTER, TOKEN_FILE, FileTokenStore  # noqa: PLC0415

    # Only the token file: checking on tokens needs no client secret.
    store = FileTokenStore(os.environ.get("KEAP_TOKEN_FILE") or TOKEN_FILE)
    tokens, now, where = store.load(), _now(), _where(store)
    if tokens is None:
        if args.json:
            _print({"token_file": where, "stored": False})
        say(f"no tokens stored; {REAUTHORISE} (token file: {where})")
        return EXIT_FAILED
    times = token_times(tokens, now, ROLLOVER_AFTER)
    if args.json:
        _print({"token_file": where, "stored": True, **times})
    else:
        print(f"token file: {where}")
        for line in token_status_lines(tokens, now, ROLLOVER_AFTER):
            print(line)
    if times["refresh_expired"]:
        say(f"the refresh token has expired; {REAUTHORISE}")
        return EXIT_FAILED
    return EXIT_OK


def _oauth() -> OAuth2:
    from .auth import OAuth2  # noqa: PLC0415 - only OAuth2 users pay for the import

    return OAuth2.from_env()


def _where(store: TokenStore) -> str:
    path = getattr(store, "path", None)
    return str(Path(path).absolute()) if path is not None else repr(store)


def _now() -> datetime:
    return datetime.now(timezone.utc)


HANDLERS: dict[str, Handler] = {
    "demo": _demo,
    "serve": _serve,
    "record": _record,
    "audit": _audit,
    "compare": _compare,
    "contacts get": _contacts_get,
    "contacts create": _contacts_create,
    "contacts find": _contacts_find,
    "tags list": _tags_list,
    "tags create": _tags_create,
    "tags apply": _tags_apply,
    "tags remove": _tags_remove,
    "oauth authorize": _oauth_authorize,
    "oauth refresh": _oauth_refresh,
    "oauth status": _oauth_status,
}
"""Each command's handler, by the words that name it on the command line."""
