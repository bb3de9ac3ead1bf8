"""The overview's read model: the store's hourly figures grouped into the clinic's own days
(a day is midnight to midnight in the clinic's zone, so a DST day has 23 or 25 hours)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reminders.store import HourFigures, Store

CHANNELS = ("sms", "email")


@dataclass(frozen=True)
class DayFigures:
    day: date
    sent: dict[str, int] = field(default_factory=dict)  # channel -> sends that went out
    failed: dict[str, int] = field(default_factory=dict)  # channel -> failed or flagged
    fallback: dict[str, int] = field(default_factory=dict)  # channel -> replaced by email
    segments: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    lag_mean: float | None = None  # seconds after the due time, over the day's sends
    lag_max: int = 0
    attention: int = 0  # the longest the attention list was that day (appointments)
    due: int = 0  # the most reminders due and not yet claimed at one tick


def by_day(hours: list[HourFigures], zone: ZoneInfo, first: date, last: date) -> list[DayFigures]:
    """Every day from ``first`` to ``last`` (clinic days), empty ones included."""
    grouped: dict[date, list[HourFigures]] = {}
    for h in hours:
        grouped.setdefault(h.start.astimezone(zone).date(), []).append(h)
    out = []
    day = first
    while day <= last:
        out.append(_day(day, grouped.get(day, [])))
        day += timedelta(days=1)
    return out


def _day(day: date, hours: list[HourFigures]) -> DayFigures:
    total: Counter[str] = Counter()
    for h in hours:
        total.update(h.counts)
    gauge = {name: max((h.get(name) for h in hours), default=0) for name in ("attention", "due")}
    lag_n = total["lag_n"]
    return DayFigures(
        day=day,
        sent={c: total[f"sent:{c}"] for c in CHANNELS},
        failed={c: total[f"failed:{c}"] + total[f"flagged:{c}"] for c in CHANNELS},
        fallback={c: total[f"fallback:{c}"] for c in CHANNELS},
        segments=total["segments"],
        languages={k[5:]: v for k, v in sorted(total.items()) if k.startswith("lang:")},
        lag_mean=total["lag_sum"] / lag_n if lag_n else None,
        lag_max=max((h.get("lag_max") for h in hours), default=0),
        attention=gauge["attention"],
        due=gauge["due"],
    )


def last_days(store: Store, now: datetime, zone: ZoneInfo, days: int = 30) -> list[DayFigures]:
    """The ``days`` clinic days up to and including today."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(0), tzinfo=zone)
    return by_day(store.stats.hours(start, now), zone, first, today)
