"""The overview's figures: recorded by the hour in Redis as sends end and as the dispatcher
ticks, and grouped into the clinic's own days (a DST day included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from reminders.staff.overview import by_day
from reminders.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def test_outcomes_and_backlog_are_kept_by_the_hour(store: Store) -> None:
    at = datetime(2027, 3, 15, 9, 30, tzinfo=UTC)
    store.stats.outcome(at, channel="sms", state="sent", segments=3, locale="de", lag_seconds=4)
    store.stats.outcome(at, channel="sms", state="sent", segments=2, locale="ar", lag_seconds=10)
    store.stats.outcome(at, channel="sms", state="failed", fell_back=True)
    store.stats.outcome(at + timedelta(hours=1), channel="email", state="sent", locale="de")
    store.stats.backlog(at, attention=4, due=10)
    store.stats.backlog(at, attention=2, due=30)  # the most seen in the hour stays
    hours = store.stats.hours(at, at + timedelta(hours=1))
    assert [h.start for h in hours] == [at.replace(minute=0), at.replace(minute=0, hour=10)]
    first = hours[0]
    assert first.get("sent:sms") == 2 and first.get("failed:sms") == 1
    assert first.get("fallback:sms") == 1 and first.get("segments") == 5
    assert (first.get("lang:de"), first.get("lang:ar")) == (1, 1)
    assert (first.get("lag_sum"), first.get("lag_n"), first.get("lag_max")) == (14, 2, 10)
    assert (first.get("attention"), first.get("due")) == (4, 30)
    assert hours[1].get("sent:email") == 1
    ttl = store.r.ttl(store.keys.stats_hour(int(at.timestamp()) // 3600))
    assert 39 * 86400 < ttl <= 40 * 86400


def test_days_are_the_clinics_days_across_a_dst_change(store: Store) -> None:
    # Berlin moves to summer time on Sun 2027-03-28: 23:30 UTC on the 27th is already the 28th
    # there (00:30 CET), and 22:30 UTC on the 28th is 00:30 on the 29th (CEST).
    store.stats.outcome(datetime(2027, 3, 27, 22, 30, tzinfo=UTC), channel="sms", state="sent")
    store.stats.outcome(datetime(2027, 3, 27, 23, 30, tzinfo=UTC), channel="sms", state="sent")
    store.stats.outcome(datetime(2027, 3, 28, 21, 30, tzinfo=UTC), channel="email", state="sent")
    store.stats.outcome(datetime(2027, 3, 28, 22, 30, tzinfo=UTC), channel="email", state="sent")
    start = datetime(2027, 3, 27, 0, 0, tzinfo=BERLIN)
    hours = store.stats.hours(start, datetime(2027, 3, 29, 23, 0, tzinfo=BERLIN))
    days = by_day(hours, BERLIN, date(2027, 3, 27), date(2027, 3, 29))
    assert [(d.day.day, d.sent["sms"], d.sent["email"]) for d in days] == [
        (27, 1, 0),
        (28, 1, 1),
        (29, 0, 1),
    ]
    assert sum(1 for h in hours if h.start.astimezone(BERLIN).date() == date(2027, 3, 28)) == 23
