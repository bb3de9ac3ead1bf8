"""The README's commands work as written, so it cannot drift from the product.

Every shell block is marked (``blocks.py``): a block without a marker, or with one this check
does not know, fails. The runnable ones run in README order, as a reader following it would,
each with ``bash`` and ``set -euo pipefail``, within ``TIMEOUT`` seconds, in one fresh copy of
the checkout (what git tracks or would track, as it is in the working tree) whose ``.venv`` is
made from the lock alone, against a Redis of their own on a free port:

- ``REDIS_URL`` that Redis, ``REMINDERS_KEY_PREFIX`` a fresh prefix, ``PASSWORD`` a password,
  ``TOKEN`` an integration token, and ``PATH`` without this test's own virtualenv;
- for ``with the API`` blocks, ``reminders serve`` from the copy's ``.venv`` on
  ``localhost:8000`` (the README's port) with ``API_TOKENS`` accepting ``TOKEN``, the clock at
  ``EXAMPLES_NOW`` (the date the examples are written for, so that their bookings stay in the
  future), and the mapping file a ``file:`` block wrote, when there is one.

A test of one block first runs the blocks before it that it has not run yet (a block may use
what an earlier one made, e.g. the schedule file copied in "Run it for real")."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reminders.devtools.embedded_redis import EmbeddedRedis
from tests.factories import ROOT
from tests.helpers import wait_until
from tests.readme.blocks import FILE, NOT_RUNNABLE, SHELL, WITH_API, Block, parse

README = ROOT / "README.md"
BLOCKS = parse(README)
STEPS = [b for b in BLOCKS if b.runs or b.kind == FILE]  # in README order
TIMEOUT = 120.0  # seconds per block
API_PORT = 8000
EXAMPLES_NOW = "2027-03-20T10:00:00+00:00"
TOKEN = "readme-integration-token-0123456789"
PASSWORD = "readme-check-password-0123456789"  # the check's own account, in its own Redis


def test_every_shell_block_says_whether_it_runs() -> None:
    """A new block cannot slip by: it is runnable (and passes below) or says why not."""
    shell = [b for b in BLOCKS if b.shell]
    assert len(shell) >= 10
    unmarked = [f"{b.name}: {b.marker or 'no marker'}" for b in shell if b.kind is None]
    assert unmarked == [], (
        "mark each ```sh block on the line before it with <!-- runnable -->, "
        "<!-- runnable: with the API --> or <!-- not runnable: why --> (README, Development)"
    )
    # A file: marker belongs on data, a runnable one on commands.
    assert [b.name for b in BLOCKS if b.runs and not b.shell] == []
    assert [b.name for b in BLOCKS if b.kind == FILE and b.shell] == []
    assert {b.lang for b in BLOCKS if b.lang} <= SHELL | {"toml", "json"}


def test_the_readme_says_how_blocks_are_marked() -> None:
    text = README.read_text(encoding="utf-8")
    for marker in ("<!-- runnable -->", "<!-- runnable: with the API -->", "<!-- not runnable:"):
        assert f"`{marker}" in text


def test_not_runnable_blocks_say_why() -> None:
    for b in BLOCKS:
        if b.kind == NOT_RUNNABLE:
            assert len(b.argument) > 10, b.name


class Checkout:
    """The copy, its lock-made virtualenv, and what has run in it so far."""

    def __init__(self, root: Path, redis_url: str) -> None:
        self.root = root
        self.done: set[int] = set()
        home = root.parent / "home"
        home.mkdir()
        venv_bin = str(ROOT / ".venv" / "bin")
        path = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p != venv_bin]
        if sys.prefix != sys.base_prefix:  # the venv running this test, wherever it is
            path = [p for p in path if p != str(Path(sys.prefix) / "bin")]
        self.env = {
            "PATH": os.pathsep.join(path),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "TMPDIR": str(root.parent),
            "REDIS_URL": redis_url,
            "REMINDERS_KEY_PREFIX": f"readme-{uuid.uuid4().hex[:8]}",
            "TOKEN": TOKEN,
            "PASSWORD": PASSWORD,
        }

    def step(self, block: Block) -> None:
        """Run ``block`` after the earlier steps not run yet."""
        for earlier in STEPS:
            if earlier.line > block.line:
                break
            if earlier.line not in self.done:
                self.done.add(earlier.line)  # once, even if it fails
                self._run(earlier)

    def _run(self, block: Block) -> None:
        if block.kind == FILE:
            target = self.root / block.argument
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")
            return
        api = self._start_api() if block.kind == WITH_API else None
        try:
            self._bash(block)
        finally:
            if api is not None:
                _stop(api)

    def _bash(self, block: Block) -> None:
        proc = subprocess.Popen(
            ["bash", "-c", "set -euo pipefail\n" + block.code],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: whatever it left running goes
        )
        try:
            out, _ = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, _ = proc.communicate()
            pytest.fail(f"{block.name} did not finish within {TIMEOUT:.0f} s:\n{out}")
        finally:
            _kill_group(proc)
        if proc.returncode != 0:
            pytest.fail(
                f"{block.name} failed (exit status {proc.returncode}):\n"
                f"--- the block\n{block.code}--- its output\n{out}"
            )

    def _start_api(self) -> subprocess.Popen[bytes]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", API_PORT)) == 0:  # someone listens there
                pytest.fail(f"port {API_PORT} is taken: the README's API blocks use it")
        env = {
            **self.env,
            "API_TOKENS": f"integration:{TOKEN}",
            "REMINDERS_CLOCK": f"fixed:{EXAMPLES_NOW}",
            "REMINDERS_CHANNELS": "outbox",
        }
        mapping = self.root / "config" / "hl7-mapping.toml"
        if mapping.is_file():
            env["REMINDERS_HL7_MAPPING"] = str(mapping)
        log = (self.root.parent / "api.log").open("ab")
        proc = subprocess.Popen(
            [str(self.root / ".venv" / "bin" / "reminders"), "serve", "--port", str(API_PORT)],
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        url = f"http://127.0.0.1:{API_PORT}/health"
        # A timeout is reported below, with the server's log.
        with contextlib.suppress(AssertionError):
            wait_until(lambda: proc.poll() is not None or _answers(url), 60, "reminders serve")
        if proc.poll() is not None or not _answers(url):
            _stop(proc)
            tail = (self.root.parent / "api.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"reminders serve did not start:\n{tail}")
        return proc


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a local test URL
            return True
    except urllib.error.HTTPError:
        return True  # it answered (503 until beat runs: none runs here)
    except OSError:
        return False


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # nothing left, or gone
        os.killpg(proc.pid, signal.SIGKILL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _copy_checkout(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # not one deleted in the working tree
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


@pytest.fixture(scope="session")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checkout]:
    """A fresh copy with ``.venv`` made from the lock, as "Install without make" says, and a
    Redis of its own on a free port."""
    base = tmp_path_factory.mktemp("readme")
    root = base / "reminders"
    root.mkdir()
    _copy_checkout(root)
    venv_python = root / ".venv" / "bin" / "python"
    for args in (
        [sys.executable, "-m", "venv", str(root / ".venv")],
        [venv_python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r",
         "requirements.txt"],
        [venv_python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "-e", "."],
    ):  # fmt: skip
        done = subprocess.run(
            args, cwd=root, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    server = EmbeddedRedis(directory=base / "redis")
    server.dir.mkdir()
    server.start()
    try:
        yield Checkout(root, server.url)
    finally:
        server.cleanup()


@pytest.mark.slow
@pytest.mark.parametrize("block", [b for b in BLOCKS if b.runs], ids=lambda b: f"line{b.line}")
def test_the_readme_block_works_as_written(checkout: Checkout, block: Block) -> None:
    checkout.step(block)
