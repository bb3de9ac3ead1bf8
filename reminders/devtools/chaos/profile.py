"""How big and how rough a chaos run is (the full run and the shortened one CI runs), and the
environment every process of the run shares."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

# The fake provider's and the run's API credentials: known to this harness only, never real.
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "chaos-auth-token-0123456789abcdef"  # noqa: S105
MESSAGING_SERVICE_SID = "MG" + "1" * 32
INTEGRATION_TOKEN = "chaos-integration-token-0123456789"  # noqa: S105
STAFF_TOKEN = "chaos-staff-token-abcdefghijklmnop"  # noqa: S105


@dataclass(frozen=True)
class Profile:
    name: str
    appointments: int
    speed: float  # virtual seconds per real second
    chaos_seconds: float  # real seconds of chaos after booking
    worker_kills: int
    redis_restarts: int
    edits: int  # PATCH of a note or a location name
    reschedules: int  # PATCH of procedure.start
    cancels: int
    drain_seconds: float  # at most this long for everything due to settle once the chaos stops
    workers: int = 2
    concurrency: int = 2
    second_beat: tuple[float, float] = (0.2, 0.45)  # a second beat runs for this part of it
    faults: str = "500=0.04,429=0.04,reset=0.03,timeout=0.03,list_500=0.03,drop_callback=0.1"

    @property
    def changes(self) -> int:
        return self.edits + self.reschedules + self.cancels


# About 3 virtual days in two minutes and a quarter of chaos, about 3 minutes in all.
SHORT = Profile(
    name="short",
    appointments=100,
    speed=2000,
    chaos_seconds=135,
    worker_kills=3,
    redis_restarts=1,
    edits=22,
    reschedules=14,
    cancels=10,
    drain_seconds=75,
)
# About 3 virtual days in five and a half minutes of chaos.
FULL = Profile(
    name="full",
    appointments=150,
    speed=800,
    chaos_seconds=330,
    worker_kills=5,
    redis_restarts=2,
    edits=24,
    reschedules=22,
    cancels=14,
    drain_seconds=120,
)

# Durations the engine reads in real seconds (leases, delays): short enough that leases run out,
# retries and lookups happen many times within the run, long enough that a send (connect and
# read timeouts of 1 s each, plus the engine's margin) always ends inside its lease.
DISPATCH_INTERVAL = 0.5
TIMEOUT_CONNECT = 1.0
TIMEOUT_READ = 1.0
TIMEOUT_FAULT_DELAY = 1.6  # the fake answers a "timeout" this late: after the client gave up
PROVIDER_LATENCY = (0.02, 0.15)  # the fake answers other creates after this long (seconds)
ENGINE_SECONDS = {
    "REMINDERS_CLAIM_LEASE": 8,
    "REMINDERS_SEND_LEASE": 8,
    "REMINDERS_RETRY_BACKOFF": 1,
    "REMINDERS_RECONCILE_DELAY": 1,
    "REMINDERS_LOOKUP_GIVE_UP": 30,
}


def environment(*, redis_url: str, api_url: str, fake_url: str, clock_spec: str) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "REMINDERS_KEY_PREFIX": "chaos",
        "REMINDERS_QUEUE": "chaos",
        "REMINDERS_CLOCK": clock_spec,
        "REMINDERS_DISPATCH_INTERVAL": str(DISPATCH_INTERVAL),
        **{k: str(v) for k, v in ENGINE_SECONDS.items()},
        # SMS by the fake Twilio; email (for the few patients who have it) to the outbox.
        "REMINDERS_CHANNELS": "twilio,outbox",
        "REMINDERS_OUTBOX_ECHO": "0",
        "TWILIO_API_BASE_URL": fake_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID,
        "TWILIO_TIMEOUT_CONNECT": str(TIMEOUT_CONNECT),
        "TWILIO_TIMEOUT_READ": str(TIMEOUT_READ),
        # The sender's own rate limit is not under test here: a 429 from the fake is.
        "SMS_RATE_PER_SECOND": "1000",
        # Nor the API's per-token limit: the full run's 150 appointments, their edits and the
        # read of every timeline at the end are more than 600 calls a minute of one token.
        "REMINDERS_RATE_TOKEN": "100000/minute",
        "PUBLIC_BASE_URL": api_url,
        # Required with the twilio channel (a run's own, thrown away with its Redis).
        "REMINDERS_FINGERPRINT_KEY": secrets.token_urlsafe(32),
        "API_TOKENS": f"integration:{INTEGRATION_TOKEN},staff:{STAFF_TOKEN}",
        "PYTHONUNBUFFERED": "1",
    }
