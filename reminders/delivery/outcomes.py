"""How a send ends, decided in one place: the Outcome a delivery records, and what a
DeliveryError means for this reminder (look it up later, wait for the rate limit, retry with
backoff, or give up)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from reminders.channels import DeliveryError
from reminders.store import Patch, ReminderRecord


@dataclass(frozen=True)
class DeliveryConfig:
    # Is the rule a safety reminder (procedure, rule)? Production reads the schedule and counts
    # an unknown rule as safety (delivery.fallback.safety_from): there is no default.
    is_safety: Callable[[str, str], bool]
    send_lease: float = 120
    # The longest a channel's send may take (its timeouts): it must start with that much of
    # the lease left.
    send_budget: float = 0
    max_attempts: int = 5
    retry_backoff: float = 60
    locales_dir: Path = Path("locales")
    clinic_default_locale: str = "en"
    # Look up a send whose answer was lost this long after it (the provider has it by then),
    # and again as long after each failed lookup, for ``lookup_give_up`` seconds in all.
    reconcile_delay: float = 120
    lookup_give_up: float = 21600
    # A reminder waiting for an earlier version's send outcome looks again this much later.
    hold_recheck: float = 30
    # Clock seconds per real second (a warp clock's speed): a rate limit's wait is real time.
    speed: float = 1.0
    # The rule's SMS budget (procedure, rule) -> segments; None: the message's own.
    sms_budget: Callable[[str, str], int | None] = lambda procedure, rule: None
    # The clinic-approved optional sentences the rule switches on (procedure, rule).
    optional: Callable[[str, str], frozenset[str]] = lambda procedure, rule: frozenset()

    def for_batch(self) -> DeliveryConfig:
        """This config with the rule lookups remembered for one delivery batch: each reads the
        schedule's newest version (a Redis round trip), and a batch of sends, a fraction of a
        second, needs that once per rule, not once per send. A batch begun before a schedule
        edit sends with the version it began with, as a send begun then would."""
        return replace(
            self,
            is_safety=lru_cache(maxsize=64)(self.is_safety),
            sms_budget=lru_cache(maxsize=64)(self.sms_budget),
            optional=lru_cache(maxsize=64)(self.optional),
        )


@dataclass(frozen=True)
class Outcome:
    """What the reminder ends in (``scheduled`` again for a retry), the audit event's type, and
    what to record. With ``fallback`` (record.fallback_spec) the store adds the email twin and,
    if it cannot, flags the reminder with ``flag_why`` instead."""

    state: str
    event: str
    patch: Patch = field(default_factory=Patch)
    retry_at: datetime | None = None
    fallback: str | None = None
    flag_why: str = ""
    # SMS segments this send spent (for the overview's figures; not stored on the record).
    sms_segments: int = 0
    # The channel took the message: its health says so (/health).
    channel_ok: bool = False
    # How long the provider call took, in real seconds, when one was made (/metrics).
    send_seconds: float | None = None


def ended(state: str, why: str, **patch: object) -> Outcome:
    return Outcome(state, state, Patch(reason=why, **patch))  # type: ignore[arg-type]


def sent(provider_id: str, *, locale: str | None = None, fallback: str | None = None,
         why: str | None = None, sms_segments: int = 0) -> Outcome:  # fmt: skip
    return Outcome("sent", "sent", Patch(provider_id=provider_id, locale=locale,
                                         fallback=fallback, reason=why),
                   sms_segments=sms_segments)  # fmt: skip


def lookup_failed(
    exc: DeliveryError, rec: ReminderRecord, at: datetime, config: DeliveryConfig
) -> Outcome:
    """The channel could not tell whether an earlier send went out: never send blindly. Looking
    up is not sending, so it goes on past the deadline; after ``lookup_give_up`` a person is
    told, and the record keeps asking for a lookup before any resend."""
    since = rec.unknown_since or at
    if (at - since).total_seconds() >= config.lookup_give_up:
        return Outcome(
            "flagged",
            "flagged",
            Patch(
                check_before_resend=True,
                error=describe(exc),
                reason="its outcome is still unknown: check the provider's log before resending",
            ),
        )
    return Outcome(
        "unknown",
        "unknown",
        Patch(check_before_resend=True, error=describe(exc)),
        retry_at=at + timedelta(seconds=config.reconcile_delay),
    )


def after_error(
    exc: DeliveryError, rec: ReminderRecord, at: datetime, config: DeliveryConfig
) -> Outcome:
    """Every DeliveryError but an unusable SMS number (delivery.fallback decides those)."""
    err = describe(exc)
    if exc.ambiguous:
        return Outcome(
            "unknown",
            "unknown",
            Patch(check_before_resend=True, error=err),
            retry_at=at + timedelta(seconds=config.reconcile_delay),
        )
    if exc.retry_after is not None:
        # Our own rate limit: not an attempt, so it does not count towards max_attempts.
        wait = exc.retry_after * config.speed * random.uniform(1.0, 1.5)  # noqa: S311
        retry_at = at + timedelta(seconds=wait)
        if retry_at <= rec.deadline:
            return Outcome("scheduled", "throttled", Patch(attempt_delta=-1), retry_at=retry_at)
    if exc.permanent:
        return ended("failed", "the provider refused it permanently", error=err)
    attempt = rec.attempts  # begin_send has already counted this one
    delay = backoff(config.retry_backoff, attempt) * random.uniform(0.8, 1.2)  # noqa: S311
    retry_at = at + timedelta(seconds=delay)
    if attempt >= config.max_attempts or retry_at > rec.deadline:
        return ended("failed", "gave up after temporary errors", error=err)
    return Outcome("scheduled", "retry", Patch(error=err), retry_at=retry_at)


def backoff(first: float, attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1-based): doubling from ``first``."""
    return float(first * 2 ** (attempt - 1))


def describe(exc: DeliveryError) -> str:
    return f"{exc.code}: {exc.reason}" if exc.code else exc.reason
