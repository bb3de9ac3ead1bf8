"""What a provider's status callback changes: the reminder's delivery status (only forward),
and on a final carrier failure, the carrier error policy (``twilio_codes.carrier_action``):
30003 one later retry before the deadline; 30006 (landline) no retry, fall back to email;
anything else flagged for staff."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from reminders import fallback
from reminders.channels.twilio_codes import CarrierAction, carrier_action
from reminders.schedule.planner import parse_reminder_id
from reminders.store import Store

FINAL_FAILURES = frozenset({"undelivered", "failed"})
_MIN_LEAD = timedelta(minutes=2)  # a retry closer to the deadline than this is pointless


def on_status(
    store: Store,
    rid: str,
    provider_id: str,
    status: str,
    code: str,
    now: datetime,
    *,
    is_safety: Callable[[str, str], bool],
    retry_delay: float,
) -> str:
    """Apply one status callback; returns ok | duplicate | stale | missing."""
    rec = store.reminder(rid)
    if rec is None:
        return "missing"
    if status not in FINAL_FAILURES:
        return store.record_delivery(rid, provider_id, status, now, code=code)
    action = carrier_action(code)
    if action is CarrierAction.RETRY_ONCE and not rec.carrier_retried:
        retry_at = min(now + timedelta(seconds=retry_delay), now + (rec.deadline - now) / 2)
        if rec.deadline - retry_at >= _MIN_LEAD:
            return store.record_delivery(
                rid,
                provider_id,
                status,
                now,
                code=code,
                action="retry",
                retry_at=retry_at,
                why=f"carrier error {code}: one more try later",
            )
    if action is CarrierAction.FALLBACK:
        snap = store.snapshot(parse_reminder_id(rid)[0])
        if snap is not None and snap.appointment.patient.phone:
            store.mark_unusable(snap.appointment.patient.phone, now, code, "carrier refused SMS")
        if snap is not None:
            reason = f"carrier error {code}: the number cannot receive SMS"
            o = fallback.when_sms_unusable(
                snap.appointment, rec, reason, now, is_safety, opted_out=False
            )
            spec = None
            if o.fallback is not None:
                spec = json.dumps({**json.loads(o.fallback), "fw": o.flag_why})
            kind = "flag" if o.state == "flagged" else ("fallback" if spec else "failed")
            return store.record_delivery(
                rid, provider_id, status, now, code=code, action=kind, why=o.why, fallback=spec
            )
    return store.record_delivery(
        rid,
        provider_id,
        status,
        now,
        code=code,
        action="flag",
        why=f"carrier error {code or 'unknown'}: not delivered, a person should check",
    )
