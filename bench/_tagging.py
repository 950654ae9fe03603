"""Tagging many contacts: HTTP requests sent and wall time, REST vs XML-RPC, sync vs async.

One ``tags.apply`` of a fresh tag to every seeded contact of a FakeKeap served from another
process, per variant. REST v2 applies a tag to up to ``tag_chunk_size`` (100) contacts a
request; XML-RPC has only ``ContactService.addToGroup``, one contact a request, which the async
client runs up to 16 at once. Requests are counted by a transport wrapper under the client's
httpx client (and checked against what the server received). The fake announces limits no run
reaches, so nothing is paced here; the last column is what the same requests would take at
Keap's PAT limits (10 a second, 240 a minute), computed.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from dataclasses import dataclass

import httpx

import keap_adapter as ka
from bench._paced import KEAP_PAT, ideal_seconds
from bench._served import Served, served
from bench._stats import render_table
from keap_adapter.backends import _base

MODES = (("rest", "sync"), ("rest", "async"), ("xmlrpc", "sync"), ("xmlrpc", "async"))


class CountingTransport(httpx.BaseTransport):
    """httpx's own transport, counting the requests that go through it."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Count, then send."""
        self.count += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        """Close the connections."""
        self.inner.close()


class AsyncCountingTransport(httpx.AsyncBaseTransport):
    """httpx's own async transport, counting the requests that go through it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count, then send."""
        self.count += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the connections."""
        await self.inner.aclose()


@dataclass(frozen=True)
class Tagged:
    """One variant's run."""

    backend: str
    mode: str
    contacts: int
    requests: int  # counted by the client's transport
    received: int  # counted by the server
    seconds: float
    cpu: float  # this process's CPU time over the call
    ok: bool  # every contact's outcome was SUCCESS

    @property
    def paced_seconds(self) -> float:
        """What these requests would take at Keap's PAT limits, sent one after another."""
        return ideal_seconds(self.requests, KEAP_PAT)


Measured = tuple[int, float, float, bool]  # requests, wall seconds, CPU seconds, all SUCCESS


def _sync(server: Served, backend: ka.BackendName, tag_id: int) -> Measured:
    transport = CountingTransport()
    with warnings.catch_warnings():  # XML-RPC on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        client = ka.KeapClient(backend, server.key, base_url=server.base_url, transport=transport)
    ids = server.contact_ids
    with client:
        started, cpu = time.perf_counter(), time.process_time()
        result = client.tags.apply(tag_id, ids)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    ok = len(result.outcomes) == len(ids) and all(
        o is ka.TagOutcome.SUCCESS for o in result.outcomes.values()
    )
    return transport.count, seconds, cpu, ok


async def _async(server: Served, backend: ka.BackendName, tag_id: int) -> Measured:
    transport = AsyncCountingTransport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = ka.AsyncKeapClient(
            backend, server.key, base_url=server.base_url, transport=transport
        )
    ids = server.contact_ids
    async with client:
        started, cpu = time.perf_counter(), time.process_time()
        result = await client.tags.apply(tag_id, ids)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    ok = len(result.outcomes) == len(ids) and all(
        o is ka.TagOutcome.SUCCESS for o in result.outcomes.values()
    )
    return transport.count, seconds, cpu, ok


def tagging(contacts: int) -> tuple[list[Tagged], float]:
    """Each variant's run, and how long the server took to seed its contacts."""
    runs = []
    with served(contacts, tags=len(MODES)) as server:
        for (backend, mode), tag_id in zip(MODES, server.tag_ids, strict=True):
            name: ka.BackendName = "rest" if backend == "rest" else "xmlrpc"
            before = server.status()["requests"]
            if mode == "sync":
                count, seconds, cpu, ok = _sync(server, name, tag_id)
            else:
                count, seconds, cpu, ok = asyncio.run(_async(server, name, tag_id))
            received = server.status()["requests"] - before
            runs.append(Tagged(backend, mode, contacts, count, received, seconds, cpu, ok))
        return runs, server.seed_seconds


def xmlrpc_runs_side_by_side() -> bool:
    """Whether this build's async client runs XML-RPC tagging's per-contact calls side by
    side (the XML-RPC backend splits ``tags.apply`` into parts)."""
    from keap_adapter.backends import xmlrpc  # noqa: PLC0415

    mine = getattr(xmlrpc.XmlRpcBackend, "apply_tag_parts", None)
    return mine is not None and mine is not getattr(_base.Backend, "apply_tag_parts", None)


def render(runs: list[Tagged]) -> str:
    """The table: one line per variant."""
    columns = [
        ("tagging", 32, "<"),
        ("client", 26, "<"),
        ("contacts", 8, ">"),
        ("requests", 8, ">"),
        ("wall time", 10, ">"),
        ("client CPU", 10, ">"),
        ("at 10/s, 240/min", 16, ">"),
    ]
    rows, last = [], ""
    for run in runs:
        title = f"tags.apply, {'REST' if run.backend == 'rest' else 'XML-RPC'}"
        title, last = ("" if title == last else title), title
        client = "KeapClient" if run.mode == "sync" else "AsyncKeapClient"
        requests = f"{run.requests:,}"
        if run.received != run.requests:
            requests += f" (server saw {run.received:,})"
        wall = f"{run.seconds:.2f} s" + ("" if run.ok else " !")
        rows.append(
            [
                title,
                client,
                f"{run.contacts:,}",
                requests,
                wall,
                f"{run.cpu:.2f} s",
                _duration(run.paced_seconds),
            ]
        )
    table = render_table(columns, rows)
    if not all(run.ok for run in runs):
        table += "\n! not every contact's outcome was SUCCESS"
    return table


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"
