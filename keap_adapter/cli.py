"""The ``keap-adapter`` command: ``demo``, ``serve``, and contact/tag calls against an account.

Account commands read the key from ``KEAP_API_KEY`` (never from the command line, where it
would land in shell history and process lists) and print JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from . import __version__
from ._client import KeapClient
from ._exceptions import ConfigurationError, KeapError
from ._models import NewContact
from .testing._scenarios import SCENARIOS

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 Keap refused, 2 bad usage/settings)."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (KeapError, ValueError) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keap-adapter", description=__doc__)
    parser.add_argument("--version", action="version", version=f"keap-adapter {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for add in (_fake_commands, _record_command, _audit_command, _compare_command):
        add(commands)
    _account_commands(commands)
    return parser


def _fake_commands(commands: Any) -> None:
    demo = commands.add_parser("demo", help="run the form-to-contact flow on the embedded fake")
    demo.set_defaults(handler=_demo)
    serve = commands.add_parser("serve", help="serve the embedded fake Keap on loopback")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--api-key", default="fake-keap-api-key", help="the key the fake accepts")
    serve.set_defaults(handler=_serve)


def _record_command(commands: Any) -> None:
    record = commands.add_parser("record", help="record a scenario into a cassette file")
    record.add_argument("scenario", choices=sorted(SCENARIOS))
    record.add_argument("--backend", choices=("rest", "xmlrpc"), required=True)
    record.add_argument("--out", default="fixtures/scenarios", help="directory of the cassette")
    record.add_argument(
        "--fake",
        action="store_true",
        help="record on the embedded fake, not KEAP_API_KEY's account",
    )
    record.set_defaults(handler=_record)


def _audit_command(commands: Any) -> None:
    audit = commands.add_parser(
        "audit", help="list the Keap XML-RPC calls in Python code and their REST v2 replacements"
    )
    audit.add_argument("path", help="a .py file or a folder to scan")
    audit.add_argument("--json", action="store_true", help="print JSON (sorted keys)")
    audit.set_defaults(handler=_audit)


def _account_commands(commands: Any) -> None:
    contacts = commands.add_parser("contacts", help="contact calls (key from KEAP_API_KEY)")
    verbs = contacts.add_subparsers(required=True, metavar="VERB")
    get = _verb(verbs, "get", _contacts_get, "load a contact")
    get.add_argument("contact_id", type=int)
    create = _verb(verbs, "create", _contacts_create, "create a contact")
    for flag in ("--given-name", "--family-name", "--email"):
        create.add_argument(flag)
    find = _verb(verbs, "find", _contacts_find, "find contacts by email")
    find.add_argument("email")
    tags = commands.add_parser("tags", help="tag calls (key from KEAP_API_KEY)")
    tag_verbs = tags.add_subparsers(required=True, metavar="VERB")
    _verb(tag_verbs, "list", _tags_list, "list tags").add_argument("--name")
    tag_create = _verb(tag_verbs, "create", _tags_create, "create a tag")
    tag_create.add_argument("name")
    tag_create.add_argument("--description")
    for name, handler in (("apply", _tags_apply), ("remove", _tags_remove)):
        sub = _verb(tag_verbs, name, handler, f"{name} a tag to/from contacts")
        sub.add_argument("tag_id", type=int)
        sub.add_argument("contact_ids", type=int, nargs="+")


def _compare_command(commands: Any) -> None:
    compare = commands.add_parser(
        "compare",
        help="read contacts via XML-RPC (control) and REST v2 (candidate); show differences",
    )
    which = compare.add_mutually_exclusive_group(required=True)
    which.add_argument("--contacts", type=_id_list, metavar="ID,...", help="these contact ids")
    which.add_argument("--sample", type=int, metavar="N", help="the first N contacts")
    compare.add_argument(
        "--fake",
        action="store_true",
        help="compare on the embedded fake, not KEAP_API_KEY's account",
    )
    compare.add_argument("--report", metavar="PATH", help="append each mismatch as a JSON line")
    compare.set_defaults(handler=_compare)


def _id_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _verb(verbs: Any, name: str, handler: Handler, text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = verbs.add_parser(name, help=text)
    parser.add_argument("--backend", choices=("rest", "xmlrpc"), help="overrides KEAP_BACKEND")
    parser.set_defaults(handler=handler)
    return parser


def _client(args: argparse.Namespace) -> KeapClient:
    return KeapClient.from_env(**({"backend": args.backend} if args.backend else {}))


def _print(value: Any) -> int:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") for v in value]
    print(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def _contacts_get(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return _print(client.contacts.get(args.contact_id))


def _contacts_create(args: argparse.Namespace) -> int:
    given = {"given_name": args.given_name, "family_name": args.family_name, "email": args.email}
    contact = NewContact(**{k: v for k, v in given.items() if v is not None})
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
        return _print(client.tags.apply(args.tag_id, args.contact_ids))


def _tags_remove(args: argparse.Namespace) -> int:
    with _client(args) as client:
        client.tags.remove(args.tag_id, args.contact_ids)
    return _print({"tag_id": args.tag_id, "removed_from": args.contact_ids})


def _serve(args: argparse.Namespace) -> int:
    from .testing import FakeKeap  # noqa: PLC0415 - the fake is not needed by account commands

    fake = FakeKeap(api_key=args.api_key)
    with fake.serve(host="127.0.0.1", port=args.port) as server:
        base = f"{server.url}/crm"
        print(f"fake Keap on {server.url}: REST {base}/rest/v2, XML-RPC {base}/xmlrpc/v1")
        print(f"KEAP_BASE_URL={base} KEAP_API_KEY={args.api_key!r} (a fake key); Ctrl-C stops it")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def _record(args: argparse.Namespace) -> int:
    from .testing._record import record_scenario  # noqa: PLC0415

    return _print(record_scenario(args.scenario, args.backend, args.out, fake=args.fake))


def _audit(args: argparse.Namespace) -> int:
    from .migration import audit_path, render_json, render_text  # noqa: PLC0415

    try:
        report = audit_path(args.path)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render_json(report) if args.json else render_text(report), end="")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .migration import compare_contacts, fake_pair, render_table, sample_contact_ids  # noqa: PLC0415

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
    return 0 if all(row.status == "match" for row in rows) else 1


def _demo(args: argparse.Namespace) -> int:  # noqa: ARG001 - every handler takes the args
    from ._demo import run_demo  # noqa: PLC0415

    return run_demo(sys.stdout)
