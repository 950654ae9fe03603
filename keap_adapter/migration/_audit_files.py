"""Which files under a folder the audit reads, the folders it could not list, and reading one.

Python code lives in ``*.py`` (and ``*.pyw``) files, Jupyter notebooks (``*.ipynb``) and
scripts whose first line names Python (``#!/usr/bin/env python3``), often with no suffix. Every
folder is searched, dot folders included (``.github/scripts`` holds CI jobs), except the ones
tools keep for themselves: version control, virtual environments (``.venv`` or any folder
with a ``pyvenv.cfg``), caches, tox/nox environments, installed packages and notebook
checkpoints (copies of the notebooks next to them). A folder that cannot be listed, or a
file that cannot be opened to read its first line, is a failure ``skipped``: the report is
not complete then.

The audit stays inside the folder it was given (the target), whatever the tree links to:

* a symbolic link that resolves outside the target is never followed nor opened: a link to
  a folder, or to a file with a Python suffix, is listed as skipped ("outside the target");
  a link without one is left alone, as only reading it could tell whether it is Python;
* a link inside the target to a file is read under its own name; a link to a folder inside
  the target is not followed, its files are read where they are (so never twice, and a link
  to a parent folder is no loop);
* a loop of links (``a.py -> b.py -> a.py``) is listed as skipped;
* only regular files are read: a named pipe ``x.py`` would block the audit, a device never end.

The folders are walked with an explicit stack: ``os.walk`` recursed once per folder level
before Python 3.12 (https://github.com/python/cpython/issues/89727), so a tree 1,000 folders
deep ended the whole audit with a ``RecursionError``.
"""

from __future__ import annotations

import errno
import os
import stat
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
NOT_REGULAR = "not a regular file (a pipe, socket or device)"
LINK_LOOP = "a loop of symbolic links"
_SHEBANG_BYTES = 256  # enough for any interpreter line
# Opening a named pipe for reading waits for a writer; non-blocking, it opens at once and
# fstat then says what it is. Windows has neither flag, nor named pipes in folders.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class Listing:
    """The files to read (relative, with forward slashes) and what could not be listed."""

    files: list[str]
    failures: list[ParseFailure]


class TooLarge(Exception):
    """A file over the size limit, not read (or not read to its end)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, over the {limit}-byte limit")
        self.size = size
        self.limit = limit


class NotRegular(Exception):
    """Not a regular file: a named pipe, a socket or a device, not opened to be read."""


def list_sources(root: Path) -> Listing:
    """The Python sources under ``root``, in path order; ``root`` itself if it is a file."""
    if not root.is_dir():
        return Listing([root.name], [])  # named on the command line: read whatever it is
    target = os.path.realpath(root)
    files: list[str] = []
    failures: list[ParseFailure] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listed:
                entries = list(listed)
        except OSError as exc:
            failures.append(_failure(root, Path(exc.filename or folder), exc))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                kind = _kind(entry, path, target)
            except OSError as exc:
                failures.append(_failure(root, path, exc))
                continue
            if kind == "folder":
                pending.append(path)
            elif kind == "source":
                files.append(_name(root, path))
            elif kind is not None:
                failures.append(ParseFailure(_name(root, path), None, kind))
    files.sort(key=lambda name: name.split("/"))  # a folder's files before its subfolders'
    failures.sort(key=lambda failure: failure.file.split("/"))
    return Listing(files, failures)


def read_source(path: Path, limit: int | None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (``None``: any size).

    Raises ``TooLarge`` or ``NotRegular`` for a file not read, ``OSError`` if it cannot be.
    """
    fd = os.open(path, _OPEN_FLAGS)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):  # as reading one says, where opening one works
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(NOT_REGULAR)
        if limit is None:
            return file.read()
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        data = file.read(limit + 1)  # it may have grown since fstat
        if len(data) > limit:
            raise TooLarge(max(len(data), os.fstat(fd).st_size), limit)
        return data


def _kind(entry: os.DirEntry[str], path: Path, target: str) -> str | None:
    """``folder`` to walk, ``source`` to read, ``None`` to leave alone, else why it is
    skipped."""
    if entry.is_symlink():
        return _link(path, target)
    if entry.is_dir(follow_symlinks=False):
        return None if _tool_folder(path) else "folder"
    return "source" if _python(path) else None


def _link(path: Path, target: str) -> str | None:
    """What a symbolic link is to the audit; it never follows one out of ``target``."""
    try:
        resolved = os.path.realpath(path, strict=True)
    except OSError as exc:
        broken = LINK_LOOP if exc.errno == errno.ELOOP else "a broken symbolic link"
        return broken if path.suffix in SUFFIXES else None
    if os.path.isdir(resolved):
        # A tool's folder kept elsewhere (.venv -> a shared environment) is not the project's
        # code; a folder inside the target has its files read where they are.
        outside = not _tool_folder(path) and not _inside(resolved, target)
        return (
            f"outside the target: a link to the folder {resolved}, not followed"
            if outside
            else None
        )
    if not _inside(resolved, target):
        # Without a Python suffix only its first line could tell, and it is not to be read.
        named = path.suffix in SUFFIXES
        return f"outside the target: a link to {resolved}, not read" if named else None
    return "source" if _python(path) else None


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive, on Windows
        return False


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


def _name(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _failure(root: Path, path: Path, exc: OSError) -> ParseFailure:
    return ParseFailure(_name(root, path), None, f"{type(exc).__name__}: {exc.strerror or exc}")
