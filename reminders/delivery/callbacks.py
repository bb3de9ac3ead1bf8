"""What a provider's status report changes: the reminder's delivery status (only forward), and
on a final carrier failure the action the channel read from the carrier's code: one later retry
before the deadline, the email fallback policy (``delivery.fallback``), or a flag for staff."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from reminders.channels import CarrierAction, StatusReport
from reminders.delivery import fallback
from reminders.ids import appointment_of
from reminders.store import Store

_MIN_LEAD = timedelta(minutes=2)  # a retry closer to the deadline than this is pointless


def on_status(
    store: Store,
    report: StatusReport,
    now: datetime,
    *,
    is_safety: Callable[[str, str], bool],
    retry_delay: float,
) -> str:
    """Apply one status report; returns ok | duplicate | stale | missing."""
    rid, sid, status, code = report.reminder_id, report.provider_id, report.status, report.code
    rec = store.reminders.get(rid)
    if rec is None:
        return "missing"
    # The provider echoed the reminder id of this message (the callback URL): exact ownership,
    # which a later lookup of another reminder's lost send respects.
    store.sendlog.remember_first("sms:owner", sid, rid)
    if not report.final_failure:
        return store.reminders.record_delivery(rid, sid, status, now, code=code)
    if report.action is CarrierAction.RETRY_ONCE and not rec.carrier_retried:
        retry_at = min(now + timedelta(seconds=retry_delay), now + (rec.deadline - now) / 2)
        if rec.deadline - retry_at >= _MIN_LEAD:
            return store.reminders.record_delivery(
                rid,
                sid,
                status,
                now,
                code=code,
                action="retry",
                retry_at=retry_at,
                why=f"carrier error {code}: one more try later",
            )
    if report.action is CarrierAction.FALLBACK:
        snap = store.appointments.snapshot(appointment_of(rid))
        if snap is not None and snap.appointment.patient.phone:
            phone = snap.appointment.patient.phone
            store.contacts.mark_unusable(phone, now, code, "carrier refused SMS")
        if snap is not None:
            reason = f"carrier error {code}: the number cannot receive SMS"
            o = fallback.when_sms_unusable(
                snap.appointment, rec, reason, now, is_safety, opted_out=False
            )
            spec = None
            if o.fallback is not None:
                spec = json.dumps({**json.loads(o.fallback), "fw": o.flag_why})
            kind = "flag" if o.state == "flagged" else ("fallback" if spec else "failed")
            return store.reminders.record_delivery(
                rid, sid, status, now, code=code, action=kind, why=o.patch.reason or "",
                fallback=spec,
            )  # fmt: skip
    return store.reminders.record_delivery(
        rid,
        sid,
        status,
        now,
        code=code,
        action="flag",
        why=f"carrier error {code or 'unknown'}: not delivered, a person should check",
    )
