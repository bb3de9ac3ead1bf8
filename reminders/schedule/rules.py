"""What a staff schedule file says, once validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Anchor(StrEnum):
    BOOKING = "booking"
    PROCEDURE_START = "procedure_start"
    PROCEDURE_END = "procedure_end"
    MEDICATION_PAUSE = "medication_pause"
    MEDICATION_RESUME = "medication_resume"

    @property
    def is_date(self) -> bool:
        return self in (Anchor.MEDICATION_PAUSE, Anchor.MEDICATION_RESUME)


class LatePolicy(StrEnum):
    SEND = "send"
    SKIP = "skip"
    FLAG = "flag"


class Outside(StrEnum):
    LATER = "later"
    EARLIER = "earlier"


class Condition(StrEnum):
    ALWAYS = "always"
    HAS_MEDICATIONS = "has_medications"


class Per(StrEnum):
    APPOINTMENT = "appointment"
    MEDICATION = "medication"


@dataclass(frozen=True)
class Offset:
    """Either elapsed time (``minutes``) or calendar days in the patient's zone at a local time
    of day (``days`` + ``at``)."""

    minutes: int = 0
    days: int | None = None
    at: time | None = None

    @property
    def is_calendar(self) -> bool:
        return self.days is not None

    def apply(self, anchor: datetime | date, zone: ZoneInfo) -> datetime:
        if self.days is not None and self.at is not None:
            local_day = (
                anchor if not isinstance(anchor, datetime) else anchor.astimezone(zone).date()
            )
            day = local_day + timedelta(days=self.days)
            return datetime.combine(day, self.at, tzinfo=zone)
        if not isinstance(anchor, datetime):
            anchor = datetime.combine(anchor, time(0), tzinfo=zone)
        return anchor + timedelta(minutes=self.minutes)

    def describe(self) -> str:
        if self.days is not None and self.at is not None:
            return f"{self.days:+d} day(s) at {self.at:%H:%M}"
        return f"{self.minutes:+d} min"


@dataclass(frozen=True)
class Moment:
    anchor: Anchor
    offset: Offset


@dataclass(frozen=True)
class Window:
    start: time = time(8, 0)
    end: time = time(20, 0)
    outside: Outside = Outside.LATER

    def fit(self, at: datetime, zone: ZoneInfo) -> datetime:
        """Move ``at`` into the send window, on the local calendar."""
        local = at.astimezone(zone)
        t = local.time().replace(tzinfo=None)
        day = local.date()
        if self.start <= t <= self.end:
            return at
        if self.outside is Outside.LATER:
            if t > self.end:
                day += timedelta(days=1)
            return datetime.combine(day, self.start, tzinfo=zone)
        if t < self.start:
            day -= timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=zone)


@dataclass(frozen=True)
class Rule:
    key: str
    message: str
    moment: Moment
    channels: tuple[str, ...]
    window: Window = field(default_factory=Window)
    late: LatePolicy = LatePolicy.SEND
    until: Moment | None = None
    when: Condition = Condition.ALWAYS
    per: Per = Per.APPOINTMENT
    sms_segments: int = 3
    safety: bool = False
    # Never before this moment, whatever the anchor says (a restart message on the procedure
    # day must not reach the patient before the injection is over).
    not_before: Moment | None = None
    # Optional sentences of the message the clinic has approved and switched on (off by
    # default: they say more than the clinic's patient information).
    optional: tuple[str, ...] = ()
    # Switched off (``enabled = false``): kept in the file with its settings, so staff can turn it
    # on again, but it plans nothing. Reminders it planned earlier still find their rule.
    enabled: bool = True


@dataclass(frozen=True)
class Schedule:
    name: str
    procedure: str
    rules: tuple[Rule, ...]
    source: str = "<memory>"
    # Which text this is: the SHA-256 of the TOML it was loaded from, and the stored version
    # (``schedule_versions``; None for a file read directly). A booking records both.
    sha256: str = ""
    version: int | None = None

    def rule(self, key: str) -> Rule:
        for r in self.rules:
            if r.key == key:
                return r
        raise KeyError(key)
