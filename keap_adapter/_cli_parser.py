"""The ``keap-adapter`` command line: commands, options, and the help a person reads.

Every option and every command has help text, and the top-level help describes the
environment variables the command reads and its exit statuses (tests/cli checks all three).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from . import __version__
from ._cli_report import EXIT_CANNOT_LISTEN, EXIT_FAILED, EXIT_OK, EXIT_USAGE, PROG
from .testing._scenarios import SCENARIOS

Handler = Callable[[argparse.Namespace], int]
Handlers = Mapping[str, Handler]

DESCRIPTION = """\
One typed facade over Keap's REST v2 and XML-RPC APIs, from the command line: a demo and
a fake Keap to try it offline, contact and tag calls against an account (printed as JSON),
and tools to move code off XML-RPC before it shuts down on 2026-12-31."""

EPILOG = f"""\
environment:
  KEAP_API_KEY        the account's key (a Personal Access Token or Service Account
                      Key); account commands, record and compare read it from here
                      only, never from the command line, where it would land in shell
                      history; without it, account commands use OAuth2 (see below)
                      when KEAP_CLIENT_ID is set
  KEAP_BACKEND        rest (the default) or xmlrpc; --backend overrides it
  KEAP_BASE_URL       where Keap is (default https://api.infusionsoft.com/crm): REST is
                      its /rest/v2 and XML-RPC its /xmlrpc/v1; plain http:// to loopback
                      only
  KEAP_XMLRPC_URL     a full legacy XML-RPC URL (an app host); the key then travels as
                      the first XML-RPC parameter instead of a header
  KEAP_CLIENT_ID      an OAuth2 app's client id (Keap's developer portal), for the oauth
                      commands, and for account commands when KEAP_API_KEY is not set
  KEAP_CLIENT_SECRET  that app's client secret: read from here only, never printed
  KEAP_TOKEN_FILE     where the OAuth2 tokens are kept (mode 0600; default
                      keap-tokens.json in the current folder); oauth status reads only
                      this
  KEAP_TOKEN_URL      Keap's token endpoint (default https://api.infusionsoft.com/token);
                      plain http:// to loopback only
  KEAP_AUTHORIZE_URL  Keap's consent page (default
                      https://accounts.infusionsoft.com/app/oauth/authorize)
  KEAP_REDIRECT_URI   the redirect URI registered for the app, for oauth authorize
                      (--redirect-uri overrides it)

exit status:
  {EXIT_OK}  done
  {EXIT_FAILED}  Keap refused or could not be reached (the error is on stderr), tags
     apply/remove failed for a contact (the result is still printed), compare
     found a difference, or oauth status found no usable tokens
  {EXIT_USAGE}  bad input or settings: one line per problem on stderr, nothing was sent
  {EXIT_CANNOT_LISTEN}  serve cannot listen on its port (in use, or not allowed),
     or the serve extra (waitress) is missing

Run '{PROG} COMMAND --help' for a command's options."""


def parser_for(handlers: Handlers) -> argparse.ArgumentParser:
    """The whole parser; each command's ``handler`` default is ``handlers[its words]``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(
        required=True, metavar="COMMAND", help="what to do; each has its own --help"
    )
    for add in (_fake_commands, _record_command, _audit_command, _compare_command):
        add(commands, handlers)
    _contact_commands(commands, handlers)
    _tag_commands(commands, handlers)
    _oauth_commands(commands, handlers)
    return parser


def _command(commands: Any, words: str, handlers: Handlers, text: str) -> argparse.ArgumentParser:
    """A (sub)command whose one-line help is also its description under --help."""
    parser: argparse.ArgumentParser = commands.add_parser(
        words.rpartition(" ")[2], help=text, description=_sentence(text)
    )
    parser.set_defaults(handler=handlers[words])
    return parser


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _fake_commands(commands: Any, handlers: Handlers) -> None:
    _command(commands, "demo", handlers, "run the form-to-contact flow on the embedded fake")
    serve = _command(commands, "serve", handlers, "serve the embedded fake Keap on loopback")
    serve.add_argument(
        "--port",
        type=_port,
        default=8765,
        help="the loopback port to listen on (default: %(default)s; 0 picks a free one)",
    )
    serve.add_argument(
        "--api-key",
        default="fake-keap-api-key",
        help="the key the fake accepts (a made-up one, never a real key; default: %(default)s)",
    )


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (0 to 65535)")
    return port


def _record_command(commands: Any, handlers: Handlers) -> None:
    record = _command(commands, "record", handlers, "record a scenario into a cassette file")
    record.add_argument("scenario", choices=sorted(SCENARIOS), help="the scenario to run")
    record.add_argument(
        "--backend", choices=("rest", "xmlrpc"), required=True, help="the protocol to record"
    )
    record.add_argument(
        "--out",
        default="fixtures/scenarios",
        help="directory of the cassette, written as SCENARIO-BACKEND.json (default: %(default)s)",
    )
    record.add_argument(
        "--fake",
        action="store_true",
        help="record on the embedded fake, not KEAP_API_KEY's account",
    )


def _audit_command(commands: Any, handlers: Handlers) -> None:
    audit = _command(
        commands,
        "audit",
        handlers,
        "list the Keap XML-RPC calls in Python code and their REST v2 replacements",
    )
    audit.add_argument("path", help="a .py file or a folder to scan")
    audit.add_argument("--json", action="store_true", help="print JSON (sorted keys)")
    # The defaults are keap_adapter.migration._audit_limits' (a test keeps them equal): said
    # here, so that building the parser does not import the audit.
    audit.add_argument(
        "--max-file-size",
        type=_size,
        metavar="SIZE",
        help="do not read a file larger than SIZE bytes (k, M, G: thousand, million, billion; "
        "a notebook counts its code cells), list it as skipped (default: 5M; 0: no limit)",
    )
    audit.add_argument(
        "--max-file-time",
        type=_seconds,
        metavar="SECONDS",
        help="stop reading a file after SECONDS of CPU time, list it as skipped "
        "(default: 60; 0: no limit)",
    )


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}


def _size(text: str) -> int:
    """Bytes, with an optional k, M or G (and B): ``1.5M`` is 1,500,000 bytes."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in bytes (such as 500k or 5M)")
    return int(Decimal(match[1]) * _UNITS[match[2].lower()])  # Decimal: 1.1M is exact


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < math.inf:  # nan compares false
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    return seconds


