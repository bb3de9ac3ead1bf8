"""The totals hash's fields (store/totals.py), without Redis: which increments an outcome makes,
which bucket a value falls in, and the hash decoded back into counters and histograms."""

from __future__ import annotations

from reminders.store.stats import Ended
from reminders.store.totals import (
    DURATION_BUCKETS,
    LATENESS_BUCKETS,
    NO_LANGUAGE,
    Histogram,
    bucket_of,
    decode,
    increments,
)


def test_a_value_falls_in_the_first_bucket_at_or_above_it() -> None:
    assert bucket_of(0.0, LATENESS_BUCKETS) == "0.5"
    assert bucket_of(0.5, LATENESS_BUCKETS) == "0.5"  # Prometheus' le: at or below
    assert bucket_of(0.51, LATENESS_BUCKETS) == "1"
    assert bucket_of(3600, LATENESS_BUCKETS) == "3600"
    assert bucket_of(3600.1, LATENESS_BUCKETS) == "+Inf"
    assert bucket_of(0.05, DURATION_BUCKETS) == "0.05"
    assert bucket_of(0.25, DURATION_BUCKETS) == "0.25"


def test_many_sends_make_one_increment_per_figure() -> None:
    sent = Ended("sms", "sent", locale="de", lag_seconds=3, rule="escort", send_seconds=0.2)
    fell_back = Ended(
        "sms", "sent", locale="en", lag_seconds=-1, rule="escort", other_language=True
    )
    refused = Ended("sms", "failed", fell_back=True, rule="escort", send_seconds=0.04)
    retry = Ended("email", "scheduled", rule="escort", outcome="retry", send_seconds=31)
    sums = increments([sent, sent, fell_back, refused, retry])
    assert sums == {
        "m:sms:escort:sent:de": 2,
        "m:sms:escort:sent:en": 1,
        f"m:sms:escort:failed:{NO_LANGUAGE}": 1,  # nothing rendered went out
        f"m:email:escort:retry:{NO_LANGUAGE}": 1,  # the audit event, not the state
        "fb:sms:en": 1,
        "email_fb:sms": 1,
        "lateness:sms:5": 2,
        "lateness:sms:0.5": 1,  # sent a moment early (a clock step): counted as on time
        "lateness_ms:sms": 6000,
        "duration:sms:0.25": 2,
        "duration:sms:0.05": 1,
        "duration_ms:sms": 440,
        "duration:email:+Inf": 1,
        "duration_ms:email": 31000,
    }


def test_the_hash_decodes_into_counters_and_cumulative_histograms() -> None:
    sums = increments(
        [
            Ended("sms", "sent", locale="ar", lag_seconds=s, rule="r1", send_seconds=0.3)
            for s in (0.2, 4, 4, 7200)
        ]
    )
    raw = {k.encode(): str(v).encode() for k, v in sums.items()}
    raw[b"some:field:of:a:newer:version"] = b"3"
    view = decode(raw)
    assert view.messages == {("sms", "r1", "sent", "ar"): 4}
    lateness = view.histogram("lateness", "sms")
    assert lateness.count == 4 and lateness.sum_seconds == 7208.2
    cumulative = dict(lateness.cumulative())
    assert list(cumulative) == [*(f"{b:g}" for b in LATENESS_BUCKETS), "+Inf"]
    assert (cumulative["0.5"], cumulative["2"], cumulative["5"], cumulative["3600"]) == (1, 1, 3, 3)
    assert cumulative["+Inf"] == 4
    assert dict(view.histogram("duration", "sms").cumulative())["0.25"] == 0
    # A channel nothing was observed on has an empty histogram with the same buckets.
    empty = view.histogram("duration", "email")
    assert empty == Histogram(DURATION_BUCKETS, {}, 0.0) and empty.cumulative()[-1] == ("+Inf", 0)
