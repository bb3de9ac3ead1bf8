"""Patients' contact details never reach the logs in the clear, and the logs still work: the
access log formats its own arguments, IP addresses, dates and ids stay readable, and an
exception's message does not carry the input it refused. (The real server's logs are checked
in tests/integration/api/test_server_logs.py.)"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticError
from uvicorn.logging import AccessFormatter

from reminders import logsafe
from reminders.logsafe import MaskingFormatter, mask, mask_exception


def test_phone_numbers_and_email_addresses_are_masked() -> None:
    assert mask("sent to +4915112345678 and maria@example.org") == "sent to ***78 and m***@***"
    assert "1234" not in mask("call +49 151 1234 5678 or +1 (555) 010-0199")
    assert mask("GET /x?phone=%2B4915112345678&email=maria%40example.org") == (
        "GET /x?phone=***78&email=m***@***"
    )


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1:51234 - "GET /appointments/RIS-20270328-0042 HTTP/1.1" 200',
        "10.20.30.40 at 2027-03-28T09:00:00+02:00 (version 12345678)",
        "reminder APT-1001:3:medication_pause:0:sms due 2027-03-25 08:00:00.123456",
        "dispatch claimed 500 of 1000000, lag 0.015 s, port 6379",
    ],
)
def test_ips_dates_times_ports_and_ids_are_left_alone(line: str) -> None:
    assert mask(line) == line


@pytest.fixture
def out() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.Logger("test.logsafe", logging.INFO)  # outside the hierarchy: no pytest
    logger.addHandler(handler)
    yield logger, stream


def test_the_access_log_formats_its_own_arguments(out: tuple[logging.Logger, io.StringIO]) -> None:
    """The old filter set record.args to None: every access line was a "Logging error"."""
    logger, stream = out
    logger.handlers[0].setFormatter(
        MaskingFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    )
    logger.info(
        '%s - "%s %s HTTP/%s" %d',
        "203.0.113.7:5000",
        "GET",
        "/appointments/APT-1001?email=maria%40example.org",
        "1.1",
        200,
    )
    assert stream.getvalue() == (
        '203.0.113.7:5000 - "GET /appointments/APT-1001?email=m***@*** HTTP/1.1" 200 OK\n'
    )


def test_an_exceptions_quoted_values_are_withheld(out: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = out
    logsafe.protect(logger.handlers[0], "text")

    class Patient(BaseModel):
        name: str = Field(max_length=3)

    name = " ".join(["Maria", "Rossi"])  # (not in the source lines the traceback shows)
    try:
        Patient(name=name)
    except PydanticError:
        logger.exception("booking failed for %s", "APT-1001")
    try:
        raise ValueError(f"bad name {name!r} for +4915112345678 / maria@example.org")
    except ValueError:
        logger.exception("booking failed")
    text = stream.getvalue()
    assert "Maria" not in text and "1234" not in text and "example.org" not in text
    assert "booking failed for APT-1001" in text  # the message itself is kept
    assert 'raise ValueError(f"bad name {name!r}' in text  # source lines are code, kept
    assert "ValueError: bad name '***' for ***78 / m***@***" in text


def test_a_record_that_cannot_be_formatted_is_one_masked_line(
    out: tuple[logging.Logger, io.StringIO], capsys: pytest.CaptureFixture[str]
) -> None:
    logger, _ = out
    logsafe.protect(logger.handlers[0], "text")
    logger.info("patient %s %s", "+4915112345678")  # noqa: PLE1206 - one argument short
    err = capsys.readouterr().err
    assert "Logging error" not in err and "+4915112345678" not in err
    assert err.startswith("logging error in test.logsafe (TypeError)")


def test_json_lines_are_masked_and_carry_the_access_fields(
    out: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = out
    logger.handlers[0].setFormatter(logsafe.formatter(None, "json"))
    access = logging.Logger("uvicorn.access", logging.INFO)
    access.handlers = logger.handlers
    try:
        access.info(
            '%s - "%s %s HTTP/%s" %d', "198.51.100.2:1", "PATCH", "/appointments/A", "1.1", 422
        )
        try:
            raise KeyError("maria@example.org")
        except KeyError:
            logger.exception("failed for %s", "+4915112345678")
    finally:
        access.handlers = []
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["client"] == "198.51.100.2:1" and first["status"] == 422
    assert first["method"] == "PATCH" and first["path"] == "/appointments/A"
    assert first["logger"] == "uvicorn.access" and first["level"] == "info"
    assert second["event"] == "failed for ***78"
    assert "KeyError: '***'" in second["exception"] and "maria" not in stream.getvalue()


def test_masking_an_exception_keeps_its_frames() -> None:
    tb = (
        "Traceback (most recent call last):\n"
        '  File "/srv/reminders/api/x.py", line 3, in f\n'
        '    raise ValueError("x")\n'
        "ValueError: 'Maria Rossi' is not valid"
    )
    masked = mask_exception(tb)
    assert masked.splitlines()[:3] == tb.splitlines()[:3]
    assert masked.splitlines()[3] == "ValueError: '***' is not valid"


def test_a_celery_worker_s_handlers_mask_too() -> None:
    from reminders import celery_app  # noqa: PLC0415

    logger = logging.Logger("celery.test")
    logger.addHandler(logging.StreamHandler(io.StringIO()))
    celery_app._mask_logs(logger)
    assert isinstance(logger.handlers[0].formatter, MaskingFormatter)


def test_utc_and_canonical_zones_pass_aliases_name_their_zone() -> None:
    from reminders.model import zone_problem  # noqa: PLC0415

    assert [zone_problem(z) for z in ("UTC", "Etc/UTC", "Europe/Berlin", "Europe/Kyiv")] == [
        None
    ] * 4
    assert "Europe/Kyiv" in (zone_problem("Europe/Kiev") or "")
    assert zone_problem("localtime") and zone_problem("Factory") and zone_problem("right/UTC")


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("connecting to redis://:s3cret@redis:6379/0", "connecting to redis://:***@redis:6379/0"),
        (
            "broker rediss://default:s3cret@10.0.0.5:6380/0?x=1",
            "broker rediss://default:***@10.0.0.5:6380/0?x=1",
        ),
        ("redis://redis:6379/0 has no password", "redis://redis:6379/0 has no password"),
        ("https://example.org/path:8000 stays", "https://example.org/path:8000 stays"),
    ],
)
def test_a_urls_password_is_masked(line: str, masked: str) -> None:
    assert mask(line) == masked


def test_a_urls_password_is_masked_in_a_traceback_and_a_handler() -> None:
    try:
        raise ConnectionError("cannot reach redis://:pa@ss:w0rd@redis.example.org:6379/0")
    except ConnectionError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "broker %s", None, None)
        record.args = ("rediss://:pa@ss:w0rd@redis:6380/0",)
        record.exc_info = sys.exc_info()
    line = MaskingFormatter().format(record)
    assert "w0rd" not in line
    assert "pa@ss" not in line
    assert "rediss://:***@redis:6380/0" in line
