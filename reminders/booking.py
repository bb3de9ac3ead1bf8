"""Book, edit/reschedule and cancel: plan the reminders and store them in one atomic step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from reminders.model import TOLD, Appointment, AppointmentStatus, PlannedReminder, ReminderState
from reminders.schedule import Schedule, plan
from reminders.store import ReminderRecord, Snapshot, Store, VersionConflict

_RETRIES = 20
_WAITING = frozenset({ReminderState.SCHEDULED, ReminderState.CLAIMED})
_SAME_MOMENT = timedelta(seconds=1)


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment
    planned: list[PlannedReminder]
    changed: bool
    created: bool


def book(
    store: Store, appointment: Appointment, schedule: Schedule, now: datetime
) -> BookingResult:
    """Create or update an appointment by its external id. Posting the same appointment again
    changes nothing; any change bumps the version and replaces the pending reminders."""
    if schedule.procedure != appointment.procedure.type:
        raise ValueError(
            f"schedule {schedule.procedure!r} is not for {appointment.procedure.type!r}"
        )
    for _ in range(_RETRIES):
        snap = store.appointments.snapshot(appointment.external_id)
        if snap is None:
            new = replace(appointment, version=1, status=AppointmentStatus.BOOKED, booked_at=now)
            planned = plan(new, schedule, now)
            try:
                store.appointments.replace_plan(
                    new,
                    planned,
                    expected_version=None,
                    event=_event(now, "booked", new, schedule),
                    why_superseded="",
                )
            except VersionConflict:
                continue
            return BookingResult(new, planned, changed=True, created=True)
        new = replace(
            appointment,
            version=snap.version,
            status=AppointmentStatus.BOOKED,
            booked_at=snap.appointment.booked_at,
        )
        if new == snap.appointment:
            return BookingResult(new, [], changed=False, created=False)
        new = replace(new, version=snap.version + 1)
        planned = _without_delivered(plan(new, schedule, now), snap.reminders, now)
        moved = new.procedure.start != snap.appointment.procedure.start
        if moved and _told(snap.reminders):
            planned += notices(new, "reschedule", now, deadline=new.procedure.start)
        planned += _medication_corrections(snap, new, now)
        planned += _unsent_notices(snap, new, now, taken={p.slot for p in planned})
        kind = "rescheduled" if moved else "edited"
        try:
            store.appointments.replace_plan(
                new,
                planned,
                expected_version=snap.version,
                event=_event(now, kind, new, schedule),
                why_superseded=f"superseded by version {new.version}",
            )
        except VersionConflict:
            continue
        return BookingResult(new, planned, changed=True, created=False)
    raise VersionConflict(f"{appointment.external_id}: too many concurrent changes")


def cancel(
    store: Store, appointment_id: str, now: datetime, reason: str = "", *, notify: bool = True
) -> Appointment:
    """Cancel the pending reminders; tell the patient if they had already heard from us."""
    for _ in range(_RETRIES):
        snap = store.appointments.snapshot(appointment_id)
        if snap is None:
            raise KeyError(appointment_id)
        if snap.appointment.status is AppointmentStatus.CANCELLED:
            return snap.appointment
        new = replace(
            snap.appointment, version=snap.version + 1, status=AppointmentStatus.CANCELLED
        )
        notice = (
            notices(new, "cancellation", now, deadline=new.procedure.start)
            if notify and _told(snap.reminders) and new.procedure.start > now
            else []
        )
        try:
            store.appointments.replace_plan(
                new,
                notice,
                expected_version=snap.version,
                event={**_event(now, "cancelled", new), "reason": reason},
                why_superseded="the appointment was cancelled",
            )
        except VersionConflict:
            continue
        return new
    raise VersionConflict(f"{appointment_id}: too many concurrent changes")


@dataclass(frozen=True)
class Replanned:
    """``before``: the appointment as it was; ``planned``: what the re-plan made of it (written
    when ``written``)."""

    before: Snapshot
    planned: list[PlannedReminder]
    written: bool


def replan(
    store: Store,
    appointment_id: str,
    schedule: Schedule,
    now: datetime,
    *,
    write_if: Callable[[Snapshot, list[PlannedReminder]], bool],
) -> Replanned | None:
    """Plan the appointment again with ``schedule`` (a new version of it, as an edit would):
    its pending reminders are replaced in one atomic step, those sent or in flight are kept.
    Nothing about the appointment changed, so nothing the patient has been sent (or may have
    been) is planned again, whatever its new moment, and no notice is due. ``write_if`` decides
    on each fresh look (after a concurrent change it is asked again). None: no appointment."""
    for _ in range(_RETRIES):
        snap = store.appointments.snapshot(appointment_id)
        if snap is None:
            return None
        new = replace(snap.appointment, version=snap.version + 1)
        planned = _not_told(plan(new, schedule, now), snap.reminders)
        planned += _unsent_notices(snap, new, now, taken={p.slot for p in planned})
        if not write_if(snap, planned):
            return Replanned(snap, planned, written=False)
        try:
            store.appointments.replace_plan(
                new,
                planned,
                expected_version=snap.version,
                event=_event(now, "replanned", new, schedule),
                why_superseded=f"re-planned with schedule version {schedule.version}",
            )
        except VersionConflict:
            continue
        return Replanned(snap, planned, written=True)
    raise VersionConflict(f"{appointment_id}: too many concurrent changes")


def notices(
    appt: Appointment,
    message: str,
    now: datetime,
    *,
    deadline: datetime,
    medicine: int | None = None,
) -> list[PlannedReminder]:
    """A notice goes out at once on every channel the patient can be reached on."""
    return [
        PlannedReminder(
            appointment_id=appt.external_id,
            version=appt.version,
            rule=f"notice_{message}",
            message=message,
            medicine=medicine,
            channel=channel,
            nominal_at=now,
            due_at=now,
            deadline=max(deadline, now + timedelta(hours=1)),
            state=ReminderState.SCHEDULED,
        )
        for channel in appt.patient.reachable_channels()
    ]


def _medication_corrections(
    snap: Snapshot, new: Appointment, now: datetime
) -> list[PlannedReminder]:
    """The doctor changed a medicine's instructions after we had relayed them: tell the patient
    the new ones at once, so nobody acts on a superseded pause or restart day."""
    told = {r.medicine for r in snap.reminders if r.state in TOLD and r.medicine is not None}
    old_meds = snap.appointment.medications
    out: list[PlannedReminder] = []
    for index in sorted(i for i in told if i < len(old_meds)):
        old = old_meds[index]
        match = [
            i for i, m in enumerate(new.medications) if m.name.casefold() == old.name.casefold()
        ]
        if not match:
            continue  # the doctor removed it: staff see the edit in the timeline
        now_med = new.medications[match[0]]
        if old.instruction == now_med.instruction:
            continue
        out += notices(
            new,
            "medication_correction",
            now,
            deadline=new.procedure.end + timedelta(days=2),
            medicine=match[0],
        )
    return out


def _unsent_notices(
    snap: Snapshot, new: Appointment, now: datetime, taken: set[tuple[str, int | None, str]]
) -> list[PlannedReminder]:
    """A notice not sent yet (waiting, retrying, or in flight) when the appointment changes
    again: the change cancels it with the old version, so the new version carries it (unless
    this change brings a fresh one for the same slot), skipped if any earlier one went out."""
    open_: dict[tuple[str, int | None, str], list[ReminderRecord]] = {}
    for rec in snap.reminders:
        if rec.rule.startswith("notice_") and (rec.state in _WAITING or rec.in_flight):
            open_.setdefault((rec.rule, rec.medicine, rec.channel), []).append(rec)
    out: list[PlannedReminder] = []
    for slot, recs in open_.items():
        if slot in taken:
            continue
        # All of them: a carried notice may itself be waiting for an older one in flight,
        # and what each waits for too: that older one may have gone out since (a status
        # callback settled it), and then the carried notice must be skipped, not sent again.
        newest_first = sorted(recs, key=lambda r: r.version, reverse=True)
        latest = newest_first[0]
        held_by = [r.waits_for for r in newest_first if r.waits_for]
        out.append(
            PlannedReminder(
                appointment_id=new.external_id,
                version=new.version,
                rule=latest.rule,
                message=latest.message,
                medicine=latest.medicine,
                channel=latest.channel,
                nominal_at=now,
                due_at=now,
                deadline=latest.deadline,
                state=ReminderState.SCHEDULED,
                unless_sent=tuple(dict.fromkeys([r.id for r in newest_first] + held_by)),
            )
        )
    return out


def _told(existing: list[ReminderRecord]) -> bool:
    return any(r.state in TOLD for r in existing)


def _without_delivered(
    planned: list[PlannedReminder], existing: list[ReminderRecord], now: datetime
) -> list[PlannedReminder]:
    """A message already sent is not planned again when it would say the same at the same
    moment, or when its moment has passed anyway (corrections are a separate message).

    A send not confirmed yet must not count as sent: if it fails, the patient would never hear.
    So an earlier reminder of the slot that is pending or in flight (it may begin sending before
    this plan is written) is named in ``unless_sent``; the store makes the new one wait for
    whichever of them is in flight when the plan is written, skip if it went out, and go out if
    it did not."""
    sent: dict[tuple[str, int | None, str], list[ReminderRecord]] = {}
    open_: dict[tuple[str, int | None, str], list[ReminderRecord]] = {}
    for rec in existing:
        slot = (rec.rule, rec.medicine, rec.channel)
        if rec.state is ReminderState.SENT:
            sent.setdefault(slot, []).append(rec)
        elif rec.state in _WAITING or rec.in_flight:
            open_.setdefault(slot, []).append(rec)
    out = []
    for p in planned:
        if _covers(sent.get(p.slot, []), p, now):
            continue
        earlier = [r for r in open_.get(p.slot, []) if _covers([r], p, now)]
        if earlier:
            newest_first = sorted(earlier, key=lambda r: r.version, reverse=True)
            out.append(replace(p, unless_sent=tuple(r.id for r in newest_first)))
        else:
            out.append(p)
    return out


def _not_told(
    planned: list[PlannedReminder], existing: list[ReminderRecord]
) -> list[PlannedReminder]:
    """For a re-plan, where the appointment is the same: a slot whose latest reminder was sent
    would say again what the patient was told, whatever its new moment, so it is not planned;
    nor one whose latest reminder failed (that is on the attention list, for a person). A slot
    re-planned since an earlier send (the procedure moved) is planned, as the edit decided.
    Pending or in-flight reminders of a slot are named in ``unless_sent``, as for an edit."""
    latest: dict[tuple[str, int | None, str], ReminderRecord] = {}
    open_: dict[tuple[str, int | None, str], list[ReminderRecord]] = {}
    for rec in existing:
        slot = (rec.rule, rec.medicine, rec.channel)
        if slot not in latest or rec.version > latest[slot].version:
            latest[slot] = rec
        if rec.state in _WAITING or rec.in_flight:
            open_.setdefault(slot, []).append(rec)
    out = []
    for p in planned:
        last = latest.get(p.slot)
        if last is not None and last.state in (ReminderState.SENT, ReminderState.FAILED):
            continue
        earlier = sorted(open_.get(p.slot, []), key=lambda r: r.version, reverse=True)
        out.append(replace(p, unless_sent=tuple(r.id for r in earlier)) if earlier else p)
    return out


def _covers(prior: list[ReminderRecord], p: PlannedReminder, now: datetime) -> bool:
    """Would one of these earlier sends make ``p`` a repeat?"""
    if any(abs(r.nominal_at - p.nominal_at) < _SAME_MOMENT for r in prior):
        return True
    return bool(prior) and p.nominal_at <= now


def _event(
    now: datetime, kind: str, a: Appointment, schedule: Schedule | None = None
) -> dict[str, object]:
    out: dict[str, object] = {
        "at": now.isoformat(),
        "type": kind,
        "version": a.version,
        "procedure_start": a.procedure.start.isoformat(),
    }
    if schedule is not None:
        # Which schedule text planned this version: staff see it in the timeline, and a re-plan
        # says which version an appointment was planned with.
        out["schedule"] = schedule.procedure
        out["schedule_version"] = schedule.version
        out["schedule_sha256"] = schedule.sha256
    return out
