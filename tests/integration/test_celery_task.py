"""The Celery base task: every log line of a running task names the task, its id and the
reminder, and the task reaches the process's Services built once from settings."""

from __future__ import annotations

import logging

import pytest
import redis

from reminders import celery_app, tasks
from reminders.booking import book
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import BOOKED_AT, make_appointment


@pytest.fixture
def services_from_env(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, prefix: str
) -> celery_app.wiring.Services:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", prefix)
    monkeypatch.setenv("REMINDERS_CHANNELS", "outbox")
    monkeypatch.setenv("REMINDERS_OUTBOX_ECHO", "0")
    monkeypatch.setenv("REMINDERS_CLOCK", f"fixed:{BOOKED_AT.isoformat()}")
    monkeypatch.setattr(celery_app, "_services", None)
    return celery_app.services()


def test_a_running_task_puts_its_name_id_and_reminder_into_every_log_line(
    services_from_env: celery_app.wiring.Services,
    store: Store,
    client: redis.Redis,
    epidural: Schedule,
    caplog: pytest.LogCaptureFixture,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    rid, token = store.reminders.claim_due(BOOKED_AT, 1, 300)[0]
    with caplog.at_level(logging.INFO):
        state = tasks.deliver(rid, token)  # run in this process, through the base task
    assert state == "sent"
    lines = [r for r in caplog.records if r.name.startswith("reminders.")]
    assert lines and all(rid in r.context and "reminders.deliver" in r.context for r in lines)  # type: ignore[attr-defined]
    outside = logging.getLogger("reminders.test").makeRecord("x", 20, "f", 1, "m", (), None)
    assert outside.context == ""  # type: ignore[attr-defined]


def test_the_services_are_built_once_per_process(
    services_from_env: celery_app.wiring.Services,
) -> None:
    assert celery_app.services() is services_from_env
    assert tasks.deliver.services is services_from_env  # type: ignore[attr-defined]
