"""The chaos test's oracle on small made-up timelines: each figure counts the fault it names,
and the legitimate look-alikes (a reschedule sending a slot again, a send found by a lookup
after a lost outcome, reminders not yet due) count nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reminders.devtools.chaos.oracle import Message, judge, unsettled

T0 = datetime(2027, 3, 20, 8, 0, tzinfo=UTC)
CUTOFF = T0 + timedelta(days=2)
AID = "A1"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rid(version: int, rule: str = "day_before", channel: str = "sms") -> str:
    return f"{AID}:{version}:{rule}:-:{channel}"


def reminder(
    ident: str,
    state: str,
    due: float,
    *,
    deadline: float = 600,
    reason: str = "",
    provider_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": ident,
        "state": state,
        "due_at": at(due).isoformat(),
        "deadline": at(deadline).isoformat(),
        "reason": reason,
        "provider_id": provider_id,
    }


def version(kind: str, v: int, minutes: float, start: str = "2027-03-21T09:00Z") -> dict[str, Any]:
    return {"at": at(minutes).isoformat(), "type": kind, "version": v, "procedure_start": start}


def sending(ident: str, minutes: float, attempt: int = 1) -> dict[str, Any]:
    return {"at": at(minutes).isoformat(), "type": "sending", "reminder": ident, "attempt": attempt}


def outcome(kind: str, ident: str, minutes: float, **extra: Any) -> dict[str, Any]:
    return {"at": at(minutes).isoformat(), "type": kind, "reminder": ident, **extra}


def timeline(
    reminders: list[dict[str, Any]],
    events: list[dict[str, Any]],
    *,
    current: int = 1,
    status: str = "booked",
) -> dict[str, Any]:
    return {
        "external_id": AID,
        "version": current,
        "status": status,
        "reminders": reminders,
        "events": events,
    }


def msg(sid: str, ident: str, minutes: float, body: str = "See you tomorrow at 09:00") -> Message:
    return Message(sid, ident, "+4915112345678", body, at(minutes))


def counts(
    t: dict[str, Any],
    messages: list[Message],
    attention: list[dict[str, Any]] | None = None,
) -> dict[str, int]:
    v = judge([t], attention or [], messages, CUTOFF)
    return {f: v.count(f) for f in ("duplicates", "lost", "stale", "late", "unknown")}


ZERO = {"duplicates": 0, "lost": 0, "stale": 0, "late": 0, "unknown": 0}


def test_a_clean_run_counts_nothing() -> None:
    sent, later = rid(1), rid(1, "next_day")
    t = timeline(
        [
            reminder(sent, "sent", 60, provider_id="SM1"),
            reminder(later, "scheduled", 60 * 24 * 5, deadline=60 * 24 * 6),  # not due yet
        ],
        [version("booked", 1, 0), sending(sent, 61), outcome("sent", sent, 61)],
    )
    assert counts(t, [msg("SM1", sent, 61.5)]) == ZERO


def test_duplicates_two_messages_for_one_reminder() -> None:
    r = rid(1)
    t = timeline(
        [reminder(r, "sent", 60, provider_id="SM2")],
        [version("booked", 1, 0), sending(r, 61), sending(r, 70, 2), outcome("sent", r, 70)],
    )
    assert counts(t, [msg("SM1", r, 61.5), msg("SM2", r, 70.5)])["duplicates"] == 1


def test_duplicates_one_slot_delivered_twice_for_one_moment() -> None:
    old, new = rid(1), rid(2)
    t = timeline(
        [
            reminder(old, "sent", 60, provider_id="SM1"),
            reminder(new, "sent", 60, provider_id="SM2"),  # an edit planned it again
        ],
        [
            version("booked", 1, 0),
            sending(old, 61),
            version("edited", 2, 61.2),
            outcome("sent", old, 61.5),
            sending(new, 62),
            outcome("sent", new, 62),
        ],
        current=2,
    )
    found = counts(t, [msg("SM1", old, 61.4), msg("SM2", new, 62.1)])
    assert found == {**ZERO, "duplicates": 1}


def test_duplicates_the_same_text_again_while_the_procedure_had_not_moved() -> None:
    old, new = rid(1, "booking_confirmation"), rid(2, "booking_confirmation")
    t = timeline(
        [
            reminder(old, "sent", 0, provider_id="SM1"),
            reminder(new, "sent", 30, provider_id="SM2"),  # re-planned late, "as soon as possible"
        ],
        [
            version("booked", 1, 0),
            sending(old, 1),
            outcome("sent", old, 1),
            version("edited", 2, 30),
            sending(new, 31),
            outcome("sent", new, 31),
        ],
        current=2,
    )
    found = counts(t, [msg("SM1", old, 1.1, "Booked"), msg("SM2", new, 31.1, "Booked")])
    assert found == {**ZERO, "duplicates": 1}


def test_a_reschedule_by_whole_days_may_repeat_a_text_for_another_day() -> None:
    old, new = rid(1), rid(2)
    text = "Your injection is tomorrow at 12:30"
    t = timeline(
        [
            reminder(old, "sent", 60, provider_id="SM1"),
            reminder(new, "sent", 60 * 49, deadline=60 * 50, provider_id="SM2"),
        ],
        [
            version("booked", 1, 0, "2027-03-21T12:30Z"),
            sending(old, 61),
            outcome("sent", old, 61),
            version("rescheduled", 2, 120, "2027-03-23T12:30Z"),
            sending(new, 60 * 49),
            outcome("sent", new, 60 * 49),
        ],
        current=2,
    )
    assert counts(t, [msg("SM1", old, 61.2, text), msg("SM2", new, 60 * 49 + 0.2, text)]) == ZERO


def test_a_reschedule_sending_a_slot_again_for_the_new_moment_is_no_duplicate() -> None:
    old, new = rid(1), rid(2)
    t = timeline(
        [
            reminder(old, "sent", 60, provider_id="SM1"),
            reminder(new, "sent", 60 * 25, deadline=60 * 30, provider_id="SM2"),
        ],
        [
            version("booked", 1, 0),
            sending(old, 61),
            outcome("sent", old, 61),
            version("rescheduled", 2, 120, "2027-03-22T11:00Z"),
            sending(new, 60 * 25),
            outcome("sent", new, 60 * 25),
        ],
        current=2,
    )
    messages = [msg("SM1", old, 61.2), msg("SM2", new, 60 * 25 + 0.2, "Now at 11:00")]
    assert counts(t, messages) == ZERO


def test_lost_a_slot_dropped_by_an_edit_while_its_send_failed() -> None:
    old = rid(1)
    t = timeline(
        [reminder(old, "cancelled", 60, reason="superseded by version 2")],
        [
            version("booked", 1, 0),
            sending(old, 61),
            version("edited", 2, 61.2),
            outcome("retry", old, 61.5),
            outcome("cancelled", old, 70, why="superseded by version 2"),
        ],
        current=2,
    )
    assert counts(t, []) == {**ZERO, "lost": 1}
    attention = [{"id": f"failed:{old}", "reminder_id": old, "appointment_id": AID}]
    assert counts(t, [], attention)["lost"] == 0


def test_lost_a_due_reminder_never_dispatched() -> None:
    r = rid(1)
    t = timeline([reminder(r, "scheduled", 60)], [version("booked", 1, 0)])
    assert counts(t, [])["lost"] + counts(t, [])["unknown"] == 1


def test_a_reminder_that_ended_with_a_reason_is_not_lost() -> None:
    old, new = rid(1), rid(2)
    t = timeline(
        [
            reminder(old, "cancelled", 60, reason="superseded by version 2"),
            reminder(new, "skipped", 60, reason="its deadline passed before it could be sent"),
        ],
        [version("booked", 1, 0), version("edited", 2, 30), outcome("skipped", new, 61)],
        current=2,
    )
    assert counts(t, []) == ZERO


def test_lost_skipped_as_already_sent_when_the_earlier_send_was_not() -> None:
    old, new = rid(1), rid(2)
    t = timeline(
        [
            reminder(old, "cancelled", 60, reason="superseded by version 2"),
            reminder(new, "skipped", 60, reason=f"already sent as {old}"),
        ],
        [version("booked", 1, 0), version("edited", 2, 30), outcome("skipped", new, 61)],
        current=2,
    )
    assert counts(t, []) == {**ZERO, "lost": 1}


def test_a_cancelled_appointment_is_judged_by_its_cancellation_notice_only() -> None:
    old, notice = rid(1), rid(2, "notice_cancellation")
    reminders = [reminder(old, "cancelled", 60, reason="the appointment was cancelled")]
    events = [version("booked", 1, 0), version("cancelled", 2, 30)]
    t = timeline(
        [*reminders, reminder(notice, "cancelled", 30)], events, current=2, status="cancelled"
    )
    assert counts(t, [], [])["lost"] == 1  # the notice ended without saying why
    t = timeline(
        [*reminders, reminder(notice, "sent", 30, provider_id="SM9")],
        [*events, sending(notice, 31), outcome("sent", notice, 31)],
        current=2,
        status="cancelled",
    )
    assert counts(t, [msg("SM9", notice, 31.1, "Cancelled")]) == ZERO


def test_stale_a_send_begun_after_a_newer_version_was_written() -> None:
    old = rid(1)
    t = timeline(
        [reminder(old, "sent", 60, provider_id="SM1"), reminder(rid(2), "skipped", 60, reason="x")],
        [
            version("booked", 1, 0),
            version("edited", 2, 50),
            sending(old, 61),  # the worker should have seen version 2
            outcome("sent", old, 61),
        ],
        current=2,
    )
    assert counts(t, [msg("SM1", old, 61.2)]) == {**ZERO, "stale": 1}


def test_a_send_begun_before_an_edit_and_accepted_after_it_is_not_stale() -> None:
    old, new = rid(1), rid(2)
    t = timeline(
        [
            reminder(old, "sent", 60, provider_id="SM1"),
            reminder(new, "skipped", 60, reason=f"already sent as {old}"),
        ],
        [
            version("booked", 1, 0),
            sending(old, 61),
            version("edited", 2, 61.1),
            outcome("sent", old, 61.5),
            outcome("skipped", new, 70),
        ],
        current=2,
    )
    assert counts(t, [msg("SM1", old, 61.3)]) == ZERO


def test_late_a_send_begun_after_its_deadline() -> None:
    r = rid(1)
    t = timeline(
        [reminder(r, "sent", 60, deadline=90, provider_id="SM1")],
        [version("booked", 1, 0), sending(r, 95), outcome("sent", r, 95)],
    )
    assert counts(t, [msg("SM1", r, 95.2)]) == {**ZERO, "late": 1}


def test_a_send_found_by_a_lookup_counts_by_the_attempt_that_made_it() -> None:
    r = rid(1)
    t = timeline(
        [reminder(r, "sent", 60, deadline=90, provider_id="SM1")],
        [
            version("booked", 1, 0),
            sending(r, 80),
            outcome("unknown", r, 80.5),  # a timeout after the provider had it
            sending(r, 100, 2),  # the lookup, after the deadline
            outcome("sent", r, 100, reason="found sent after a lost outcome"),
        ],
    )
    assert counts(t, [msg("SM1", r, 80.2)]) == ZERO


def test_unknown_a_reminder_left_unsettled() -> None:
    r = rid(1)
    t = timeline(
        [reminder(r, "unknown", 60)],
        [version("booked", 1, 0), sending(r, 61), outcome("unknown", r, 61.5)],
    )
    assert counts(t, []) == {**ZERO, "unknown": 1}
    assert unsettled([t], CUTOFF) == [r]
    assert unsettled([t], at(30)) == []  # not due by that cutoff


def test_unknown_a_message_the_service_does_not_know_it_sent() -> None:
    r = rid(1)
    t = timeline(
        [reminder(r, "skipped", 60, reason="its deadline passed before it could be sent")],
        [version("booked", 1, 0), sending(r, 61), outcome("skipped", r, 62)],
    )
    assert counts(t, [msg("SM1", r, 61.2)]) == {**ZERO, "unknown": 1}


def test_unknown_a_reminder_recorded_sent_that_the_provider_never_accepted() -> None:
    r = rid(1)
    t = timeline(
        [reminder(r, "sent", 60, provider_id="SM404")],
        [version("booked", 1, 0), sending(r, 61), outcome("sent", r, 61)],
    )
    assert counts(t, []) == {**ZERO, "unknown": 1}


def test_email_sends_are_judged_from_the_timeline() -> None:
    r = rid(1, channel="email")
    t = timeline(
        [reminder(r, "sent", 60, deadline=90, provider_id=f"outbox-{r}")],
        [version("booked", 1, 0), version("edited", 2, 62), sending(r, 95), outcome("sent", r, 95)],
        current=1,
    )
    found = counts(t, [])
    assert (found["stale"], found["late"]) == (1, 1)
