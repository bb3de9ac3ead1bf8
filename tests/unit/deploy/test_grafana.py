"""deploy/grafana/reminders-dashboard.json: a dashboard Grafana imports as it is (the
Prometheus data source chosen through its ``DS_PROMETHEUS`` variable), whose every panel queries
only metrics and labels /metrics exposes."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import ROOT
from tests.unit.deploy.promql import exposed, metrics_in, unknown_names

DASHBOARD = ROOT / "deploy" / "grafana" / "reminders-dashboard.json"
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def test_the_dashboard_chooses_its_prometheus_through_a_variable() -> None:
    d = dashboard()
    assert d["schemaVersion"] == 39 and d["uid"] and d["title"]
    (variable,) = d["templating"]["list"]
    assert (variable["type"], variable["name"], variable["query"]) == (
        "datasource",
        "DS_PROMETHEUS",
        "prometheus",
    )
    for panel in panels():
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE and target["expr"], panel["title"]


def test_every_panel_queries_only_what_the_service_exposes() -> None:
    known = exposed()
    for panel in panels():
        for target in panel["targets"]:
            assert unknown_names(target["expr"], known) == [], panel["title"]


def test_the_dashboard_shows_what_the_operators_need() -> None:
    exprs = " ".join(t["expr"] for p in panels() for t in p["targets"])
    for wanted in (
        "reminders_messages_total",
        "reminders_fallbacks_total",
        "reminders_email_fallbacks_total",
        "reminders_lateness_seconds_bucket",
        "reminders_send_duration_seconds_bucket",
        "reminders_due_backlog",
        "reminders_attention_items",
        "reminders_dispatch_lag_seconds",
        "reminders_channel_consecutive_failures",
    ):
        assert wanted in metrics_in(exprs), wanted
    assert "histogram_quantile(0.99" in exprs and "histogram_quantile(0.5" in exprs


def test_no_two_panels_overlap() -> None:
    taken: set[tuple[int, int]] = set()
    for p in dashboard()["panels"]:
        g = p["gridPos"]
        xs, ys = range(g["x"], g["x"] + g["w"]), range(g["y"], g["y"] + g["h"])
        cells = {(x, y) for x in xs for y in ys}
        assert g["x"] + g["w"] <= 24 and not cells & taken, p["title"]
        taken |= cells
