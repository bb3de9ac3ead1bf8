"""Patients' contact details never reach the logs in the clear."""

from __future__ import annotations

import logging

import pytest

from reminders.api.logsafe import MaskingFilter, mask


def test_contact_details_are_masked_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    assert mask("sent to +4915112345678 and maria@example.org") == "sent to ***78 and m***@***"
    logger = logging.getLogger("reminders.test")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="reminders.test"):
        logger.info("patient %s at %s", "+49 151 1234 5678", "a.b@example.com")
    assert "1234" not in caplog.text and "example.com" not in caplog.text
