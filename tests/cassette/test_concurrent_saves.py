"""Saving one cassette path from many threads and processes at once, and very long test ids.

Recorders running side by side (pytest-xdist workers, threads of one test) may save the same
file: every save must succeed and the file must always be one whole cassette, the last one
saved. A parametrize id longer than a file name may be still gets a cassette of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from keap_adapter.testing import FakeKeap
from keap_adapter.testing._cassette import Cassette
from keap_adapter.testing._pytest_plugin import cassette_name

THREADS, PROCESSES, ROUNDS = 16, 4, 10
ROOT = Path(__file__).resolve().parents[2]


def save_rounds(path: Path, worker: str, rounds: int = ROUNDS) -> None:
    """Record one request ``rounds`` times, saving the whole cassette each time."""
    for n in range(rounds):
        answer = {"worker": worker, "round": n, "padding": "x" * 20_000}  # a slow-ish write
        server = httpx.MockTransport(
            lambda request, answer=answer: httpx.Response(200, json=answer)
        )
        with (
            Cassette(path, "all", real_transport=server) as cassette,
            httpx.Client(transport=cassette.transport) as client,
        ):
            client.get(f"https://x.test/{worker}/{n}")


# Run by each process: wait for the go file, so that every process saves at the same time.
WORKER = """
import sys, time
from pathlib import Path
from tests.cassette.test_concurrent_saves import save_rounds

path, worker, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
save_rounds(path, worker)
"""


def assert_one_whole_cassette(path: Path, workers: set[str]) -> None:
    data = json.loads(path.read_text("utf-8"))
    (interaction,) = data["interactions"]
    answer = interaction["response"]["json"]
    assert answer["worker"] in workers
    assert interaction["request"]["path"] == f"/{answer['worker']}/{answer['round']}"
    (loaded,) = Cassette(path).interactions  # and it loads as a cassette
    assert loaded.response["json"] == answer
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no .tmp or .lock left


def test_threads_saving_one_path_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "fixtures" / "shared.json"
    start = threading.Barrier(THREADS)

    def work(index: int) -> None:
        start.wait()
        save_rounds(path, f"thread{index}")

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(work, index) for index in range(THREADS)]:
            future.result()  # re-raises what a save raised
    assert_one_whole_cassette(path, {f"thread{index}" for index in range(THREADS)})


def test_processes_and_threads_saving_one_path_all_succeed(tmp_path: Path) -> None:
    path, go = tmp_path / "fixtures" / "shared.json", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), f"process{index}", str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(PROCESSES)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n"
        go.touch()
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(save_rounds, path, f"thread{i}") for i in range(THREADS)]
            for future in futures:
                future.result()
        outcomes = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (_out, err) in zip(processes, outcomes, strict=True):
        assert (process.returncode, err) == (0, "")
    workers = {f"process{i}" for i in range(PROCESSES)} | {f"thread{i}" for i in range(THREADS)}
    assert_one_whole_cassette(path, workers)


def test_a_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "fixtures" / "shared.json"
    save_rounds(path, "first", 1)
    stop = time.monotonic() + 1
    seen: list[int] = []

    def read() -> None:
        while time.monotonic() < stop:
            seen.append(len(Cassette(path).interactions))  # raises CassetteError on a torn file

    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(read) for _ in range(2)]
        writers = [pool.submit(save_rounds, path, f"w{i}", 20) for i in range(2)]
        for future in readers + writers:
            future.result()
    assert seen
    assert set(seen) == {1}


# ------------------------------------------------------------------------ long test ids

LONG_IDS = """
import os
import pytest
import keap_adapter as ka

LONG = "x" * 300
SEEN = {}


@pytest.mark.parametrize(
    "tag", [LONG + "-one", LONG + "-two", "é" * 200, "short"], ids=lambda tag: tag
)
def test_long(keap_cassette, tag):
    name = keap_cassette.path.name
    assert len(name.encode()) < 255
    assert name not in SEEN.values()
    SEEN[tag] = name
    if tag == "short":
        assert name == "test_long-short.json"  # a name that fits is left as it was
    with ka.KeapClient("rest", "KeapAK-plugin-test-key-0000000000000000000000",
                       base_url=os.environ["FAKE_BASE_URL"],
                       transport=keap_cassette.transport) as client:
        assert client.tags.create(tag[-20:]).name == tag[-20:]
"""


def test_a_very_long_parametrize_id_records_and_replays(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_ids=LONG_IDS)
    fake = FakeKeap(api_key="KeapAK-plugin-test-key-0000000000000000000000")
    with fake.serve() as server:
        monkeypatch.setenv("FAKE_BASE_URL", f"{server.url}/crm")
        pytester.runpytest_subprocess("--keap-record-mode=once").assert_outcomes(passed=4)
    folder = pytester.path / "fixtures" / "test_ids"
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 4
    assert all(len(name.encode()) < 255 for name in names)
    long_names = [name for name in names if name.startswith("test_long-xxxxxxxxxx")]
    assert len(long_names) == 2  # differing only at the end, they still get two files
    # the server is gone: replay finds the same (stably shortened) files
    pytester.runpytest_subprocess().assert_outcomes(passed=4)
    assert sorted(path.name for path in folder.iterdir()) == names


def test_a_long_name_keeps_a_readable_start_and_a_stable_hash() -> None:
    one, two = (
        cassette_name("test_x[" + "é" * 200 + "a]"),
        cassette_name("test_x[" + "é" * 200 + "b]"),
    )
    assert one != two
    for name in (one, two):
        assert len(name.encode()) < 255
        assert name.startswith("test_x-éééé")  # cut between characters, never inside one
        assert name.endswith(".json")
        name.encode().decode("utf-8")  # valid UTF-8
    assert cassette_name("test_x[" + "é" * 200 + "a]") == one  # the same every run
    assert cassette_name("test_x[rest]") == "test_x-rest.json"  # a short name is unchanged
