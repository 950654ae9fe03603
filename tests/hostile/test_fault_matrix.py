"""Every facade operation, on both backends, against every failure (issue 10).

Each cell runs one operation on a fresh fake while one failure strikes the request the
operation hinges on (its write, or its main read) once. A cell must end in success (after a
retry, where one is due) or in the typed error the failure's rule names, never in a raw
exception; and no write may be applied twice: the store holds what one application made,
and no creating request reaches Keap twice. ``pytest -s`` prints the matrix; the cells
marked ``!`` there are known library defects, kept as strict xfails (see ``DEFECTS``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import httpx
import pytest

import keap_adapter as ka
from keap_adapter import BackendName
from keap_adapter.testing import FakeKeap
from tests.hostile.faults import (
    BACKENDS,
    FAULTS,
    FAULTS_BY_NAME,
    OPS,
    OPS_BY_NAME,
    Cell,
    Fault,
    Op,
    build_world,
    code,
    counts,
    creating,
    expected,
    expected_change,
    loopback,
    render,
    resent_creates,
    run_cell,
)

# Cells whose outcome is a library defect: (backend, operation, failure) -> the defect.
# Each stays in the matrix as a strict xfail, so a fix shows up as an XPASS to remove here.
DEFECTS: dict[tuple[str, str, str], str] = {}
# A delete whose answer was lost after Keap applied it is retried, and the retry finds
# nothing to delete: the client says the outcome is unknown (TransportError, after that
# retry), never NotFoundError, which would claim the record never existed.
DELETE_AFTER_LOSS = {
    (backend, op, fault)
    for backend in BACKENDS
    for op in ("contacts.delete", "tags.delete", "tags.categories.delete")
    for fault in ("504>", "rst>", "rto", "drip", "cut", "gzip")
}
CORRECT: dict[tuple[str, str, str], tuple[str, ...]] = dict.fromkeys(
    DELETE_AFTER_LOSS, ("ok*", "T*")
)

RESULTS: dict[tuple[str, str, str], str] = {}


@pytest.fixture(scope="module", autouse=True)
def _print_matrix() -> Iterator[None]:
    """Print the matrix once the module's cells have run (shown with ``pytest -s``)."""
    RESULTS.clear()
    yield
    if RESULTS:
        print(render(RESULTS))


def _param(backend: str, op_name: str, fault_name: str) -> object:
    """One cell as a test parameter, a strict xfail where it is a known defect."""
    key = (backend, op_name, fault_name)
    marks = [pytest.mark.xfail(strict=True, reason=DEFECTS[key])] if key in DEFECTS else []
    return pytest.param(*key, marks=marks, id="-".join(key))


def _cells(faults: Iterable[Fault] = FAULTS) -> list[object]:
    return [_param(b, op.name, f.name) for f in faults for b in f.backends for op in OPS]


def _want(op: Op, backend: str, fault: Fault) -> tuple[str, ...]:
    """The outcomes the cell may end in: the rule's, or a correct one where it is a defect."""
    return CORRECT.get((backend, op.name, fault.name), (expected(op, backend, fault),))


def _check_writes(cell: Cell, op: Op, fault: Fault) -> None:
    """No write applied twice: the store changed by what one application makes, and no
    creating request reached Keap twice."""
    assert resent_creates(cell.injector.applied) == [], "a create was applied twice"
    want = expected_change(op, fault, cell.outcome)
    assert cell.change == want, f"store changed by {cell.change}, expected {want}"


@pytest.mark.parametrize(("backend", "op_name", "fault_name"), _cells())
def test_cell(backend: BackendName, op_name: str, fault_name: str) -> None:
    op, fault = OPS_BY_NAME[op_name], FAULTS_BY_NAME[fault_name]
    cell = run_cell(op, backend, fault)
    known = (backend, op_name, fault_name) in DEFECTS
    want = _want(op, backend, fault)
    mark = "!" if known else ("" if cell.outcome in want else "?")
    RESULTS[(backend, op_name, fault_name)] = cell.outcome + mark

    assert cell.injector.struck is not None, "the failure never struck: the key matcher is stale"
    if cell.error is not None:
        assert isinstance(cell.error, ka.KeapError), f"raw exception: {cell.error!r}"
        assert cell.error.operation == op_name
        assert cell.error.backend == backend
    assert cell.outcome in want, f"{cell.outcome} ({cell.error!r}), expected {want}"
    if op.bulk:  # one item's failure never stops the others
        assert cell.bulk_rest == ["ok"] * len(cell.bulk_rest)
    if fault.sleeps is not None and cell.outcome == "ok*":
        assert cell.sleeps == list(fault.sleeps)
    elif cell.outcome.endswith("*"):
        assert len(cell.sleeps) == 1
    _check_writes(cell, op, fault)


# ------------------------------------------------------------------ the async client

# The async client has its own driver, deadline (asyncio.wait_for) and, over XML-RPC, runs
# tags.apply/remove per contact concurrently: the failures that exercise those, every op.
ASYNC_FAULTS = ("429ra", "503", "rst<", "rst>", "drip", "malf")


