"""The harness's HTTP calls: to the service's API as the booking system and staff would make
them, and to the fake Twilio's private endpoints. Standard library only.

While Redis restarts the API answers 5xx: calls are retried for a while, as a booking system
would. Every call the harness retries is idempotent (a booking by external id, a PATCH of
absolute values, a cancel)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote


class ApiError(RuntimeError):
    pass


class Http:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.token = token
        self.retried = 0  # calls that needed more than one try

    def call(
        self, method: str, path: str, body: Any = None, *, retry_for: float = 30.0
    ) -> tuple[int, Any]:
        """(status, decoded JSON) of the first answer that is not a 5xx; raises ApiError when
        none came within ``retry_for`` seconds."""
        deadline = time.monotonic() + retry_for
        data = None if body is None else json.dumps(body).encode()
        problem = ""
        tries = 0
        while True:
            tries += 1
            req = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
            req.add_header("Content-Type", "application/json")
            if self.token:
                req.add_header("Authorization", f"Bearer {self.token}")
            try:
                with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - loopback
                    if tries > 1:
                        self.retried += 1
                    return resp.status, _decode(resp.read())
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return exc.code, _decode(exc.read())
                problem = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                raise ApiError(f"{method} {path}: no answer after {tries} tries ({problem})")
            time.sleep(0.25)

    def ok(self, method: str, path: str, body: Any = None, retry_for: float = 30.0) -> Any:
        status, payload = self.call(method, path, body, retry_for=retry_for)
        if status >= 400:
            raise ApiError(f"{method} {path}: HTTP {status}: {payload}")
        return payload


class Service:
    """The reminders API: as the booking system (integration token) and as staff."""

    def __init__(self, base_url: str, integration: str, staff: str) -> None:
        self.integration = Http(base_url, integration)
        self.staff = Http(base_url, staff)

    def book(self, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(self.integration.ok("POST", "/appointments", payload))

    def patch(self, aid: str, changes: dict[str, Any]) -> tuple[int, Any]:
        return self.integration.call("PATCH", f"/appointments/{quote(aid)}", changes)

    def cancel(self, aid: str, reason: str) -> tuple[int, Any]:
        return self.integration.call(
            "POST", f"/appointments/{quote(aid)}/cancel", {"reason": reason}
        )

    def timeline(self, aid: str) -> dict[str, Any]:
        return dict(self.staff.ok("GET", f"/appointments/{quote(aid)}"))

    def attention(self) -> list[dict[str, Any]]:
        return list(self.staff.ok("GET", "/attention"))


class Fake:
    """The fake Twilio's private endpoints."""

    def __init__(self, base_url: str) -> None:
        self.http = Http(base_url)

    def stats(self) -> dict[str, Any]:
        return dict(self.http.ok("GET", "/_chaos/stats", retry_for=5))

    def log(self) -> list[dict[str, Any]]:
        return list(self.http.ok("GET", "/_chaos/log", retry_for=5)["messages"])

    def set_faults(self, **rates: float) -> None:
        self.http.ok("POST", "/_chaos/faults", rates, retry_for=5)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
