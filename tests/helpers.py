"""Waiting for a condition, never for a fixed time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

POLL = 0.02  # seconds between two looks


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 20 ms until it is true; fail naming ``what`` after ``timeout``
    seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: wait(POLL) is the poll interval
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}")
        pause.wait(POLL)
