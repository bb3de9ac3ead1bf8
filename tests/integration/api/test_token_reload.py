"""API tokens from API_TOKENS_FILE are re-read without a restart (issue 12): a new token is
accepted, a removed one works through REMINDERS_TOKEN_GRACE and then not, a broken file keeps
the tokens in use and says why (API_TOKENS_FILE, the entry, never a token), SIGHUP re-reads."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock

OLD = "staff:old-token-0123456789abcdef"
NEW = "staff:new-token-fedcba9876543210"
GRACE = 1.5


def bearer(entry: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {entry.partition(':')[2]}"}


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"{OLD}\n", encoding="utf-8")
    return path


@pytest.fixture
def api_env(tokens_file: Path) -> dict[str, str]:
    return {"REMINDERS_TOKEN_GRACE": str(GRACE)}


@pytest.fixture
def http(
    api: tuple[TestClient, FixedClock], tokens_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app, with its tokens from ``tokens_file`` (as a restart would read them)."""
    from reminders.api.tokens import ApiTokens  # noqa: PLC0415
    from reminders.settings import load  # noqa: PLC0415

    client, _ = api
    monkeypatch.delenv("API_TOKENS", raising=False)
    monkeypatch.setenv("API_TOKENS_FILE", str(tokens_file))
    client.app.state.tokens = ApiTokens.from_settings(load())  # type: ignore[attr-defined]
    yield client


def rewrite(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    later = time.time() + 5  # a new modification time even on a coarse clock
    os.utime(path, (later, later))


def status(http: TestClient, entry: str) -> int:
    return http.get("/schedules", headers=bearer(entry)).status_code


def until(check: object, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def test_a_rolled_token_is_accepted_and_the_old_one_works_through_the_grace(
    http: TestClient, tokens_file: Path
) -> None:
    assert status(http, OLD) == 200 and status(http, NEW) == 401
    rewrite(tokens_file, f"{NEW}\n")
    until(lambda: status(http, NEW) == 200)  # within about a second, no restart
    rolled = time.monotonic()
    assert status(http, OLD) == 200  # in the grace
    until(lambda: status(http, OLD) == 401, within=GRACE + 3)
    assert time.monotonic() - rolled >= GRACE - 1.05  # not before the grace (less one look)
    assert status(http, NEW) == 200


def test_a_broken_file_keeps_the_tokens_in_use_and_names_the_entry(
    http: TestClient, tokens_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "staff:secret-new-token-0000000000"
    caplog.set_level(logging.ERROR, logger="reminders.api.tokens")
    rewrite(tokens_file, f"{secret}\nnurse:short\n")
    until(lambda: status(http, OLD) == 200 and "API_TOKENS_FILE entry 2" in caplog.text)
    assert status(http, OLD) == 200 and status(http, secret) == 401
    assert "secret-new-token" not in caplog.text and "short" not in caplog.text
    time.sleep(GRACE + 0.2)  # the old token is not retired by a file that was not used
    assert status(http, OLD) == 200
    rewrite(tokens_file, "")  # an empty file is no set of tokens either
    until(lambda: status(http, OLD) == 200 and "no tokens in" in caplog.text)
    assert status(http, OLD) == 200


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")
def test_sighup_reads_the_file_again_at_once(http: TestClient, tokens_file: Path) -> None:
    from reminders.api.tokens import install_sighup  # noqa: PLC0415

    install_sighup()
    # Same size, modification time put back: only SIGHUP can tell it changed.
    before = tokens_file.stat()
    tokens_file.write_text(f"{NEW}\n", encoding="utf-8")
    os.utime(tokens_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    time.sleep(1.1)
    assert status(http, NEW) == 401
    os.kill(os.getpid(), signal.SIGHUP)
    assert status(http, NEW) == 200
