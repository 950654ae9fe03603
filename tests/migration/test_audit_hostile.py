"""The audit on hostile trees: huge files, links out of the target, files that break a reader.

Whatever one file does (too big, too slow, too deep, unreadable, a link to ``/etc/passwd``),
the audit says so for that file and keeps every other file's result (issue 10, defect 9).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keap_adapter.cli import main
from keap_adapter.migration._audit import (
    DEFAULT_MAX_FILE_SECONDS,
    DEFAULT_MAX_FILE_SIZE,
    AuditReport,
    audit_path,
)
from keap_adapter.migration._audit_render import render_text

GOOD = (
    "import xmlrpc.client\n"
    's = xmlrpc.client.ServerProxy("https://api.infusionsoft.com/crm/xmlrpc/v1")\n'
    's.ContactService.load("k", 1, ["Id"])\n'
)
CALL = 's.ContactService.merge("k", 1, 2)\n'  # any file that is read reports this call


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The scanned folder, holding one good file; ``tmp_path / "outside"`` is not in it."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "good.py").write_text(GOOD)
    (tmp_path / "outside").mkdir()
    return root


def good_found(report: AuditReport) -> None:
    """The good file's call site is in the report: no other file lost it."""
    assert ("good.py", 3, "ContactService.load") in [
        (c.file, c.line, c.method) for c in report.calls
    ]


def skipped(report: AuditReport) -> dict[str, str]:
    """The skipped files and folders, with why."""
    return {f.file: f.message for f in report.failures if f.read_as == "skipped"}


def called_in(report: AuditReport) -> set[str]:
    return {c.file for c in report.calls}


def link(source: Path, target: Path | str) -> None:
    try:
        source.symlink_to(target)
    except (OSError, NotImplementedError):  # Windows without the privilege
        pytest.skip("symbolic links are not available here")


# ------------------------------------------------------------------------------ size cap


def test_a_file_over_the_size_cap_is_skipped_unread(project: Path) -> None:
    # 6 MB, built in one write: the call on its first line is never reported, as never read.
    (project / "big.py").write_bytes(CALL.encode() + b"x = 1\n" * 1_000_000)
    start = time.perf_counter()
    report = audit_path(project)
    assert time.perf_counter() - start < 30  # read, it takes minutes and gigabytes
    good_found(report)
    assert called_in(report) == {"good.py"}
    assert skipped(report) == {
        "big.py": "too large: 6.0 MB, over the 5.0 MB limit (--max-file-size)"
    }
    assert report.files == ("big.py", "good.py")  # found, and said why it was not read
    assert (report.complete, report.coverage) == (False, None)
    assert "Could not be read (skipped):\n  big.py:?: too large: 6.0 MB" in render_text(report)


def test_the_default_cap_is_5_mb(capsys: pytest.CaptureFixture[str]) -> None:
    assert DEFAULT_MAX_FILE_SIZE == 5_000_000
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: 5M" in text
    assert f"default: {DEFAULT_MAX_FILE_SECONDS:g}" in text


def test_the_cap_is_a_keyword_and_a_file_of_exactly_the_cap_is_read(project: Path) -> None:
    data = CALL.encode().ljust(200, b"#")
    (project / "edge.py").write_bytes(data)
    assert called_in(audit_path(project, max_file_size=200)) == {"good.py", "edge.py"}
    report = audit_path(project, max_file_size=199)
    assert skipped(report) == {"edge.py": "too large: 200 bytes, over the 199 bytes limit"
                                          " (--max-file-size)"}  # fmt: skip
    assert called_in(report) == {"good.py"}
    assert called_in(audit_path(project, max_file_size=None)) == {"good.py", "edge.py"}


