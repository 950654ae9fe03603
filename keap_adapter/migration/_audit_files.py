"""Which files under a folder the audit reads, and the folders it could not list.

Python code lives in ``*.py`` (and ``*.pyw``) files, Jupyter notebooks (``*.ipynb``) and
scripts whose first line names Python (``#!/usr/bin/env python3``), often with no suffix. Every
folder is searched, dot folders included (``.github/scripts`` holds CI jobs), except the ones
tools keep for themselves: version control, virtual environments (``.venv`` or any folder
with a ``pyvenv.cfg``), caches, tox/nox environments, installed packages and notebook
checkpoints (copies of the notebooks next to them). A folder that cannot be listed, or a
file that cannot be opened to read its first line, is a failure ``skipped``: the report is
not complete then.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ._audit_model import ParseFailure

SUFFIXES = frozenset({".py", ".pyw", ".ipynb"})
TOOL_FOLDERS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".venv", ".tox", ".nox", ".direnv", ".eggs",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".pytype", ".pyre", ".hypothesis",
        ".ipynb_checkpoints", "__pycache__", "site-packages", "node_modules",
    }
)  # fmt: skip
_SHEBANG_BYTES = 256  # enough for any interpreter line


@dataclass(frozen=True)
class Listing:
    """The files to read (relative, with forward slashes) and what could not be listed."""

    files: list[str]
    failures: list[ParseFailure]


def list_sources(root: Path) -> Listing:
    """The Python sources under ``root``, in path order; ``root`` itself if it is a file."""
    if not root.is_dir():
        return Listing([root.name], [])  # named on the command line: read whatever it is
    failures: list[ParseFailure] = []

    def unlisted(exc: OSError) -> None:
        failures.append(_failure(root, Path(exc.filename or root), exc))

    files: list[str] = []
    for folder, dirs, names in os.walk(root, onerror=unlisted):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not _tool_folder(here / d)]
        for name in names:
            path = here / name
            try:
                wanted = _python(path)
            except OSError as exc:
                failures.append(_failure(root, path, exc))
                continue
            if wanted:
                files.append(path.relative_to(root).as_posix())
    files.sort(key=lambda name: name.split("/"))  # a folder's files before its subfolders'
    failures.sort(key=lambda failure: failure.file.split("/"))
    return Listing(files, failures)


def _tool_folder(path: Path) -> bool:
    return path.name in TOOL_FOLDERS or (path / "pyvenv.cfg").is_file()


def _python(path: Path) -> bool:
    """A Python source by its suffix, or a script whose shebang names Python."""
    if path.suffix in SUFFIXES:
        return True
    if not path.is_file():  # a broken link, a socket: nothing to read
        return False
    with path.open("rb") as file:
        first = file.read(_SHEBANG_BYTES).split(b"\n", 1)[0]
    return first.startswith(b"#!") and b"python" in first


def _failure(root: Path, path: Path, exc: OSError) -> ParseFailure:
    try:
        name = path.relative_to(root).as_posix()
    except ValueError:
        name = path.as_posix()
    return ParseFailure(name, None, f"{type(exc).__name__}: {exc.strerror or exc}")
