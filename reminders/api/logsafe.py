"""Keep patients' contact details out of logs: phone numbers and email addresses in any log
record are masked before a handler sees them."""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"\+?\d[\d ()./-]{6,}\d")
_EMAIL = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+\.[A-Za-z]{2,}")


def mask(text: str) -> str:
    text = _EMAIL.sub(lambda m: m.group(0)[0] + "***@***", text)
    return _PHONE.sub(lambda m: "***" + m.group(0)[-2:], text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        return True


def install() -> None:
    """Attach the filter to every handler of the root logger and the usual server loggers."""
    names = ["", "uvicorn", "uvicorn.access", "uvicorn.error", "celery", "reminders"]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter())
        for handler in logger.handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(MaskingFilter())
