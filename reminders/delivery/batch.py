"""Deliver a batch of claimed reminders in one task: a bounded number of sends at once, each
reminder with its own claim, re-checks, lease and Outcome, and the store's transitions for many
reminders in one round trip.

How a batch runs. Up to ``senders`` sends are under way at once, sharing the process's channels
(one Twilio client and connection pool, the catalogs). The batch loops: one round trip
(``store.batch``) records the Outcomes of the sends that ended since the last one and begins
(begin.lua) as many claims as there are idle senders. A channel that sends asynchronously
(``sends_async``: Twilio through aiohttp) then gets them side by side on this thread's event
loop: each is re-checked (what begin.lua cannot: channel, lease) and rendered, exactly as in
``deliver``; the channel admits them all in one more round trip (``AsyncSender.admit_all``:
opt-out, unusable number, the shared rate, the attempt's memo, each its own atomic step); and
each admitted send starts at once. Any other channel (SMTP, the outbox), and a send that must
first look up an earlier attempt, runs ``deliver.attempt`` in a thread of a pool of
``senders``. The event loop, not threads, is what makes a fast provider's sends cheap: threads
taking the GIL in turn cost each send about a third more CPU, requests' HTTP path costs twice
aiohttp's, and a round trip per admission was the largest cost left.
What the send learns for the send log (the provider's id, and that this reminder owns it) goes
with its Outcome in that next round trip rather than one of its own (``SendLog.deferring``).

Why begin just before a send, not the whole batch at first: a reminder is taken into sending
(re-checking cancel, reschedule, hold and deadline) only when a sender is free for it, so the
checks are as fresh as in a single delivery, and its send lease (``send_lease``) starts when its
send does: it never waits behind the rest of the batch. The send-lease check in ``deliver._prepare``
still holds each send to ``send_budget`` before its lease ends.

Why an Outcome is always recorded before its lease could run out: a send returns within
``send_budget`` of its start (the channel's timeouts), and starts with at least that much of its
lease left (``_prepare``'s check, else it goes back without sending). Its Outcome is then queued
for the very next round trip, which the batch thread makes as soon as any send ends (it waits
for the first one to end, never for the whole batch), so within a round trip of the send's end,
inside the ``SEND_MARGIN`` (settings) every lease has beyond ``send_budget``. Only after the
lease can another worker claim the reminder again and look the send up (claim.lua), so nobody
looks it up before its Outcome is recorded.

A failure stays one reminder's: an exception in its render or send becomes its Outcome
(``deliver.unexpected``); a reminder whose send cannot be recorded (Redis gone) is left to its
lease. A worker killed mid-batch leaves claims nobody began (claimed again after their claim
lease, counted as unstarted), and begun sends whose lease runs out (claimed again and looked up
before any resend): nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from reminders.channels import Channel
from reminders.channels.base import Admission
from reminders.delivery.deliver import (
    Ready,
    attempt,
    ended_as,
    prepare,
    queue_record,
    send_ready_async,
    sends_async,
    unexpected,
)
from reminders.delivery.outcomes import DeliveryConfig, Outcome
from reminders.model import Appointment
from reminders.store import Begun, ReminderRecord, Store, StoreUnavailable
from reminders.store.batch import Batch
from reminders.store.sendlog import Owned

log = logging.getLogger(__name__)
_loops = threading.local()


def deliver_batch(
    store: Store,
    pairs: Iterable[tuple[str, str]],
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
    *,
    senders: int = 8,
) -> dict[str, str]:
    """Deliver claimed (reminder id, token) pairs, at most ``senders`` sends at once. Returns
    each reminder's state at the end (as ``deliver`` does; 'gone' for a duplicate claim, and
    'unrecorded' for a send whose Outcome Redis did not take). Raises StoreUnavailable when a
    round trip fails: whatever was not recorded then is left to its lease."""
    senders = max(1, senders)
    # The pool starts a thread only when a send is handed to it: none for async channels.
    with ThreadPoolExecutor(senders, thread_name_prefix="send") as pool:
        return _loop().run_until_complete(
            _deliver(store, deque(pairs), channels, now, config.for_batch(), senders, pool)
        )


def _loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop, kept from batch to batch so that the asynchronous client's
    connections stay open (its session belongs to the loop); a forked worker makes its own."""
    mine = getattr(_loops, "mine", None)
    if mine is None or mine[0] != os.getpid() or mine[1].is_closed():
        mine = (os.getpid(), asyncio.new_event_loop())
        _loops.mine = mine
    return mine[1]


