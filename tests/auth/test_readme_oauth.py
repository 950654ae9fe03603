"""The README's "OAuth without a cron job" commands, run as written against a served fake.

Only the port changes (a free one instead of 8765), and the one step a person does in a
browser (open the printed URL, paste the address it lands on) is done with httpx.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.secret_echoes import echoes

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
SECRET = "fake-app-secret-0123456789"


def commands() -> list[str]:
    """The bash block of the README's OAuth section, one command per line."""
    section = README.read_text().split("## OAuth without a cron job", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```bash\n(.*?)```", section, re.S)[0]
    return [line for line in block.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def served(port: int) -> Iterator[None]:
    first = shlex.split(commands()[0], comments=True)
    assert first[:2] == ["keap-adapter", "serve"] and first[-1] == "&"
    server = subprocess.Popen([str(BIN / "keap-adapter"), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/callback", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(10)


def test_the_readme_oauth_commands_work_as_written(served: None, port: int, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("KEAP_API_KEY", None)
    outputs: list[str] = []
    for line in commands()[1:]:
        words = shlex.split(line.replace("8765", str(port)), comments=True)
        if words[0] == "export":
            env.update(word.split("=", 1) for word in words[1:])  # type: ignore[misc]
        elif words[1:] == ["oauth", "authorize"]:
            outputs.append(authorize(words, env, tmp_path))
        else:
            done = subprocess.run(words, env=env, cwd=tmp_path, capture_output=True,
                                  text=True, timeout=60, check=False)  # fmt: skip
            assert done.returncode == 0, (line, done.stderr)
            outputs.append(done.stdout + done.stderr)
    tokens = (tmp_path / "tokens.json").read_text()
    assert '"Web form lead"' in outputs[-2]
    shown = "\n".join(outputs)
    secrets = [SECRET, *re.findall(r'"((?:at|rt)-[^"]+)"', tokens)]
    assert len(secrets) == 3
    for secret in secrets:
        assert [name for name, text in echoes(secret).items() if text in shown] == []


def authorize(words: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run ``oauth authorize``: open the URL it prints, paste where the browser lands."""
    proc = subprocess.Popen(words, env=env, cwd=cwd, text=True, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    printed = []
    for text in proc.stdout:
        printed.append(text)
        url = re.search(r"https?://\S+/app/oauth/authorize\S*", text)
        if url:
            break
    assert url, printed
    landed = httpx.get(url.group(0), follow_redirects=False).headers["location"]
    out, err = proc.communicate(landed + "\n", timeout=60)
    assert proc.returncode == 0, err
    return "".join(printed) + out + err
