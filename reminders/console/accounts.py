"""Per-person console accounts: names, roles, languages and Argon2id password hashes
(argon2-cffi's defaults, RFC 9106's second recommended parameters). The store keeps the
records (``store.users``); here is what a name, a role and a password must be."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reminders.store import Store

ROLES = ("staff", "admin")
LANGUAGES = ("en", "de")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
# Verified against when the account does not exist, so that an unknown name takes as long
# to refuse as a wrong password.
_DUMMY = _HASHER.hash("not-a-password-of-anyone")


class AccountError(ValueError):
    """A name, role, language or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    lang: str  # "" : the browser's language
    disabled: bool
    generation: int  # bumped by a reset: sessions of an earlier one end
    created_at: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _account(name: str, r: dict[str, Any]) -> Account:
    return Account(
        name,
        str(r["role"]),
        str(r.get("lang", "")),
        bool(r.get("disabled")),
        int(r.get("generation", 1)),
        str(r.get("created_at", "")),
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters long")


def add(store: Store, name: str, role: str, lang: str, password: str, now: datetime) -> Account:
    if not NAME.match(name):
        raise AccountError(
            "the name must be 2-32 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    if lang and lang not in LANGUAGES:
        raise AccountError(f"the language must be one of {', '.join(LANGUAGES)}")
    check_password(password)
    record = {
        "role": role,
        "lang": lang,
        "hash": _HASHER.hash(password),
        "disabled": False,
        "generation": 1,
        "created_at": now.isoformat(),
    }
    if not store.users.add(name, record):
        raise AccountError(f"an account named {name!r} exists already")
    return _account(name, record)


def get(store: Store, name: str) -> Account | None:
    record = store.users.get(name)
    return _account(name, record) if record is not None else None


def all_accounts(store: Store) -> list[Account]:
    return [_account(n, r) for n, r in store.users.all().items()]


def disable(store: Store, name: str) -> Account:
    """The account can no longer sign in, and its sessions end at their next request."""
    record = _existing(store, name)
    record.update(disabled=True, generation=int(record.get("generation", 1)) + 1)
    store.users.put(name, record)
    return _account(name, record)


def reset(store: Store, name: str, password: str) -> Account:
    """A new password (and the account enabled again); every session of the old one ends."""
    check_password(password)
    record = _existing(store, name)
    record.update(
        hash=_HASHER.hash(password),
        disabled=False,
        generation=int(record.get("generation", 1)) + 1,
    )
    store.users.put(name, record)
    return _account(name, record)


def authenticate(store: Store, name: str, password: str) -> Account | None:
    """The account, when the password is right and the account enabled; else None, after the
    same work whether the name exists or not."""
    record = store.users.get(name)
    hashed = str(record["hash"]) if record is not None else _DUMMY
    try:
        _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if record is None or record.get("disabled"):
        return None
    if _HASHER.check_needs_rehash(hashed):
        store.users.put(name, {**record, "hash": _HASHER.hash(password)})
    return _account(name, record)


def _existing(store: Store, name: str) -> dict[str, Any]:
    record = store.users.get(name)
    if record is None:
        raise AccountError(f"no account named {name!r}")
    return record
