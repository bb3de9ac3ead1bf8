"""Figures by the hour, for the staff console's overview of the last 30 days: sends that ended
sent or failed and which fell back to email, by channel; SMS segments spent; the languages
messages went out in; how late sends were against their due time; the attention backlog.

One small hash per UTC hour (``stats:<hour>``), so that the overview can group hours into the
clinic's own days whatever its zone; each expires after ``KEEP_DAYS``. Written by the workers
as outcomes are recorded and by the dispatch tick; nothing here holds patient data. The same
outcomes go, on the same pipeline, into the counters /metrics reports for good (totals.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import text
from reminders.store.totals import Totals

KEEP_DAYS = 40
_HOUR = 3600
# The states a send ends in that the hour's figures count (a retry or a lookup is not an end).
_ENDED = frozenset({"sent", "failed", "flagged"})


@dataclass(frozen=True)
class HourFigures:
    """One UTC hour's figures; ``counts`` holds ``<state>:<channel>``, ``fallback:<channel>``,
    ``segments``, ``lang:<locale>``, ``lag_sum``/``lag_n``/``lag_max`` (seconds) and the
    gauges ``attention``/``due`` (the most seen that hour)."""

    start: datetime
    counts: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)


def hour_of(at: datetime) -> int:
    return int(at.astimezone(UTC).timestamp()) // _HOUR


@dataclass(frozen=True)
class Ended:
    """One delivery's outcome, for its hour's figures (only when ``state`` is sent, failed or
    flagged) and for the totals /metrics reports (every outcome)."""

    channel: str
    state: str
    fell_back: bool = False  # an email twin replaces this SMS
    segments: int = 0
    locale: str | None = None  # the language it went out in
    lag_seconds: float | None = None  # from due to sent
    rule: str = ""
    outcome: str = ""  # the audit event (retry, throttled, unknown, ...); ``state`` if empty
    other_language: bool = False  # rendered in a fallback language, not the patient's own
    send_seconds: float | None = None  # how long the provider call took, in real seconds


class Stats:
    def __init__(self, client: redis.Redis, keys: Keys, totals: Totals) -> None:
        self.r = client
        self.keys = keys
        self.totals = totals
        self._set_max = client.register_script(source("set_max"))

    def outcome(self, at: datetime, **figures: Any) -> None:
        """One delivery's outcome at ``at``, given as ``Ended``'s fields (its own round trip;
        the workers add theirs to the pipeline that records them, ``add_outcomes``)."""
        with self.r.pipeline(transaction=False) as pipe:
            self.add_outcomes(pipe, at, [Ended(**figures)])
            pipe.execute()

    def add_outcomes(self, pipe: Any, at: datetime, ended: list[Ended]) -> None:
        """Several sends that ended at about ``at``, added up into one increment per figure on
        ``pipe`` (a delivery batch records its outcomes in one round trip), into the hour's
        figures and the totals."""
        self.totals.add(pipe, ended)
        ended = [e for e in ended if e.state in _ENDED]
        if not ended:
            return
        key = self.keys.stats_hour(hour_of(at))
        sums: Counter[str] = Counter()
        lag_max = -1
        for e in ended:
            sums[f"{e.state}:{e.channel}"] += 1
            if e.fell_back:
                sums[f"fallback:{e.channel}"] += 1
            sums["segments"] += e.segments
            if e.locale and e.state == "sent":
                sums[f"lang:{e.locale}"] += 1
            if e.lag_seconds is not None:
                lag = max(0, round(e.lag_seconds))
                sums["lag_sum"] += lag
                sums["lag_n"] += 1
                lag_max = max(lag_max, lag)
        for name, n in sums.items():
            if n:
                pipe.hincrby(key, name, n)
        if lag_max >= 0:
            self._max(pipe, key, "lag_max", lag_max)
        pipe.expire(key, KEEP_DAYS * 24 * _HOUR)

    def backlog(self, at: datetime, *, attention: int, due: int) -> None:
        """What the dispatch tick saw: the attention list's length and the reminders due."""
        key = self.keys.stats_hour(hour_of(at))
        with self.r.pipeline(transaction=False) as pipe:
            self._max(pipe, key, "attention", attention)
            self._max(pipe, key, "due", due)
            pipe.expire(key, KEEP_DAYS * 24 * _HOUR)
            pipe.execute()

    def _max(self, pipe: Any, key: str, name: str, value: int) -> None:
        self._set_max(keys=[key], args=[name, value], client=pipe)

    def hours(self, start: datetime, end: datetime) -> list[HourFigures]:
        """Every hour from ``start`` up to ``end``, empty ones included, oldest first."""
        first, last = hour_of(start), hour_of(end)
        with self.r.pipeline(transaction=False) as pipe:
            for h in range(first, last + 1):
                pipe.hgetall(self.keys.stats_hour(h))
            raw = pipe.execute()
        return [
            HourFigures(
                datetime.fromtimestamp(h * _HOUR, UTC),
                {text(k): int(v) for k, v in found.items()},
            )
            for h, found in zip(range(first, last + 1), raw, strict=True)
        ]
