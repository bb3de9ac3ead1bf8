"""The one source of "now".

Worker, beat and the demo driver run in different processes, so an accelerated clock must be a
pure function of the real time that every process computes alike; it is passed as a spec string
(``REMINDERS_CLOCK``) rather than shared state.
"""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def real_seconds(self, virtual_seconds: float) -> float:
        """How many real seconds pass while this clock advances ``virtual_seconds``: settings
        such as the dispatch interval are in real seconds."""
        ...

    def virtual_seconds(self, real_seconds: float) -> float:
        """How far this clock advances while ``real_seconds`` pass: leases, lookups and retry
        delays are about workers and the provider, so their settings are in real seconds."""
        ...


class SystemClock:
    def real_seconds(self, virtual_seconds: float) -> float:
        return virtual_seconds

    def virtual_seconds(self, real_seconds: float) -> float:
        return real_seconds

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to; for tests of plain functions."""

    def __init__(self, at: datetime) -> None:
        self._at = _utc(at)

    def now(self) -> datetime:
        return self._at

    def real_seconds(self, virtual_seconds: float) -> float:
        return virtual_seconds  # a test moves it by hand, as if that much time had passed

    def virtual_seconds(self, real_seconds: float) -> float:
        return real_seconds

    def set(self, at: datetime) -> None:
        self._at = _utc(at)


class WarpClock:
    """Virtual time that started at ``virtual_origin`` when the real clock read ``real_origin``
    and runs ``speed`` times faster than real time."""

    def __init__(self, virtual_origin: datetime, real_origin: float, speed: float) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        self.virtual_origin = _utc(virtual_origin)
        self.real_origin = real_origin
        self.speed = speed

    def now(self) -> datetime:
        elapsed = (_time.time() - self.real_origin) * self.speed
        return datetime.fromtimestamp(self.virtual_origin.timestamp() + elapsed, UTC)

    def spec(self) -> str:
        origin = self.virtual_origin.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"warp:{origin}@{self.real_origin:.6f}x{self.speed:g}"

    def real_seconds(self, virtual_seconds: float) -> float:
        return virtual_seconds / self.speed

    def virtual_seconds(self, real_seconds: float) -> float:
        return real_seconds * self.speed


def from_spec(spec: str) -> Clock:
    """``system``, ``fixed:<ISO>`` (tests) or ``warp:<ISO virtual origin>@<real unix
    origin>x<speed>`` (demo, end-to-end tests)."""
    if spec in {"", "system"}:
        return SystemClock()
    if spec.startswith("fixed:"):
        try:
            return FixedClock(datetime.fromisoformat(spec[6:]))
        except ValueError as exc:
            raise ValueError(f"REMINDERS_CLOCK: malformed fixed clock {spec!r}: {exc}") from None
    if spec.startswith("warp:"):
        try:
            origin, rest = spec[5:].split("@", 1)
            real, speed = rest.split("x", 1)
            return WarpClock(datetime.fromisoformat(origin), float(real), float(speed))
        except ValueError as exc:
            raise ValueError(f"REMINDERS_CLOCK: malformed warp clock {spec!r}: {exc}") from None
    raise ValueError(f"REMINDERS_CLOCK: expected 'system' or 'warp:...', got {spec!r}")


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return at.astimezone(UTC)
