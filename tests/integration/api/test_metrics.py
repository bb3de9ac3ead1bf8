"""GET /metrics over HTTP against real Redis: what the store's totals and gauges become in the
Prometheus text format, parsed back with prometheus_client's own parser; open without a token
and never rate limited, like /health."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from redis.backoff import NoBackoff
from redis.retry import Retry

from reminders.clock import FixedClock
from reminders.delivery import dispatch_tick
from reminders.store import Store
from tests.factories import AS_INTEGRATION, BOOKED_AT, appointment_data
from tests.fakes.smtp import free_port
from tests.helpers import current

Api = tuple[TestClient, FixedClock]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def api_env() -> dict[str, str]:
    # Tight enough that a client without a token is refused on its third request.
    return {"REMINDERS_RATE_ADDRESS": "2/minute"}


def scrape(http: TestClient) -> tuple[dict[str, str], Samples]:
    """(family -> type, (sample name, labels) -> value) of one scrape."""
    res = http.get("/metrics")
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == CONTENT_TYPE_LATEST
    types: dict[str, str] = {}
    samples: Samples = {}
    for family in text_string_to_metric_families(res.text):
        types[family.name] = family.type
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return types, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_sends_are_counted_by_channel_rule_outcome_and_language(
    api: Api, deliver_due: Callable[[FixedClock], list[str]]
) -> None:
    http, clock = api
    http.post(
        "/appointments", json=appointment_data(patient__locale="sw"), headers=AS_INTEGRATION
    )  # Swahili: no catalog, falls back to the clinic default
    second = appointment_data(external_id="APT-1002", patient__channels=["sms"])
    http.post("/appointments", json=second, headers=AS_INTEGRATION)
    current().store.contacts.mark_unusable("+4915112345678", clock.now(), "21614", "landline")
    assert sorted(deliver_due(clock)) == ["failed", "failed", "sent"]
    types, samples = scrape(http)
    assert types["reminders_messages"] == "counter"
    confirmation = {"rule": "booking_confirmation"}
    assert value(samples, "reminders_messages_total", channel="email", outcome="sent",
                 language="en", **confirmation) == 1  # fmt: skip
    # Both SMS to the number marked a landline; nothing went out, in no language.
    assert value(samples, "reminders_messages_total", channel="sms", outcome="failed",
                 language="und", **confirmation) == 2  # fmt: skip
    assert value(samples, "reminders_fallbacks_total", channel="email", language="en") == 1
    # The first counters keep their names for the dashboards made before the labels.
    assert value(samples, "reminders_sent_total") == 1
    assert value(samples, "reminders_failed_total") == 2
    assert types["reminders_lateness_seconds"] == "histogram"
    for channel, sent in (("email", 1), ("sms", 0)):
        assert value(samples, "reminders_lateness_seconds_count", channel=channel) == sent
        assert value(samples, "reminders_lateness_seconds_bucket", channel=channel,
                     le="0.5") == sent  # fmt: skip
        assert value(samples, "reminders_send_duration_seconds_bucket", channel=channel,
                     le="+Inf") >= sent  # fmt: skip
    assert value(samples, "reminders_attention_items") == 2
    assert value(samples, "reminders_email_fallbacks_total", channel="sms") == 0
    assert ("reminders_email_fallbacks_total", frozenset({("channel", "email")})) not in samples


def test_the_gauges_say_what_the_dispatcher_and_the_channels_are_doing(api: Api) -> None:
    http, clock = api
    _, samples = scrape(http)
    assert value(samples, "reminders_dispatcher_last_run_timestamp_seconds") == 0  # never ran
    assert math.isnan(value(samples, "reminders_dispatch_lag_seconds"))
    assert value(samples, "reminders_channel_consecutive_failures", channel="sms") == 0
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    dispatch_tick(current().store, clock.now(), lambda r, t: None)  # claims the confirmations
    for _ in range(3):
        current().store.ops.channel_failed("sms", clock.now(), "20003: Authenticate")
    clock.set(BOOKED_AT + timedelta(seconds=90))
    _, samples = scrape(http)
    assert value(samples, "reminders_dispatcher_last_run_timestamp_seconds") == (
        BOOKED_AT.timestamp()
    )
    assert value(samples, "reminders_dispatch_lag_seconds") == 90
    assert value(samples, "reminders_pending") == 16
    assert value(samples, "reminders_due_backlog") == 0  # claimed, their lease still runs
    assert value(samples, "reminders_channel_consecutive_failures", channel="sms") == 3
    assert value(samples, "reminders_channel_consecutive_failures", channel="email") == 0
    assert value(samples, "reminders_store_up") == 1


def test_metrics_need_no_token_and_are_never_rate_limited(api: Api) -> None:
    http, _ = api
    for _ in range(5):
        scrape(http)
    assert http.get("/schedules").status_code == 401
    assert http.get("/schedules").status_code == 401
    assert http.get("/schedules").status_code == 429  # the address's limit is in force
    scrape(http)


def test_when_redis_does_not_answer_the_scrape_says_so(api: Api) -> None:
    http, _ = api
    sv = current()
    kept = sv.store
    # Refused at once, and not tried again (redis-py's default retries back off for seconds).
    dead = redis.Redis(host="127.0.0.1", port=free_port(), retry=Retry(NoBackoff(), 0))
    sv.store = Store(dead, kept.prefix)
    try:
        _, samples = scrape(http)
    finally:
        sv.store = kept
        dead.close()
    assert samples == {("reminders_store_up", frozenset()): 0}
