"""Opt-outs of numbers the retention purge has forgotten are kept as fingerprints: keyed with
REMINDERS_FINGERPRINT_KEY (HMAC-SHA256), so a copy of Redis alone cannot test numbers against
them; fingerprints made before the key was set stay honoured."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
import redis

from reminders import settings
from reminders.settings import ImproperlyConfigured
from reminders.staff.retention import purge
from reminders.store import Store
from reminders.store.contacts import fingerprint
from tests.factories import BOOKED_AT

PHONE = "+4915112345678"
LATER = BOOKED_AT + timedelta(days=60)
KEY = b"0123456789abcdef0123456789abcdef"


def test_with_a_key_the_kept_fingerprint_is_an_hmac_not_a_plain_hash(
    client: redis.Redis, prefix: str
) -> None:
    store = Store(client, prefix, fingerprint_key=KEY)
    store.contacts.opt_out(PHONE, BOOKED_AT, source="inbound", keyword="stop")
    purge(store, LATER, days=30)
    kept = {k.decode() for k in client.hkeys(store.keys.optout_fingerprints)}
    mac = hmac.new(KEY, f"reminders-optout:{PHONE}".encode(), hashlib.sha256).hexdigest()
    assert kept == {"k1:" + mac}
    assert fingerprint(PHONE) not in kept  # the unkeyed hash anyone could compute
    assert all(PHONE not in k and PHONE[1:] not in k for k in kept)
    assert store.contacts.is_opted_out(PHONE)
    # Without the key (or with another) the number cannot be tested against it.
    assert not Store(client, prefix).contacts.is_opted_out(PHONE)
    assert not Store(client, prefix, fingerprint_key=b"x" * 32).contacts.is_opted_out(PHONE)
    assert store.contacts.opt_in(PHONE, LATER, source="inbound", keyword="start")
    assert not store.contacts.is_opted_out(PHONE)


def test_an_opt_out_kept_before_the_key_was_set_is_still_honoured_and_undone(
    client: redis.Redis, prefix: str
) -> None:
    before = Store(client, prefix)
    before.contacts.opt_out(PHONE, BOOKED_AT, source="inbound", keyword="stop")
    purge(before, LATER, days=30)
    assert {k.decode() for k in client.hkeys(before.keys.optout_fingerprints)} == {
        fingerprint(PHONE)
    }
    keyed = Store(client, prefix, fingerprint_key=KEY)
    assert keyed.contacts.is_opted_out(PHONE)
    assert keyed.contacts.sms_block(PHONE) is not None
    assert keyed.contacts.opt_in(PHONE, LATER, source="inbound", keyword="start")
    assert client.hlen(keyed.keys.optout_fingerprints) == 0


def test_real_sms_need_the_key_and_a_short_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "REMINDERS_CHANNELS": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "secret",
        "TWILIO_FROM_NUMBER": "+15550100",
        "PUBLIC_BASE_URL": "https://reminders.example.org",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=r"^REMINDERS_FINGERPRINT_KEY: needed by"):
        settings.load()
    monkeypatch.setenv("REMINDERS_FINGERPRINT_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="at least 32 random characters"):
        settings.load()
    monkeypatch.setenv("REMINDERS_FINGERPRINT_KEY", KEY.decode())
    assert settings.load().fingerprint_key == KEY.decode()
