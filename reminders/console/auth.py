"""Who is signed in: sessions, CSRF tokens and the wait after failed logins.

- A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure when
  PUBLIC_BASE_URL is https), kept in Redis under its SHA-256 with the account, the CSRF token
  and when it was last used. It ends after REMINDERS_CONSOLE_IDLE_MINUTES without a request,
  at logout, and when the account is disabled or its password reset.
- Every POST carries the session's CSRF token in a hidden field (the login form a token of its
  own, in a cookie and the form); a POST without the right one changes nothing.
- After REMINDERS_CONSOLE_LOGIN_FAILURES failed logins of an account (four times as many from
  one address) the next login must wait REMINDERS_CONSOLE_LOGIN_DELAY seconds, doubling with
  each further failure up to REMINDERS_CONSOLE_LOGIN_DELAY_MAX; a success clears the account's
  count."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from reminders.console import accounts
from reminders.console.accounts import Account
from reminders.wiring import Services

COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
PATH = "/console"
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class Session:
    token: str
    account: Account
    csrf: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _idle(sv: Services) -> timedelta:
    return timedelta(minutes=sv.settings.console.idle_minutes)


def secure_cookies(sv: Services) -> bool:
    return sv.settings.public_base_url.lower().startswith("https://")


def start(sv: Services, account: Account, now: datetime) -> Session:
    """A new session (a new token at every login: a token seen before it is worth nothing)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    _write(sv, token, account, csrf, now)
    return Session(token, account, csrf)


def _write(sv: Services, token: str, account: Account, csrf: str, now: datetime) -> None:
    data = {
        "user": account.name,
        "csrf": csrf,
        "generation": account.generation,
        "seen": now.isoformat(),
    }
    sv.store.sessions.put(_digest(token), data, int(_idle(sv).total_seconds()))


def current(sv: Services, token: str, now: datetime) -> Session | None:
    """The session of this cookie, still alive, refreshed; None when there is none."""
    if not token:
        return None
    data = sv.store.sessions.get(_digest(token))
    if data is None:
        return None
    account = accounts.get(sv.store, str(data.get("user", "")))
    seen = datetime.fromisoformat(str(data["seen"]))
    if (
        account is None
        or account.disabled
        or account.generation != data.get("generation")
        or now - seen > _idle(sv)
    ):
        sv.store.sessions.delete(_digest(token))
        return None
    _write(sv, token, account, str(data["csrf"]), now)
    return Session(token, account, str(data["csrf"]))


def end(sv: Services, token: str) -> None:
    sv.store.sessions.delete(_digest(token))


def same_token(expected: str, presented: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), presented.encode())


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


# --- the wait after failed logins ---------------------------------------------------------


def _who(name: str, address: str) -> list[tuple[str, str, int]]:
    return [("user", _digest(name.strip().lower())[:32], 1), ("addr", _digest(address)[:32], 0)]


def wait_seconds(sv: Services, name: str, address: str, now: datetime) -> int:
    """Seconds before this account may try again from this address (0: now)."""
    c = sv.settings.console
    longest = 0.0
    for kind, who, per_account in _who(name, address):
        threshold = c.login_failures * (1 if per_account else ADDRESS_FACTOR)
        count, last = sv.store.sessions.failures(kind, who)
        if count < threshold or last is None:
            continue
        delay = min(c.login_delay_max, c.login_delay * 2 ** min(count - threshold, 30))
        longest = max(longest, (last + timedelta(seconds=delay) - now).total_seconds())
    return max(0, math.ceil(longest))


def failed(sv: Services, name: str, address: str, now: datetime) -> None:
    for kind, who, _ in _who(name, address):
        sv.store.sessions.failed(kind, who, now)


def succeeded(sv: Services, name: str) -> None:
    kind, who, _ = _who(name, "")[0]
    sv.store.sessions.clear_failures(kind, who)
