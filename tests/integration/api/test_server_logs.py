"""The real server (``reminders serve``: uvicorn with the service's logging configuration),
sent requests full of contact data, accepted and rejected: its logs hold an access line for
every request and none of that data, as text and as JSON (issue 12, item 1). And an
unauthenticated 100 MB body costs it no memory (item 5)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import redis

from reminders.devtools.embedded_redis import free_port
from tests.factories import AS_INTEGRATION, AS_STAFF, INTEGRATION, STAFF, appointment_data
from tests.helpers import wait_until

PHONE, OTHER_PHONE, BAD_PHONE = "+4915112345678", "+4917612345699", "015112345678"
EMAIL, LIST_EMAIL = "maria.rossi@example.org", "postmaster,patient@example.org"
NAME, OTHER_NAME = "Maria Rossi", "Zoë Ünal-Quist"
NOTE, REASON, REPLY = "Take the evening dose as usual", "moved to Hamburg", "can Marco drive me"
SECRETS = [
    PHONE,
    OTHER_PHONE,
    BAD_PHONE,
    "15112345678",
    "17612345699",
    EMAIL,
    "maria.rossi",
    LIST_EMAIL,
    "postmaster",
    NAME,
    "Rossi",
    OTHER_NAME,
    "Ünal",
    NOTE,
    "evening dose",
    REASON,
    "Hamburg",
    REPLY,
    "Marco",
]


class Server:
    def __init__(
        self, url: str, proc: subprocess.Popen[bytes], out: Path, err: Path, log_format: str
    ) -> None:
        self.url, self.proc, self.out, self.err = url, proc, out, err
        self.log_format = log_format

    def logs(self) -> str:
        return self.out.read_text(encoding="utf-8") + self.err.read_text(encoding="utf-8")

    def peak_rss_kib(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        )


@pytest.fixture(params=["text", "json"])
def server(
    request: pytest.FixtureRequest, redis_url: str, prefix: str, tmp_path: Path
) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_CLOCK": "fixed:2027-03-15T10:00:00+00:00",
        "API_TOKENS": f"integration:{INTEGRATION},staff:{STAFF}",
        "REMINDERS_CHANNELS": "outbox",
        "REMINDERS_LOG_FORMAT": request.param,
        "PYTHONUNBUFFERED": "1",
    }
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reminders.cli", "serve", "--port", str(port)],
            env=env,
            stdout=o,
            stderr=e,
        )
    srv = Server(f"http://127.0.0.1:{port}", proc, out, err, request.param)

    def up() -> bool:
        try:
            return httpx.get(f"{srv.url}/health", timeout=1).status_code in {200, 503}
        except httpx.HTTPError:
            return proc.poll() is not None

    wait_until(up, 20, "the server to answer")
    assert proc.poll() is None, srv.logs()
    yield srv
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    c = redis.Redis.from_url(redis_url)
    for key in c.scan_iter(f"{prefix}:*"):
        c.delete(key)
    c.close()


def raw(srv: Server, head: str, body: bytes = b"") -> bytes:
    host, port = srv.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head.encode() + b"\r\n" + body)
        return s.recv(65536)


def send_unauthenticated_100_mb(srv: Server) -> bytes:
    """Headers announcing 100 MB, then as much of it as the server takes before answering."""
    host, port = srv.url.removeprefix("http://").split(":")
    size = 100 * 1024 * 1024
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(
            (
                "POST /appointments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {size}\r\n\r\n"
            ).encode()
        )
        chunk = b'{"name": "' + b"x" * (1024 * 1024)
        sent = 0
        try:
            s.settimeout(0.5)
            while sent < size:
                sent += s.send(chunk)
        except (TimeoutError, OSError):
            pass  # the server stopped reading: it has answered
        s.settimeout(10)
        try:
            return s.recv(65536)
        except OSError:
            return b""


def test_no_contact_data_reaches_any_log_and_every_request_is_logged(server: Server) -> None:
    http = httpx.Client(base_url=server.url, timeout=10)
    good = appointment_data(
        patient__name=NAME,
        patient__phone=PHONE,
        patient__email=EMAIL,
        medications=[{"name": "Apixaban", "pause_from": "2027-03-25", "note": NOTE}],
    )
    statuses = [http.post("/appointments", json=good, headers=AS_INTEGRATION).status_code]
    json_headers = {**AS_INTEGRATION, "Content-Type": "application/json"}
    for bad in (
        appointment_data(patient__name=f"{NAME}\n{OTHER_NAME}", patient__phone=OTHER_PHONE),
        appointment_data(patient__email=LIST_EMAIL, patient__name=OTHER_NAME),
        appointment_data(patient__phone=BAD_PHONE, patient__name=OTHER_NAME),
        appointment_data(external_id=f"{PHONE}", patient__email=EMAIL),
    ):
        statuses.append(http.post("/appointments", json=bad, headers=AS_INTEGRATION).status_code)
    for patch in (
        {"patient": {"name": {"first": NAME}, "phone": OTHER_PHONE}},
        {"patient": {"email": LIST_EMAIL}},
        {"patient": {"phone": BAD_PHONE}},
        {"medications": [{"name": NOTE, "note": f"{NOTE}\u2028{REASON}"}]},
        {"patient": {"name": OTHER_NAME + "\ud800"}},
    ):
        res = http.patch(
            "/appointments/APT-1001", content=json.dumps(patch).encode(), headers=json_headers
        )
        statuses.append(res.status_code)
    statuses.append(http.get(f"/appointments/{PHONE}", headers=AS_STAFF).status_code)
    statuses.append(http.get(f"/appointments/{EMAIL}", headers=AS_STAFF).status_code)
    statuses.append(
        http.get(
            "/schedules/epidural_steroid_injection/preview",
            params={"procedure_at": "2027-03-28T09:00", "patient": NAME, "medication": NOTE},
            headers=AS_INTEGRATION,
        ).status_code
    )
    statuses.append(http.post("/appointments", json=good).status_code)  # no token
    statuses.append(
        http.post(
            "/twilio/inbound",
            data={"From": PHONE, "Body": REPLY},
            headers={"X-Twilio-Signature": "forged"},
        ).status_code
    )
    statuses.append(
        http.post(
            "/appointments/APT-1001/cancel", json={"reason": REASON}, headers=AS_INTEGRATION
        ).status_code
    )
    assert statuses == [
        201,
        422,
        422,
        422,
        422,
        422,
        422,
        422,
        422,
        422,
        404,
        404,
        422,
        401,
        403,
        200,
    ]
    before = server.peak_rss_kib()
    answer = send_unauthenticated_100_mb(server)
    assert answer.startswith(b"HTTP/1.1 401"), answer
    grew = server.peak_rss_kib() - before
    assert grew < 10 * 1024, f"peak memory grew by {grew} KiB for an unauthenticated body"
    assert raw(server, "GET /health HTTP/1.1\r\nHost: x\r\n").startswith(b"HTTP/1.1")
    http.close()
    expected = len(statuses) + 2

    def access_lines() -> int:
        return sum("HTTP/1.1" in line for line in server.logs().splitlines())

    wait_until(lambda: access_lines() >= expected, 10, "the last access lines")
    logs = server.logs()
    assert "Logging error" not in logs and "Traceback" not in logs, logs
    leaked = [s for s in SECRETS if s in logs]
    assert leaked == [], logs
    lines = [line for line in logs.splitlines() if line.strip()]
    access = [line for line in lines if "HTTP/1.1" in line]
    assert len(access) >= expected, logs
    assert any("PATCH /appointments/APT-1001 HTTP/1.1" in line and "422" in line for line in access)
    assert any("127.0.0.1:" in line for line in access)  # addresses are not masked
    if server.log_format == "json":
        records: list[dict[str, Any]] = [json.loads(line) for line in lines]
        hits = [r for r in records if r.get("logger") == "uvicorn.access"]
        assert {r["status"] for r in hits} >= {201, 422, 404, 401, 403, 200}
        assert all(r["client"].startswith("127.0.0.1:") for r in hits)