@pytest.mark.parametrize(
    ("backend", "op_name", "fault_name"), _cells(FAULTS_BY_NAME[f] for f in ASYNC_FAULTS)
)
def test_async_cell(backend: BackendName, op_name: str, fault_name: str) -> None:
    """The same cell on ``AsyncKeapClient``: the same outcome, the same writes."""
    op, fault = OPS_BY_NAME[op_name], FAULTS_BY_NAME[fault_name]
    cell = run_cell(op, backend, fault, use_async=True)
    want = _want(op, backend, fault)
    known = (backend, op_name, fault_name) in DEFECTS
    mark = "!" if known else ("" if cell.outcome in want else "?")
    RESULTS[(f"{backend} async", op_name, fault_name)] = cell.outcome + mark
    assert cell.injector.struck is not None
    if cell.error is not None:
        assert isinstance(cell.error, ka.KeapError), f"raw exception: {cell.error!r}"
    assert cell.outcome in want, f"{cell.outcome} ({cell.error!r}), expected {want}"
    if op.bulk:
        assert cell.bulk_rest == ["ok"] * len(cell.bulk_rest)
    _check_writes(cell, op, fault)


# ---------------------------------------------------------------- every request position

SWEEP = ("rst<", "rst>")


@pytest.mark.parametrize(
    ("backend", "op_name", "fault_name"), _cells(FAULTS_BY_NAME[f] for f in SWEEP)
)
def test_a_connection_lost_at_any_request(
    backend: BackendName, op_name: str, fault_name: str
) -> None:
    """The connection fails at each request of the operation in turn (not only the key
    one): a resendable request is resent and the call succeeds; a lost create is never
    resent and ends in TransportError; and nothing is ever applied twice."""
    op, fault = OPS_BY_NAME[op_name], FAULTS_BY_NAME[fault_name]
    clean = run_cell(op, backend, None)
    assert clean.outcome == "ok"
    for nth in range(1, len(clean.injector.sent) + 1):
        cell = run_cell(op, backend, fault, target=lambda request: True, nth=nth)
        struck = cell.injector.struck
        assert struck is not None
        lost_create = creating(struck)
        where = f"request {nth} ({struck.method} {struck.url.path})"
        assert resent_creates(cell.injector.applied) == [], where
        if op.bulk:
            outcomes = [cell.outcome.rstrip("*"), *cell.bulk_rest]
            failed = [o for o in outcomes if o != "ok"]
            assert failed == (["T"] if lost_create else []), where
        else:
            allowed: tuple[str, ...] = ("T",) if lost_create else ("ok*",)
            if (backend, op_name, fault_name) in DELETE_AFTER_LOSS:
                allowed += ("T*",)  # the retry found it gone: the outcome is unknown
            assert cell.outcome in allowed, f"{where}: {cell.error!r}"
        if cell.outcome.startswith("ok") and not cell.bulk_rest.count("T"):
            assert cell.change == {k: op.effect.get(k, 0) for k in cell.change}, where
        for kind, delta in cell.change.items():
            assert min(0, op.effect.get(kind, 0)) <= delta <= max(0, op.effect.get(kind, 0))


# ----------------------------------------------------------- a real drip over loopback


@pytest.mark.parametrize("backend", ["rest", "xmlrpc"])
@pytest.mark.parametrize("op_name", ["contacts.get", "contacts.create"])
def test_a_real_drip_ends_at_the_deadline(backend: BackendName, op_name: str) -> None:
    """Over real sockets: the answer to the key request drips in a byte every 20 ms after
    Keap applied it. The whole-call deadline ends the attempt; a read is retried and
    succeeds, a create is not resent, and exactly one contact was made."""
    op = OPS_BY_NAME[op_name]
    fake = FakeKeap()
    world = build_world(fake)
    before = counts(fake)
    sleeps: list[float] = []
    with (
        loopback(fake, op.key[backend]) as server,
        ka.KeapClient(
            backend,
            fake.api_key,
            base_url=server.url,
            timeout=1.0,
            call_deadline=0.3,
            limits=None,
            sleep=sleeps.append,
        ) as client,
    ):
        started = time.monotonic()
        try:
            op.run(client, world)
        except ka.KeapError as exc:
            result = code(exc)
        else:
            result = "ok"
        took = time.monotonic() - started
    assert server.dripped is not None
    assert took < 2.5
    if op.idempotent:
        assert (result, len(sleeps)) == ("ok", 1)
        assert counts(fake) == before
    else:
        assert (result, sleeps) == ("T", [])
        assert counts(fake)["contacts"] == before["contacts"] + 1
        assert resent_creates(server.applied) == []


def test_the_matrix_covers_every_operation_and_failure() -> None:
    """Every public operation is a row: a new facade method must join the matrix."""
    client = ka.KeapClient(
        "rest", "KeapAK-test-key-0001", transport=httpx.MockTransport(lambda r: httpx.Response(500))
    )
    with client:
        public = {
            f"{prefix}.{name}"
            for prefix, resource in (
                ("contacts", client.contacts),
                ("tags", client.tags),
                ("tags.categories", client.tags.categories),
                ("contacts.custom_fields", client.contacts.custom_fields),
            )
            for name in dir(resource)
            if not name.startswith("_") and callable(getattr(resource, name))
        }
    public -= {"contacts.custom_fields", "tags.categories"}  # sub-resources, not methods
    assert public == set(OPS_BY_NAME)
    assert len({f.name for f in FAULTS}) == len(FAULTS)