async def _deliver(
    store: Store,
    todo: deque[tuple[str, str]],
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
    senders: int,
    pool: Executor,
) -> dict[str, str]:
    ended: dict[str, str] = {}
    appointments: dict[bytes, Appointment] = {}
    running: dict[asyncio.Future[tuple[Outcome, list[Owned]]], tuple[ReminderRecord, str]] = {}
    loop = asyncio.get_running_loop()
    try:
        while todo or running:
            done = [f for f in running if f.done()]
            step = Batch(store, appointments)
            at = now()
            recorded: list[tuple[ReminderRecord, Outcome, int]] = []
            for f in done:
                rec, token = running.pop(f)
                try:
                    o, owned = f.result()
                except StoreUnavailable as exc:
                    # Its lease runs out and it is looked up before any resend (claim.lua).
                    log.warning("%s: Redis failed during the send (%s)", rec.id, type(exc).__name__)
                    ended[rec.id] = "unrecorded"
                    continue
                store.sendlog.queue_owned(step.pipe, owned)  # before its Outcome, same trip
                recorded.append((rec, o, queue_record(step, rec, token, o, at)))
            starting = [todo.popleft() for _ in range(min(senders - len(running), len(todo)))]
            begins = [
                step.begin(rid, token, at, config.send_lease, config.hold_recheck)
                for rid, token in starting
            ]
            step.execute(at)
            for rec, o, i in recorded:
                ended[rec.id] = ended_as(step, i, o)
            side_by_side: list[tuple[Begun, str]] = []
            for (rid, token), i in zip(starting, begins, strict=True):
                begun = step.result(i)
                if begun.status != "ok" or begun.record is None:
                    ended[rid] = begun.status
                elif sends_async(begun, channels):
                    side_by_side.append((begun, token))
                else:
                    thread = loop.run_in_executor(
                        pool, _attempt_holding, store, begun, channels, now, config
                    )
                    running[thread] = (begun.record, token)
            running.update(_side_by_side(store, side_by_side, channels, now, config, ended))
            if running and not any(f.done() for f in running):
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # A failed round trip leaves these to their leases; they must not go on sending in a
        # later batch on this loop, so they end here, as a thread pool's sends would.
        if running:
            await asyncio.wait(running)
    return ended


def _side_by_side(
    store: Store,
    begun: list[tuple[Begun, str]],
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
    ended: dict[str, str],
) -> dict[asyncio.Future[tuple[Outcome, list[Owned]]], tuple[ReminderRecord, str]]:
    """Re-check and render the begun reminders here, admit each channel's sends in one round
    trip, and start each send on the loop; one that ends before its send (a re-check, a render
    failure) is a future already done, its Outcome recorded with the others'."""
    out: dict[asyncio.Future[tuple[Outcome, list[Owned]]], tuple[ReminderRecord, str]] = {}
    ready: dict[str, list[tuple[Ready, str]]] = {}
    for b, token in begun:
        assert b.record is not None
        try:
            p = prepare(store, b, channels, now, config)
        except StoreUnavailable as exc:
            log.warning("%s: Redis failed before the send (%s)", b.record.id, type(exc).__name__)
            ended[b.record.id] = "unrecorded"  # its lease runs out; nothing was sent
            continue
        if isinstance(p, Outcome):
            out[_already(p)] = (b.record, token)
        else:
            ready.setdefault(b.record.channel, []).append((p, token))
    for name, sends in ready.items():
        channel: Any = channels[name]
        try:
            admitted = channel.admit_all([r.message for r, _ in sends])
        except StoreUnavailable as exc:
            log.warning(
                "%d sends: Redis failed admitting them (%s)", len(sends), type(exc).__name__
            )
            ended.update({r.rec.id: "unrecorded" for r, _ in sends})
            continue
        except Exception as exc:  # a bug: each ends as a failure staff see, none stuck
            out.update({_already(unexpected(r.rec, exc)): (r.rec, token) for r, token in sends})
            continue
        for (r, token), a in zip(sends, admitted, strict=True):
            out[asyncio.ensure_future(_send_holding(store, r, a, now, config))] = (r.rec, token)
    return out


def _attempt_holding(
    store: Store,
    begun: Begun,
    channels: Mapping[str, Channel],
    now: Callable[[], datetime],
    config: DeliveryConfig,
) -> tuple[Outcome, list[Owned]]:
    """``attempt``, with what its send learnt for the send log (the provider's id and who owns
    it) held back to go with its Outcome in the next round trip, not one of its own."""
    with store.sendlog.deferring() as owned:
        return attempt(store, begun, channels, now, config), owned


def _already(o: Outcome) -> asyncio.Future[tuple[Outcome, list[Owned]]]:
    """An Outcome reached before any send, as a send's future already done."""
    done: asyncio.Future[tuple[Outcome, list[Owned]]] = asyncio.get_running_loop().create_future()
    done.set_result((o, []))
    return done


async def _send_holding(
    store: Store,
    ready: Ready,
    admitted: Admission,
    now: Callable[[], datetime],
    config: DeliveryConfig,
) -> tuple[Outcome, list[Owned]]:
    """The same for an asynchronous send (each task has its own context, so its own memos)."""
    with store.sendlog.deferring() as owned:
        return await send_ready_async(store, ready, now, config, admitted), owned
