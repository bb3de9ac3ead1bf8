"""Celery configuration, read from the same environment as the service (reminders.settings).

Reminders never travel as far-future ETA tasks: beat runs one short periodic task that claims
what is due from the store; delivery tasks carry only a reminder id and a claim token.
"""

import ssl
from urllib.parse import parse_qs, urlsplit

from kombu import Queue

from reminders import settings as _settings

_s = _settings.load()

broker_url = _s.broker_url
broker_connection_retry_on_startup = True
# A rediss:// broker: kombu reads ssl_cert_reqs, ssl_ca_certs, ssl_certfile, ssl_keyfile from the
# URL's query (rediss://:password@host:6380/0?ssl_cert_reqs=required&ssl_ca_certs=/path). Given
# none, kombu would not check the server's certificate (it warns and uses CERT_NONE); here it
# checks it against the system's CAs instead, as redis-py does for REDIS_URL. The result backend
# is off (result_backend = None), so redis_backend_use_ssl is not needed.
_broker = urlsplit(broker_url)
if _broker.scheme == "rediss" and not any(k.startswith("ssl_") for k in parse_qs(_broker.query)):
    broker_use_ssl = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
broker_transport_options = {"visibility_timeout": 3600}
task_serializer = "json"
accept_content = ["json"]
result_backend = None
task_ignore_result = True
timezone = "UTC"
enable_utc = True
worker_prefetch_multiplier = 1
# A worker must live through a Redis restart (issue 10, cause 5), so its broker connection holds
# only the channel it takes tasks on. The remote-control mailbox is off here. Workers start with
# --without-gossip (gossip is another such channel) and --without-mingle (it would ask the other
# workers' mailboxes): docker-compose.yml, deploy/systemd/, the Makefile. The reason: when Redis
# goes away while a delivery is being sent, closing the mailbox or gossip channel fails first.
# Celery 5.7 then closes the task channel after kombu has detached the connection. Putting the
# unacknowledged delivery back raises AttributeError ('NoneType' object has no attribute
# 'hostname', in kombu's _connparams), and the worker exits. Nothing here uses `celery inspect`
# or `celery control`: the containers' healthchecks look at a worker's liveness file and beat's
# dispatch heartbeat instead (reminders/liveness.py), and Flower sees workers by their heartbeat
# events. Task events (worker_send_task_events) stay off: nothing reads them.
worker_enable_remote_control = False
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
    "reminders.dispatch_if_due": {"queue": dispatch_queue},
    "reminders.purge_expired": {"queue": dispatch_queue},
}

beat_schedule = {
    "dispatch-due-reminders": {
        "task": "reminders.dispatch_due",
        "schedule": _s.dispatch_interval,
        # A tick that could not run in time is worthless: the next one claims the same work.
        "options": {"expires": max(_s.dispatch_interval * 2, 1.0)},
    },
    # Between those ticks, a cheap look at the due index (each REMINDERS_DUE_CHECK seconds)
    # starts a tick as soon as something falls due: a reminder is about a second late, not up
    # to a whole interval, and nothing is claimed or locked while nothing is due.
    **(
        {
            "dispatch-if-due": {
                "task": "reminders.dispatch_if_due",
                "schedule": _s.due_check,
                "options": {"expires": max(_s.due_check * 2, 1.0)},
            }
        }
        if 0 < _s.due_check < _s.dispatch_interval
        else {}
    ),
    "purge-expired-patient-data": {
        "task": "reminders.purge_expired",
        "schedule": 3600.0,
    },
}
