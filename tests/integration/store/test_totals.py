"""The totals /metrics reports, in real Redis: added on the pipeline that records the outcomes
(no round trip of their own), kept apart from the hour's figures, and read back with every
gauge of a scrape in one round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reminders.store import Store
from reminders.store.stats import Ended

AT = datetime(2027, 3, 15, 9, 30, tzinfo=UTC)


def no_round_trips(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any command sent on its own (not in a pipeline) fails the test."""

    def refuse(*args: Any, **options: Any) -> Any:
        raise AssertionError(f"a round trip of its own: {args[:2]}")

    monkeypatch.setattr(store.r, "execute_command", refuse)


def test_outcomes_go_on_the_recording_pipeline_one_increment_per_figure(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sends = [
        Ended("sms", "sent", locale="de", lag_seconds=2, rule="escort", send_seconds=0.2)
        for _ in range(50)
    ]
    with store.r.pipeline(transaction=False) as pipe:
        no_round_trips(store, monkeypatch)
        store.stats.add_outcomes(pipe, AT, sends)
        on_totals = [c for c, _ in pipe.command_stack if c[1] == store.keys.totals]
        monkeypatch.undo()
        assert store.totals.read().messages == {}  # nothing until the pipeline goes
        pipe.execute()
    # 50 sends, one HINCRBY per field: the count, two buckets, two sums.
    assert len(on_totals) == 5 and {c[0] for c in on_totals} == {"HINCRBY"}
    view = store.totals.read()
    assert view.messages == {("sms", "escort", "sent", "de"): 50}
    lateness = view.histogram("lateness", "sms")
    assert (lateness.count, lateness.sum_seconds) == (50, 100.0)
    assert dict(view.histogram("duration", "sms").cumulative())["0.25"] == 50


def test_a_retry_is_counted_in_the_totals_but_not_in_the_hours_figures(store: Store) -> None:
    store.stats.outcome(AT, channel="sms", state="scheduled", outcome="throttled", rule="r")
    store.stats.outcome(AT, channel="sms", state="sent", rule="r", locale="en")
    assert store.totals.read().messages == {
        ("sms", "r", "throttled", "und"): 1,
        ("sms", "r", "sent", "en"): 1,
    }
    (hour,) = store.stats.hours(AT, AT)
    assert hour.counts == {"sent:sms": 1, "lang:en": 1}


def test_an_answers_fallback_is_counted_by_channel_and_language(store: Store) -> None:
    store.totals.fallback("sms", "en")
    store.totals.fallback("sms", "en")
    assert store.totals.read().fallbacks == {("sms", "en"): 2}


def test_a_scrape_reads_every_figure_in_one_round_trip(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.stats.outcome(AT, channel="sms", state="sent", rule="r", locale="de", lag_seconds=1)
    store.r.hset(store.keys.metrics, mapping={"sent": 7, "failed": 2})
    tomorrow = AT + timedelta(days=1)
    store.r.zadd(store.keys.due, {"due": AT.timestamp() - 10, "later": tomorrow.timestamp()})
    store.r.sadd(store.keys.attention, "APT-1", "APT-2")
    store.ops.record_dispatch_run(AT - timedelta(seconds=30), {})
    for _ in range(3):
        store.ops.channel_failed("sms", AT, "20500: Internal Server Error")
    no_round_trips(store, monkeypatch)
    figures = store.ops.figures(AT, ["email", "sms"])
    assert figures.totals.messages == {("sms", "r", "sent", "de"): 1}
    assert (figures.sent, figures.failed) == (7, 2)
    assert (figures.due, figures.pending, figures.attention) == (1, 2, 2)
    assert figures.last_dispatch == AT - timedelta(seconds=30)
    assert figures.consecutive_failures == {"email": 0, "sms": 3}
