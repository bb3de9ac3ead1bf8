"""What GET /metrics exposes, as a prometheus_client Collector: the store's totals (kept in
Redis by every worker, store/totals.py) and its gauges, read in one round trip per scrape.

The collector keeps nothing in the API process: its figures are what all workers on all hosts
recorded, so any API replica answers the same and a restart resets nothing. Labels are channel,
rule, outcome and language (a shipped catalog's locale), never anything about a patient."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from reminders.store import StoreUnavailable
from reminders.store.ops import Figures
from reminders.store.totals import TotalsView
from reminders.wiring import Services

__all__ = ["CONTENT_TYPE_LATEST", "RemindersCollector", "exposition", "families"]

_STORE_UP = "1 if the API read the figures from Redis for this scrape, 0 if Redis did not answer"
_HISTOGRAMS = {
    "lateness": (
        "reminders_lateness_seconds",
        "seconds from a reminder's due time to the provider taking it, by channel",
    ),
    "duration": (
        "reminders_send_duration_seconds",
        "seconds the provider call of a send took (answered or failed), by channel",
    ),
}


def families(figures: Figures, dispatch_lag: float | None, channels: list[str]) -> list[Metric]:
    """The metric families of one scrape. ``dispatch_lag``: real seconds since the dispatcher
    last ran (None: never); ``channels``: those configured, reported even before any send."""
    return [
        *_counters(figures.totals, channels),
        *_histograms(figures.totals, channels),
        *_gauges(figures, dispatch_lag),
        # The first two counters, kept for the dashboards made before the labelled ones.
        CounterMetricFamily(
            "reminders_sent",
            "messages sent (all of reminders_messages_total{outcome=sent})",
            value=figures.sent,
        ),
        CounterMetricFamily(
            "reminders_failed",
            "messages that failed (all of reminders_messages_total{outcome=failed})",
            value=figures.failed,
        ),
    ]


def _counters(t: TotalsView, channels: list[str]) -> list[Metric]:
    messages = CounterMetricFamily(
        "reminders_messages",
        "deliveries by channel, rule, outcome (sent, failed, flagged, retry, throttled, unknown, "
        "skipped, cancelled) and the language the message went out in (und: none went out)",
        labels=["channel", "rule", "outcome", "language"],
    )
    for (channel, rule, outcome, language), n in sorted(t.messages.items()):
        messages.add_metric([channel, rule, outcome, language], n)
    fallbacks = CounterMetricFamily(
        "reminders_fallbacks",
        "messages rendered in a fallback language, not the patient's own (a missing or broken "
        "translation), by channel and the language they went out in; answers to SMS included",
        labels=["channel", "language"],
    )
    for (channel, language), n in sorted(t.fallbacks.items()):
        fallbacks.add_metric([channel, language], n)
    email = CounterMetricFamily(
        "reminders_email_fallbacks",
        "SMS reminders replaced by an email because the number cannot receive SMS, by channel",
        labels=["channel"],
    )
    # Only an SMS falls back to email: reported from the start when SMS is configured.
    for channel in sorted(t.email_fallbacks.keys() | ({"sms"} & set(channels))):
        email.add_metric([channel], t.email_fallbacks.get(channel, 0))
    return [messages, fallbacks, email]


def _histograms(t: TotalsView, channels: list[str]) -> list[Metric]:
    """Every channel configured or observed, with every bucket (an empty one reads 0), so that
    a quantile over channels never misses a series."""
    seen = sorted(set(channels) | {c for by_channel in t.histograms.values() for c in by_channel})
    out: list[Metric] = []
    for name, (metric, help_text) in _HISTOGRAMS.items():
        h = HistogramMetricFamily(metric, help_text, labels=["channel"])
        for channel in seen:
            found = t.histogram(name, channel)
            h.add_metric([channel], buckets=found.cumulative(), sum_value=found.sum_seconds)
        out.append(h)
    return out


def _gauges(figures: Figures, dispatch_lag: float | None) -> list[Metric]:
    failing = GaugeMetricFamily(
        "reminders_channel_consecutive_failures",
        "failed sends and lookups of a channel since its last success (the provider, not a "
        "patient's number); /health is unhealthy from 5",
        labels=["channel"],
    )
    for channel, n in sorted(figures.consecutive_failures.items()):
        failing.add_metric([channel], n)
    last = figures.last_dispatch
    return [
        failing,
        GaugeMetricFamily(
            "reminders_due_backlog",
            "reminders due now and not yet claimed or sent",
            value=figures.due,
        ),
        GaugeMetricFamily(
            "reminders_pending", "reminders waiting in the due index", value=figures.pending
        ),
        GaugeMetricFamily(
            "reminders_attention_items",
            "appointments with a reminder that needs a person (GET /attention)",
            value=figures.attention,
        ),
        GaugeMetricFamily(
            "reminders_dispatch_lag_seconds",
            "real seconds since the dispatcher (celery beat) last ran; NaN if it never did",
            value=float("nan") if dispatch_lag is None else dispatch_lag,
        ),
        GaugeMetricFamily(
            "reminders_dispatcher_last_run_timestamp_seconds",
            "when the dispatcher (celery beat) last ran, Unix time by the service's clock; 0 if "
            "it never did",
            value=last.timestamp() if last is not None else 0.0,
        ),
        GaugeMetricFamily("reminders_store_up", _STORE_UP, value=1),
    ]


class RemindersCollector(Collector):
    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        sv = self.services
        now = sv.clock.now()
        try:
            figures = sv.store.ops.figures(now, sv.channels)
        except StoreUnavailable:
            # Said as a figure, so that the alert names Redis rather than a failed scrape.
            yield GaugeMetricFamily("reminders_store_up", _STORE_UP, value=0)
            return
        last = figures.last_dispatch
        # In real seconds, as /health counts them (a demo's warp clock runs faster).
        lag = sv.clock.real_seconds((now - last).total_seconds()) if last else None
        yield from families(figures, lag, list(sv.channels))


def exposition(services: Services) -> bytes:
    """One scrape in the Prometheus text format, from a registry of this collector alone (not
    the process-wide default, which would add this API process's own Python figures)."""
    registry = CollectorRegistry()
    registry.register(RemindersCollector(services))
    return generate_latest(registry)
