"""Which files the audit reads: dot folders, scripts without a suffix, Jupyter notebooks.

A Keap call in a file the audit never reads would make its count look complete when it is
not; a file it cannot read is listed as skipped, so the report is never complete then.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from keap_adapter.migration._audit import audit_path
from keap_adapter.migration._audit_recover import without_ipython
from keap_adapter.migration._audit_render import render_json, render_text

MERGE = 's.ContactService.merge("k", 1, 2)\n'


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def notebook(*cells: tuple[str, str], language: str = "python") -> str:
    """A notebook (nbformat 4) of (cell type, source) cells, sources as lists of lines."""
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": kind,
                    "metadata": {},
                    "source": source.splitlines(keepends=True),
                    **({"outputs": [], "execution_count": None} if kind == "code" else {}),
                }
                for kind, source in cells
            ],
            "metadata": {"kernelspec": {"language": language, "name": "k", "display_name": "k"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_single_file_and_subfolders(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("server.ContactService.load(KEY, 1, [])\n")
    assert [c.file for c in audit_path(tmp_path).calls] == ["pkg/mod.py"]
    single = audit_path(tmp_path / "pkg" / "mod.py")
    assert (single.files, [c.file for c in single.calls]) == (("mod.py",), ["mod.py"])


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        audit_path(tmp_path / "nope")


def test_unparseable_bytes_and_warnings(tmp_path: Path) -> None:
    (tmp_path / "nul.py").write_bytes(b"x = 1\0\n")
    # Invalid escapes warn when parsed; the audit must not (pytest turns warnings into errors).
    (tmp_path / "regex.py").write_text('call("ContactService.add", "\\d")\n')
    report = audit_path(tmp_path)
    assert [f.file for f in report.failures] == ["nul.py"]
    assert [c.method for c in report.calls] == ["ContactService.add"]


def test_dot_folders_are_read_but_tool_folders_are_not(tmp_path: Path) -> None:
    for name in (
        ".github/scripts/sync.py",
        ".ci/deploy.py",
        ".git/hooks/post_merge.py",
        ".venv/lib/python3.11/site-packages/infusionsoft/client.py",
        ".tox/py311/lib/x.py",
        ".nox/tests/x.py",
        ".mypy_cache/3.11/x.py",
        ".pytest_cache/v/x.py",
        ".ruff_cache/x.py",
        "__pycache__/x.py",
        "notebooks/.ipynb_checkpoints/x.py",
        "build/lib/site-packages/x.py",
        "web/node_modules/x.py",
        "env311/lib/x.py",
        "env311/bin/sync",
    ):
        write(tmp_path, name, "#!/usr/bin/env python\n" + MERGE)
    write(tmp_path, "env311/pyvenv.cfg", "home = /usr/bin\n")  # a virtualenv of any name
    report = audit_path(tmp_path)
    assert report.files == (".ci/deploy.py", ".github/scripts/sync.py")
    assert [c.file for c in report.calls] == [".ci/deploy.py", ".github/scripts/sync.py"]


def test_scripts_without_a_suffix_are_read_when_their_shebang_names_python(
    tmp_path: Path,
) -> None:
    write(tmp_path, "bin/nightly_job", "#!/usr/bin/env python3\nimport xmlrpc.client\n" + MERGE)
    write(tmp_path, "bin/legacy", "#!/usr/local/bin/python2.7 -u\n" + MERGE)
    write(tmp_path, "bin/wrapped", "#! /opt/app/venv/bin/python\n" + MERGE)
    write(tmp_path, "bin/deploy", "#!/bin/sh\n" + MERGE)
    write(tmp_path, "bin/notes", MERGE)  # no shebang: not known to be Python
    write(tmp_path, "Makefile", "all:\n\tpython sync.py\n")
    (tmp_path / "bin/blob").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (tmp_path / "bin/empty").write_bytes(b"")
    report = audit_path(tmp_path)
    assert report.files == ("bin/legacy", "bin/nightly_job", "bin/wrapped")
    assert [(c.file, c.line, c.method) for c in report.calls] == [
        ("bin/legacy", 2, "ContactService.merge"),
        ("bin/nightly_job", 3, "ContactService.merge"),
        ("bin/wrapped", 2, "ContactService.merge"),
    ]
    assert report.complete
    single = audit_path(tmp_path / "bin/nightly_job")  # named on the command line
    assert [c.file for c in single.calls] == ["nightly_job"]


def test_notebook_code_cells_are_read_with_their_cell_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "sync.ipynb",
        notebook(
            ("markdown", "# Sync\ns.ContactService.add(K, {}) in prose is no call\n"),
            ("code", "import xmlrpc.client\n!pip install requests\n%matplotlib inline\n"),
            ("code", 's = xmlrpc.client.ServerProxy(URL)\nsvc = s.ContactService\nKEY = "k"'),
            ("raw", "s.ContactService.merge(K, 1, 2)\n"),
            (
                "code",
                "\nsvc.load(KEY, 1, ['Id', 'Password'])\n%time s.ContactService.merge(K, 1, 2)",
            ),
            ("code", "%%time\nx = 1\ns.DataService.query(KEY, 'Contact', 10, 0, {}, ['Id'])\n"),
            ("code", "%%bash\nls s.ContactService.merge\n"),
        ),
    )
    report = audit_path(tmp_path)
    assert report.files == ("sync.ipynb",)
    assert [(c.file, c.cell, c.line, c.column, c.method, c.verdict) for c in report.calls] == [
        ("sync.ipynb", 5, 2, 1, "ContactService.load", "partial"),  # svc bound in cell 3
        ("sync.ipynb", 5, 3, 7, "ContactService.merge", "not covered"),  # after %time
        ("sync.ipynb", 6, 3, 1, "DataService.query", "covered"),  # after %%time
    ]
    assert report.complete
    text = render_text(report)
    assert "sync.ipynb[cell 5]:2:1 " in text
    data = json.loads(render_json(report))
    assert (data["calls"][0]["file"], data["calls"][0]["cell"], data["calls"][0]["line"]) == (
        "sync.ipynb",
        5,
        2,
    )


def test_the_reviewed_notebook_and_script(tmp_path: Path) -> None:
    cell: dict[str, Any] = {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": 1,
        "source": [
            "import xmlrpc.client\n",
            "s = xmlrpc.client.ServerProxy('https://api.infusionsoft.com/crm/xmlrpc/v1')\n",
            "s.ContactService.merge('k', 1, 2)\n",
        ],
    }
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(tmp_path, "sync.ipynb", json.dumps(nb))
    write(tmp_path, "app.py", 's.ContactService.load("k", 1, ["Id"])\n')
    write(tmp_path, "nightly_job", "#!/usr/bin/env python3\n" + MERGE)
    report = audit_path(tmp_path)
    assert [(c.file, c.line) for c in report.calls] == [
        ("app.py", 1),
        ("nightly_job", 2),
        ("sync.ipynb", 3),
    ]
    assert report.coverage == round(100 / 3, 1)


def test_a_notebook_cell_that_does_not_parse_is_read_at_token_level(tmp_path: Path) -> None:
    write(
        tmp_path,
        "old.ipynb",
        notebook(
            ("code", "import xmlrpclib\ns = xmlrpclib.ServerProxy(URL)\n"),
            ("code", "print 'merging'\ns.ContactService.merge(K, 1, 2)\n"),
        ),
    )
    report = audit_path(tmp_path)
    [call] = report.calls
    assert (call.cell, call.line, call.found_by) == (2, 2, "tokens")
    [failure] = report.failures
    assert (failure.file, failure.cell, failure.line, failure.read_as) == (
        "old.ipynb",
        2,
        1,
        "tokens",
    )
    assert "old.ipynb[cell 2]:1: SyntaxError" in render_text(report)
    assert not report.complete


def test_a_notebook_that_cannot_be_read_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "broken.ipynb", '{"cells": [{"cell_type": "code", "source": ')
    write(tmp_path, "odd.ipynb", '{"cells": "none"}')
    write(tmp_path, "app.py", 's.ContactService.load("k", 1, ["Id"])\n')
    report = audit_path(tmp_path)
    assert report.skipped_files == ("broken.ipynb", "odd.ipynb")
    assert (report.complete, report.coverage) == (False, None)  # never 100% then


def test_notebooks_in_another_language_hold_no_python(tmp_path: Path) -> None:
    write(tmp_path, "r.ipynb", notebook(("code", "library(xml2)\n"), language="R"))
    report = audit_path(tmp_path)
    assert (report.files, report.calls, report.failures) == (("r.ipynb",), (), ())


def test_a_folder_that_cannot_be_listed_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "app.py", 's.ContactService.load("k", 1, ["Id"])\n')
    write(tmp_path, "locked/sync.py", MERGE)
    scandir = os.scandir

    def refuse(path: Any) -> Any:  # as chmod 0 does, for any user (root reads anything)
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    report = audit_path(tmp_path)
    assert report.skipped_files == ("locked",)
    assert report.files == ("app.py",)
    assert not report.complete
    assert "locked:?: PermissionError" in render_text(report)


def test_the_code_after_a_line_magic_is_read() -> None:
    source = textwrap.dedent("""\
        %time infusionsoft.ContactService('merge', 1, 2)
        %timeit -n 10 -r3 s.ContactService.load(K, 1, ['Id'])
        %prun -s cumulative -q f()
        %matplotlib inline
        !pip install x
        %%time
            %time g()
        """)
    assert without_ipython(source).splitlines() == [
        "pass; infusionsoft.ContactService('merge', 1, 2)",
        "pass;".ljust(len("%timeit -n 10 -r3 ")) + "s.ContactService.load(K, 1, ['Id'])",
        "pass;".ljust(len("%prun -s cumulative -q ")) + "f()",
        "pass",
        "pass",
        "pass",
        "    pass; g()",  # the code keeps its own line and column
    ]


def test_a_notebook_export_keeps_the_call_after_a_magic(tmp_path: Path) -> None:
    write(
        tmp_path,
        "nb_export.py",
        textwrap.dedent("""\
            # In[1]:
            !pip install requests
            %matplotlib inline
            from infusionsoft.library import Infusionsoft
            infusionsoft = Infusionsoft('app', 'key')
            %time infusionsoft.ContactService('merge', 1, 2)
            """),
    )
    report = audit_path(tmp_path)
    assert [(c.line, c.column, c.method) for c in report.calls] == [(6, 7, "ContactService.merge")]
    assert report.complete
