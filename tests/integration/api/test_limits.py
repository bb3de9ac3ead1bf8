"""Authentication before any body is read, and limits on bodies (issue 12, item 5). The app is
driven as plain ASGI where it matters whether a body was read at all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from reminders.clock import FixedClock
from tests.factories import AS_INTEGRATION, AS_STAFF, INTEGRATION, appointment_data
from tests.fakes.twilio import AUTH_TOKEN, PUBLIC
from tests.helpers import current, dump_store


@pytest.fixture
def api_env() -> dict[str, str]:
    return {
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC,
        "REMINDERS_MAX_BODY_BYTES": "4096",
        "REMINDERS_BODY_TIMEOUT": "0.3",
    }


def asgi(
    app: Any,
    method: str,
    path: str,
    headers: dict[str, str],
    chunks: list[bytes],
    pause: float = 0.0,
) -> tuple[int, bytes, int]:
    """One request straight into the ASGI app: its status, its body, and how many body chunks
    the app asked for (0: it never read the body)."""
    read = 0
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            if pause:
                await asyncio.sleep(pause)
            read += 1
            return {
                "type": "http.request",
                "body": chunks[read - 1],
                "more_body": read < len(chunks),
            }
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 10))
    return out["status"], out["body"], read


BIG = [b"x" * 1024] * 100_000  # 100 MB, if anyone read it


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/appointments"),
        ("PATCH", "/appointments/APT-1001"),
        ("POST", "/appointments/APT-1001/cancel"),
        ("POST", "/attention/x/handled"),
        ("GET", "/appointments/APT-1001"),
        ("POST", "/nowhere"),
    ],
)
@pytest.mark.parametrize(
    "auth", [{}, {"Authorization": "Bearer wrong-token-xxxxxxxxxxxx"}, {"Authorization": "Basic x"}]
)
def test_an_unauthenticated_body_is_never_read(
    api: tuple[TestClient, FixedClock], method: str, path: str, auth: dict[str, str]
) -> None:
    http, _ = api
    headers = {"Content-Type": "application/json", "Content-Length": str(len(BIG) * 1024), **auth}
    status, body, read = asgi(http.app, method, path, headers, BIG)
    assert (status, read) == (401, 0), body
    assert dump_store(current().store.r, current().store.prefix) == {}


def test_a_webhook_without_a_signature_is_refused_unread(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, read = asgi(http.app, "POST", "/twilio/inbound", headers, BIG)
    assert (status, read) == (403, 0)


def test_a_declared_length_over_the_limit_is_413_before_reading(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    headers = {**AS_INTEGRATION, "Content-Type": "application/json", "Content-Length": "4097"}
    status, _, read = asgi(http.app, "POST", "/appointments", headers, [b"{" * 4097])
    assert (status, read) == (413, 0)


def test_a_chunked_body_over_the_limit_is_413_as_soon_as_it_passes_it(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    headers = {**AS_INTEGRATION, "Content-Type": "application/json"}
    status, _, read = asgi(http.app, "POST", "/appointments", headers, BIG)
    assert status == 413 and read == 5  # 5 KiB read of 100 MB

    def chunks() -> Iterator[bytes]:
        yield b'{"external_id": "'
        yield b"x" * 5000
        yield b'"}'

    res = http.post("/appointments", content=chunks(), headers=headers)
    assert res.status_code == 413
    assert dump_store(current().store.r, current().store.prefix) == {}


def test_a_body_that_trickles_in_gets_408(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    headers = {**AS_INTEGRATION, "Content-Type": "application/json"}
    status, _, _ = asgi(http.app, "POST", "/appointments", headers, [b"{"] * 10, pause=0.1)
    assert status == 408


def test_a_body_within_the_limits_is_handed_to_the_app_whole(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    res = http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    assert res.status_code == 201, res.text
    assert http.get("/appointments/APT-1001", headers=AS_STAFF).status_code == 200
    assert http.get("/health").status_code in {200, 503}  # open, no token needed
    assert http.get("/openapi.json").status_code == 200


def test_signed_webhooks_still_work_and_are_limited_too(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    url = f"{PUBLIC}/twilio/inbound"
    params = {"From": "+4915112345678", "To": "+15005550006", "Body": "HELP", "MessageSid": "S1"}
    good = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    res = http.post("/twilio/inbound", data=params, headers={"X-Twilio-Signature": good})
    assert res.status_code == 200 and "<Message>" in res.text
    big = {**params, "Body": "x" * 5000}
    signed = RequestValidator(AUTH_TOKEN).compute_signature(url, big)
    res = http.post("/twilio/inbound", data=big, headers={"X-Twilio-Signature": signed})
    assert res.status_code == 413


def test_a_valid_token_with_the_wrong_role_is_still_403(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    assert (
        http.get("/attention", headers={"Authorization": f"Bearer {INTEGRATION}"}).status_code
        == 403
    )
