"""What a failed send means, decided without Redis: look it up later, wait for the rate limit,
retry with doubling backoff, or give up; never past the deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from reminders.channels import DeliveryError
from reminders.delivery.outcomes import (
    DeliveryConfig,
    after_error,
    backoff,
    describe,
    lookup_failed,
    sent,
)
from reminders.model import ReminderState
from reminders.store import ReminderRecord

AT = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
CONFIG = DeliveryConfig(is_safety=lambda procedure, rule: True, retry_backoff=60, max_attempts=5)


def record(attempts: int = 1, deadline: timedelta = timedelta(days=1)) -> ReminderRecord:
    return ReminderRecord(
        id="APT-1:1:day_before:-:sms",
        appointment_id="APT-1",
        version=1,
        rule="day_before",
        medicine=None,
        channel="sms",
        message="day_before",
        state=ReminderState.SENDING,
        due_at=AT,
        nominal_at=AT,
        deadline=AT + deadline,
        attempts=attempts,
    )


def temporary(code: str = "500") -> DeliveryError:
    return DeliveryError("server error", permanent=False, code=code)


def test_the_backoff_doubles_with_each_attempt() -> None:
    assert [backoff(60, n) for n in (1, 2, 3, 4)] == [60.0, 120.0, 240.0, 480.0]


@pytest.mark.parametrize("attempt", [1, 2, 3, 4])
def test_a_temporary_error_is_retried_after_the_backoff_within_its_jitter(attempt: int) -> None:
    o = after_error(temporary(), record(attempts=attempt), AT, CONFIG)
    assert (o.state, o.event) == ("scheduled", "retry")
    assert o.retry_at is not None
    delay = (o.retry_at - AT).total_seconds()
    assert 0.8 * backoff(60, attempt) <= delay <= 1.2 * backoff(60, attempt)
    assert o.patch.error == "500: server error"


def test_after_the_last_attempt_a_temporary_error_fails() -> None:
    o = after_error(temporary(), record(attempts=5), AT, CONFIG)
    assert (o.state, o.retry_at) == ("failed", None)
    assert o.patch.reason == "gave up after temporary errors"


def test_a_retry_that_would_land_after_the_deadline_fails_now() -> None:
    o = after_error(temporary(), record(attempts=1, deadline=timedelta(seconds=30)), AT, CONFIG)
    assert (o.state, o.retry_at) == ("failed", None)


def test_a_permanent_error_fails_at_once() -> None:
    exc = DeliveryError("refused", permanent=True, code="400")
    o = after_error(exc, record(), AT, CONFIG)
    assert (o.state, o.retry_at, o.patch.reason) == (
        "failed",
        None,
        "the provider refused it permanently",
    )


def test_a_send_that_may_have_gone_out_is_looked_up_never_resent() -> None:
    exc = DeliveryError("no answer", permanent=False, code="timeout", ambiguous=True)
    o = after_error(exc, record(), AT, CONFIG)
    assert (o.state, o.patch.check_before_resend) == ("unknown", True)
    assert o.retry_at == AT + timedelta(seconds=CONFIG.reconcile_delay)


def test_the_senders_rate_limit_is_not_an_attempt() -> None:
    exc = DeliveryError("rate", permanent=False, code="throttled", retry_after=2.0)
    o = after_error(exc, record(attempts=5), AT, CONFIG)
    assert (o.state, o.event, o.patch.attempt_delta) == ("scheduled", "throttled", -1)
    assert o.retry_at is not None and 2.0 <= (o.retry_at - AT).total_seconds() <= 3.0
    assert o.patch.stored(5) == {"att": 4}


def test_a_rate_limit_past_the_deadline_is_an_ordinary_temporary_error() -> None:
    exc = DeliveryError("rate", permanent=False, code="throttled", retry_after=120.0)
    o = after_error(exc, record(attempts=5, deadline=timedelta(seconds=60)), AT, CONFIG)
    assert o.state == "failed"


def test_a_failed_look_up_is_tried_again_past_the_deadline_until_it_gives_up() -> None:
    exc = DeliveryError("cannot list", permanent=False, code="500")
    early = lookup_failed(exc, record(), AT, CONFIG)
    assert early.state == "unknown" and early.retry_at == AT + timedelta(seconds=120)
    # Looking up is not sending: the deadline does not stop it.
    past = lookup_failed(exc, record(deadline=timedelta(seconds=60)), AT, CONFIG)
    assert past.state == "unknown" and past.retry_at == AT + timedelta(seconds=120)
    lost = replace(record(), unknown_since=AT - timedelta(seconds=CONFIG.lookup_give_up))
    given_up = lookup_failed(exc, lost, AT, CONFIG)
    assert (given_up.state, given_up.retry_at) == ("flagged", None)
    assert given_up.patch.check_before_resend  # staff's resend looks it up first
    assert "provider's log" in (given_up.patch.reason or "")


def test_a_sent_outcome_records_the_provider_id_locale_and_any_fallback_by_long_name() -> None:
    o = sent("SM1", locale="de", fallback="pt: no catalog")
    assert o.patch.stored(1) == {"pid": "SM1", "loc": "de", "fb": "pt: no catalog"}
    assert o.patch.event() == {"provider_id": "SM1", "locale": "de", "fallback": "pt: no catalog"}


def test_an_error_is_described_with_its_code() -> None:
    assert describe(temporary("503")) == "503: server error"
    assert describe(DeliveryError("broken", permanent=False)) == "broken"
