"""Delivering a batch of claims in one task (delivery.batch): real Redis, the real Twilio SDK
against the fake server, a real SMTP server. Each reminder of a batch keeps its own checks,
lease and outcome: one that is cancelled mid-batch, cannot be rendered, is opted out or refused
by the provider ends on its own, and the others are sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis

from reminders.booking import book, cancel
from reminders.clock import FixedClock
from reminders.delivery import DeliveryConfig, deliver_batch, dispatch_tick
from reminders.delivery.fallback import safety_from
from reminders.model import ReminderState
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import BOOKED_AT, LOCALES, make_appointment
from tests.fakes.smtp import Recorder, email_channel, smtp_server
from tests.fakes.twilio import FakeTwilio, sms_channel

ESCORT_DUE = datetime.fromisoformat("2027-03-25T09:00:00+00:00")


def sms(n: int, rule: str = "booking_confirmation") -> str:
    return f"APT-{n}:1:{rule}:-:sms"


def phone(n: int) -> str:
    return f"+491511234{n:04d}"


class World:
    def __init__(
        self,
        fake: FakeTwilio,
        store: Store,
        client: redis.Redis,
        prefix: str,
        epidural: Schedule,
        smtp_port: int,
    ) -> None:
        self.store = store
        self.epidural = epidural
        self.clock = FixedClock(BOOKED_AT)
        self.channels: dict[str, Any] = {
            "sms": sms_channel(fake, client, prefix, self.clock),
            "email": email_channel(smtp_port, client, prefix),
        }
        self.config = DeliveryConfig(
            locales_dir=LOCALES, is_safety=safety_from(lambda procedure: epidural)
        )

    def book(self, n: int, channels: list[str] | None = None) -> None:
        appt = make_appointment(
            external_id=f"APT-{n}",
            medications=[],
            patient__phone=phone(n),
            patient__email=f"patient{n}@example.org",
            patient__channels=channels or ["sms"],
        )
        book(self.store, appt, self.epidural, BOOKED_AT)

    def claim(self, at: datetime | None = None) -> list[tuple[str, str]]:
        if at is not None:
            self.clock.set(at)
        batches: list[list[tuple[str, str]]] = []
        dispatch_tick(self.store, self.clock.now(), enqueue_batch=batches.append, per_task=50)
        return [pair for batch in batches for pair in batch]

    def deliver(self, pairs: list[tuple[str, str]], senders: int = 4) -> dict[str, str]:
        return deliver_batch(
            self.store, pairs, self.channels, self.clock.now, self.config, senders=senders
        )

    def record(self, rid: str) -> Any:
        rec = self.store.reminders.get(rid)
        assert rec is not None
        return rec


@pytest.fixture
def mail() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    with smtp_server(recorder) as server:
        yield recorder, server.port


@pytest.fixture
def world(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    mail: tuple[Recorder, int],
) -> World:
    return World(fake, store, client, prefix, epidural, mail[1])


def test_each_reminder_of_a_batch_ends_on_its_own_and_the_others_are_sent(
    world: World, fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    for n in range(1, 7):
        world.book(n)
    pairs = world.claim()
    assert sorted(rid for rid, _ in pairs) == [sms(n) for n in range(1, 7)]
    # 2: cancelled while the batch runs, after the first send and before its own begins
    pairs.sort(key=lambda p: p[0])

    def cancel_two(form: dict[str, str]) -> None:
        if form["To"] == phone(1):
            cancel(world.store, "APT-2", world.clock.now(), notify=False)

    fake.on_create = cancel_two
    # 3: its message is one this worker does not know (a newer version planned it)
    key = f"{prefix}:a:APT-3"
    field = "r:1:booking_confirmation:-:sms"
    raw = json.loads(client.hget(key, field) or b"{}")
    client.hset(key, field, json.dumps({**raw, "m": "message_of_a_newer_version"}))
    # 4: the patient opted out; 5: the provider says the number is not a valid one
    world.store.contacts.opt_out(phone(4), BOOKED_AT, source="inbound STOP")
    fake.faults_to[phone(5)] = "21211"

    ended = world.deliver(pairs, senders=1)  # one at a time: "mid-batch" is well defined

    assert ended == {
        sms(1): "sent",
        sms(2): "gone",  # the cancel ended its claim: nothing for the batch to do
        sms(3): "failed",
        sms(4): "skipped",
        sms(5): "failed",
        sms(6): "sent",
    }
    assert world.record(sms(2)).state is ReminderState.CANCELLED
    assert "unexpected error (KeyError)" in world.record(sms(3)).reason
    assert world.record(sms(4)).reason == "the patient opted out of SMS"
    assert world.record(sms(5)).error.startswith("21211")
    assert sorted(c["To"] for c in fake.creates) == [phone(1), phone(5), phone(6)]
    for n in (1, 6):
        rec = world.record(sms(n))
        assert rec.provider_id in fake.messages and rec.lease_until is None
    attention = {i.reminder.id for i in world.store.attention.items()}
    assert attention == {sms(3), sms(5)}
    assert world.claim() == []  # nothing left in sending or claimed
    assert world.store.ops.counters()["sent"] == 2
    assert world.store.ops.channel_health("sms").last_success is not None


@pytest.mark.parametrize("sends_async", [True, False], ids=["event loop", "threads"])
def test_a_batch_sends_concurrently_and_each_send_is_recorded_once(
    world: World, fake: FakeTwilio, client: redis.Redis, prefix: str, sends_async: bool
) -> None:
    """Twilio's sends side by side on the batch's event loop; a channel without an
    asynchronous client in a pool of threads: either way at most ``senders`` at once."""
    world.channels["sms"] = sms_channel(fake, client, prefix, world.clock, sends_async=sends_async)
    for n in range(1, 21):
        world.book(n)
    fake.latency = 0.2
    ended = world.deliver(world.claim(), senders=8)
    assert fake.most_at_once == 8
    assert set(ended.values()) == {"sent"} and len(ended) == 20
    assert len(fake.creates) == 20 == len({c["To"] for c in fake.creates})
    events = [e for n in range(1, 21) for e in world.store.appointments.events(f"APT-{n}")]
    assert sum(e["type"] == "sent" for e in events) == 20
    assert sum(e["type"] == "sending" for e in events) == 20


def test_each_send_of_a_batch_has_a_lease_of_its_own(world: World, fake: FakeTwilio) -> None:
    """A slow send early in the batch does not eat into the lease of the reminders after it:
    each is begun (and leased) only when a sender is free for it."""
    for n in range(1, 4):
        world.book(n)
    lease = world.config.send_lease

    def slow(form: dict[str, str]) -> None:
        world.clock.set(world.clock.now() + timedelta(seconds=lease * 0.8))

    fake.on_create = slow
    ended = world.deliver(world.claim(), senders=1)
    assert ended == {sms(1): "sent", sms(2): "sent", sms(3): "sent"}
    sending = [
        datetime.fromisoformat(e["at"])
        for n in range(1, 4)
        for e in world.store.appointments.events(f"APT-{n}")
        if e["type"] == "sending"
    ]
    assert sending == sorted(sending) and len(set(sending)) == 3


def test_a_claim_the_batch_no_longer_owns_sends_nothing(world: World, fake: FakeTwilio) -> None:
    """The same batch delivered twice (a redelivered task) sends each reminder once."""
    for n in range(1, 4):
        world.book(n)
    pairs = world.claim()
    assert set(world.deliver(pairs).values()) == {"sent"}
    assert world.deliver(pairs) == {rid: "gone" for rid, _ in pairs}
    assert len(fake.creates) == 3


def test_a_safety_sms_the_provider_refuses_falls_back_to_email_in_the_next_batch(
    world: World, fake: FakeTwilio, mail: tuple[Recorder, int]
) -> None:
    for n in (1, 2):
        world.book(n)  # SMS only, with an email address on record
    # Booking confirmations first, then (with the escort reminder, a safety one) what is due
    # a week later.
    world.deliver(world.claim())
    fake.faults_to[phone(2)] = "21211"
    ended = world.deliver(world.claim(ESCORT_DUE))
    assert ended[sms(1, "escort")] == "sent" and ended[sms(2, "escort")] == "failed"
    twin = "APT-2:1:escort:-:email"
    assert world.record(sms(2, "escort")).covered_by == twin
    again = world.deliver(world.claim())
    assert again == {twin: "sent"}
    recorder, _ = mail
    assert any("patient2@example.org" in str(m["To"]) for m in recorder.received)
    assert world.record(twin).state is ReminderState.SENT


def test_an_opt_out_arriving_mid_batch_stops_the_send_it_precedes(
    world: World, fake: FakeTwilio
) -> None:
    """The opt-out check is part of each send's admission (one atomic step with the rate limit
    and the attempt's memo), so a STOP recorded after the batch began still holds."""
    for n in range(1, 4):
        world.book(n)

    def stop_two(form: dict[str, str]) -> None:
        if form["To"] == phone(1):
            world.store.contacts.opt_out(phone(2), world.clock.now(), source="inbound STOP")

    fake.on_create = stop_two
    ended = world.deliver(sorted(world.claim()), senders=1)
    assert ended == {sms(1): "sent", sms(2): "skipped", sms(3): "sent"}
    assert sorted(c["To"] for c in fake.creates) == [phone(1), phone(3)]
    assert world.record(sms(2)).reason == "the patient opted out of SMS"
    assert world.store.sendlog.recall("sms:try", sms(2)) is None  # never an attempt


