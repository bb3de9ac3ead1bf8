"""The chaos test's judge: a pure function of what can be seen from outside the service, the
appointments' timelines and the attention list from the HTTP API and the messages the provider
accepted, that counts five kinds of failure:

- **duplicates**: the patient got one reminder twice: two accepted messages for one reminder
  id, or two reminders of one slot (appointment, rule, medicine, channel) both delivered for
  the same moment (the same first planned due time, or the same text while the procedure had
  not moved). A reschedule legitimately sends a slot again for the new moment.
- **lost**: a slot whose moment had come by the cutoff and that nobody dealt with: no version
  of it was sent, the current version's reminder did not end with a reason, and no reminder of
  it is on the attention list. For a cancelled appointment only its cancellation notice counts.
- **stale**: a message whose send attempt began after a newer version of its appointment (or
  its cancellation) was written: the appointment's events are in exact order, so "after" is
  the event list's order, not clock times.
- **late**: a message whose send attempt began after the reminder's deadline. A send found by
  a lookup after its outcome was lost counts by the attempt that made it.
- **unknown**: a reminder due by the cutoff still not settled (claimed, sending, unknown, or
  waiting to retry), a message the provider accepted that the service does not record as sent
  with that provider id, or a reminder recorded sent that the provider never accepted.

A reminder id is ``appointment:version:rule:medicine:channel`` (``reminders.ids``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reminders.ids import ReminderId

FIGURES = ("duplicates", "lost", "stale", "late", "unknown")
FINAL = frozenset({"sent", "skipped", "cancelled", "failed", "flagged"})
ENDED = FINAL - {"sent"}  # settled without sending: must say why
VERSION_EVENTS = frozenset({"booked", "edited", "rescheduled", "cancelled"})
CANCELLATION = "notice_cancellation"
ALREADY_SENT = "already sent as "  # the reason of a reminder that waited for an earlier send
# A message is created after its attempt began; this only absorbs rounding between processes.
CLOCK_SLACK = timedelta(seconds=1)
SAME_MOMENT = timedelta(seconds=1)

Slot = tuple[str, str, int | None, str]  # appointment, rule, medicine, channel


@dataclass(frozen=True)
class Message:
    """One message the provider accepted, its creation time on the service's clock."""

    sid: str
    reminder_id: str | None  # from its status callback URL
    to: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Finding:
    figure: str
    subject: str  # a reminder id, a slot or a provider id
    detail: str


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)

    def count(self, figure: str) -> int:
        return sum(1 for f in self.findings if f.figure == figure)

    def examples(self, figure: str, n: int = 5) -> list[Finding]:
        return [f for f in self.findings if f.figure == figure][:n]

    @property
    def clean(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class Record:
    id: str
    appointment: str
    version: int
    rule: str
    medicine: int | None
    channel: str
    state: str
    due_at: datetime
    deadline: datetime
    reason: str
    provider_id: str | None

    @property
    def slot(self) -> Slot:
        return (self.appointment, self.rule, self.medicine, self.channel)


@dataclass(frozen=True)
class Attempt:
    index: int  # position in the appointment's event list
    at: datetime
    outcome: str | None  # the type of the reminder's next event; None: none before the next try


@dataclass
class Appointment:
    id: str
    version: int
    status: str
    records: list[Record]
    versions: list[tuple[int, int]]  # (event index, version) of each booking/edit/cancel
    starts: dict[int, str]  # version -> the procedure start it was written with
    attempts: dict[str, list[Attempt]]
    sent_events: dict[str, dict[str, Any]]  # reminder id -> its last 'sent' event

    def superseded_before(self, index: int, version: int) -> bool:
        """Had a version newer than ``version`` been written before event ``index``?"""
        return any(i < index and v > version for i, v in self.versions)


def parse_timeline(data: Mapping[str, Any]) -> Appointment:
    """``GET /appointments/{id}`` as the oracle reads it."""
    aid = str(data["external_id"])
    records = [_record(aid, r) for r in data["reminders"]]
    versions: list[tuple[int, int]] = []
    starts: dict[int, str] = {}
    attempts: dict[str, list[Attempt]] = defaultdict(list)
    sent_events: dict[str, dict[str, Any]] = {}
    open_attempt: dict[str, int] = {}  # reminder id -> its attempt still without an outcome
    for i, e in enumerate(data["events"]):
        kind, rid = str(e.get("type", "")), e.get("reminder")
        if kind in VERSION_EVENTS and "version" in e and rid is None:
            versions.append((i, int(e["version"])))
            starts[int(e["version"])] = str(e.get("procedure_start", ""))
        if not isinstance(rid, str) or kind == "delivery":
            continue
        if kind == "sending":
            attempts[rid].append(Attempt(i, _when(e["at"]), None))
            open_attempt[rid] = len(attempts[rid]) - 1
            continue
        if rid in open_attempt:
            n = open_attempt.pop(rid)
            a = attempts[rid][n]
            attempts[rid][n] = Attempt(a.index, a.at, kind)
        if kind == "sent":
            sent_events[rid] = dict(e)
    return Appointment(
        aid,
        int(data["version"]),
        str(data["status"]),
        records,
        versions,
        starts,
        attempts,
        sent_events,
    )


def judge(
    timelines: Iterable[Mapping[str, Any]],
    attention: Iterable[Mapping[str, Any]],
    messages: Iterable[Message],
    cutoff: datetime,
    *,
    first_due: Mapping[str, datetime] | None = None,
    provider_channels: frozenset[str] = frozenset({"sms"}),
) -> Verdict:
    """Every finding. ``cutoff``: the service's time when the chaos stopped (later reminders
    are not judged lost or unsettled); ``first_due``: each reminder's due time as first
    planned (a retry moves ``due_at``; the booking responses tell the first), where known;
    ``provider_channels``: the channels whose every send is in ``messages``."""
    j = _Judge(
        [parse_timeline(t) for t in timelines],
        list(attention),
        list(messages),
        cutoff,
        dict(first_due or {}),
        provider_channels,
    )
    return j.run()


def unsettled(
    timelines: Iterable[Mapping[str, Any]],
    cutoff: datetime,
    first_due: Mapping[str, datetime] | None = None,
) -> list[str]:
    """Reminders due by ``cutoff`` that have not settled yet (the drain waits for none)."""
    due = dict(first_due or {})
    out: list[str] = []
    for t in timelines:
        appt = parse_timeline(t)
        out += [
            r.id for r in appt.records if r.state not in FINAL and _in_scope(r, appt, cutoff, due)
        ]
    return out


def _record(aid: str, r: Mapping[str, Any]) -> Record:
    ident = ReminderId.parse(str(r["id"]))
    return Record(
        id=str(r["id"]),
        appointment=aid,
        version=ident.version,
        rule=ident.rule,
        medicine=ident.medicine,
        channel=ident.channel,
        state=str(r["state"]),
        due_at=_when(r["due_at"]),
        deadline=_when(r["deadline"]),
        reason=str(r.get("reason") or ""),
        provider_id=r.get("provider_id") or None,
    )


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _in_scope(r: Record, appt: Appointment, cutoff: datetime, due: Mapping[str, datetime]) -> bool:
    first = min(due.get(r.id, r.due_at), r.due_at)
    tried = appt.attempts.get(r.id, [])
    return first <= cutoff or any(a.at <= cutoff for a in tried)


class _Judge:
    def __init__(
        self,
        appts: list[Appointment],
        attention: list[Mapping[str, Any]],
        messages: list[Message],
        cutoff: datetime,
        first_due: dict[str, datetime],
        provider_channels: frozenset[str],
    ) -> None:
        self.appts = {a.id: a for a in appts}
        self.records = {r.id: r for a in appts for r in a.records}
        self.messages = messages
        self.by_reminder: dict[str, list[Message]] = defaultdict(list)
        for m in messages:
            if m.reminder_id:
                self.by_reminder[m.reminder_id].append(m)
        self.sids = {m.sid for m in messages}
        self.cutoff = cutoff
        self.first_due = first_due
        self.provider_channels = provider_channels
        self.attention_rids = {str(i["reminder_id"]) for i in attention if i.get("reminder_id")}
        self.verdict = Verdict()

    def add(self, figure: str, subject: str, detail: str) -> None:
        self.verdict.findings.append(Finding(figure, subject, detail))

    def run(self) -> Verdict:
        self.duplicates()
        self.unknown()
        self.lost()
        self.stale_and_late()
        return self.verdict

    # --- duplicates ---------------------------------------------------------------------------

    def duplicates(self) -> None:
        for rid, msgs in self.by_reminder.items():
            for extra in msgs[1:]:
                self.add(
                    "duplicates",
                    rid,
                    f"{len(msgs)} messages accepted for one reminder: "
                    + ", ".join(m.sid for m in msgs)
                    + f" (this one {extra.sid})",
                )
        delivered: dict[Slot, list[Record]] = defaultdict(list)
        for r in self.records.values():
            if r.state == "sent" or r.id in self.by_reminder:
                delivered[r.slot].append(r)
        for slot, recs in delivered.items():
            recs.sort(key=lambda r: r.version)
            kept: list[Record] = []
            for r in recs:
                twin = next((k for k in kept if self._same_moment(k, r)), None)
                if twin is None:
                    kept.append(r)
                    continue
                self.add(
                    "duplicates",
                    r.id,
                    f"slot {_slot(slot)} delivered twice for one moment: {twin.id} and {r.id}",
                )

    def _same_moment(self, a: Record, b: Record) -> bool:
        """Planned for the same moment, or the same text about the same procedure time. (A
        reschedule by whole days may repeat a text word for word, "tomorrow at 12:30", for
        another day: the procedure time tells them apart.)"""
        if abs(self._due(a) - self._due(b)) < SAME_MOMENT:
            return True
        starts = self.appts[a.appointment].starts
        if starts.get(a.version, "a") != starts.get(b.version, "b"):
            return False
        bodies_a = {m.body for m in self.by_reminder.get(a.id, [])}
        return bool(bodies_a & {m.body for m in self.by_reminder.get(b.id, [])})

    def _due(self, r: Record) -> datetime:
        return min(self.first_due.get(r.id, r.due_at), r.due_at)

    # --- unknown ------------------------------------------------------------------------------

    def unknown(self) -> None:
        self.unknown_ids: set[str] = set()
        for r in self.records.values():
            appt = self.appts[r.appointment]
            if r.state not in FINAL and _in_scope(r, appt, self.cutoff, self.first_due):
                self.unknown_ids.add(r.id)
                self.add("unknown", r.id, f"left {r.state} (due {self._due(r):%m-%d %H:%M}Z)")
        for rid, msgs in self.by_reminder.items():
            rec = self.records.get(rid)
            sids = ", ".join(m.sid for m in msgs)
            if rec is None:
                self.add("unknown", rid, f"provider accepted {sids} for a reminder nobody has")
            elif not (rec.state == "sent" and rec.provider_id in {m.sid for m in msgs}):
                self.unknown_ids.add(rid)
                self.add(
                    "unknown",
                    rid,
                    f"provider accepted {sids}, the service has it {rec.state}"
                    + (f" as {rec.provider_id}" if rec.provider_id else ""),
                )
        for m in self.messages:
            if m.reminder_id is None:
                self.add("unknown", m.sid, f"accepted message to {m.to} without our callback URL")
        for r in self.records.values():
            if (
                r.state == "sent"
                and r.channel in self.provider_channels
                and (r.provider_id not in self.sids)
            ):
                self.add("unknown", r.id, f"recorded sent as {r.provider_id}, never accepted there")

    # --- lost ---------------------------------------------------------------------------------

    def lost(self) -> None:
        slots: dict[Slot, list[Record]] = defaultdict(list)
        for r in self.records.values():
            slots[r.slot].append(r)
        for slot, recs in slots.items():
            appt = self.appts[slot[0]]
            if appt.status == "cancelled" and slot[1] != CANCELLATION:
                continue
            latest = max(recs, key=lambda r: r.version)
            if self._due(latest) > self.cutoff:
                continue
            if any(r.state == "sent" for r in recs):
                continue
            current = latest if latest.version == appt.version else None
            if current is not None and self._ended_with_reason(current):
                continue
            if any(r.id in self.attention_rids for r in recs):
                continue
            if any(r.id in self.unknown_ids for r in recs):
                continue  # counted once, as unknown
            states = ", ".join(f"v{r.version} {r.state}" for r in sorted(recs, key=_version))
            where = "" if current else f" (not in the current version {appt.version})"
            self.add("lost", latest.id, f"slot {_slot(slot)} never sent{where}: {states}")

    def _ended_with_reason(self, r: Record) -> bool:
        """Settled unsent, saying why; "already sent as <id>" only if that one was sent."""
        if r.state not in ENDED or not r.reason:
            return False
        earlier = r.reason.removeprefix(ALREADY_SENT)
        if earlier == r.reason:
            return True
        other = self.records.get(earlier.strip())
        return other is not None and other.state == "sent"

    # --- stale and late -----------------------------------------------------------------------

    def stale_and_late(self) -> None:
        judged: set[str] = set()
        for m in self.messages:
            rec = self.records.get(m.reminder_id or "")
            if rec is None:
                continue
            attempt = self._attempt_for(m)
            if attempt is None:
                self.add("unknown", rec.id, f"{m.sid} accepted with no send attempt before it")
                continue
            self._check(rec, attempt, m.sid)
            judged.add(rec.id)
        for rec in self.records.values():
            if rec.state != "sent" or rec.id in judged or rec.channel in self.provider_channels:
                continue
            attempt = self._attempt_from_events(rec)
            if attempt is not None:
                self._check(rec, attempt, rec.provider_id or "")

    def _check(self, rec: Record, attempt: Attempt, sid: str) -> None:
        appt = self.appts[rec.appointment]
        # (a cancellation notice belongs to the version the cancellation wrote: not stale)
        if appt.superseded_before(attempt.index, rec.version):
            newer = [v for i, v in appt.versions if i < attempt.index and v > rec.version]
            self.add(
                "stale",
                rec.id,
                f"{sid}: its attempt began at {attempt.at:%m-%d %H:%M:%S}Z, after version "
                f"{max(newer)} was written",
            )
        if attempt.at > rec.deadline:
            self.add(
                "late",
                rec.id,
                f"{sid}: its attempt began at {attempt.at:%m-%d %H:%M:%S}Z, deadline "
                f"{rec.deadline:%m-%d %H:%M:%S}Z",
            )

    def _attempt_for(self, m: Message) -> Attempt | None:
        """The attempt that made a message: the last one begun before the provider had it."""
        tries = self.appts[self.records[m.reminder_id or ""].appointment].attempts
        before = [
            a for a in tries.get(m.reminder_id or "", []) if a.at <= m.created_at + CLOCK_SLACK
        ]
        return before[-1] if before else None

    def _attempt_from_events(self, rec: Record) -> Attempt | None:
        """For a channel without a provider log: the attempt whose outcome was 'sent', or for a
        send found by a lookup, the first attempt whose outcome was lost."""
        appt = self.appts[rec.appointment]
        tries = appt.attempts.get(rec.id, [])
        if not tries:
            return None
        found = str(appt.sent_events.get(rec.id, {}).get("reason", "")).startswith("found sent")
        if found:
            lost = [a for a in tries if a.outcome in (None, "unknown")]
            return lost[0] if lost else tries[0]
        sent = [a for a in tries if a.outcome == "sent"]
        return sent[-1] if sent else tries[-1]


def _version(r: Record) -> int:
    return r.version


def _slot(slot: Slot) -> str:
    aid, rule, med, channel = slot
    return f"{aid}/{rule}{'' if med is None else f'#{med}'}/{channel}"