def test_a_notebook_is_capped_by_its_code_not_its_outputs(project: Path) -> None:
    def notebook(code: str, output: str) -> str:
        cell = {"cell_type": "code", "source": code, "outputs": [{"text": output}]}
        return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4})

    (project / "plots.ipynb").write_text(notebook(CALL, "x" * 400))  # images, mostly
    (project / "long.ipynb").write_text(notebook(CALL + "x = 1\n" * 46, ""))  # 465 bytes
    (project / "huge.ipynb").write_text(notebook(CALL, "x" * 600))  # over twice the cap
    report = audit_path(project, max_file_size=300)
    assert called_in(report) == {"good.py", "plots.ipynb"}
    assert skipped(report) == {
        "huge.ipynb": "too large: 743 bytes, over the 600 bytes limit for a notebook file "
        "(2 times --max-file-size: outputs take room)",
        "long.ipynb": "too large: its code cells hold 310 bytes, over the 300 bytes limit"
        " (--max-file-size)",
    }


def test_the_cli_skips_files_over_max_file_size(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "big.py").write_text(CALL + "x = 1\n" * 400)  # 2.4 kB
    assert main(["audit", str(project), "--max-file-size", "2k"]) == 0  # skipping is no error
    out = capsys.readouterr().out
    assert "good.py:3:1 " in out
    assert "1 skipped" in out
    assert "  big.py:?: too large: 2.4 kB, over the 2.0 kB limit (--max-file-size)\n" in out
    assert main(["audit", str(project), "--max-file-size", "2kB", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["file"] for c in data["calls"]] == ["good.py"]
    assert data["failures"] == [
        {
            "cell": None,
            "file": "big.py",
            "line": None,
            "message": "too large: 2.4 kB, over the 2.0 kB limit (--max-file-size)",
            "read_as": "skipped",
        }
    ]
    assert (data["summary"]["files_skipped"], data["summary"]["complete"]) == (1, False)
    assert main(["audit", str(project), "--max-file-size", "0", "--json"]) == 0  # no limit
    data = json.loads(capsys.readouterr().out)
    assert ([c["file"] for c in data["calls"]], data["failures"]) == (["big.py", "good.py"], [])


@pytest.mark.parametrize("value", ["lots", "-1", "5X", ""])
def test_a_bad_max_file_size_is_a_usage_error(
    project: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["audit", str(project), "--max-file-size", value])
    assert caught.value.code == 2
    assert "is not a size in bytes" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["1.5M", "1.5MB", "1500000", "1500k", "1500 KB"])
def test_max_file_size_units(project: Path, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def audit(path: str, **limits: Any) -> AuditReport:
        seen.append(limits)
        return AuditReport(path, (), ())

    monkeypatch.setattr("keap_adapter.migration.audit_path", audit)
    assert main(["audit", str(project), "--max-file-size", value]) == 0
    assert seen == [{"max_file_size": 1_500_000, "max_file_seconds": DEFAULT_MAX_FILE_SECONDS}]


# ------------------------------------------------------------------------------ links


def test_a_link_to_a_file_outside_the_target_is_not_read(project: Path) -> None:
    outside = project.parent / "outside"
    (outside / "secret.py").write_text(CALL)
    (outside / "passwd").write_text("#!/usr/bin/python\n" + CALL)
    link(project / "secret.py", outside / "secret.py")
    link(project / "passwd", outside / "passwd")  # no suffix: never opened to look at it
    report = audit_path(project)
    good_found(report)
    assert called_in(report) == {"good.py"}
    target = (outside / "secret.py").resolve()
    assert skipped(report) == {"secret.py": f"outside the target: a link to {target}, not read"}
    assert report.files == ("good.py",)
    assert "  secret.py:?: outside the target: a link to" in render_text(report)


def test_a_link_to_a_folder_outside_the_target_is_not_followed(project: Path) -> None:
    outside = project.parent / "outside"
    (outside / "mod.py").write_text(CALL)
    link(project / "lib", outside)
    report = audit_path(project)
    assert called_in(report) == {"good.py"}
    assert skipped(report) == {
        "lib": f"outside the target: a link to the folder {outside.resolve()}, not followed"
    }


def test_links_inside_the_target_are_read_once(project: Path) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "real.py").write_text(CALL)
    link(project / "alias.py", "pkg/real.py")  # a file link: read under its own name
    link(project / "pkg_link", "pkg")  # a folder link: its files are read where they are
    link(project / "loop", ".")  # a folder linking to its own parent
    report = audit_path(project)
    assert report.files == ("alias.py", "good.py", "pkg/real.py")
    assert (report.failures, report.complete) == ((), True)


