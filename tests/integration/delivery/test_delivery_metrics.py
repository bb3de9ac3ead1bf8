"""What a delivery batch adds to the totals /metrics reports: real Redis, the real Twilio SDK
against the fake server, a real SMTP server. Each outcome is counted by channel, rule, outcome
and language, with its lateness and the provider call's measured duration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from reminders.booking import book
from reminders.schedule import Schedule
from reminders.store import Store
from reminders.store.totals import TotalsView
from tests.factories import BOOKED_AT, make_appointment
from tests.fakes.smtp import Recorder, smtp_server
from tests.fakes.twilio import FakeTwilio
from tests.integration.delivery.test_batch_delivery import ESCORT_DUE, World, phone


@pytest.fixture
def world(
    fake: FakeTwilio, store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> Iterator[World]:
    with smtp_server(Recorder()) as server:
        yield World(fake, store, client, prefix, epidural, server.port)


def totals(world: World) -> TotalsView:
    return world.store.ops.figures(world.clock.now(), ["sms", "email"]).totals


def test_a_batchs_sends_are_counted_with_their_lateness_and_duration(
    world: World, fake: FakeTwilio
) -> None:
    for n in (1, 2, 3):
        world.book(n)
    fake.latency = 0.06  # each create takes at least this long
    world.deliver(world.claim())
    t = totals(world)
    assert t.messages == {("sms", "booking_confirmation", "sent", "de"): 3}
    duration = t.histogram("duration", "sms")
    assert duration.count == 3 and duration.sum_seconds >= 0.18
    assert dict(duration.cumulative())["0.05"] == 0  # measured, not the service clock's 0
    lateness = t.histogram("lateness", "sms")
    assert dict(lateness.cumulative())["0.5"] == 3  # sent at the minute they were due

    # The escort reminders, a safety rule, claimed 10 minutes late: one refused by the
    # provider (the number is no mobile) falls back to email; one meets a provider error.
    fake.faults_to[phone(2)] = "21211"
    fake.faults_to[phone(3)] = "500"
    ended = world.deliver(world.claim(ESCORT_DUE + timedelta(minutes=10)))
    assert sorted(ended.values()) == ["failed", "scheduled", "sent"]
    t = totals(world)
    assert {k: n for k, n in t.messages.items() if k[1] == "escort"} == {
        ("sms", "escort", "sent", "de"): 1,
        ("sms", "escort", "failed", "und"): 1,  # nothing went out, in no language
        ("sms", "escort", "retry", "und"): 1,
    }
    assert t.email_fallbacks == {"sms": 1}
    late = dict(t.histogram("lateness", "sms").cumulative())
    assert (late["300"], late["900"]) == (3, 4)  # only the sent one: 600 s late
    assert t.histogram("duration", "sms").count == 6  # the refused and failed calls too


def test_a_message_in_a_fallback_language_is_counted_by_the_language_it_went_out_in(
    world: World,
) -> None:
    swahili = make_appointment(
        external_id="APT-1", medications=[], patient__phone=phone(1), patient__channels=["sms"],
        patient__locale="sw",
    )  # fmt: skip
    book(world.store, swahili, world.epidural, BOOKED_AT)
    world.deliver(world.claim())
    t = totals(world)
    assert t.fallbacks == {("sms", "en"): 1}  # Swahili has no catalog: sent in English
    assert t.messages == {("sms", "booking_confirmation", "sent", "en"): 1}
