"""The Celery app. Its configuration, including the one beat table, is ``celeryconfig``."""

from __future__ import annotations

from celery import Celery

app = Celery("reminders")
app.config_from_object("celeryconfig")
app.autodiscover_tasks(["reminders"], related_name="tasks", force=True)
