"""What the alert rules' and the dashboard's PromQL may name: the samples /metrics exposes (a
scrape of the real collector over figures with one of everything, no Redis), and the metric
and label names an expression uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import generate_latest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector, CollectorRegistry

from reminders.api.metrics import families
from reminders.store.ops import Figures
from reminders.store.stats import Ended
from reminders.store.totals import decode, increments

# Labels Prometheus itself puts on every scraped series (the scrape config's target), and the
# series it makes for each target.
TARGET_LABELS = frozenset({"job", "instance"})
PROMETHEUS_OWN = {"up": frozenset[str]()}

_METRIC = re.compile(r"\b(reminders_[a-z_]+|up)\b")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*\"")


def exposed() -> dict[str, frozenset[str]]:
    """Sample name -> its label names, from one scrape of a populated collector."""
    every = [
        Ended("sms", "sent", locale="de", lag_seconds=3, rule="escort", send_seconds=0.2,
              other_language=True),
        Ended("sms", "failed", fell_back=True, rule="escort", send_seconds=0.1),
    ]  # fmt: skip
    figures = Figures(
        totals=decode({k.encode(): str(v).encode() for k, v in increments(every).items()}),
        sent=1, failed=1, due=2, pending=3, attention=1,
        last_dispatch=datetime(2027, 3, 15, 9, 30, tzinfo=UTC),
        consecutive_failures={"sms": 0, "email": 0},
    )  # fmt: skip

    class Populated(Collector):
        def collect(self) -> Iterator[Metric]:
            yield from families(figures, 4.0, ["sms", "email"])

    registry = CollectorRegistry()
    registry.register(Populated())
    out: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            out.setdefault(sample.name, set()).update(sample.labels)
    return {name: frozenset(labels) for name, labels in out.items()}


def metrics_in(expr: str) -> set[str]:
    return set(_METRIC.findall(expr))


def labels_in(expr: str) -> set[str]:
    """Label names an expression groups by or matches on."""
    grouped = {name.strip() for group in _GROUPING.findall(expr) for name in group.split(",")}
    return {name for name in grouped if name} | set(_MATCHER.findall(expr))


def unknown_names(expr: str, known: dict[str, frozenset[str]]) -> list[str]:
    """Metric and label names in ``expr`` that no exposed sample has: each would leave its
    panel empty or its alert silent for good."""
    metrics = metrics_in(expr)
    problems = sorted(m for m in metrics if m not in known and m not in PROMETHEUS_OWN)
    own = {**PROMETHEUS_OWN, **known}
    labels = TARGET_LABELS.union(*(own.get(m, frozenset()) for m in metrics))
    problems += sorted(f"label {name}" for name in labels_in(expr) if name not in labels)
    return problems
