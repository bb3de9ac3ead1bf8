"""Dispatch ticks travel on their own queue, so they never wait behind a backlog of deliveries,
and a worker started without -Q consumes both queues."""

from __future__ import annotations

from reminders.celery_app import app


def test_dispatch_ticks_and_the_purge_go_to_the_dispatch_queue_and_deliveries_to_the_other() -> (
    None
):
    route = app.amqp.router.route
    queue = app.conf.task_default_queue
    assert route({}, "reminders.dispatch_due")["queue"].name == f"{queue}.dispatch"
    assert route({}, "reminders.purge_expired")["queue"].name == f"{queue}.dispatch"
    assert route({}, "reminders.deliver")["queue"].name == queue


def test_a_worker_consumes_both_queues_by_default() -> None:
    queue = app.conf.task_default_queue
    assert {q.name for q in app.conf.task_queues} == {queue, f"{queue}.dispatch"}
