"""deploy/prometheus/: alert rules that name only what /metrics exposes, each with what the
clinic's IT person should do and a promtool test that makes it fire; the example scrape
config. ``promtool`` (Debian's ``prometheus`` package) checks and tests them when installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.factories import ROOT
from tests.unit.deploy.promql import exposed, unknown_names

HERE = ROOT / "deploy" / "prometheus"
ALERTS = HERE / "alerts.yml"
TESTS = HERE / "alerts_test.yml"


def rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    found = shutil.which("promtool")
    if found is None:
        reason = "promtool not installed (Debian's prometheus package): rules not checked"
        print(reason)
        pytest.skip(reason)
    return subprocess.run(
        [found, *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_checks_the_rules_and_the_scrape_config() -> None:
    for args in (("check", "rules", ALERTS), ("check", "config", HERE / "prometheus.yml")):
        done = promtool(*args)
        assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_fires_on_its_sample_series_as_promtool_tests_it() -> None:
    done = promtool("test", "rules", TESTS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_says_how_bad_and_what_to_do_and_waits_before_it_fires() -> None:
    names = [rule["alert"] for rule in rules()]
    assert len(names) == len(set(names)) >= 5
    for rule in rules():
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule.get("for"), f"{rule['alert']} would fire on one bad scrape"
        assert rule["annotations"]["summary"] and len(rule["annotations"]["description"]) > 100


def test_every_alert_has_a_test_in_which_it_fires() -> None:
    doc = yaml.safe_load(TESTS.read_text(encoding="utf-8"))
    assert doc["rule_files"] == [ALERTS.name]
    fired = {
        case["alertname"]
        for test in doc["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert fired == {rule["alert"] for rule in rules()}


def test_the_rules_name_only_metrics_and_labels_the_service_exposes() -> None:
    known = exposed()
    for rule in rules():
        assert unknown_names(rule["expr"], known) == [], rule["alert"]


def test_the_checker_would_see_a_misnamed_metric_or_label() -> None:
    known = exposed()
    assert unknown_names("rate(reminders_sent_messages_total[5m])", known) == [
        "reminders_sent_messages_total"
    ]
    assert unknown_names("sum by (patient) (reminders_messages_total)", known) == ["label patient"]
    assert unknown_names('up{job="reminders"} == 0', known) == []


def test_the_scrape_config_scrapes_the_job_the_rules_select() -> None:
    doc = yaml.safe_load((HERE / "prometheus.yml").read_text(encoding="utf-8"))
    (job,) = doc["scrape_configs"]
    assert (job["job_name"], job["metrics_path"]) == ("reminders", "/metrics")
    assert doc["rule_files"] == [ALERTS.name]
    assert 'job="reminders"' in ALERTS.read_text(encoding="utf-8")
