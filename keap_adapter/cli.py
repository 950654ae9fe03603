"""The ``keap-adapter`` command: ``demo``, ``serve``, and contact/tag calls against an account.

Account commands read the key from ``KEAP_API_KEY`` (never from the command line, where it
would land in shell history and process lists) and print JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from ._cli_parser import Handler, parser_for
from ._cli_report import (
    EXIT_CANNOT_LISTEN,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    TagResult,
    input_problems,
    listen_problem,
    say,
    tag_result_lines,
    xmlrpc_note,
)
from ._client import XMLRPC_SHUTDOWN, KeapClient
from ._exceptions import ConfigurationError, KeapError
from ._models import NewContact

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


def _client(args: argparse.Namespace) -> KeapClient:
    client = KeapClient.from_env(**({"backend": args.backend} if args.backend else {}))
    if client.backend == "xmlrpc":  # chosen by --backend or KEAP_BACKEND
        say(xmlrpc_note())
    return client


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
}
"""Each command's handler, by the words that name it on the command line."""