def test_symlink_loops_are_skipped(project: Path) -> None:
    link(project / "a.py", "b.py")
    link(project / "b.py", "a.py")
    link(project / "c", "d")  # a loop with no Python suffix: nothing to say about it
    link(project / "d", "c")
    report = audit_path(project)
    good_found(report)
    assert skipped(report) == {
        "a.py": "a loop of symbolic links",
        "b.py": "a loop of symbolic links",
    }


def test_the_target_may_be_a_link_itself(project: Path) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "real.py").write_text(CALL)
    link(project / "alias.py", "pkg/real.py")
    via = project.parent / "via"
    link(via, project)
    report = audit_path(via)
    good_found(report)
    assert (called_in(report), report.failures) == ({"good.py", "alias.py", "pkg/real.py"}, ())


def test_the_cli_reports_links_out_of_the_target(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.parent / "outside" / "secret.py").write_text(CALL)
    link(project / "secret.py", project.parent / "outside" / "secret.py")
    assert main(["audit", str(project), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["file"] for c in data["calls"]] == ["good.py"]
    [failure] = data["failures"]
    assert (failure["file"], failure["read_as"]) == ("secret.py", "skipped")
    assert failure["message"].startswith("outside the target: a link to ")


# ------------------------------------------------------------------ one file fails, the rest stays


def test_an_unreadable_file_is_skipped(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "locked.py").write_text(CALL)
    os_open, io_open = os.open, io.open

    def refuse(opener: Any) -> Any:  # as chmod 000 does, for any user (root reads anything)
        def opened(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, (str, os.PathLike)) and Path(path).name == "locked.py":
                raise PermissionError(13, "Permission denied", str(path))
            return opener(path, *args, **kwargs)

        return opened

    monkeypatch.setattr(os, "open", refuse(os_open))
    monkeypatch.setattr(io, "open", refuse(io_open))
    report = audit_path(project)
    good_found(report)
    assert skipped(report) == {"locked.py": "PermissionError: Permission denied"}


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file"
)
def test_a_chmod_000_file_is_skipped(project: Path) -> None:
    locked = project / "locked.py"
    locked.write_text(CALL)
    locked.chmod(0)
    try:
        report = audit_path(project)
    finally:
        locked.chmod(0o600)
    good_found(report)
    assert skipped(report) == {"locked.py": "PermissionError: Permission denied"}