def _compare_command(commands: Any, handlers: Handlers) -> None:
    compare = _command(
        commands,
        "compare",
        handlers,
        "read contacts via XML-RPC (control) and REST v2 (candidate); show differences",
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


def _id_list(text: str) -> list[int]:
    """Comma-separated contact ids; argparse names the type in its error, so say it plainly."""
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        ids = []
    if not ids or any(i <= 0 for i in ids):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of contact ids")
    return ids


def _verbs(commands: Any, name: str, text: str) -> Any:
    group = commands.add_parser(name, help=text, description=_sentence(text))
    return group.add_subparsers(
        required=True, metavar="VERB", help="what to do; each has its own --help"
    )


def _account_verb(verbs: Any, words: str, handlers: Handlers, text: str) -> argparse.ArgumentParser:
    parser = _command(verbs, words, handlers, text)
    parser.add_argument(
        "--backend", choices=("rest", "xmlrpc"), help="the protocol to use; overrides KEAP_BACKEND"
    )
    return parser


def _contact_commands(commands: Any, handlers: Handlers) -> None:
    verbs = _verbs(commands, "contacts", "contact calls on KEAP_API_KEY's account")
    get = _account_verb(verbs, "contacts get", handlers, "load a contact")
    get.add_argument("contact_id", type=int, help="the contact's id")
    create = _account_verb(
        verbs, "contacts create", handlers, "create a contact (give --email or --phone)"
    )
    create.add_argument("--given-name", help="first name (up to 40 characters)")
    create.add_argument("--family-name", help="last name (up to 40 characters)")
    create.add_argument("--email", help="the EMAIL1 address (up to 75 characters)")
    create.add_argument("--phone", help="the PHONE1 number (up to 40 characters)")
    find = _account_verb(verbs, "contacts find", handlers, "find contacts by email")
    find.add_argument("email", help="the exact address, looked up in all three email slots")


def _tag_commands(commands: Any, handlers: Handlers) -> None:
    verbs = _verbs(commands, "tags", "tag calls on KEAP_API_KEY's account")
    listing = _account_verb(verbs, "tags list", handlers, "list tags")
    listing.add_argument("--name", help="only the tags with exactly this name")
    create = _account_verb(verbs, "tags create", handlers, "create a tag")
    create.add_argument("name", help="the tag's name (up to 255 characters)")
    create.add_argument("--description", help="what the tag is for")
    for verb, text in (
        ("apply", "apply a tag to contacts"),
        ("remove", "remove a tag from contacts"),
    ):
        sub = _account_verb(
            verbs, f"tags {verb}", handlers, f"{text}; exits 1 if any contact fails"
        )
        sub.add_argument("tag_id", type=int, help="the tag's id")
        sub.add_argument("contact_ids", type=int, nargs="+", help="the contacts' ids")


def _oauth_commands(commands: Any, handlers: Handlers) -> None:
    verbs = _verbs(
        commands,
        "oauth",
        "authorise an OAuth2 app (instead of KEAP_API_KEY) and keep its tokens fresh",
    )
    authorize = _command(
        verbs,
        "oauth authorize",
        handlers,
        "print the URL that grants access, read back the code, and store the tokens",
    )
    authorize.add_argument(
        "--redirect-uri",
        metavar="URI",
        help="the redirect URI registered for the app; overrides KEAP_REDIRECT_URI",
    )
    authorize.add_argument(
        "--state",
        help="the state sent in the URL and expected back (default: a random one); "
        "give it again with --code when the code comes from an earlier run",
    )
    authorize.add_argument(
        "--code",
        metavar="CODE_OR_URL",
        help="the code, or the whole redirect URL, instead of reading it from stdin "
        "(single use; it expires within minutes)",
    )
    refresh = _command(
        verbs,
        "oauth refresh",
        handlers,
        "refresh the tokens now, whatever their expiry (for a scheduler, or an idle app)",
    )
    refresh.add_argument(
        "--json", action="store_true", help="print the new times as JSON (as oauth status)"
    )
    status = _command(
        verbs,
        "oauth status",
        handlers,
        "show when the stored tokens expire (never the tokens); exits 1 if none is usable",
    )
    status.add_argument(
        "--json", action="store_true", help="print JSON (sorted keys, times in ISO 8601)"
    )
