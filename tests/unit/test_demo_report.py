"""The demo's figures on small made-up timelines: every state is counted and explained, the next
reminder due is the earliest waiting one, and each check catches the fault it names (early,
twice, a withdrawn reminder's message, a sent one without a message, one left pending)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reminders.devtools.demo_report import MEANING, STATE_ORDER, summarize, tally
from reminders.model import ReminderState
from reminders.store.record import ReminderRecord
from tests.factories import sms_record

S = ReminderState
T0 = datetime(2027, 3, 20, 8, 0, tzinfo=UTC)


def rec(
    rule: str, state: ReminderState, due: float, *, version: int = 1, reason: str = ""
) -> ReminderRecord:
    return sms_record(
        "A1", rule, state, T0 + timedelta(minutes=due), version=version, reason=reason
    )


def sent(r: ReminderRecord, late_minutes: float) -> dict[str, Any]:
    return {"reminder": r.id, "at": (r.due_at + timedelta(minutes=late_minutes)).isoformat()}


def test_every_state_is_listed_once_and_explained() -> None:
    assert sorted(STATE_ORDER) == sorted(ReminderState)
    assert len(set(STATE_ORDER)) == len(STATE_ORDER)
    assert set(MEANING) == set(ReminderState)


def test_the_tally_counts_states_and_names_the_earliest_waiting_reminder() -> None:
    records = [
        rec("booking_confirmation", S.SENT, 0),
        rec("escort", S.SCHEDULED, 600),
        rec("day_before", S.SCHEDULED, 300),
        rec("next_day", S.CANCELLED, 100, reason="the appointment was cancelled"),
        rec("after_procedure", S.FLAGGED, 50),
    ]
    t = tally(records)
    assert t.counts[S.SENT] == 1 and t.counts[S.SCHEDULED] == 2
    assert (t.total, t.settled, t.pending, t.done) == (5, 3, 2, False)
    assert t.next_due is not None
    assert (t.next_due.rule, t.next_due.due_at) == ("day_before", T0 + timedelta(minutes=300))
    assert tally([rec("a", S.SENT, 0), rec("b", S.FLAGGED, 0)]).done
    assert not tally([]).done  # nothing read yet is not "all settled"


def test_a_clean_run_passes_every_check_and_groups_the_reasons() -> None:
    a = rec("booking_confirmation", S.SENT, 0)
    b = rec("day_before", S.CANCELLED, 300, reason="superseded by version 2")
    c = rec("next_day", S.CANCELLED, 900, reason="superseded by version 2")
    d = rec("escort", S.SKIPPED, 10, reason="its moment had passed at booking")
    s = summarize([a, b, c, d], [sent(a, 5)])
    assert s.checks_pass
    assert s.counts == {S.SENT: 1, S.CANCELLED: 2, S.SKIPPED: 1}
    assert s.reasons[S.CANCELLED] == {"superseded by version 2": 2}
    assert s.lateness == [300.0]
    assert s.messages == 1


def test_each_fault_fails_its_own_check() -> None:
    early = rec("escort", S.SENT, 100)
    twice = rec("day_before", S.SENT, 200)
    withdrawn = rec("next_day", S.CANCELLED, 300, reason="the appointment was cancelled")
    unrecorded = rec("after_procedure", S.SENT, 400)
    pending = rec("medication_resume", S.SCHEDULED, 500)
    s = summarize(
        [early, twice, withdrawn, unrecorded, pending],
        [sent(early, -1), sent(twice, 1), sent(twice, 2), sent(withdrawn, 0)],
    )
    assert not s.checks_pass
    assert [r.record.id for r in s.early] == [early.id]
    assert s.twice == [twice.id]
    assert s.stale == [withdrawn.id]
    assert [r.record.id for r in s.unrecorded] == [unrecorded.id]
    assert [r.record.id for r in s.unsettled] == [pending.id]


def test_a_message_of_a_reminder_the_store_does_not_hold_is_stale() -> None:
    s = summarize([], [{"reminder": "A1:1:ghost:-:sms", "at": T0.isoformat()}])
    assert s.stale == ["A1:1:ghost:-:sms"] and not s.checks_pass