@pytest.fixture
def fifo(project: Path) -> Iterator[Path]:
    """A named pipe ``pipe.py``; if the audit opens it, a writer comes and closes it at
    once, so a regression fails the test instead of hanging it."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = project / "pipe.py"
    os.mkfifo(path)
    done = threading.Event()

    def unblock() -> None:
        while not done.wait(0.05):
            with contextlib.suppress(OSError):  # opens only while a reader waits on it
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    writer = threading.Thread(target=unblock, daemon=True)
    writer.start()
    yield path
    done.set()
    writer.join()


def test_a_named_pipe_is_not_opened(project: Path, fifo: Path) -> None:
    report = audit_path(project)
    good_found(report)
    assert skipped(report) == {"pipe.py": "not a regular file (a pipe, socket or device)"}


def test_running_out_of_memory_on_one_file_keeps_the_others(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "huge.py").write_text(CALL)
    parse = ast.parse

    def starved(source: Any, filename: Any = "<unknown>", *args: Any, **kwargs: Any) -> Any:
        if str(filename).endswith("huge.py"):
            raise MemoryError
        return parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", starved)
    report = audit_path(project)
    good_found(report)
    assert called_in(report) == {"good.py"}
    assert skipped(report) == {"huge.py": "MemoryError: out of memory reading it"}


def test_deeply_nested_code(project: Path) -> None:
    # 800 terms: deeper than a recursive walk goes, well within what Python parses.
    (project / "sum.py").write_text(CALL + "x = " + " + ".join(["a"] * 800) + "\n")
    (project / "attr.py").write_text(CALL + "x = a" + ".b" * 800 + "\n")
    (project / "unary.py").write_text("x = " + "-" * 100_000 + "1\n" + CALL)  # too deep to parse
    report = audit_path(project)
    good_found(report)
    assert called_in(report) == {"good.py", "sum.py", "attr.py"}
    assert set(skipped(report)) == {"unary.py"}
    assert skipped(report)["unary.py"].startswith(("RecursionError", "SyntaxError", "MemoryError"))


def test_a_notebook_of_deeply_nested_code(project: Path) -> None:
    source = CALL + "x = " + " + ".join(["a"] * 800) + "\n"
    cell = {"cell_type": "code", "source": source, "outputs": []}
    (project / "deep.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}}))
    report = audit_path(project)
    assert called_in(report) == {"good.py", "deep.ipynb"}


def test_deeply_nested_folders(project: Path) -> None:
    folders = [project]
    for _ in range(1_100):  # os.walk recursed once per level before Python 3.12
        folders.append(folders[-1] / "a")
        folders[-1].mkdir()
    (folders[-1] / "deep.py").write_text(CALL)
    try:
        report = audit_path(project)
    finally:
        # Removed here, from the bottom: pytest's cleanup (shutil.rmtree) recurses once per
        # level on older Pythons too (https://github.com/python/cpython/issues/89727), and
        # would leave the tree behind with a warning in every later session.
        (folders[-1] / "deep.py").unlink()
        for folder in reversed(folders[1:]):
            folder.rmdir()
    good_found(report)
    assert [c.file.count("/") for c in report.calls if c.file != "good.py"] == [1_100]


def test_broken_notebooks(project: Path) -> None:
    (project / "truncated.ipynb").write_text('{"cells": [{"cell_type": "code", "source": ')
    (project / "deep.ipynb").write_text("[" * 10_000 + "]" * 10_000)
    (project / "deep_cell.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "source": ' + "[" * 10_000 + "]" * 10_000 + "}]}"
    )
    (project / "binary.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\xff")
    report = audit_path(project)
    good_found(report)
    assert called_in(report) == {"good.py"}
    messages = skipped(report)
    assert set(messages) == {"binary.ipynb", "deep.ipynb", "deep_cell.ipynb", "truncated.ipynb"}
    assert messages["deep.ipynb"].startswith("RecursionError")
    assert messages["truncated.ipynb"].startswith("JSONDecodeError")


@pytest.mark.parametrize("codec", ["idna", "punycode"])
def test_a_coding_cookie_whose_codec_cannot_replace_bad_bytes(project: Path, codec: str) -> None:
    (project / "odd.py").write_bytes(
        f"# coding: {codec}\nprint 'caf\xe9'\n{CALL}".encode("latin-1")
    )
    report = audit_path(project)
    good_found(report)
    assert called_in(report) == {"good.py", "odd.py"}
    assert [(f.file, f.read_as) for f in report.failures] == [("odd.py", "tokens")]


def test_a_file_that_takes_too_long_is_stopped(project: Path) -> None:
    # Any real file takes longer than a microsecond; good.py is over before the first look at
    # the clock (every 1,024 steps), so only the long one is stopped.
    (project / "slow.py").write_text(CALL + "x = 1\n" * 5_000)
    (project / "slow2.py").write_text("print 'py2'\n" + CALL + "x = 1\n" * 5_000)
    report = audit_path(project, max_file_seconds=1e-6)
    good_found(report)
    assert called_in(report) == {"good.py"}
    assert skipped(report) == {
        "slow.py": "took over 1e-06 s of CPU time to read, stopped (--max-file-time)",
        "slow2.py": "took over 1e-06 s of CPU time to read, stopped (--max-file-time)",
    }
    assert called_in(audit_path(project, max_file_seconds=None)) == {
        "good.py",
        "slow.py",
        "slow2.py",
    }


def test_the_cli_keeps_every_good_result(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "a_deep.py").write_text(CALL + "x = " + "+".join(["a"] * 800) + "\n")
    (project / "b_unary.py").write_text("x = " + "-" * 100_000 + "1\n")
    (project / "c_deep.ipynb").write_text("[" * 10_000 + "]" * 10_000)
    (project / "d_big.py").write_text(CALL * 5_000)
    link(project / "e_linked.py", project.parent / "outside")
    (project / "z_good.py").write_text(CALL)
    assert main(["audit", str(project), "--max-file-size", "150k"]) == 0
    out = capsys.readouterr().out
    for place in ("a_deep.py:1:1 ", "good.py:3:1 ", "z_good.py:1:1 "):
        assert place in out
    skipped_lines = out.split("Could not be read (skipped):\n")[1].splitlines()
    assert [line.split(":")[0].strip() for line in skipped_lines] == [
        "b_unary.py",
        "c_deep.ipynb",
        "d_big.py",
        "e_linked.py",
    ]
    assert "0 files read at token level only (Python 2 or damaged); 4 skipped" in out
    assert main(["audit", str(project), "--max-file-size", "150k", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {c["file"] for c in data["calls"]} == {"a_deep.py", "good.py", "z_good.py"}
    assert [f["file"] for f in data["failures"]] == [line.split(":")[0].strip()
                                                     for line in skipped_lines]  # fmt: skip


def test_the_cli_stops_a_file_after_max_file_time(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "slow.py").write_text(CALL + "x = 1\n" * 5_000)
    assert main(["audit", str(project), "--max-file-time", "0.000001"]) == 0
    out = capsys.readouterr().out
    assert "good.py:3:1 " in out
    assert "  slow.py:?: took over 1e-06 s of CPU time to read, stopped (--max-file-time)\n" in out
    assert main(["audit", str(project), "--max-file-time", "0"]) == 0  # no limit
    assert "slow.py:1:1 " in capsys.readouterr().out


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_max_file_time_is_a_usage_error(
    project: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["audit", str(project), "--max-file-time", value])
    assert caught.value.code == 2
    assert "is not a number of seconds" in capsys.readouterr().err


@pytest.mark.parametrize(
    "limits",
    [
        {"max_file_size": 0},
        {"max_file_size": -5},
        {"max_file_seconds": 0},
        {"max_file_seconds": float("nan")},
        {"max_file_seconds": float("inf")},
    ],
)
def test_a_limit_must_be_positive_or_none(project: Path, limits: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be positive or None"):
        audit_path(project, **limits)


# ------------------------------------------------------------------------------ file names


def named(folder: Path, name: str | bytes, text: str = CALL) -> str:
    """A file ``name`` in ``folder`` (bytes: not UTF-8), as the audit names it."""
    shown = os.fsdecode(name)
    try:
        (folder / shown).write_text(text)
    except (OSError, UnicodeError):  # a file system that refuses such a name
        pytest.skip(f"no file may be named {shown!r} here")
    return shown


# A name that is one line of the report, then a forged line; a terminal's escape sequence
# (red text); a carriage return that rewrites the line; a bidirectional override ("Trojan
# Source", CVE-2021-42574) that shows the name backwards; a byte no codec decodes.
HOSTILE_NAMES: dict[str, tuple[str | bytes, str]] = {
    "newline": ("evil\nC:\\fake.py:1:1  ContactService.load  covered.py", "evil\\nC:\\fake.py"),
    "escape": ("\x1b[31mred.py", "\\x1b[31mred.py"),
    "carriage return": ("cr\rgood.py", "cr\\rgood.py"),
    "bidi override": ("bidi\u202eyp.py", "bidi\\u202eyp.py"),
    "undecodable": (b"bad\xffname.py", "bad\\xffname.py"),
}


@pytest.mark.parametrize(("name", "shown"), list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_a_file_name_cannot_forge_or_hide_report_lines(
    project: Path, name: str | bytes, shown: str
) -> None:
    file = named(project, name)
    report = audit_path(project)
    assert called_in(report) == {"good.py", file}  # the report keeps the real name

    text = render_text(report)

    assert all(line.isprintable() for line in text.splitlines())
    assert f"\n{shown}:1:1 " in text  # one line, escaped, where the call is
    assert not [line for line in text.splitlines() if line.startswith("C:")]
    text.encode("utf-8")  # printable on a strict UTF-8 terminal


def test_names_in_skipped_files_and_the_root_are_escaped(tmp_path: Path) -> None:
    root = tmp_path / "pro\nject"
    root.mkdir()
    (root / "good.py").write_text(GOOD)
    (tmp_path / "out\nside.py").write_text(CALL)
    link(root / "link\r.py", tmp_path / "out\nside.py")
    named(root, "big\n.py", CALL * 100)

    text = render_text(audit_path(root, max_file_size=100))

    assert all(line.isprintable() for line in text.splitlines())
    assert text.startswith(f"Keap XML-RPC call sites in {tmp_path}/pro\\nject (")
    assert "\n  big\\n.py:?: too large: 3.4 kB, over the 100 bytes limit" in text
    assert f"\n  link\\r.py:?: outside the target: a link to {tmp_path}/out\\nside.py," in text


def test_a_string_in_the_code_cannot_forge_report_lines(project: Path) -> None:
    # Column names are the code's own string literals, and the report lists them.
    (project / "cols.py").write_text(
        's.ContactService.load("k", 1, ["Id", "X\\nC:\\\\fake.py:9:9  forged"])\n'
    )

    text = render_text(audit_path(project))

    assert all(line.isprintable() for line in text.splitlines())
    assert "Contact.X\\nC:\\fake.py:9:9  forged" in text


def test_the_json_report_escapes_what_a_terminal_would_run_and_keeps_the_names(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {named(project, name) for name, _ in HOSTILE_NAMES.values()}

    assert main(["audit", str(project), "--json"]) == 0
    out = capsys.readouterr().out

    out.encode("utf-8")  # no lone surrogate: printable on a strict UTF-8 terminal
    assert all(char.isprintable() or char == "\n" for char in out)
    assert {c["file"] for c in json.loads(out)["calls"]} == {"good.py", *files}  # exact


# ------------------------------------------------------------------------------ notebook cap


def test_the_default_notebook_cap_is_10_mb_and_the_report_says_so(project: Path) -> None:
    # Parsing a notebook's JSON took about 25 times its size (1.26 GB for a 46 MB one made of
    # small objects): the file itself is capped at twice --max-file-size, 10 MB by default.
    limit = 10_000_000
    cell = {"cell_type": "code", "source": CALL, "outputs": []}
    head = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4})[:-1]
    padding = ', "pad": "' + "x" * (limit - len(head) - 12) + '"}'
    (project / "at.ipynb").write_text(head + padding)  # images, mostly: read
    (project / "over.ipynb").write_text(head + padding.replace('"x', '"xx'))  # one byte more
    (project / "z_good.py").write_text(CALL)
    assert [(project / name).stat().st_size for name in ("at.ipynb", "over.ipynb")] == [
        limit,
        limit + 1,
    ]

    report = audit_path(project)

    assert called_in(report) == {"good.py", "at.ipynb", "z_good.py"}
    assert skipped(report) == {
        "over.ipynb": "too large: 10,000,001 bytes, over the 10,000,000 bytes limit for a "
        "notebook file (2 times --max-file-size: outputs take room)"
    }
    text = render_text(report)
    assert "\n  over.ipynb:?: too large: 10,000,001 bytes, over the 10,000,000 bytes" in text
    assert "z_good.py:1:1 " in text
