"""The design of Twilio's appointment-reminder sample, for the delivery benchmark: one Celery task
per reminder, scheduled with an ETA, that calls the SDK through a client built once per process,
and keeps no state (no claim, no re-check, no outcome recorded, no lookup of a lost answer).

Started by ``delivery_throughput.py`` as ``celery -A twilio_sample:app worker``; the broker and
the fake Twilio's address come from the environment."""

from __future__ import annotations

import os

from celery import Celery
from twilio.rest import Client

from reminders.channels.twilio.http import ConfiguredHttpClient

app = Celery("twilio_sample", broker=os.environ.get("BENCH_SAMPLE_BROKER_URL", "memory://"))
app.conf.update(
    task_serializer="json", accept_content=["json"], result_backend=None, task_ignore_result=True
)
# As the sample: one client per process, the SDK's own session (which trusts the environment).
client = Client(
    os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
    os.environ.get("TWILIO_AUTH_TOKEN", ""),
    http_client=ConfiguredHttpClient(
        os.environ.get("TWILIO_API_BASE_URL", "https://api.twilio.com"), 5.0, 15.0,
        trust_env=True,
    ),
)  # fmt: skip


@app.task(name="sample.send_sms_reminder")
def send_sms_reminder(to: str, body: str) -> None:
    client.messages.create(to=to, from_="+15005550006", body=body)
