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

from reminders.api.tokens import CHECK_EVERY, ApiTokens
from reminders.clock import FixedClock
from reminders.settings import load

OLD = "staff:old-token-0123456789abcdef"
NEW = "staff:new-token-fedcba9876543210"
GRACE = 1.5


class Ticker:
    """The tokens' monotonic clock, moved by the test: no test waits for real time to pass."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


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
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def http(
    api: tuple[TestClient, FixedClock],
    tokens_file: Path,
    ticker: Ticker,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    """The app, with its tokens from ``tokens_file`` (as a restart would read them)."""
    client, _ = api
    monkeypatch.delenv("API_TOKENS", raising=False)
    monkeypatch.setenv("API_TOKENS_FILE", str(tokens_file))
    s = load()
    tokens = ApiTokens(s.api_tokens, s.api_tokens_file, s.api.token_grace, now=ticker)
    client.app.state.tokens = tokens  # type: ignore[attr-defined]
    yield client


def rewrite(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    later = time.time() + 5  # a new modification time even on a coarse clock
    os.utime(path, (later, later))


def status(http: TestClient, entry: str) -> int:
    return http.get("/schedules", headers=bearer(entry)).status_code


def test_a_rolled_token_is_accepted_and_the_old_one_works_through_the_grace(
    http: TestClient, tokens_file: Path, ticker: Ticker
) -> None:
    assert status(http, OLD) == 200 and status(http, NEW) == 401
    rewrite(tokens_file, f"{NEW}\n")
    assert status(http, NEW) == 401  # the file is looked at once a second, not per request
    ticker.advance(CHECK_EVERY)
    assert status(http, NEW) == 200  # no restart
    assert status(http, OLD) == 200  # in the grace
    ticker.advance(GRACE - 0.1)
    assert status(http, OLD) == 200  # still in it
    ticker.advance(0.2)
    assert status(http, OLD) == 401
    assert status(http, NEW) == 200


def test_a_broken_file_keeps_the_tokens_in_use_and_names_the_entry(
    http: TestClient, tokens_file: Path, ticker: Ticker, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "staff:secret-new-token-0000000000"
    caplog.set_level(logging.ERROR, logger="reminders.api.tokens")
    rewrite(tokens_file, f"{secret}\nnurse:short\n")
    ticker.advance(CHECK_EVERY)
    assert status(http, OLD) == 200 and status(http, secret) == 401
    assert "API_TOKENS_FILE entry 2" in caplog.text
    assert "secret-new-token" not in caplog.text and "short" not in caplog.text
    ticker.advance(GRACE + 0.2)  # the old token is not retired by a file that was not used
    assert status(http, OLD) == 200
    rewrite(tokens_file, "")  # an empty file is no set of tokens either
    ticker.advance(CHECK_EVERY)
    assert status(http, OLD) == 200 and "no tokens in" in caplog.text


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")
def test_sighup_reads_the_file_again_at_once(
    http: TestClient, tokens_file: Path, ticker: Ticker
) -> None:
    from reminders.api.tokens import install_sighup  # noqa: PLC0415

    install_sighup()
    # Same size, modification time put back: only SIGHUP can tell it changed.
    before = tokens_file.stat()
    tokens_file.write_text(f"{NEW}\n", encoding="utf-8")
    os.utime(tokens_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    ticker.advance(CHECK_EVERY + 0.1)  # a look at the file happens and sees no change
    assert status(http, NEW) == 401
    os.kill(os.getpid(), signal.SIGHUP)
    assert status(http, NEW) == 200
