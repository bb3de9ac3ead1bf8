"""The SMS admission every send passes (``store.sms_gate``), in real Redis: the shared token
bucket, the opt-out and unusable checks, and the attempt's memo, in one atomic step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from reminders.staff.retention import purge
from reminders.store import Store
from reminders.store.sms_gate import Admission, SmsGate
from tests.factories import BOOKED_AT

PHONE = "+4915112345678"


def admit(gate: SmsGate, rid: str, cost: float = 1, phone: str = PHONE) -> Admission:
    return gate.admit(phone, cost, "sms:try", rid, "m")


AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def test_the_token_bucket_is_shared_by_every_worker(client: redis.Redis, prefix: str) -> None:
    a = Store(client, prefix).sms_gate("x", 2)
    b = Store(redis.Redis(connection_pool=client.connection_pool), prefix).sms_gate("x", 2)
    assert [admit(a, "r1").wait, admit(b, "r2").wait] == [0.0, 0.0]
    wait = admit(a, "r3").wait
    assert 0 < wait <= 0.5
    assert admit(b, "r4").wait > 0


def test_the_rate_counts_segments_and_a_long_message_leaves_a_debt(
    client: redis.Redis, prefix: str
) -> None:
    gate = Store(client, prefix).sms_gate("seg", 1)
    assert admit(gate, "r1", cost=3).wait == 0.0  # 3 segments go from a full bucket ...
    wait = admit(gate, "r2").wait
    assert 2.5 < wait <= 3.0  # ... and the next must wait until the 3 segments are paid back


def test_an_admitted_send_is_noted_and_one_told_to_wait_is_not(
    client: redis.Redis, prefix: str
) -> None:
    store = Store(client, prefix)
    gate = store.sms_gate("memo", 1)
    assert gate.admit(PHONE, 1, "sms:try", "r1", '{"n": 1}').wait == 0.0
    assert store.sendlog.recall("sms:try", "r1") == '{"n": 1}'
    assert gate.admit(PHONE, 1, "sms:try", "r2", '{"n": 2}').wait > 0
    assert store.sendlog.recall("sms:try", "r2") is None


def test_an_opted_out_or_unusable_number_is_refused_and_takes_nothing(
    client: redis.Redis, prefix: str
) -> None:
    store = Store(client, prefix)
    gate = store.sms_gate("block", 1)
    store.contacts.opt_out(PHONE, AT, source="inbound", keyword="STOP")
    refused = admit(gate, "r1")
    assert (refused.blocked, refused.opted_out) == ("the patient opted out of SMS", True)
    other = "+4915100000001"
    store.contacts.mark_unusable(other, AT, "21614", "not a mobile number")
    unusable = admit(gate, "r2", phone=other)
    assert unusable.blocked == "the number cannot receive SMS (21614: not a mobile number)"
    assert not unusable.opted_out
    assert store.sendlog.recall("sms:try", "r1") is None
    assert store.sendlog.recall("sms:try", "r2") is None
    # Neither spent the bucket's one token.
    assert admit(gate, "r3", phone="+4915100000002").wait == 0.0


def test_an_opt_out_kept_only_as_a_fingerprint_still_refuses(
    client: redis.Redis, prefix: str
) -> None:
    store = Store(client, prefix, fingerprint_key=b"k" * 32)
    store.contacts.opt_out(PHONE, BOOKED_AT, source="inbound", keyword="STOP")
    purge(store, BOOKED_AT + timedelta(days=60), days=30)  # keeps only the keyed fingerprint
    assert client.hlen(store.keys.optout) == 0
    assert admit(store.sms_gate("fp", 10), "r1").opted_out
    # The same gate without the key cannot tell.
    assert admit(Store(client, prefix).sms_gate("fp", 10), "r2").blocked is None


def test_many_sends_are_admitted_in_one_round_trip_each_on_its_own(
    client: redis.Redis, prefix: str
) -> None:
    """A batch admits what it is about to send together: in order, each its own atomic step,
    so a blocked number or an empty bucket refuses only its own send. After a Redis restart
    (no scripts loaded) each still runs exactly once."""
    store = Store(client, prefix)
    gate = store.sms_gate("many", 2)
    other = "+4915187654321"
    store.contacts.opt_out(other, AT, source="inbound", keyword="STOP")
    client.script_flush()
    sends = [(PHONE, 1.0, "sms:try", "r1", "m1"), (other, 1.0, "sms:try", "r2", "m2"),
             (PHONE, 1.0, "sms:try", "r3", "m3"), (PHONE, 1.0, "sms:try", "r4", "m4")]  # fmt: skip
    first, blocked, second, third = gate.admit_many(sends)
    assert (first.wait, first.blocked) == (0.0, None)
    assert blocked.opted_out and blocked.wait == 0.0
    assert (second.wait, second.blocked) == (0.0, None)  # the bucket holds 2: the STOP took none
    assert third.wait > 0
    memos = {rid: store.sendlog.recall("sms:try", rid) for rid in ("r1", "r2", "r3", "r4")}
    assert memos == {"r1": "m1", "r2": None, "r3": "m3", "r4": None}
    assert admit(gate, "r5").wait > 0  # two tokens were taken, once each
