"""``reminders users ...``: accounts made from the command line, the password read from stdin
(never an argument), against real Redis."""

from __future__ import annotations

import io

import pytest

from reminders.cli import main
from reminders.console import accounts
from reminders.store import Store


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, redis_url: str, prefix: str) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", prefix)


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_add_reads_the_password_from_stdin(
    monkeypatch: pytest.MonkeyPatch, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run(monkeypatch, "users", "add", "anna", "--role", "admin", "--lang", "de",
               stdin="a long enough password\n")  # fmt: skip
    assert done == 0 and "added anna (admin)" in capsys.readouterr().out
    found = accounts.authenticate(store, "anna", "a long enough password")
    assert found is not None and found.role == "admin" and found.lang == "de"


def test_a_short_password_or_a_second_account_of_the_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "users", "add", "anna", "--role", "staff", stdin="short\n") == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert run(monkeypatch, "users", "add", "anna", "--role", "staff", stdin="x" * 12) == 0
    assert run(monkeypatch, "users", "add", "anna", "--role", "staff", stdin="y" * 12) == 1
    assert "exists already" in capsys.readouterr().err


def test_list_disable_and_reset(
    monkeypatch: pytest.MonkeyPatch, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    run(monkeypatch, "users", "add", "anna", "--role", "staff", stdin="first password\n")
    assert run(monkeypatch, "users", "disable", "anna") == 0
    assert accounts.authenticate(store, "anna", "first password") is None
    capsys.readouterr()
    assert run(monkeypatch, "users", "list") == 0
    assert "anna\tstaff\tbrowser\tdisabled" in capsys.readouterr().out
    assert run(monkeypatch, "users", "reset", "anna", stdin="second password\n") == 0
    assert accounts.authenticate(store, "anna", "second password") is not None
    assert accounts.authenticate(store, "anna", "first password") is None
    assert run(monkeypatch, "users", "disable", "nobody") == 1
