"""A key scan of the whole surface: no spelling of the API key anywhere a user can see.

1. Every operation of the fault matrix (``faults.OPS``) under every failure of it
   (``faults.FAULTS``), on both backends (and half of those cells on XML-RPC's legacy URL,
   where the key is the first parameter of the body, not a header), is run with the key
   ``secret_echoes.KEY`` (every character the escapes disagree on) while the failure echoes
   the key back: in an error body (JSON, an HTML page, plain text), a redirect's
   ``Location``, an ``x-request-id``, an XML-RPC fault string, a connection error's message,
   a 200 body that is cut short, malformed, the wrong shape or too large.
2. A cassette records a share of those cells (each failure, operations in turn).
3. A Shadow (XML-RPC control, REST candidate, one fake) runs a share of them, the failure
   on one side.
4. ``keap-adapter`` commands (key in ``KEAP_API_KEY``) run against a served fake answering
   each failure, ``record`` and ``compare`` included.

Each echo holds three spellings of ``secret_echoes.echoes`` in turn (consecutive cells echo
them all, so every failure meets every spelling over its operations), base64 of the raw
request as sent (what a debugging proxy prints) on every sixth cell, and ends in a spelling
cut short (a truncation cutting through the key); on every sixth cell a pad puts the first
spelling where the XML-RPC backend's 300-character cut of an error body (200 for a
``Location``) would fall inside it.

Searched, with DEBUG logging captured (the root logger and keap_adapter's): every log record
(formatted, traceback included, and its args), ``str``/``repr``/``args`` of each exception,
its printed traceback (the ``__cause__``/``__context__`` chain a traceback shows) and the
attributes of keap_adapter's errors in it, ``repr`` of the client and of results (a bulk
result's errors too); the cassette file (its bytes, every string in it, every base64 field
decoded), the Shadow report file, observations and errors; the command's stdout, stderr and
recorded cassettes.

The search is independent of ``keap_adapter._secrets``: the spellings come from
``tests/secret_echoes.py`` (the standard library), plus the key as a Python ``repr`` shows it
and base64 of the key as the legacy XML body holds it; and the first 8 characters of any
spelling count, so a cut echo, or a ``repr`` quoting the key, is a hit too. A failure names
the cell, the place, the spelling and the offset, never the key itself (and pytest is kept
from printing the captured log records, which would).

Guards against a vacuous pass: the key is on the wire of every request (the header, or the
legacy body's first parameter); every struck request was answered with an echo; and a marker
word that starts each echo is seen to reach the errors (and the cassette, the report, the
command's output), so what was searched did carry the echo, with the key scrubbed from it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import html
import itertools
import json
import logging
import re
import traceback
import xmlrpc.client
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.cli import main
from keap_adapter.migration import Observation, Shadow
from keap_adapter.migration._shadow import log_observation
from keap_adapter.testing import Cassette, FakeKeap, FakeServer
from tests.hostile.faults import (
    BACKENDS,
    CAP,
    FAULTS,
    OPS,
    PORTAL_HTML,
    Fault,
    Injector,
    Op,
    Server,
    World,
    _Pieces,
    build_world,
)
from tests.secret_echoes import KEY, base64_region, chain, echo, echoes

LEGACY_URL = "https://api.infusionsoft.com/crm/xmlrpc/v1"  # the key goes in the XML body
# A wire: the backend, the XML-RPC URL it is given (None: the key travels as a header), and
# the share of the matrix's cells it runs (1: all; 2: half of them, see ``cells``).
WIRES: dict[str, tuple[BackendName, str | None, int]] = {
    "rest": ("rest", None, 1),
    "xmlrpc": ("xmlrpc", None, 1),
    "xmlrpc-legacy-url": ("xmlrpc", LEGACY_URL, 2),
}

# ------------------------------------------------------------------ what is searched for

HEAD = 8
"""Any text holding the first ``HEAD`` characters of a spelling is a hit (a cut echo too)."""


def _searched() -> dict[str, str]:
    """Every spelling searched for, by name: those a server echoes, the key as ``repr``
    shows it, and base64 of the key as the legacy XML body holds it (XML-escaped)."""
    out = dict(echoes(KEY))
    out["python-repr"] = repr(KEY)[1:-1]
    in_xml = html.escape(KEY, quote=False).encode()
    for offset in range(3):
        prefix = b"k=="[:offset]
        out[f"base64-xml-body+{offset}"] = base64_region(prefix, in_xml)
        out[f"base64url-xml-body+{offset}"] = base64_region(prefix, in_xml, urlsafe=True)
    return out


SEARCHED = _searched()
_ANY_HEAD = re.compile("|".join(sorted({re.escape(s[:HEAD]) for s in SEARCHED.values()})))


@dataclass(frozen=True)
class Hit:
    """A spelling of the key found: in which cell, where, which spellings (names: several
    spell the same characters), whole or only its first ``HEAD``+ characters, at what
    offset."""

    cell: str
    where: str
    spelling: str
    whole: bool
    position: int

    @property
    def label(self) -> str:
        return self.spelling if self.whole else f"{self.spelling} (first {HEAD}+ characters)"


def scan(cell: str, texts: Iterable[tuple[str, str]]) -> list[Hit]:
    """The spellings of the key in ``texts`` (pairs of where and text)."""
    hits = []
    for where, text in texts:
        for match in _ANY_HEAD.finditer(text):
            at = match.start()
            names = [n for n, s in SEARCHED.items() if text.startswith(s[:HEAD], at)]
            whole = [n for n in names if text.startswith(SEARCHED[n], at)]
            hits.append(Hit(cell, where, "/".join(whole or names), bool(whole), at))
    return hits


_FACET = re.compile(r"^(.*?) ?\b(str|repr|args|traceback|chain\[n\] \w+|DEBUG|INFO|WARNING)$")


def report(hits: Sequence[Hit], limit: int = 40) -> str:
    """A readable summary of ``hits``: per failure and place, how many, in which views of
    the place (str, repr, traceback...) and which spellings, whole or cut; then an example
    cell of each failure. Names and positions only: never the key."""
    counts: Counter[tuple[str, str]] = Counter()
    facets: dict[tuple[str, str], set[str]] = {}
    spellings: dict[tuple[str, str, bool], set[str]] = {}
    for hit in hits:
        failure = hit.cell.rsplit(" x ", 1)[-1]
        where = re.sub(r"\[\d+\]", "[n]", hit.where)
        match = _FACET.match(where)
        place, facet = (match[1], match[2]) if match else (where, "")
        counts[failure, place] += 1
        facets.setdefault((failure, place), set()).add(facet)
        spellings.setdefault((failure, place, hit.whole), set()).update(hit.spelling.split("/"))
    cells = len({hit.cell for hit in hits})
    lines = [f"{len(hits)} spellings of the key found in {cells} cells (failure | place):"]
    for (failure, place), n in counts.most_common(limit):
        seen = ", ".join(sorted(f for f in facets[failure, place] if f))
        whole = ", ".join(sorted(spellings.get((failure, place, True), ())))
        cut = ", ".join(sorted(spellings.get((failure, place, False), ())))
        lines.append(f"  {n:5} x  {failure} | {place}" + (f" ({seen})" if seen else ""))
        if whole:
            lines.append(f"            whole: {whole}")
        if cut:
            lines.append(f"            first {HEAD}+ characters: {cut}")
    if len(counts) > limit:
        lines.append(f"  ... and {len(counts) - limit} more (failure, place) pairs")
    lines.append("an example of each failure:")
    shown: set[str] = set()
    for hit in hits:
        failure = hit.cell.rsplit(" x ", 1)[-1]
        if failure not in shown:
            shown.add(failure)
            lines.append(f"  {hit.cell} | {hit.where} @{hit.position} | {hit.label}")
    return "\n".join(lines)


# ------------------------------------------------------------------- what is looked at


def error_texts(where: str, error: BaseException) -> Iterator[tuple[str, str]]:
    """What a user or a log sees of ``error``: str, repr, args, the printed traceback (the
    whole chain), each chained exception's str and repr, and the attributes keap_adapter's
    errors keep (``request_id``, ``fault_tag``, a redirect's ``location``...).

    Another library's exception chained to ours is looked at as a traceback shows it (its
    own attributes, e.g. ``JSONDecodeError.doc`` holding the body it could not read, are
    that library's data, which nothing prints)."""
    yield f"{where} str", str(error)
    yield f"{where} repr", repr(error)
    yield f"{where} args", repr(error.args)
    yield f"{where} traceback", "".join(traceback.format_exception(error))
    for depth, link in enumerate(chain(error)):
        if depth:
            yield f"{where} chain[{depth}] str", str(link)
            yield f"{where} chain[{depth}] repr", repr(link)
        if isinstance(link, ka.KeapError):
            yield f"{where} chain[{depth}] attributes", repr(vars(link))


def result_texts(result: Any) -> Iterator[tuple[str, str]]:
    """``repr`` of a result, and the errors a bulk result holds per item."""
    yield "result repr", repr(result)
    for n, item in enumerate(result if isinstance(result, list) else []):
        error = getattr(item, "error", None)
        if isinstance(error, BaseException):
            yield from error_texts(f"bulk item[{n}] error", error)


_FORMATTER = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def log_texts(records: Iterable[logging.LogRecord]) -> Iterator[tuple[str, str]]:
    """Each log record as a handler writes it (traceback included), and its raw args."""
    for n, record in enumerate(records):
        yield f"log[{n}] {record.name} {record.levelname}", _FORMATTER.format(record)
        yield f"log[{n}] {record.name} args", repr(record.args)


# --------------------------------------------------------------------------- the echoes

ECHOED = sorted(echoes(KEY))  # what a server sends (base64 ones: of a body holding the key)
MARK = "KEYSCAN-ECHO"
"""Starts every echo: seen in an output, it shows the echo reached it."""
XMLRPC_CUT = 300  # the XML-RPC backend quotes this many characters of an error body
LOCATION_CUT = 200  # a redirect's error quotes this many characters of its Location
KEPT = (HEAD, 12, 29)  # how much of the key a cut at XMLRPC_CUT / LOCATION_CUT would keep
TAILS = (HEAD, 13, 21, 30)  # how much of a spelling the cut echo at the end holds
SHOWN = 3  # spellings per echo
ECHO_OF = {name: echo(name) for name in ECHOED}
TOKEN = "@@ECHO@@"


def raw_request(request: httpx.Request) -> str:
    """What a debugging proxy prints of a request: base64 of it as sent."""
    head = f"{request.method} {request.url.raw_path.decode()} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
    return base64.b64encode(head.encode() + b"\r\n" + request.content).decode()


@dataclass
class Echo:
    """The echoes of one cell, by its ``index``: ``SHOWN`` spellings (the next ones in
    turn: consecutive cells together echo them all), base64 of the raw request (every
    sixth cell), then a spelling cut short. Every sixth cell (another one) pads the echo so
    that a cut at ``cut_at`` characters (``XMLRPC_CUT``) keeps only the first ``KEPT``
    characters of the first spelling. Redacting a long text is slow (some milliseconds),
    so each cell echoes a share: every failure still meets every spelling, over its
    operations."""

    index: int
    served: list[str] = field(default_factory=list)

    def text(self, request: httpx.Request, *, before: int = 0, cut_at: int = XMLRPC_CUT) -> str:
        """The echo, for a place where ``before`` characters precede it."""
        i = self.index
        parts = [ECHO_OF[ECHOED[(i * SHOWN + n) % len(ECHOED)]] for n in range(SHOWN)]
        if i % 6 == 0:
            parts.append(raw_request(request))
        parts.append(ECHO_OF[ECHOED[i % len(ECHOED)]][: TAILS[i % len(TAILS)]])
        pad = ""
        if i % 6 == 3:
            kept = KEPT[(i // 6) % len(KEPT)]
            pad = "." * max(0, cut_at - kept - before - len(MARK) - 1)
        text = f"{pad}{MARK} " + " | ".join(parts)
        self.served.append(text)
        return text

    @property
    def in_headers(self) -> bool:
        """Whether this cell's failure also echoes in its ``x-request-id``."""
        return self.index % 4 == 1

    def fill(
        self,
        template: str,
        request: httpx.Request,
        escape: Callable[[str], str] = str,
        cut_at: int = XMLRPC_CUT,
    ) -> str:
        """``template`` with each ``TOKEN`` replaced by the echo, escaped as its place needs."""
        text = self.text(request, before=template.index(TOKEN), cut_at=cut_at)
        return template.replace(TOKEN, escape(text))


def _json_escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


def _xml_escaped(text: str) -> str:
    return html.escape(text, quote=False)


def _with_token(value: Any, key: str = "") -> Any:
    """A JSON error body with the echo after each string (but a ``code``)."""
    if isinstance(value, dict):
        return {k: _with_token(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_token(v) for v in value]
    if isinstance(value, str) and key != "code":
        return f"{value} {TOKEN}"
    return value


def _error_body(body: bytes, content_type: str, request: httpx.Request, echo_: Echo) -> bytes:
    """An error answer's body quoting the echo, in its own format."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text) if "json" in content_type else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        return echo_.fill(json.dumps(_with_token(data)), request, _json_escaped).encode()
    if "</body>" in text:
        template = text.replace("</body>", f"<p>{TOKEN}</p></body>", 1)
    else:
        template = f"{text} {TOKEN}" if text else TOKEN
    return echo_.fill(template, request).encode()


_XML_HEAD = "<?xml version='1.0'?>\n<methodResponse><params><param><value>"


def _ok_body(
    fault: Fault, body: bytes, request: httpx.Request, echo_: Echo
) -> bytes:  # fmt: skip
    """A 200 answer's body, as the failure mangles it, quoting the echo."""
    xml = "/xmlrpc" in request.url.path
    text = body.decode("utf-8", "replace")
    if fault.name == "trunc":  # cut in half, and the cut falls in the echo
        return echo_.fill(text[: len(text) // 2] + TOKEN, request).encode()
    if fault.name == "malf":
        head = f"{_XML_HEAD}<struct><member><name>" if xml else '{"id": "1", "given_name": "'
        return echo_.fill(head + TOKEN, request, _xml_escaped if xml else _json_escaped).encode()
    if fault.name == "huge":
        return echo_.fill(f"{text} {TOKEN}", request).encode() + b" " * (CAP + 1)
    if fault.name == "html":
        page = PORTAL_HTML.decode().replace("</form>", f"</form><p>{TOKEN}</p>")
        return echo_.fill(page, request).encode()
    if fault.name == "shape":  # well-formed, and the key where an id or a name should be
        if xml:
            row = {"Id": TOKEN, "GroupName": TOKEN, "FirstName": TOKEN}
            return echo_.fill(
                xmlrpc.client.dumps(([row],), methodresponse=True), request, _xml_escaped
            ).encode()
        item = {"id": TOKEN, "name": TOKEN}
        shape = {**item, "contacts": [item], "tags": [item], "categories": [item]}
        return echo_.fill(json.dumps(shape), request, _json_escaped).encode()
    return body  # harmless or empty: the answer's headers carry the echo


def _fault_body(body: bytes, request: httpx.Request, echo_: Echo) -> bytes | None:
    """An XML-RPC fault answer whose fault string quotes the echo (None: not a fault)."""
    try:
        xmlrpc.client.loads(body)
    except xmlrpc.client.Fault as fault:
        again = xmlrpc.client.Fault(fault.faultCode, f"{fault.faultString} {TOKEN}")
        template = xmlrpc.client.dumps(again, methodresponse=True)
        return echo_.fill(template, request, _xml_escaped).encode()
    except Exception:  # not XML-RPC at all
        return None
    return None


def _quoted_error(error: Exception, request: httpx.Request, echo_: Echo) -> Exception:
    """The same connection error, its message quoting the echo (a proxy's words)."""
    if not isinstance(error, httpx.RequestError):
        return error
    message = f"{error} (the proxy said: "
    return type(error)(message + echo_.text(request, before=len(message)), request=request)


def echoed_response(
    fault: Fault, response: httpx.Response, request: httpx.Request, echo_: Echo
) -> httpx.Response:
    """``response`` (a failure's answer) quoting the echo: in its body, as its format
    allows, in a redirect's ``Location``, and in its ``x-request-id`` (on some cells, and
    whenever the body cannot carry it)."""
    served = len(echo_.served)
    stream = response.stream
    body: bytes | None = None
    if isinstance(stream, _Pieces):  # a body arriving in pieces: its break or its bytes
        if stream.error is not None:
            stream.error = _quoted_error(stream.error, request, echo_)
        elif fault.name == "gzip":
            stream.body = echo_.text(request).encode()
    else:
        content = response.content
        body = _fault_body(content, request, echo_) if b"<fault>" in content else None
        if body is None and response.status_code >= 300:
            body = _error_body(content, response.headers.get("content-type", ""), request, echo_)
        if body is None:
            body = _ok_body(fault, content, request, echo_)
    dropped = {"content-length", "location", "x-request-id"}
    if body is not None and body is not response.content:
        dropped.add("content-encoding")  # a new body, not encoded
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
    if "location" in response.headers:
        location = response.headers["location"] + "?echo="
        said = echo_.text(request, before=len(location), cut_at=LOCATION_CUT)
        headers.append(("location", location + said))
    if echo_.in_headers or len(echo_.served) == served:
        headers.append(("x-request-id", "req-" + echo_.text(request, before=4)))
    elif "x-request-id" in response.headers:
        headers.append(("x-request-id", response.headers["x-request-id"]))
    if body is None:
        return httpx.Response(response.status_code, headers=headers, stream=stream)
    return httpx.Response(response.status_code, headers=headers, content=body)


def echoing(fault: Fault, echo_: Echo) -> Fault:
    """``fault``, echoing the key wherever it answers or fails."""

    def strike(request: httpx.Request, server: Server) -> httpx.Response:
        try:
            response = fault.strike(request, server)
        except httpx.RequestError as error:
            raise _quoted_error(error, request, echo_) from None
        return echoed_response(fault, response, request, echo_)

    return dataclasses.replace(fault, strike=strike)


# ----------------------------------------------------------------------------- running


def key_on_wire(request: httpx.Request) -> str | None:
    """The key a request carries: its header, or the legacy body's first parameter."""
    if "X-Keap-API-Key" in request.headers:
        return str(request.headers["X-Keap-API-Key"])
    if "/xmlrpc" not in request.url.path:
        return None
    params, _ = xmlrpc.client.loads(request.content)
    return str(params[0]) if params else None


def cells(backend: BackendName, share: int = 1) -> list[tuple[Fault, Op]]:
    """The (failure, operation) cells of the matrix on ``backend``: all of them, or one in
    ``share``, picked so that every failure meets every ``share``-th operation in turn and
    every operation meets every ``share``-th failure."""
    return [
        (fault, op)
        for i, fault in enumerate(f for f in FAULTS if backend in f.backends)
        for j, op in enumerate(OPS)
        if (i + j) % share == 0
    ]


def make_client(
    backend: BackendName,
    transport: httpx.BaseTransport,
    *,
    deadline: float | None = None,
    xmlrpc_url: str | None = None,
) -> ka.KeapClient:
    """A client as the fault matrix makes one (``faults.client_for``), with ``KEY``."""
    return ka.KeapClient(
        backend,
        KEY,
        transport=transport,
        sleep=lambda seconds: None,
        limits=None,
        max_response_size=CAP,
        call_deadline=deadline,
        retry_policy=ka.RetryPolicy(max_retries=2, jitter=lambda cap: cap),
        xmlrpc_url=xmlrpc_url,
    )


def run_op(op: Op, client: Any, world: World) -> tuple[Any, Exception | None]:
    """``op`` on ``client``: its result (a listing read whole) or the exception it raised."""
    try:
        result = op.run(client, world)
        return (list(result) if isinstance(result, Iterator) else result), None
    except Exception as exc:  # a raw exception is looked at too
        return None, exc


@dataclass
class Ran:
    """One cell: what the client sent, the failure struck and echoed, and what is seen."""

    sent: list[httpx.Request]
    struck: httpx.Request | None
    echo: Echo
    texts: list[tuple[str, str]]


def run_cell(
    op: Op,
    backend: BackendName,
    fault: Fault,
    index: int,
    *,
    xmlrpc_url: str | None = None,
    wrap: Callable[[httpx.BaseTransport], httpx.BaseTransport] = lambda inner: inner,
) -> Ran:
    """``op`` on a fresh fake holding ``KEY``, ``fault`` echoing it on the op's key request."""
    fake = FakeKeap(api_key=KEY)
    world = build_world(fake)
    echo_ = Echo(index)
    injector = Injector(fake, echoing(fault, echo_), op.key[backend])
    client = make_client(backend, wrap(injector), deadline=fault.deadline, xmlrpc_url=xmlrpc_url)
    with client:
        result, error = run_op(op, client, world)
        texts = [("client repr", repr(client)), *result_texts(result)]
    if error is not None:
        texts += error_texts("error", error)
    return Ran(injector.sent, injector.struck, echo_, texts)


def problems_of(cell: str, ran: Ran) -> list[str]:
    """Why this cell would make the scan vacuous: the key was not on the wire, the failure
    never struck, or nothing was echoed."""
    out = []
    if not ran.sent or any(key_on_wire(request) != KEY for request in ran.sent):
        out.append(f"{cell}: the key was not on the wire of every request")
    if ran.struck is None:
        out.append(f"{cell}: the failure never struck")
    elif not ran.echo.served:
        out.append(f"{cell}: the failure echoed nothing")
    return out


def reached(texts: Iterable[tuple[str, str]]) -> bool:
    """Whether an echo reached any of ``texts``."""
    return any(MARK in text for _, text in texts)


@contextmanager
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG and above, the root logger's and keap_adapter's, in
    ``caplog`` (cleared per cell).

    pytest prints a failing test's records ("Captured log call"): they would show the very
    spellings this module looks for. While the scan runs, the root logger's other handlers
    get none (used inside the test, where pytest's handlers of the call are in place).
    """
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="keap_adapter")
    others = [h for h in logging.getLogger().handlers if h is not caplog.handler]
    for handler in others:
        handler.addFilter(_nothing)
    try:
        yield caplog
    finally:
        for handler in others:
            handler.removeFilter(_nothing)


def _nothing(record: logging.LogRecord) -> bool:
    return False


def fail_on(hits: Sequence[Hit]) -> None:
    """Fail with the summary of ``hits`` (names and positions, never the key)."""
    if hits:
        pytest.fail(report(hits), pytrace=False)


# ------------------------------------------------ 1. every operation x every failure


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_no_operation_under_any_failure_shows_the_key(
    wire: str, caplog: pytest.LogCaptureFixture
) -> None:
    backend, xmlrpc_url, share = WIRES[wire]
    hits: list[Hit] = []
    problems: list[str] = []
    reach: Counter[str] = Counter()
    with debug_logs(caplog) as logs:
        for index, (fault, op) in enumerate(cells(backend, share)):
            logs.clear()
            cell = f"{wire} {op.name} x {fault.name}"
            ran = run_cell(op, backend, fault, index, xmlrpc_url=xmlrpc_url)
            texts = [*ran.texts, *log_texts(logs.records)]
            hits += scan(cell, texts)
            problems += problems_of(cell, ran)
            reach[fault.group] += reached(texts)
    assert problems == [], "\n".join(problems[:40])
    # The echo reached what was searched (the errors quote it, with the key scrubbed out):
    # the scan looked at text that held the spellings. (A 200 body is seldom quoted.)
    for group in ("status", "connection", *(("fault",) if backend == "xmlrpc" else ())):
        assert reach[group] > 0, f"no echo of a {group} failure reached an error or a log"
    fail_on(hits)


# ------------------------------------------------------------------- 2. cassettes

CASSETTE_SHARE = 4  # each failure with every fourth operation, in turn (see ``cells``)


class Switch(httpx.BaseTransport):
    """The real transport of a recording cassette: whichever cell's injector runs now."""

    def __init__(self) -> None:
        self.inner: httpx.BaseTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert self.inner is not None
        return self.inner.handle_request(request)


def _strings(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every string in JSON data, with its path (keys included)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.<key>", key
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, f"{path}[{n}]")
    elif isinstance(value, str):
        yield path, value


def cassette_texts(path: Path) -> Iterator[tuple[str, str]]:
    """A cassette file as bytes (read as UTF-8 and as latin-1), every string in it decoded,
    and every base64 field decoded."""
    raw = path.read_bytes()
    yield "cassette file (UTF-8)", raw.decode("utf-8", "replace")
    yield "cassette file (latin-1)", raw.decode("latin-1")
    for where, value in _strings(json.loads(raw), "cassette"):
        yield where, value
        if where.rsplit(".", 1)[-1] in ("base64", "$base64"):
            try:
                decoded = base64.b64decode(value)
            except binascii.Error:  # a member that only happens to be called so
                continue
            yield f"{where} (decoded)", decoded.decode("utf-8", "replace")
            yield f"{where} (decoded, latin-1)", decoded.decode("latin-1")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_cassette_recorded_against_echoing_failures_holds_no_key(
    backend: BackendName, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Cells of the matrix recorded through one cassette (mode ``all``, the fake behind
    the failure as its real transport); the errors and logs of each, then the saved file."""
    path = tmp_path / f"key-scan-{backend}.json"
    switch = Switch()
    hits: list[Hit] = []
    problems: list[str] = []
    with debug_logs(caplog) as logs, Cassette(path, "all", real_transport=switch) as cassette:

        def through_cassette(inner: httpx.BaseTransport) -> httpx.BaseTransport:
            switch.inner = inner
            return cassette.transport

        for index, (fault, op) in enumerate(cells(backend, CASSETTE_SHARE)):
            logs.clear()
            cell = f"cassette {backend} {op.name} x {fault.name}"
            ran = run_cell(op, backend, fault, index, wrap=through_cassette)
            hits += scan(cell, [*ran.texts, *log_texts(logs.records)])
            problems += problems_of(cell, ran)
        recorded = len(cassette.interactions)
    assert problems == [], "\n".join(problems[:40])
    texts = list(cassette_texts(path))
    assert recorded > len(cells(backend, CASSETTE_SHARE)), "the cassette recorded too little"
    assert reached(texts), "no echo reached the cassette"
    fail_on(hits + scan(f"cassette {backend} file", texts))


# ----------------------------------------------------------------------- 3. Shadow

SHADOW_SHARE = 4  # each failure with every fourth operation, in turn (see ``cells``)


@pytest.mark.parametrize("backend", BACKENDS)
def test_shadow_holds_no_key_when_a_side_echoes_it(
    backend: BackendName, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """XML-RPC the control, REST the candidate (as a migration runs them), side by side on
    one fake; the failure strikes ``backend``'s side. Mismatches raise on odd cells. Every
    observation is published (and logged); the report file is read at the end."""
    report_path = tmp_path / f"shadow-{backend}.jsonl"
    hits: list[Hit] = []
    problems: list[str] = []
    mismatches = 0
    with debug_logs(caplog) as logs:
        for index, (fault, op) in enumerate(cells(backend, SHADOW_SHARE)):
            logs.clear()
            cell = f"shadow {backend} fails: {op.name} x {fault.name}"
            ran, observations, texts = run_shadowed(op, backend, fault, index, report_path)
            for n, seen in enumerate(observations):
                mismatches += not seen.matched
                texts += observation_texts(f"observation[{n}]", seen)
            hits += scan(cell, [*texts, *log_texts(logs.records)])
            if ran.struck is not None:  # a write is never sent to the candidate
                problems += problems_of(cell, ran)
    assert problems == [], "\n".join(problems[:40])
    assert mismatches > 0, "no shadowed read ever mismatched"
    text = report_path.read_text(encoding="utf-8")
    texts = [("shadow report file", text)]
    for n, line in enumerate(json.loads(line) for line in text.splitlines()):
        texts.append((f"report line {n} (decoded)", json.dumps(line, ensure_ascii=False)))
        texts += [(f"report line {n} {where}", value) for where, value in _strings(line, "")]
    assert reached(texts), "no echo reached the Shadow report"
    fail_on(hits + scan(f"shadow {backend} report", texts))


def run_shadowed(
    op: Op, backend: BackendName, fault: Fault, index: int, report_path: Path
) -> tuple[Ran, list[Observation], list[tuple[str, str]]]:
    """``op`` through a Shadow whose ``backend`` side meets ``fault``: what that side sent
    and was echoed, the observations published, and what the caller saw."""
    fake = FakeKeap(api_key=KEY)
    world = build_world(fake)
    echo_ = Echo(index)
    failing = Injector(fake, echoing(fault, echo_), op.key[backend])
    clean = Injector(fake, None)
    xmlrpc_side, rest_side = (failing, clean) if backend == "xmlrpc" else (clean, failing)
    observations: list[Observation] = []

    def publish(observation: Observation) -> None:
        observations.append(observation)
        log_observation(observation)

    with (
        make_client("xmlrpc", xmlrpc_side, deadline=fault.deadline) as control,
        make_client("rest", rest_side, deadline=fault.deadline) as candidate,
    ):
        shadow = Shadow(
            control, candidate, publish=publish, report=report_path,
            raise_on_mismatch=index % 2 == 1,
        )  # fmt: skip
        result, error = run_op(op, shadow, world)
        texts = [*result_texts(result), ("shadow stats", repr(shadow.stats))]
    if error is not None:
        texts += error_texts("raised", error)
    return Ran(failing.sent, failing.struck, echo_, []), observations, texts


def observation_texts(where: str, observation: Observation) -> list[tuple[str, str]]:
    """An observation as published: str, repr, its report line's data, its errors."""
    texts = [(f"{where} str", str(observation)), (f"{where} repr", repr(observation))]
    texts.append((f"{where} json", json.dumps(observation.as_json(), default=str)))
    for side, error in (
        ("control", observation.control_error),
        ("candidate", observation.candidate_error),
    ):
        if error is not None:
            texts += error_texts(f"{where} {side} error", error)
    return texts


# -------------------------------------------------------------------------- 4. the CLI


class EchoingAccount:
    """A served fake whose every answer is ``fault``'s, echoing the key (none: the fake's)."""

    def __init__(self, fake: FakeKeap) -> None:
        self.fake = fake
        self.fault: Fault | None = None
        self.sent: list[httpx.Request] = []
        self.struck = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        if self.fault is None:
            return self.fake.handle(request)
        self.struck += 1
        return self.fault.strike(request, Server(self.fake, self.fake.handle))


CLI_SHARE = 2  # commands per failure
# Failures a served account can answer (not a broken connection) and that no call retries
# (the command sleeps for real between attempts).
CLI_FAULTS = [f for f in FAULTS if f.group != "connection" and f.rule in ("final", "body")]


def cli_commands(world: World, out_dir: Path) -> list[list[str]]:
    """Every command that reads ``KEAP_API_KEY`` (with ``--backend`` added where taken)."""
    tag, contact = str(world.vip), str(world.ada)
    return [
        ["contacts", "get", contact],
        ["contacts", "create", "--given-name", "Cy", "--email", "cy@example.com"],
        ["contacts", "find", "ada@example.com"],
        ["tags", "list"],
        ["tags", "create", "Fresh", "--description", "new"],
        ["tags", "apply", tag, contact],
        ["tags", "remove", tag, contact],
        ["record", "tags", "--out", str(out_dir)],
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_command_line_shows_no_key(
    backend: BackendName,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``keap-adapter`` in process, its key in ``KEAP_API_KEY``, against a served fake
    whose every answer is the failure's; stdout, stderr, logs and recorded cassettes."""
    fake = FakeKeap(api_key=KEY)
    world = build_world(fake)
    account = EchoingAccount(fake)
    hits: list[Hit] = []
    failed: Counter[str] = Counter()
    quoted = 0
    counter = itertools.count()
    with debug_logs(caplog) as logs, FakeServer(account) as server:
        monkeypatch.setenv("KEAP_API_KEY", KEY)
        monkeypatch.setenv("KEAP_BASE_URL", f"{server.url}/crm")
        monkeypatch.delenv("KEAP_BACKEND", raising=False)
        monkeypatch.delenv("KEAP_XMLRPC_URL", raising=False)
        for k, fault in enumerate(f for f in CLI_FAULTS if backend in f.backends):
            every = cli_commands(world, tmp_path / fault.name)
            # Each failure meets CLI_SHARE commands in turn (all of them, over the failures),
            # and every fourth one the compare command (both backends) too.
            commands = [
                [*every[(k * CLI_SHARE + n) % len(every)], "--backend", backend]
                for n in range(CLI_SHARE)
            ]
            if k % 4 == 0:
                commands.append(["compare", "--contacts", str(world.ada)])
            for argv in commands:
                index = next(counter)
                account.fault = echoing(fault, Echo(index))
                logs.clear()
                status = main(argv)
                out, err = capsys.readouterr()
                texts = [("stdout", out), ("stderr", err), *log_texts(logs.records)]
                cassettes = sorted((tmp_path / fault.name).glob("*.json"))
                texts += [t for c in cassettes for t in cassette_texts(c)]
                hits += scan(f"cli {' '.join(argv[:2])} x {fault.name} (exit {status})", texts)
                failed[fault.name] += status != 0
                quoted += reached(texts)
    assert account.sent, "no command reached the served account"
    assert all(key_on_wire(r) == KEY for r in account.sent), "the key was not on the wire"
    assert account.struck > 0
    assert quoted > 0, "no echo reached the command's output"
    assert sum(failed.values()) > 0, "no command failed"
    fail_on(hits)
