"""When SMS cannot reach a patient, safety reminders go by email, or staff are asked to call;
other reminders just end. Real Redis, the real Twilio SDK against the fake server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import redis

from reminders.booking import book
from reminders.channels.outbox import OutboxChannel
from reminders.channels.twilio import webhook
from reminders.clock import FixedClock
from reminders.delivery import DeliveryConfig
from reminders.delivery.callbacks import on_status
from reminders.delivery.fallback import safety_from
from reminders.inbound.replies import handle
from reminders.model import ReminderState
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import BOOKED_AT, LOCALES, make_appointment
from tests.fakes.twilio import FakeTwilio, deliver_due, sms_channel

ESCORT_SMS = "APT-1001:1:escort:-:sms"
ESCORT_EMAIL = "APT-1001:1:escort:-:email"
CONFIRMATION_SMS = "APT-1001:1:booking_confirmation:-:sms"
ESCORT_DUE = datetime.fromisoformat("2027-03-25T09:00:00+00:00")


class World:
    def __init__(
        self, fake: FakeTwilio, store: Store, client: redis.Redis, prefix: str, epidural: Schedule
    ) -> None:
        self.store = store
        self.clock = FixedClock(BOOKED_AT)
        self.outbox = OutboxChannel("email", Store(client, prefix).outbox, self.clock, echo=None)
        self.channels: dict[str, Any] = {
            "sms": sms_channel(fake, client, prefix, self.clock),
            "email": self.outbox,
        }
        self.config = DeliveryConfig(
            locales_dir=LOCALES,
            is_safety=safety_from(lambda procedure: epidural),
        )
        self.epidural = epidural

    def book(self, **overrides: Any) -> None:
        book(self.store, make_appointment(medications=[], **overrides), self.epidural, BOOKED_AT)

    def run(self, at: datetime | None = None) -> dict[str, str]:
        if at is not None:
            self.clock.set(at)
        return deliver_due(self.store, self.clock, self.channels, self.config)

    def state(self, rid: str) -> ReminderState | None:
        rec = self.store.reminders.get(rid)
        return rec.state if rec is not None else None

    def emails_for(self, rule: str) -> list[dict[str, str]]:
        return [m for m in self.outbox.messages() if f":{rule}:" in m["reminder"]]


@pytest.fixture
def world(
    fake: FakeTwilio, store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> World:
    return World(fake, store, client, prefix, epidural)


def test_a_landline_reported_by_the_carrier_sends_the_safety_reminder_by_email(
    fake: FakeTwilio, world: World
) -> None:
    world.book(patient__channels=["sms"])  # prefers SMS, but has an email address
    world.run()
    assert world.run(ESCORT_DUE)[ESCORT_SMS] == "sent"
    sid = world.store.reminders.get(ESCORT_SMS).provider_id  # type: ignore[union-attr]
    on_status(
        world.store,
        webhook.status_report(
            ESCORT_SMS,
            {"MessageSid": sid or "", "MessageStatus": "undelivered", "ErrorCode": "30006"},
        ),
        ESCORT_DUE,
        is_safety=world.config.is_safety,
        retry_delay=3600,
    )
    rec = world.store.reminders.get(ESCORT_SMS)
    assert rec is not None and rec.state == ReminderState.FAILED
    assert rec.covered_by == ESCORT_EMAIL
    assert world.run() == {ESCORT_EMAIL: "sent"}
    (email,) = world.emails_for("escort")
    assert email["to"] == "maria@example.org"
    assert world.store.attention.items() == []
    # The number is now known to be unusable: the next SMS is not even tried.
    assert world.store.contacts.unusable_numbers()["+4915112345678"]["code"] == "30006"
    creates = len(fake.creates)
    day_before = datetime.fromisoformat("2027-03-27T17:00:00+00:00")
    assert world.run(day_before)["APT-1001:1:day_before:-:sms"] == "failed"
    assert len(fake.creates) == creates


def test_a_number_twilio_rejects_at_send_time_sends_the_safety_reminder_by_email(
    fake: FakeTwilio, world: World
) -> None:
    world.book(patient__channels=["sms"])
    world.run()
    fake.fail_next("21614")
    assert world.run(ESCORT_DUE)[ESCORT_SMS] == "failed"
    assert world.run() == {ESCORT_EMAIL: "sent"}


def test_an_email_already_sent_is_not_sent_again(fake: FakeTwilio, world: World) -> None:
    world.book()  # both channels: the escort email goes anyway
    world.run()
    fake.fail_next("21211")
    states = world.run(ESCORT_DUE)
    assert states == {ESCORT_EMAIL: "sent", ESCORT_SMS: "failed"}
    assert world.store.reminders.get(ESCORT_SMS).covered_by == ESCORT_EMAIL  # type: ignore[union-attr]
    assert world.run() == {}
    assert len(world.emails_for("escort")) == 1


def test_without_an_email_address_staff_are_asked_to_call(fake: FakeTwilio, world: World) -> None:
    world.book(patient__email=None, patient__channels=["sms"])
    world.run()
    fake.fail_next("21614")
    assert world.run(ESCORT_DUE)[ESCORT_SMS] == "flagged"
    (item,) = world.store.attention.items()
    assert item.reminder.id == ESCORT_SMS and "call the patient" in item.reminder.reason


def test_when_the_email_twin_failed_too_staff_are_asked_to_call(
    fake: FakeTwilio, world: World
) -> None:
    world.book(patient__email="maria@example.invalid")  # the outbox refuses .invalid
    world.run()
    fake.fail_next("21614")
    states = world.run(ESCORT_DUE)
    assert states == {ESCORT_EMAIL: "failed", ESCORT_SMS: "flagged"}


def test_a_reminder_that_is_not_about_safety_is_not_replaced(
    fake: FakeTwilio, world: World
) -> None:
    world.book(patient__channels=["sms"])
    fake.fail_next("21211")
    assert world.run() == {CONFIRMATION_SMS: "failed"}
    assert world.store.reminders.get("APT-1001:1:booking_confirmation:-:email") is None
    assert world.outbox.messages() == []


def test_an_opted_out_patient_without_email_has_pending_safety_reminders_flagged(
    fake: FakeTwilio, world: World
) -> None:
    world.book(patient__email=None, patient__channels=["sms"])
    world.run()
    store = world.store
    handle(
        store,
        "+4915112345678",
        "STOP",
        BOOKED_AT,
        clinic_name="c",
        clinic_phone="p",
        is_safety=world.config.is_safety,
    )
    assert world.state(ESCORT_SMS) == ReminderState.FLAGGED
    assert world.state("APT-1001:1:after_procedure:-:sms") == ReminderState.FLAGGED
    assert world.state("APT-1001:1:day_before:-:sms") == ReminderState.SCHEDULED
    creates = len(fake.creates)
    world.run(datetime.fromisoformat("2027-03-30T12:00:00+00:00"))
    assert len(fake.creates) == creates  # nothing more by SMS
