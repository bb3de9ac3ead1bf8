"""The counters /metrics reports, kept for good in one hash (``<prefix>:totals``): sends by
channel, rule, outcome and language; messages rendered in a fallback language, by channel and
language; SMS reminders replaced by an email; and, by channel, histograms of lateness (seconds
from due to sent) and of the provider call's duration.

Why in Redis: workers are many processes on many hosts, and one scrape of the API must see what
all of them did. Why plain HINCRBYs on one hash: a worker adds its outcomes on the pipeline
that records them (store/batch.py), one increment per figure and no round trip of its own, and
the API reads the whole hash in its scrape's one pipeline (``Ops.figures``).

A histogram is kept as observed: a count per bucket, not cumulative, so that an observation is
one increment, and its sum in whole milliseconds (HINCRBY stays exact; a float sum kept with
HINCRBYFLOAT would drift). The collector (api/metrics.py) cumulates the buckets.

Fields: ``m:<channel>:<rule>:<outcome>:<language>``, ``fb:<channel>:<language>``,
``email_fb:<channel>``, ``<histogram>:<channel>:<le>`` and ``<histogram>_ms:<channel>``. No
part can hold ``:`` (rule names are ``[a-z0-9_]``, channel and locale names neither), the
language is a shipped catalog's locale (never the tag a booking gave), and nothing here names
a patient."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis

from reminders.store.keys import Keys
from reminders.store.record import text

if TYPE_CHECKING:
    from reminders.store.stats import Ended

# Upper bounds in seconds. Lateness: a reminder sent at its minute is within a few seconds; a
# stopped beat or a long throttle shows in minutes and hours. Duration: Twilio and an SMTP relay
# answer in tenths of a second; the channels time out at about 30 s.
LATENESS_BUCKETS: tuple[float, ...] = (0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)
DURATION_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)
HISTOGRAMS: dict[str, tuple[float, ...]] = {
    "lateness": LATENESS_BUCKETS,
    "duration": DURATION_BUCKETS,
}
# BCP 47's "undetermined": nothing was rendered (a failure or a skip before the text existed).
NO_LANGUAGE = "und"
INF = "+Inf"


def le(bound: float) -> str:
    """A bucket's bound as stored and as exposed (``0.5``, ``1``, ``+Inf``)."""
    return INF if math.isinf(bound) else f"{bound:g}"


def bucket_of(value: float, bounds: tuple[float, ...]) -> str:
    """The bucket ``value`` falls in: the first bound at or above it (Prometheus' ``le``)."""
    for bound in bounds:
        if value <= bound:
            return le(bound)
    return INF


@dataclass(frozen=True)
class Histogram:
    """``counts``: observations per bucket (``le`` -> count, ``+Inf`` for those above every
    bound), not cumulative."""

    bounds: tuple[float, ...]
    counts: Mapping[str, int]
    sum_seconds: float

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def cumulative(self) -> list[tuple[str, int]]:
        """(``le``, observations at or below it) for every bound and ``+Inf``, as exposed."""
        out, seen = [], 0
        for bound in (*self.bounds, math.inf):
            seen += self.counts.get(le(bound), 0)
            out.append((le(bound), seen))
        return out


@dataclass(frozen=True)
class TotalsView:
    """The hash, decoded: counts since the service started counting."""

    messages: dict[tuple[str, str, str, str], int]  # (channel, rule, outcome, language)
    fallbacks: dict[tuple[str, str], int]  # (channel, language)
    email_fallbacks: dict[str, int]  # channel
    histograms: dict[str, dict[str, Histogram]]  # histogram name -> channel -> histogram

    def histogram(self, name: str, channel: str) -> Histogram:
        found = self.histograms.get(name, {}).get(channel)
        return found if found is not None else Histogram(HISTOGRAMS[name], {}, 0.0)


def increments(ended: Iterable[Ended]) -> Counter[str]:
    """The fields ``ended`` adds to, with how much: one entry per figure however many sends."""
    sums: Counter[str] = Counter()
    for e in ended:
        language = e.locale or NO_LANGUAGE
        sums[f"m:{e.channel}:{e.rule}:{e.outcome or e.state}:{language}"] += 1
        if e.other_language:
            sums[f"fb:{e.channel}:{language}"] += 1
        if e.fell_back:
            sums[f"email_fb:{e.channel}"] += 1
        for name, observed in (("lateness", e.lag_seconds), ("duration", e.send_seconds)):
            if observed is None:
                continue
            seconds = max(0.0, observed)  # sent a moment early (a clock step) is on time
            sums[f"{name}:{e.channel}:{bucket_of(seconds, HISTOGRAMS[name])}"] += 1
            sums[f"{name}_ms:{e.channel}"] += round(seconds * 1000)
    return sums


def decode(raw: Mapping[Any, Any]) -> TotalsView:
    """The hash as HGETALL returns it; a field this version does not know is left out."""
    messages: dict[tuple[str, str, str, str], int] = {}
    fallbacks: dict[tuple[str, str], int] = {}
    email: dict[str, int] = {}
    buckets: dict[tuple[str, str], dict[str, int]] = {}
    sums: dict[tuple[str, str], int] = {}
    for k, v in raw.items():
        parts, n = text(k).split(":"), int(v)
        kind = parts[0]
        if kind == "m" and len(parts) == 5:
            messages[(parts[1], parts[2], parts[3], parts[4])] = n
        elif kind == "fb" and len(parts) == 3:
            fallbacks[(parts[1], parts[2])] = n
        elif kind == "email_fb" and len(parts) == 2:
            email[parts[1]] = n
        elif kind in HISTOGRAMS and len(parts) == 3:
            buckets.setdefault((kind, parts[1]), {})[parts[2]] = n
        elif kind.endswith("_ms") and kind[:-3] in HISTOGRAMS and len(parts) == 2:
            sums[(kind[:-3], parts[1])] = n
    histograms: dict[str, dict[str, Histogram]] = {name: {} for name in HISTOGRAMS}
    for name, channel in buckets.keys() | sums.keys():
        histograms[name][channel] = Histogram(
            HISTOGRAMS[name], buckets.get((name, channel), {}), sums.get((name, channel), 0) / 1000
        )
    return TotalsView(messages, fallbacks, email, histograms)


class Totals:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys

    def add(self, pipe: Any, ended: Iterable[Ended]) -> None:
        """``ended``'s figures on ``pipe``, one HINCRBY per field."""
        for name, n in increments(ended).items():
            if n:
                pipe.hincrby(self.keys.totals, name, n)

    def fallback(self, channel: str, language: str) -> None:
        """A message outside a delivery (an answer to a patient's SMS) rendered in a fallback
        language: ``language`` is the one it went out in."""
        self.r.hincrby(self.keys.totals, f"fb:{channel}:{language or NO_LANGUAGE}", 1)

    def read(self) -> TotalsView:
        return decode(self.r.hgetall(self.keys.totals))
