"""What the demo tells its reader, as plain data: the live tally (how many reminders are sent,
pending, settled; which one is due next) and the ending's summary (every state with its count
and reasons, and the checks a reader should not have to take on trust: none early, none twice,
nothing sent that was cancelled, none left pending).

Pure functions of the store's reminder records and the outbox's messages, so that their
arithmetic is tested without Redis or Celery; ``demo_view`` draws them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reminders.model import TERMINAL, ReminderState
from reminders.store.record import ReminderRecord

_S = ReminderState
# Nothing more happens to these during the demo: a flagged reminder waits for a person, whom
# the demo does not play.
SETTLED = frozenset({*TERMINAL, _S.FLAGGED})

# Every state, in the order the ending lists them: outcomes first, then what would still be
# under way. Kept complete by a test, so a new state cannot go missing from the summary.
STATE_ORDER: tuple[ReminderState, ...] = (
    _S.SENT,
    _S.SKIPPED,
    _S.CANCELLED,
    _S.FLAGGED,
    _S.FAILED,
    _S.UNKNOWN,
    _S.SCHEDULED,
    _S.CLAIMED,
    _S.SENDING,
)

MEANING: Mapping[ReminderState, str] = {
    _S.SENT: "the outbox recorded it (in production: the provider confirmed it)",
    _S.SKIPPED: "not sent on purpose: its moment had passed, or an earlier send already said it",
    _S.CANCELLED: "withdrawn: the appointment was moved (a new version replaced it) or cancelled",
    _S.FLAGGED: "waits for a person: it is on the staff console's Attention page",
    _S.FAILED: "the channel refused it for good (a wrong number or address)",
    _S.UNKNOWN: "a send whose outcome was lost: the provider is asked before any resend",
    _S.SCHEDULED: "still waiting for its moment",
    _S.CLAIMED: "taken by a dispatch tick, its send not begun",
    _S.SENDING: "being sent",
}


def rule_label(rec: ReminderRecord) -> str:
    """The rule, and which medicine for a per-medicine rule (``medication_pause#1``)."""
    return rec.rule + (f"#{rec.medicine + 1}" if rec.medicine is not None else "")


@dataclass(frozen=True)
class NextDue:
    appointment_id: str
    rule: str
    channel: str
    due_at: datetime


@dataclass(frozen=True)
class Tally:
    """The live line's figures, from one read of the store."""

    counts: Mapping[ReminderState, int]
    next_due: NextDue | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def settled(self) -> int:
        return sum(n for s, n in self.counts.items() if s in SETTLED)

    @property
    def pending(self) -> int:
        return self.total - self.settled

    @property
    def done(self) -> bool:
        return self.total > 0 and self.pending == 0


def tally(records: Iterable[ReminderRecord]) -> Tally:
    recs = list(records)
    waiting = [r for r in recs if r.state in {_S.SCHEDULED, _S.CLAIMED}]
    first = min(waiting, key=lambda r: r.due_at, default=None)
    return Tally(
        counts=Counter(r.state for r in recs),
        next_due=NextDue(first.appointment_id, rule_label(first), first.channel, first.due_at)
        if first
        else None,
    )


@dataclass(frozen=True)
class Row:
    """One reminder in the ending's table."""

    record: ReminderRecord
    delivered_at: datetime | None  # when the outbox got it, None if it never did

    @property
    def lateness(self) -> float | None:
        """Seconds of virtual time between due and delivered."""
        if self.delivered_at is None:
            return None
        return (self.delivered_at - self.record.due_at).total_seconds()


@dataclass(frozen=True)
class Summary:
    rows: Sequence[Row]
    counts: Mapping[ReminderState, int]
    reasons: Mapping[ReminderState, Counter[str]]
    messages: int  # entries in the outbox
    early: Sequence[Row]  # delivered before they were due
    twice: Sequence[str]  # reminder ids the outbox holds more than once
    stale: Sequence[str]  # outbox messages of reminders not marked sent (cancelled, skipped...)
    unrecorded: Sequence[Row]  # marked sent, but no message in the outbox
    unsettled: Sequence[Row]  # still pending when the demo ended

    @property
    def lateness(self) -> list[float]:
        return sorted(x for r in self.rows if (x := r.lateness) is not None)

    @property
    def checks_pass(self) -> bool:
        return not (self.early or self.twice or self.stale or self.unrecorded or self.unsettled)


def summarize(records: Iterable[ReminderRecord], messages: Sequence[Mapping[str, Any]]) -> Summary:
    """``messages``: the outbox's entries (``reminder``, ``at`` in ISO form, ...)."""
    recs = list(records)
    per_reminder = Counter(str(m["reminder"]) for m in messages)
    first_at: dict[str, datetime] = {}
    for m in messages:
        first_at.setdefault(str(m["reminder"]), datetime.fromisoformat(str(m["at"])))
    by_id = {r.id: r for r in recs}
    rows = [Row(r, first_at.get(r.id)) for r in recs]
    reasons: dict[ReminderState, Counter[str]] = {}
    for r in recs:
        if r.state != _S.SENT:
            reasons.setdefault(r.state, Counter())[r.reason or "(no reason recorded)"] += 1
    return Summary(
        rows=rows,
        counts=Counter(r.state for r in recs),
        reasons=reasons,
        messages=len(messages),
        early=[row for row in rows if (late := row.lateness) is not None and late < 0],
        twice=sorted(rid for rid, n in per_reminder.items() if n > 1),
        stale=sorted(
            rid for rid in per_reminder if rid not in by_id or by_id[rid].state != _S.SENT
        ),
        unrecorded=[row for row in rows if row.record.state == _S.SENT and not row.delivered_at],
        unsettled=[row for row in rows if row.record.state not in SETTLED],
    )
