"""Rate limits per token, per client address and on the webhooks, in real Redis (issue 12):
429 with Retry-After and a body naming the limit, other callers unaffected, reset after the
window. The windows are 2 seconds here; tests poll for the reset rather than sleep."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from fastapi.testclient import TestClient

from reminders.api.ratelimit import RateLimits
from reminders.clock import FixedClock
from tests.factories import AS_INTEGRATION, AS_STAFF, INTEGRATION
from tests.fakes.twilio import AUTH_TOKEN, PUBLIC
from tests.helpers import current, wait_until

WINDOW = 2.0


@pytest.fixture
def api_env() -> dict[str, str]:
    return {
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC,
        "REMINDERS_RATE_TOKEN": "5 per 2 seconds",
        "REMINDERS_RATE_ADDRESS": "3 per 2 seconds",
        "REMINDERS_RATE_WEBHOOK": "4 per 2 seconds",
        "REMINDERS_TRUSTED_PROXIES": "1",
    }


def _from(address: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or {}), "X-Forwarded-For": address}


def _limited(answer: object, scope: str, limit: str) -> None:
    assert answer.status_code == 429, answer.text  # type: ignore[attr-defined]
    retry = int(answer.headers["retry-after"])  # type: ignore[attr-defined]
    assert 1 <= retry <= WINDOW + 1
    body = answer.json()  # type: ignore[attr-defined]
    assert body["scope"] == scope and body["limit"] == limit
    assert limit in body["detail"]


def _until(check: Callable[[], bool]) -> None:
    wait_until(check, WINDOW + 3, "the limit to reset after its window")


def test_a_token_over_its_limit_gets_429_others_do_not_and_it_resets(
    api: tuple[TestClient, FixedClock], client: redis.Redis, prefix: str
) -> None:
    http, _ = api
    for _ in range(5):
        assert http.get("/schedules", headers=AS_INTEGRATION).status_code == 200
    over = http.get("/schedules", headers=AS_INTEGRATION)
    _limited(over, "token", "5 per 2 seconds")
    # Another token, even from the same address, is unaffected.
    assert http.get("/schedules", headers=AS_STAFF).status_code == 200
    # A body is never read for a limited request (the guard answers first).
    assert http.post("/appointments", headers=AS_INTEGRATION, content=b"{}").status_code == 429
    _until(lambda: http.get("/schedules", headers=AS_INTEGRATION).status_code == 200)
    # Kept in the service's Redis under its prefix, named by a digest and never by the token.
    keys = [k.decode() for k in client.scan_iter(f"{prefix}-ratelimit:*")]
    assert keys and not any(INTEGRATION in k for k in keys)


def test_a_failed_auth_flood_from_one_address_is_limited_others_are_not(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    wrong = {"Authorization": "Bearer not-a-token-at-all-0000"}
    for _ in range(3):
        assert http.get("/schedules", headers=_from("203.0.113.7", wrong)).status_code == 401
    _limited(
        http.get("/schedules", headers=_from("203.0.113.7", wrong)), "address", "3 per 2 seconds"
    )
    # Without any token it is the same address, so the same limit.
    _limited(http.get("/schedules", headers=_from("203.0.113.7")), "address", "3 per 2 seconds")
    # Another address is not limited; a known token from the flooding address still works.
    assert http.get("/schedules", headers=_from("203.0.113.8", wrong)).status_code == 401
    assert http.get("/schedules", headers=_from("203.0.113.7", AS_STAFF)).status_code == 200
    _until(lambda: http.get("/schedules", headers=_from("203.0.113.7", wrong)).status_code == 401)


def test_the_webhooks_are_limited_per_address(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    for _ in range(4):
        # Unsigned: refused by the guard (403), but counted.
        assert http.post("/twilio/inbound", headers=_from("198.51.100.1")).status_code == 403
    _limited(
        http.post("/twilio/inbound", headers=_from("198.51.100.1")), "webhook", "4 per 2 seconds"
    )
    assert http.post("/twilio/inbound", headers=_from("198.51.100.2")).status_code == 403
    # The API's own limits are apart from the webhooks'.
    assert http.get("/schedules", headers=_from("198.51.100.1", AS_STAFF)).status_code == 200
    _until(lambda: http.post("/twilio/inbound", headers=_from("198.51.100.1")).status_code == 403)


def test_the_open_paths_are_not_limited(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    for _ in range(10):
        assert http.get("/health").status_code in {200, 503}


def test_x_forwarded_for_is_believed_only_for_the_trusted_hops(
    api: tuple[TestClient, FixedClock],
) -> None:
    rates = RateLimits(current().settings)
    scope = {"client": ("10.0.0.9", 1234)}
    spoofed = {"x-forwarded-for": "1.2.3.4, 203.0.113.7"}
    assert rates.address(scope, spoofed) == "203.0.113.7"  # one trusted proxy: its entry
    assert rates.address(scope, {}) == "10.0.0.9"
    rates._proxies = 0  # the default: no proxy trusted
    assert rates.address(scope, spoofed) == "10.0.0.9"
    rates._proxies = 2
    assert rates.address(scope, spoofed) == "1.2.3.4"
