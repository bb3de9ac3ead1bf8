"""The Celery app and its base task. Configuration, including the one beat table, is
``celeryconfig``.

Every task reaches the process's Services (``wiring``) through ``self.services``: built once,
when the worker or beat starts, so a broken setting or channel stops the process there. While a
task runs, every log line of the process carries its task id and reminder id."""

from __future__ import annotations

import contextvars
import logging
import sys
from typing import Any

import click
from celery import Celery, Task
from celery.signals import after_setup_logger, after_setup_task_logger, beat_init, worker_init

from reminders import liveness, logsafe, wiring

_context: contextvars.ContextVar[str] = contextvars.ContextVar("task_context", default="")
_services: wiring.Services | None = None


def services() -> wiring.Services:
    global _services  # noqa: PLW0603 - one composition root per process
    if _services is None:
        _services = wiring.build()
    return _services


class ReminderTask(Task):  # type: ignore[misc]
    @property
    def services(self) -> wiring.Services:
        return services()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        rid = args[0] if args and isinstance(args[0], str) else ""
        token = _context.set(f"[{self.name} {self.request.id or '-'}{' ' + rid if rid else ''}] ")
        try:
            return super().__call__(*args, **kwargs)
        finally:
            _context.reset(token)


_factory = logging.getLogRecordFactory()


def _with_context(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _factory(*args, **kwargs)
    record.context = _context.get()
    return record


logging.setLogRecordFactory(_with_context)

app = Celery("reminders", task_cls=ReminderTask)
app.config_from_object("celeryconfig")
app.autodiscover_tasks(["reminders"], related_name="tasks", force=True)


def _build_or_exit(with_channels: bool) -> None:
    """Build the Services at start, or stop the process. Celery logs and swallows what a signal
    handler raises and would start anyway; SystemExit is not swallowed."""
    try:
        sv = services()
        if with_channels:
            _ = sv.channels
    except Exception as exc:  # whatever stops the build stops the process, said plainly
        print(f"error: cannot start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from exc


@worker_init.connect
def _build_for_worker(**_: Any) -> None:
    # The channels too: a worker that cannot send must not start claiming.
    _build_or_exit(with_channels=True)


@beat_init.connect
def _build_for_beat(**_: Any) -> None:
    _build_or_exit(with_channels=False)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _mask_logs(logger: logging.Logger, **_: Any) -> None:
    # Every line a worker or beat writes masks contact data, as text or JSON.
    for handler in logger.handlers:
        logsafe.protect(handler)


# `celery worker --liveness-file PATH`: the worker touches PATH while it takes tasks, for the
# container's healthcheck (`reminders check worker`; why not `celery inspect ping`: liveness.py).
app.user_options["worker"].add(
    click.Option(
        ["--liveness-file"],
        default=None,
        help="touch this file every few seconds while the worker takes tasks (healthchecks)",
    )
)
app.steps["consumer"].add(liveness.Liveness)
