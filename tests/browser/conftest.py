"""The console in a real browser: the app under uvicorn on a free port (real Redis, a fixed
clock at BOOKED_AT), and Playwright driving Debian's chromium (``apt-get install chromium``;
never a browser download). Without chromium these tests are skipped, saying why. Every test
leaves a screenshot of each page it saw in ``artifacts/screenshots/``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
import uvicorn

from reminders import wiring
from reminders.api.app import create_app
from reminders.console import accounts
from reminders.model import ReminderState
from tests.factories import BOOKED_AT, INTEGRATION, ROOT, STAFF
from tests.helpers import wait_until

PASSWORD = "correct horse battery"
SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    found = chromium()
    if found is None:
        pytest.skip("no chromium: install Debian's package (apt-get install chromium)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, services: wiring.Services, url: str) -> None:
        self.services = services
        self.url = url

    def account(self, name: str, role: str = "staff", lang: str = "en") -> str:
        accounts.add(self.services.store, name, role, lang, PASSWORD, BOOKED_AT)
        return name

    def book(self, **changes: object) -> str:
        from tests.factories import appointment_data  # noqa: PLC0415

        data = appointment_data(**changes)
        done = httpx.post(
            f"{self.url}/appointments",
            json=data,
            headers={"Authorization": f"Bearer {INTEGRATION}"},
        )
        assert done.status_code == 201, done.text
        return str(data["external_id"])

    def fail_sms(self, aid: str, rule: str) -> str:
        """The patient's SMS ``rule`` reminder failed, as a worker records it."""
        sv = self.services
        snap = sv.store.appointments.snapshot(aid)
        assert snap is not None
        rec = next(r for r in snap.reminders if r.rule == rule and r.channel == "sms")
        key = sv.store.keys.appointment(aid)
        raw = json.loads(sv.redis.hget(key, rec.field) or b"{}")
        raw.update(s=str(ReminderState.FAILED), why="21614: not a mobile number", at=1)
        sv.redis.hset(key, rec.field, json.dumps(raw))
        sv.redis.sadd(sv.store.keys.attention, aid)
        return rec.id


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[Server]:
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        "REDIS_URL": redis_url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_CLOCK": f"fixed:{BOOKED_AT.isoformat()}",
        "API_TOKENS": f"integration:{INTEGRATION},staff:{STAFF}",
        "REMINDERS_CHANNELS": "outbox",
        "REMINDERS_OUTBOX_ECHO": "0",
        "CLINIC_TIMEZONE": "Europe/Berlin",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        services = wiring.build()
    port = _free_port()
    config = uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(url), 30, "the console's server to answer")
    try:
        yield Server(services, url)
    finally:
        uv.should_exit = True
        thread.join(timeout=30)
        keys = list(services.redis.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            services.redis.delete(*keys)
        services.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/console/login", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as pw:
        # Debian's chromium refuses to run as root without --no-sandbox (CI containers).
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        b = pw.chromium.launch(executable_path=chromium_path, args=args)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: object, server: Server, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(base_url=server.url, locale="en-GB")  # type: ignore[attr-defined]
    p = context.new_page()
    p.set_default_timeout(10_000)
    shots = Shots(p, request.node.name)
    p.shots = shots
    try:
        yield p
    finally:
        context.close()


class Shots:
    """One screenshot per page a test saw, named after the test (``artifacts/screenshots``)."""

    def __init__(self, page: object, test: str) -> None:
        self.page = page
        self.test = test
        self.n = 0

    def take(self, what: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.n += 1
        path = SHOTS / f"{self.test}-{self.n:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path
