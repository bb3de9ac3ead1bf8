"""Waiting for a condition, never for a fixed time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis
from fastapi import FastAPI

from reminders import wiring

POLL = 0.02  # seconds between two looks
# The HTTP apps under test, newest last (the ``api`` fixture adds and removes its own).
APPS: list[FastAPI] = []


def current() -> wiring.Services:
    """The Services of the app under test."""
    services: wiring.Services = APPS[-1].state.services
    return services


def rebuild() -> None:
    """Build the app's Services again from the environment (a test changed a setting)."""
    APPS[-1].state.services.close()
    APPS[-1].state.services = wiring.build()


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 20 ms until it is true; fail naming ``what`` after ``timeout``
    seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: wait(POLL) is the poll interval
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}")
        pause.wait(POLL)


def dump_store(r: redis.Redis, prefix: str) -> dict[str, object]:
    """Every key under ``prefix`` with its type and whole value: two dumps are equal only if
    nothing stored changed (appointments, reminders, the due and phone indexes, the audit
    trail, the attention list)."""
    out: dict[str, object] = {}
    for raw in sorted(r.scan_iter(f"{prefix}:*", count=1000)):
        key = raw.decode()
        kind = r.type(raw).decode()
        if kind == "hash":
            value: object = dict(sorted(r.hgetall(raw).items()))
        elif kind == "zset":
            value = r.zrange(raw, 0, -1, withscores=True)
        elif kind == "set":
            value = sorted(r.smembers(raw))
        elif kind == "list":
            value = r.lrange(raw, 0, -1)
        elif kind == "string":
            value = r.get(raw)
        else:
            value = kind
        out[key] = (kind, value)
    return out
