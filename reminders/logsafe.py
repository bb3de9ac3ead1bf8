"""Logs that carry no patient's contact data and no message text, and that still work.

Masking happens where a line is written (a formatter), never by rewriting the record: the
record keeps its arguments, so uvicorn's access log (which formats its own five arguments)
works, and each handler masks the whole line it writes, the traceback included. What is
masked is contact data and nothing else:

- phone numbers in international form (``+49 151 1234 5678`` -> ``***78``; every number the
  service keeps is E.164, with its ``+``), also URL-encoded (``%2B49...``); IP addresses,
  dates, times, ports and ids have no ``+`` and stay as they are;
- email addresses (``maria@example.org`` -> ``m***@***``), also URL-encoded (``%40``);
- the password in a URL (``redis://:secret@redis:6379/0`` -> ``redis://:***@redis:6379/0``,
  ``rediss://user:secret@...`` too), so a Redis or broker URL never shows its password;
- in an access line, the values of the query string (but for the preview's zone, language and
  times): a client may put anything in a URL;
- in an exception's message (the ``ValueError: ...`` lines of a traceback, where a library
  may quote the input it refused), every quoted value and pydantic's ``input_value=...``:
  names and free text have no pattern, so what an exception quotes is not written.

The service itself never logs message text, names or request bodies (reminder ids only).

``REMINDERS_LOG_FORMAT=json`` writes one JSON object per line (structlog's ProcessorFormatter
over the standard library's records), masked the same way; access lines carry ``client``,
``method``, ``path``, ``status`` as fields.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import MutableMapping
from copy import copy
from typing import Any

import structlog

from reminders import settings as settings_mod

_PHONE = re.compile(r"(?:\+|%2[Bb])\d(?:[ ()./-]{0,2}\d){5,16}")
# scheme://[user]:password@ (the password up to the last "@" before the host)
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s/]*@")
_EMAIL = re.compile(r"[^\s@<>\"'(),;:\[\]/=?&]+(?:@|%40)[^\s@<>\"'(),;:\[\]/?&]+\.[A-Za-z]{2,}")
# A traceback's frame lines ("  File ...", the source line, "~~~^^^" markers) are code; the
# other lines are exception messages ("ValueError: ...", a chained exception's message).
_FRAME = re.compile(r"^(Traceback |  File |    |\s*[~^]+\s*$|During handling|The above exception)")
_QUOTED = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\"""")
_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=|$)")


def mask(text: str) -> str:
    """``text`` with phone numbers, email addresses and URLs' passwords masked; nothing else
    changes."""
    text = mask_url(text)
    text = _EMAIL.sub(lambda m: m.group(0)[0] + "***@***", text)
    return _PHONE.sub(lambda m: "***" + m.group(0)[-2:], text)


def mask_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _URL_PASSWORD.sub(lambda m: m.group(1) + "***@", text)


def mask_exception(text: str) -> str:
    """A formatted traceback with its exception messages' quoted values withheld, and every
    phone number and email address masked."""
    lines = []
    for line in text.splitlines():
        if _FRAME.match(line):
            lines.append(line)
            continue
        withheld = _INPUT_VALUE.sub("input_value=***", line)
        lines.append(_QUOTED.sub(lambda m: m.group(0)[0] + "***" + m.group(0)[0], withheld))
    return mask("\n".join(lines))


# Query parameters whose values are never patient data (the preview's); any other value in an
# access line's query is withheld (a medicine's name, whatever a client put in a URL).
QUERY_KEPT = frozenset(
    {"procedure_at", "tz", "locale", "duration", "channels", "now", "include_handled"}
)


def mask_query(path: str) -> str:
    """A request target with the values of its query withheld, but for ``QUERY_KEPT``."""
    target, sep, query = path.partition("?")
    if not sep:
        return path
    kept = []
    for pair in query.split("&"):
        name, eq, _ = pair.partition("=")
        kept.append(pair if name in QUERY_KEPT or not eq else f"{name}=***")
    return f"{target}?{'&'.join(kept)}"


def _prepared(record: logging.LogRecord) -> logging.LogRecord:
    """A copy (other handlers see the record as it was); an access line's query withheld."""
    r = copy(record)
    if r.name == "uvicorn.access" and isinstance(r.args, tuple) and len(r.args) == 5:
        client, method, path, version, status = r.args
        r.args = (client, method, mask_query(str(path)), version, status)
    return r


