"""What the retention purge forgets in the store (issue 12, item 9): every key that holds
personal data, directly; the end-to-end check over HTTP is in
tests/integration/api/test_staff_data.py. Real Redis."""

from __future__ import annotations

import json
from datetime import timedelta

import redis

from reminders.booking import book
from reminders.schedule import Schedule
from reminders.staff.retention import purge
from reminders.store import Store
from tests.factories import BOOKED_AT, make_appointment

PHONE = "+4915112345678"
LATER = BOOKED_AT + timedelta(days=60)


def test_forget_removes_the_channels_memos_and_the_staffs_marks(
    store: Store, epidural: Schedule, client: redis.Redis
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None
    rid = snap.reminders[0].id
    store.sendlog.remember("sms:try", rid, json.dumps({"to": PHONE, "at": 0, "sha": "x"}))
    store.sendlog.remember("sms:sid", rid, "SM123")
    store.sendlog.remember("email:sent", rid, "<id@example.org>")
    store.attention.mark_handled(f"flagged:{rid}", BOOKED_AT, "token …abcd", "called Maria")
    store.attention.mark_handled("flagged:APT-2:1:escort:-:sms", BOOKED_AT, "t", "other one")
    store.outbox.claim(rid, "outbox-1")
    store.outbox.append({"at": BOOKED_AT.isoformat(), "reminder": rid, "to": PHONE})
    store.purge.forget(snap, BOOKED_AT, "test")
    for kind in ("sms:try", "sms:sid", "email:sent"):
        assert store.sendlog.recall(kind, rid) is None
    assert list(store.attention.handled()) == ["flagged:APT-2:1:escort:-:sms"]
    assert store.outbox.messages() == [] and store.outbox.provider_id(rid) is None


def test_an_audit_event_keeps_what_happened_and_loses_names_numbers_and_addresses(
    store: Store, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    store.r.rpush(
        store.keys.events("APT-1001"),
        json.dumps(
            {
                "at": BOOKED_AT.isoformat(),
                "type": "failed",
                "reminder": "APT-1001:1:escort:-:email",
                "why": "recipient refused: 5.1.1 <maria@example.org>: no such user",
                "error": "21211: The 'To' number +49 151 1234 5678 is not valid (Maria Rossi)",
                "fallback": {"to": PHONE, "why": "to maria@example.org"},
                "reason": "Maria called to cancel",
            }
        ),
    )
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None
    store.purge.forget(snap, BOOKED_AT, "test")
    event = store.appointments.events("APT-1001")[-2]
    assert event == {
        "at": BOOKED_AT.isoformat(),
        "type": "failed",
        "reminder": "APT-1001:1:escort:-:email",
        "why": "recipient refused: 5.1.1 <…>: no such user",
        "error": "21211: The 'To' number … is not valid (…)",
        "fallback": {"why": "to …"},
    }


def test_an_opt_out_outlives_the_number_as_a_fingerprint_and_start_still_undoes_it(
    store: Store,
) -> None:
    store.contacts.opt_out(PHONE, BOOKED_AT, source="inbound", keyword="stop")
    store.contacts.mark_unusable("+15005550009", BOOKED_AT, "21614", "landline")
    purge(store, LATER, days=30)
    assert store.contacts.opted_out_numbers() == {} and store.contacts.unusable_numbers() == {}
    assert store.contacts.opt_out_log() == []
    assert store.contacts.is_opted_out(PHONE)
    assert store.contacts.sms_block(PHONE) is not None
    assert not store.contacts.opt_out(PHONE, LATER, source="inbound", keyword="stop")
    assert store.contacts.opt_in(PHONE, LATER, source="inbound", keyword="start")
    assert not store.contacts.is_opted_out(PHONE)


def test_a_number_an_appointment_names_keeps_its_marks(store: Store, epidural: Schedule) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    store.contacts.opt_out(PHONE, BOOKED_AT, source="inbound", keyword="stop")
    store.contacts.mark_unusable(PHONE, BOOKED_AT, "30006", "landline")
    # 60 days on the appointment's reminders are still pending (nobody delivered them).
    assert purge(store, LATER, days=30) == []
    assert PHONE in store.contacts.opted_out_numbers()
    assert PHONE in store.contacts.unusable_numbers()
    assert [e["type"] for e in store.contacts.opt_out_log()] == ["opt_out"]


def test_a_channels_last_error_keeps_no_recipient(store: Store) -> None:
    # /health shows it to anyone, and nothing purges it.
    store.ops.channel_failed(
        "email", BOOKED_AT, "450: recipient refused: 4.2.0 <maria@example.org>: greylisted"
    )
    store.ops.channel_failed("sms", BOOKED_AT, "30003: +4915112345678 unreachable")
    assert store.ops.channel_health("email").last_error == (
        "450: recipient refused: 4.2.0 <…>: greylisted"
    )
    assert store.ops.channel_health("sms").last_error == "30003: … unreachable"
