"""Deliver one claimed reminder: re-check, render, send, record the Outcome."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from reminders.channels import Channel, DeliveryError, Outgoing, RecipientBlocked
from reminders.channels.base import Admission
from reminders.delivery import fallback, outcomes
from reminders.delivery.outcomes import DeliveryConfig, Outcome
from reminders.i18n import render
from reminders.i18n.facts import facts_for
from reminders.i18n.locales import normalize
from reminders.i18n.render import RenderError
from reminders.i18n.segments import segments
from reminders.model import Appointment
from reminders.store import Begun, Patch, ReminderRecord, SmsBlock, Store, StoreUnavailable
from reminders.store.batch import Batch
from reminders.store.stats import Ended

log = logging.getLogger(__name__)


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
    duplicate task returns 'gone' and sends nothing. (``delivery.batch`` does the same for many
    claims at once.)"""
    begun = store.reminders.begin_send(
        rid, token, now(), config.send_lease, recheck=config.hold_recheck
    )
    if begun.status != "ok":
        return begun.status
    assert begun.record is not None
    return record(store, begun.record, token, attempt(store, begun, channels, now, config), now())


def attempt(
    store: Store,
    begun: Begun,
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
) -> Outcome:
    """Render and send a reminder begin_send took into sending: what happened, as the Outcome
    to record. Raises only StoreUnavailable (then nothing can be recorded: the lease runs out
    and the reminder is claimed again, and looked up before any resend)."""
    assert begun.record is not None
    try:
        ready = _prepare(store, begun, channels, now, config)
        if isinstance(ready, Outcome):
            return ready
        started = time.perf_counter()  # the provider's own time, whatever the service clock
        try:
            provider_id = ready.channel.send(ready.message)
        except DeliveryError as exc:
            return _failed(store, ready, exc, time.perf_counter() - started, now(), config)
        return _sent(ready, provider_id, time.perf_counter() - started)
    except StoreUnavailable:
        raise
    except Exception as exc:  # a bug or a provider's surprise must not leave it stuck
        return unexpected(begun.record, exc)


def prepare(
    store: Store,
    begun: Begun,
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
) -> Outcome | Ready:
    """``attempt`` up to the send: an Outcome when the reminder ends before it, else what to
    send (``send_ready_async`` sends it). Raises only StoreUnavailable, as ``attempt``."""
    assert begun.record is not None
    try:
        return _prepare(store, begun, channels, now, config)
    except StoreUnavailable:
        raise
    except Exception as exc:
        return unexpected(begun.record, exc)


async def send_ready_async(
    store: Store,
    ready: Ready,
    now: Callable[[], datetime],
    config: DeliveryConfig,
    admitted: Admission | None = None,
) -> Outcome:
    """The rest of ``attempt`` through a channel's ``send_async`` (``sends_async``), with the
    admission a batch got for it (``AsyncSender.admit_all``), so many sends run side by side
    in one thread."""
    try:
        started = time.perf_counter()
        channel: Any = ready.channel
        try:
            provider_id = await channel.send_async(ready.message, admitted)
        except DeliveryError as exc:
            return _failed(store, ready, exc, time.perf_counter() - started, now(), config)
        return _sent(ready, provider_id, time.perf_counter() - started)
    except StoreUnavailable:
        raise
    except Exception as exc:
        return unexpected(ready.rec, exc)


def sends_async(begun: Begun, channels: Mapping[str, Channel]) -> bool:
    """Whether ``prepare`` and ``send_ready_async`` can send this reminder without blocking an
    event loop: its channel sends asynchronously and no lookup of an earlier attempt (a
    blocking call) comes first."""
    assert begun.record is not None
    channel = channels.get(begun.record.channel)
    return bool(getattr(channel, "sends_async", False)) and not begun.record.check_before_resend