class MaskingFormatter(logging.Formatter):
    """Formats with ``inner`` (uvicorn's, celery's, a plain one), then masks the line."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        r = _prepared(record)
        if r.exc_info and not r.exc_text:
            r.exc_text = self.inner.formatException(r.exc_info)
        if r.exc_text:
            r.exc_text = mask_exception(r.exc_text)
        if r.stack_info:
            r.stack_info = mask(r.stack_info)
        return mask(self.inner.format(r))


def _access_fields(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    record = event.get("_record")
    args = event.pop("positional_args", None)
    if (
        record is not None
        and record.name == "uvicorn.access"
        and isinstance(args, tuple)
        and len(args) == 5
    ):
        client, method, path, version, status = args
        event.update(client=client, method=method, path=path, http_version=version, status=status)
    return event


def _mask_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = mask_exception(value) if key == "exception" else mask(value)
    return event


def json_formatter() -> logging.Formatter:
    """One JSON object per line: timestamp, level, logger, event, fields, exception."""
    return structlog.stdlib.ProcessorFormatter(
        pass_foreign_args=True,  # (the access line's fields; dropped once read)
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ExtraAdder(allow=("context",)),  # a worker's task and reminder
            _access_fields,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _mask_event,
            structlog.processors.JSONRenderer(),
        ],
    )


def formatter(
    inner: logging.Formatter | None = None, log_format: str = "text"
) -> logging.Formatter:
    """The formatter every handler gets: JSON, or ``inner`` masked."""
    if log_format == "json":
        return _Masked(json_formatter())
    return inner if isinstance(inner, MaskingFormatter) else MaskingFormatter(inner)


class _Masked(MaskingFormatter):
    """The JSON formatter, marked as masking (it masks each field itself)."""

    def format(self, record: logging.LogRecord) -> str:
        return self.inner.format(_prepared(record))


def _quiet_error(handler: logging.Handler, record: logging.LogRecord) -> None:
    """Instead of logging's "--- Logging error ---" dump (the record's message and arguments
    in the clear, and the call stack), one masked line."""
    exc = sys.exc_info()[1]
    # (nothing is left to report a failure to report with)
    with contextlib.suppress(Exception):
        sys.stderr.write(
            f"logging error in {record.name} ({type(exc).__name__ if exc else 'unknown'}): "
            f"{mask(str(record.msg))[:200]}\n"
        )


def protect(handler: logging.Handler, log_format: str | None = None) -> None:
    """Make ``handler`` write masked lines (idempotent); ``log_format`` defaults to
    ``REMINDERS_LOG_FORMAT``."""
    if not isinstance(handler.formatter, MaskingFormatter):
        handler.setFormatter(formatter(handler.formatter, log_format or settings_mod.log_format()))
    handler.handleError = lambda record: _quiet_error(handler, record)  # type: ignore[method-assign]


LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "celery", "celery.task", "reminders")


def install(log_format: str | None = None) -> None:
    """Protect every handler of the root logger and the usual server loggers, and logging's
    last-resort handler, whoever configured them (uvicorn, gunicorn, celery)."""
    fmt = log_format or settings_mod.log_format()
    for name in LOGGERS:
        for handler in logging.getLogger(name).handlers:
            protect(handler, fmt)
    if logging.lastResort is not None:
        protect(logging.lastResort, fmt)


def uvicorn_config(log_format: str | None = None) -> dict[str, Any]:
    """uvicorn's logging configuration with masking (and JSON) formatters, and a root handler
    so that the service's own records are written the same way (``reminders serve``)."""
    fmt = log_format or settings_mod.log_format()
    here = f"{__name__}.configured"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {"()": here, "kind": "default", "log_format": fmt},
            "access": {"()": here, "kind": "access", "log_format": fmt},
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def configured(kind: str, log_format: str) -> logging.Formatter:
    """A formatter for ``uvicorn_config``: uvicorn's own (colourless), masked; or JSON."""
    from uvicorn.logging import AccessFormatter, DefaultFormatter  # noqa: PLC0415

    if kind == "access":
        inner: logging.Formatter = AccessFormatter(
            '%(asctime)s %(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            use_colors=False,
        )
    else:
        inner = DefaultFormatter(
            "%(asctime)s %(levelprefix)s %(name)s: %(message)s", use_colors=False
        )
    return formatter(inner, log_format)
