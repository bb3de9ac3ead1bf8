"""Claim what is due; deliver one reminder. Plain functions: the Celery tasks only wrap them."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reminders import fallback
from reminders.channels import Channel, DeliveryError, Outgoing
from reminders.i18n import Facts, render
from reminders.i18n.locales import normalize
from reminders.i18n.render import RenderError
from reminders.models import Appointment
from reminders.store import ReminderRecord, Store
from reminders.store.records import ts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryConfig:
    send_lease: float = 120
    max_attempts: int = 5
    retry_backoff: float = 60
    locales_dir: Path = Path("locales")
    clinic_default_locale: str = "en"
    # Look up a send whose answer was lost this long after it (the provider has it by then).
    reconcile_delay: float = 120
    is_safety: Callable[[str, str], bool] = fallback.never
    # The rule's SMS budget (procedure, rule) -> segments; None: the message's own.
    sms_budget: Callable[[str, str], int | None] = lambda procedure, rule: None


def dispatch_tick(
    store: Store,
    now: datetime,
    enqueue: Callable[[str, str], None],
    *,
    batch: int = 500,
    lease_seconds: float = 300,
    max_batches: int = 100,
) -> dict[str, Any]:
    """Claim due reminders in batches and hand each (id, token) to ``enqueue``. Safe to run
    twice at once: a claim is atomic, and a second tick finds nothing left to claim. Returns a
    summary for the logs."""
    # The lock only stops ticks from overlapping; if its holder dies, the next tick must not wait
    # for the whole claim lease (claims are atomic, so an early second tick is harmless).
    lock = store.try_lock("dispatch", min(lease_seconds, 30))
    if lock is None:
        return {"skipped": "another dispatch tick is running"}
    claimed = 0
    try:
        for _ in range(max_batches):
            pairs = store.claim_due(now, batch, lease_seconds)
            for rid, token in pairs:
                enqueue(rid, token)
            claimed += len(pairs)
            if len(pairs) < batch:
                break
        summary = {"claimed": claimed, "backlog": store.due_count(now)}
        store.record_dispatch_run(now, summary)
        return summary
    finally:
        store.unlock("dispatch", lock)


def deliver(
    store: Store,
    rid: str,
    token: str,
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
) -> str:
    """Deliver one claimed reminder, re-checking right before sending that the appointment is
    still booked at the reminder's version, that its deadline has not passed, that the channel
    is still allowed and that an SMS patient has not opted out. Returns the state it ends in; a
    duplicate task returns 'gone' and sends nothing."""
    begun = store.begin_send(rid, token, now(), config.send_lease)
    if begun.status != "ok":
        return begun.status
    assert begun.record is not None and begun.appointment is not None
    rec, appt = begun.record, begun.appointment

    def finish(state: str, event: str, retry_at: datetime | None = None, **patch: Any) -> str:
        at = now()
        fb, flag_why = patch.pop("fallback", None), patch.pop("flag_why", "")
        store.finish(
            rid,
            token,
            state,
            at,
            patch=patch,
            retry_at=retry_at,
            event={"at": at.isoformat(), "type": event, "reminder": rid, **patch},
            fallback=fb,
            flag_why=flag_why,
        )
        counted = [state] if state in ("sent", "failed") else []
        if patch.get("fb"):
            counted.append("fallbacks")
        if counted:
            store.count(*counted)
        if fb is None:
            return state
        after = store.reminder(rid)  # the store flags it when the email cannot replace it
        return str(after.state) if after is not None else state

    channel = channels.get(rec.channel)
    address = _address(appt, rec.channel)
    allowed = rec.channel in appt.patient.channels or rec.fallback_for is not None
    if channel is None or address is None or not allowed:
        return finish("skipped", "skipped", why=f"channel {rec.channel} is no longer allowed")
    if rec.check_before_resend:
        try:
            earlier = channel.find_sent(rid)
        except DeliveryError as exc:
            # Still cannot tell whether it went out: never send blindly; look again later.
            later = now() + timedelta(seconds=config.reconcile_delay)
            retry = later if later < rec.deadline else None
            return finish("unknown", "unknown", retry_at=retry, chk=1, err=_err(exc))
        if earlier is not None:
            return finish("sent", "sent", pid=earlier, why="found sent after a lost outcome")
        if now() > rec.deadline:
            return finish("skipped", "skipped", why="its deadline passed before it could be sent")
    if rec.channel == "sms" and (block := store.sms_block(address)):
        return _sms_unusable(
            block.reason, appt, rec, now(), config, finish, opted_out=block.opted_out
        )
    try:
        out = render(
            rec.message,
            rec.channel,
            appt.patient.locale,
            facts_for(appt, rec),
            appt.patient.zone,
            config.locales_dir,
            config.clinic_default_locale,
            config.sms_budget(appt.procedure.type, rec.rule),
        )
    except RenderError as exc:
        log.error("render failed for %s: %s", rid, exc)
        return finish("failed", "failed", why="the message could not be rendered")
    fallback_note = "; ".join(out.fallbacks) or _not_theirs(appt.patient.locale, out.locale)
    message = Outgoing(
        rid, rec.channel, address, out.locale, out.text, out.subject, out.html, rec.deadline
    )
    try:
        provider_id = channel.send(message)
    except DeliveryError as exc:
        return _failed(exc, store, appt, rec, address, now(), config, finish)
    return finish("sent", "sent", pid=provider_id, loc=out.locale, fb=fallback_note)


def _failed(
    exc: DeliveryError,
    store: Store,
    appt: Appointment,
    rec: ReminderRecord,
    address: str,
    at: datetime,
    config: DeliveryConfig,
    finish: Callable[..., str],
) -> str:
    err = _err(exc)
    if exc.ambiguous:
        retry_at = at + timedelta(seconds=config.reconcile_delay)
        return finish("unknown", "unknown", retry_at=retry_at, chk=1, err=err)
    if exc.retry_after is not None:
        # Our own rate limit: not an attempt, so it does not count towards max_attempts.
        retry_at = at + timedelta(seconds=exc.retry_after * random.uniform(1.0, 1.5))  # noqa: S311
        if retry_at <= rec.deadline:
            return finish("scheduled", "throttled", retry_at=retry_at, att=rec.attempts - 1)
    if rec.channel == "sms" and exc.permanent and exc.unreachable:
        if exc.opted_out:
            store.opt_out(address, at, source=f"provider {exc.code}")
        else:
            store.mark_unusable(address, at, exc.code or "", exc.reason)
        return _sms_unusable(
            exc.reason, appt, rec, at, config, finish, opted_out=exc.opted_out, err=err
        )
    if exc.permanent:
        return finish("failed", "failed", why="the provider refused it permanently", err=err)
    attempt = rec.attempts  # begin_send has already counted this one
    delay = config.retry_backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)  # noqa: S311
    retry_at = at + timedelta(seconds=delay)
    if attempt >= config.max_attempts or retry_at > rec.deadline:
        return finish("failed", "failed", why="gave up after temporary errors", err=err)
    return finish("scheduled", "retry", retry_at=retry_at, err=err)


def _sms_unusable(
    reason: str,
    appt: Appointment,
    rec: ReminderRecord,
    at: datetime,
    config: DeliveryConfig,
    finish: Callable[..., str],
    *,
    opted_out: bool,
    **extra: Any,
) -> str:
    o = fallback.when_sms_unusable(appt, rec, reason, at, config.is_safety, opted_out=opted_out)
    return finish(o.state, o.state, why=o.why, fallback=o.fallback, flag_why=o.flag_why, **extra)


def _err(exc: DeliveryError) -> str:
    return f"{exc.code}: {exc.reason}" if exc.code else exc.reason


def _address(appt: Appointment, channel: str) -> str | None:
    return appt.patient.phone if channel == "sms" else appt.patient.email


def facts_for(
    appt: Appointment, rec: ReminderRecord | None = None, medicine: int | None = None
) -> Facts:
    index = rec.medicine if rec is not None else medicine
    loc = appt.procedure.location
    return Facts(
        patient_name=appt.patient.name,
        clinic_name=loc.name,
        clinic_phone=loc.phone,
        place=loc.name,
        address=loc.address,
        start=appt.procedure.start,
        end=appt.procedure.end,
        medicine=appt.medications[index] if index is not None else None,
    )


__all__ = ["DeliveryConfig", "deliver", "dispatch_tick", "facts_for", "ts"]


def _not_theirs(requested: str, used: str) -> str | None:
    """Name the fallback when the patient's language has no catalog at all."""
    wanted = (normalize(requested) or requested).split("_")[0]
    if used.split("_", maxsplit=1)[0] == wanted:
        return None
    return f"{requested}: no catalog for this language; sent in {used}"