def unexpected(rec: ReminderRecord, exc: Exception) -> Outcome:
    """Any other exception (a bug, a library's surprise) ends as a failure staff see, never a
    reminder stuck in sending. It may have happened after the provider accepted the message,
    so anyone resending looks it up first, and a status callback still settles it as sent."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
    # The type and the place, never the message: it may quote a name or an address.
    log.error("unexpected %s at %s while delivering %s", type(exc).__name__, where, rec.id)
    return outcomes.ended(
        "failed", f"unexpected error ({type(exc).__name__}): a person should check",
        check_before_resend=True,
    )  # fmt: skip


@dataclass(frozen=True)
class Ready:
    """A reminder checked and rendered, to be handed to its channel."""

    rec: ReminderRecord
    appt: Appointment
    channel: Channel
    message: Outgoing
    fallback_note: str | None


def _prepare(
    store: Store,
    begun: Begun,
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
) -> Outcome | Ready:
    """Everything before the send: the lookup of an earlier attempt, the re-checks, the
    render and the lease check. An Outcome when it ends here, else what to send."""
    assert begun.record is not None and begun.appointment is not None
    rec, appt = begun.record, begun.appointment
    assert rec.lease_until is not None  # begin_send set it
    channel = channels.get(rec.channel)
    if rec.check_before_resend and channel is not None:
        looked_up = _earlier_send(store, rec, channel, now, config, begun.if_not_sent)
        if looked_up is not None:
            return looked_up
    address = _address(appt, rec.channel)
    allowed = rec.channel in appt.patient.channels or rec.fallback_for is not None
    if channel is None or address is None or not allowed:
        return outcomes.ended("skipped", f"channel {rec.channel} is no longer allowed")
    # A channel that admits each send itself (one atomic step with its rate limit) refuses a
    # blocked number in send(); for any other, the store is asked here.
    checked_in_send = getattr(channel, "admits_recipients", False)
    if (
        rec.channel == "sms"
        and not checked_in_send
        and (block := store.contacts.sms_block(address))
    ):
        return _blocked(appt, rec, block, now(), config)
    try:
        out = render(
            rec.message,
            rec.channel,
            appt.patient.locale,
            facts_for(appt, rec.medicine),
            appt.patient.zone,
            config.locales_dir,
            config.clinic_default_locale,
            config.sms_budget(appt.procedure.type, rec.rule),
            config.optional(appt.procedure.type, rec.rule),
        )
    except RenderError as exc:
        if (
            rec.channel == "sms"
            and checked_in_send
            and (block := store.contacts.sms_block(address))
        ):
            return _blocked(appt, rec, block, now(), config)  # as if it had been asked first
        log.error("render failed for %s: %s", rec.id, exc)
        return outcomes.ended("failed", "the message could not be rendered")
    fallback_note = "; ".join(out.fallbacks) or _not_theirs(appt.patient.locale, out.locale)
    message = Outgoing(
        rec.id, rec.channel, address, out.locale, out.text, out.subject, out.html, rec.deadline
    )
    if now() > rec.lease_until - timedelta(seconds=config.send_budget):
        # This worker was held up (a pause, a long rate-limit wait): its lease could run out
        # mid-send, and another worker look the send up too early and send again. Not an
        # attempt: it goes back to the due index at once.
        return Outcome(
            "scheduled", "retry", Patch(attempt_delta=-1, reason="the send lease ran short"),
            retry_at=now(),
        )  # fmt: skip
    return Ready(rec, appt, channel, message, fallback_note)


def _failed(
    store: Store, ready: Ready, exc: DeliveryError, took: float, at: datetime,
    config: DeliveryConfig,
) -> Outcome:  # fmt: skip
    rec, appt, address = ready.rec, ready.appt, ready.message.to
    if isinstance(exc, RecipientBlocked):
        return _blocked(appt, rec, exc, at, config)
    _channel_health(store, rec.channel, at, exc)
    if rec.channel == "sms" and exc.permanent and exc.unreachable:
        if exc.opted_out:
            store.contacts.opt_out(address, at, source=f"provider {exc.code}")
        else:
            store.contacts.mark_unusable(address, at, exc.code or "", exc.reason)
        o = fallback.when_sms_unusable(
            appt, rec, exc.reason, at, config.is_safety, opted_out=exc.opted_out
        )
        return replace(o, patch=replace(o.patch, error=outcomes.describe(exc)), send_seconds=took)
    return replace(outcomes.after_error(exc, rec, at, config), send_seconds=took)


def _sent(ready: Ready, provider_id: str, took: float) -> Outcome:
    text = ready.message.text
    spent = segments(text) if ready.rec.channel == "sms" else 0
    o = outcomes.sent(
        provider_id, locale=ready.message.locale, fallback=ready.fallback_note, sms_segments=spent
    )
    return replace(o, channel_ok=True, send_seconds=took)


def _earlier_send(
    store: Store,
    rec: ReminderRecord,
    channel: Channel,
    now: Callable[[], datetime],
    config: DeliveryConfig,
    if_not_sent: tuple[str, str] | None,
) -> Outcome | None:
    """An earlier attempt may have gone out: what the provider has is the truth, recorded
    whatever happened to the appointment since. None: nothing was sent, go on."""
    try:
        earlier = channel.find_sent(rec.id)
    except DeliveryError as exc:
        _channel_health(store, rec.channel, now(), exc)
        return outcomes.lookup_failed(exc, rec, now(), config)
    if earlier is not None:
        return outcomes.sent(earlier, why="found sent after a lost outcome")
    if if_not_sent is not None:
        return outcomes.ended(*if_not_sent)
    return None


def _blocked(
    appt: Appointment,
    rec: ReminderRecord,
    block: SmsBlock | RecipientBlocked,
    at: datetime,
    config: DeliveryConfig,
) -> Outcome:
    """The number opted out or cannot receive, as the store already knows: nothing was sent."""
    return fallback.when_sms_unusable(
        appt, rec, block.reason, at, config.is_safety, opted_out=block.opted_out
    )


def _channel_health(store: Store, channel: str, at: datetime, exc: DeliveryError) -> None:
    """A failure of the channel, not of this recipient or of our own rate limit."""
    if not exc.unreachable and exc.retry_after is None:
        store.ops.channel_failed(channel, at, outcomes.describe(exc))


def record(store: Store, rec: ReminderRecord, token: str, o: Outcome, at: datetime) -> str:
    """Store the Outcome and count it (one round trip); returns the state the reminder ends
    in."""
    batch = Batch(store)
    i = queue_record(batch, rec, token, o, at)
    batch.execute(at)
    return ended_as(batch, i, o)


def queue_record(batch: Batch, rec: ReminderRecord, token: str, o: Outcome, at: datetime) -> int:
    """Queue the Outcome's finish, its counters and figures on ``batch``; ``ended_as`` says
    the state after ``batch.execute``."""
    i = batch.finish(
        rec,
        token,
        o.state,
        at,
        patch=o.patch,
        event=o.event,
        retry_at=o.retry_at,
        fallback=o.fallback,
        flag_why=o.flag_why,
    )
    log.info("%s %s: %s", rec.id, o.event, o.patch.reason or o.state)  # never text or address
    if o.state in ("sent", "failed"):
        batch.counts[o.state] += 1
    if o.channel_ok:
        batch.succeeded.add(rec.channel)
    batch.ended.append(  # every outcome for /metrics; the hour's figures take the ends only
        Ended(
            channel=rec.channel,
            state=o.state,
            fell_back=o.fallback is not None,
            segments=o.sms_segments,
            locale=o.patch.locale,
            lag_seconds=(at - rec.due_at).total_seconds() if o.state == "sent" else None,
            rule=rec.rule,
            outcome=o.event,
            other_language=bool(o.patch.fallback),
            send_seconds=o.send_seconds,
        )
    )
    return i


def ended_as(batch: Batch, i: int, o: Outcome) -> str:
    _, state = batch.result(i)
    if o.fallback is None or state == "missing":
        return o.state
    return str(state)  # the store flags it when the email cannot replace it


def _address(appt: Appointment, channel: str) -> str | None:
    return appt.patient.phone if channel == "sms" else appt.patient.email


def _not_theirs(requested: str, used: str) -> str | None:
    """Name the fallback when the patient's language has no catalog at all."""
    wanted = (normalize(requested) or requested).split("_")[0]
    if used.split("_", maxsplit=1)[0] == wanted:
        return None
    return f"{requested}: no catalog for this language; sent in {used}"
