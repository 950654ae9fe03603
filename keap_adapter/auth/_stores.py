"""Where tokens live between runs: the ``TokenStore`` interface and ``FileTokenStore``.

Keap rotates the refresh token on every refresh and invalidates the old one at once (Keap's
OAuth2 guide; infusionsoft/infusionsoft-php issue #99 shows what two refreshes racing with
one token do), so a store does three things: ``load``, ``save`` atomically, and a ``lock``
that every process refreshing with these tokens takes, so exactly one of them refreshes and
the others read the result.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

from .._exceptions import ConfigurationError, TransportError
from ._tokens import Tokens

__all__ = ["FileTokenStore", "TokenStore"]

# The token file holds secrets: owner read/write only.
_MODE = 0o600
_POLL = 0.02


@runtime_checkable
class TokenStore(Protocol):
    """Keeps an app's :class:`Tokens`. Implement all three to keep them elsewhere."""

    def load(self) -> Tokens | None:
        """The stored tokens, or ``None`` when there are none yet."""
        ...

    def save(self, tokens: Tokens) -> None:
        """Replace the stored tokens, atomically: a reader sees the old or the new, whole."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Held while refreshing: exclusive across every thread and process using the store."""
        ...


class FileTokenStore:
    """Tokens in a JSON file (mode 0600), replaced atomically, locked with ``flock``.

    ``save`` writes a temporary file in the same folder, syncs it to disk, renames it over
    the old one and syncs the folder, so a crash leaves the old tokens or the new ones, never
    a half-written file. ``lock`` takes an exclusive ``flock`` on ``<path>.lock`` (POSIX),
    waiting up to ``lock_timeout`` seconds (longer than a refresh may take: 3 x the OAuth2
    ``timeout``). A path through a symbolic link is followed at each use, so the file the
    link points to is replaced and locked, as every process sharing it expects.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 360.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._threads = threading.Lock()  # flock is per open file; threads share one first

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> Tokens | None:
        """The tokens in the file, ``None`` if there is no file; ``ConfigurationError``
        (naming the file, quoting nothing of it) if it is not a token file."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the token file {self.path}: {exc.strerror}"
            ) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigurationError(f"the token file {self.path} is not JSON") from None
        try:
            return Tokens.from_json(data)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{self.path}: {exc.message}") from None

    def save(self, tokens: Tokens) -> None:
        """Write ``tokens`` atomically (temporary file, fsync, rename, fsync the folder)."""
        target = self._target()
        folder = target.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
        try:
            os.fchmod(fd, _MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(tokens.to_json(), out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _sync_folder(folder)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock on ``<path>.lock`` across threads and processes."""
        import fcntl  # noqa: PLC0415 - POSIX only; imported where it is needed

        deadline = time.monotonic() + self.lock_timeout
        if not self._threads.acquire(timeout=self.lock_timeout):
            raise _lock_timeout(self.path)
        try:
            target = self._target()
            lock_path = target.with_name(target.name + ".lock")
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, _MODE)
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise _lock_timeout(self.path) from None
                        time.sleep(_POLL)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            self._threads.release()

    def _target(self) -> Path:
        # The file a link points to, not the link: replacing the link would leave the real
        # file (and every process using its path) with the spent refresh token.
        return self.path.resolve()


def _lock_timeout(path: Path) -> TransportError:
    return TransportError(
        f"the token file {path} stayed locked by another refresh; try again",
        operation="oauth.refresh",
    )


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder is on disk too (POSIX rename(2) + fsync(2)).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some systems cannot open a folder; the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
