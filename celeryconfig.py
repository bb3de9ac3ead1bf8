"""Celery configuration, read from the same environment as the service (reminders.settings).

Reminders never travel as far-future ETA tasks: beat runs one short periodic task that claims
what is due from the store; delivery tasks carry only a reminder id and a claim token.
"""

from kombu import Queue

from reminders import settings as _settings

_s = _settings.load()

broker_url = _s.broker_url
broker_connection_retry_on_startup = True
broker_transport_options = {"visibility_timeout": 3600}
task_serializer = "json"
accept_content = ["json"]
result_backend = None
task_ignore_result = True
timezone = "UTC"
enable_utc = True
worker_prefetch_multiplier = 1
worker_hijack_root_logger = False
# %(context)s is "[task-name task-id reminder-id] " while a task runs (reminders.celery_app).
worker_log_format = "[%(asctime)s: %(levelname)s/%(processName)s] %(context)s%(message)s"
worker_task_log_format = worker_log_format
task_default_queue = _s.queue
# Dispatch ticks have their own queue, so that they never wait behind a backlog of deliveries
# (and expire there). A worker consumes both unless started with -Q naming one.
dispatch_queue = f"{_s.queue}.dispatch"
task_queues = (Queue(_s.queue), Queue(dispatch_queue))
task_routes = {
    "reminders.dispatch_due": {"queue": dispatch_queue},
    "reminders.purge_expired": {"queue": dispatch_queue},
}

beat_schedule = {
    "dispatch-due-reminders": {
        "task": "reminders.dispatch_due",
        "schedule": _s.dispatch_interval,
        # A tick that could not run in time is worthless: the next one claims the same work.
        "options": {"expires": max(_s.dispatch_interval * 2, 1.0)},
    },
    "purge-expired-patient-data": {
        "task": "reminders.purge_expired",
        "schedule": 3600.0,
    },
}