def test_what_a_send_learnt_is_in_the_send_log_with_its_outcome(world: World) -> None:
    """The provider's id and who owns it go with the Outcome's round trip, and are there for a
    later lookup exactly as after a single delivery."""
    for n in range(1, 4):
        world.book(n)
    assert set(world.deliver(world.claim()).values()) == {"sent"}
    for n in range(1, 4):
        sid = world.record(sms(n)).provider_id
        assert world.store.sendlog.recall("sms:sid", sms(n)) == sid
        assert world.store.sendlog.recall("sms:owner", sid) == sms(n)
        assert world.channels["sms"].find_sent(sms(n)) == sid


def test_a_failure_admitting_the_sends_ends_each_as_a_failure_staff_see(
    world: World, fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not Redis but a bug (here: the admission raising): nothing is sent, and each reminder
    ends as a failure to check, none left in sending."""
    for n in range(1, 4):
        world.book(n)

    def broken(messages: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(world.channels["sms"], "admit_all", broken)
    ended = world.deliver(world.claim(), senders=4)
    assert ended == {sms(1): "failed", sms(2): "failed", sms(3): "failed"}
    assert fake.creates == []
    rec = world.record(sms(1))
    assert rec.check_before_resend and "unexpected error (RuntimeError)" in (rec.reason or "")
