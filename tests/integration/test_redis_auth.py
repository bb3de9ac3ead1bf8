"""Redis with a password (AUTH) and over TLS: the store, the booking path and a real Celery
worker and beat work with ``redis://:password@host:port/0`` and ``rediss://...?ssl_cert_reqs=
required&ssl_ca_certs=...`` URLs; a wrong password stops the process at start with an error that
names REDIS_URL and does not show the password."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from reminders import wiring
from reminders.booking import book
from reminders.clock import WarpClock
from reminders.devtools import celery_procs
from reminders.devtools.embedded_redis import free_port, server_binary
from reminders.schedule import Schedule
from reminders.settings import ImproperlyConfigured
from reminders.store import Store
from tests.factories import make_appointment

PASSWORD = "s3cret-" + uuid.uuid4().hex[:12]


@dataclass
class Server:
    port: int
    dir: Path
    tls_port: int | None = None

    @property
    def url(self) -> str:
        return f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"

    @property
    def tls_url(self) -> str:
        ca = self.dir / "ca.pem"
        return (
            f"rediss://:{PASSWORD}@127.0.0.1:{self.tls_port}/0"
            f"?ssl_cert_reqs=required&ssl_ca_certs={ca}"
        )


def _make_certs(d: Path) -> None:
    """A self-signed CA and a server certificate for 127.0.0.1 / localhost it signed."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
        "-keyout", "ca.key", "-out", "ca.pem")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem")  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """redis-server with --requirepass on a free port, and with a TLS port too when this build
    has TLS and openssl is installed."""
    with tempfile.TemporaryDirectory(prefix="reminders-redis-auth-") as tmp:
        d = Path(tmp)
        s = Server(free_port(), d)
        args = [server_binary(), "--port", str(s.port), "--bind", "127.0.0.1",
                "--requirepass", PASSWORD, "--save", "", "--appendonly", "no",
                "--dir", str(d), "--logfile", str(d / "redis.log")]  # fmt: skip
        if shutil.which("openssl"):
            _make_certs(d)
            s.tls_port = free_port()
            args += ["--tls-port", str(s.tls_port),
                     "--tls-cert-file", str(d / "server.pem"),
                     "--tls-key-file", str(d / "server.key"),
                     "--tls-ca-cert-file", str(d / "ca.pem"),
                     "--tls-auth-clients", "no"]  # fmt: skip
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    if redis.Redis.from_url(s.url, socket_connect_timeout=1).ping():
                        break
                except (redis.RedisError, OSError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (d / "redis.log").read_text(errors="replace")[-2000:]
                    if s.tls_port and "TLS" in log:  # a build without TLS: test AUTH only
                        pytest.skip(f"redis-server did not start with TLS: {log}")
                    raise RuntimeError(f"redis-server did not start: {log}")
                time.sleep(0.05)
            yield s
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture(params=["auth", "tls"])
def url(request: pytest.FixtureRequest, server: Server) -> str:
    if request.param == "tls":
        if not server.tls_port:
            pytest.skip("no openssl: TLS not tested")
        return server.tls_url
    return server.url


def _env(monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    prefix = f"auth-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", prefix)
    monkeypatch.setenv("REMINDERS_CHANNELS", "outbox")
    return prefix


def test_the_store_works_with_a_password_url(
    monkeypatch: pytest.MonkeyPatch, url: str, epidural: Schedule
) -> None:
    _env(monkeypatch, url)
    services = wiring.build()
    try:
        assert services.redis.ping()
        now = datetime.now(UTC)
        aid = f"AUTH-{uuid.uuid4().hex[:6]}"
        appointment = make_appointment(
            external_id=aid, procedure__start=(now + timedelta(days=3)).isoformat()
        )
        planned = book(services.store, appointment, epidural, now).planned
        snap = services.store.appointments.snapshot(aid)
        assert snap is not None
        assert snap.appointment.external_id == aid
        assert len(snap.reminders) == len(planned) > 0
    finally:
        services.close()


@pytest.mark.parametrize("password", ["wrong-" + uuid.uuid4().hex[:8], ""])
def test_a_wrong_or_missing_password_stops_the_start_naming_redis_url(
    monkeypatch: pytest.MonkeyPatch, server: Server, password: str
) -> None:
    bad = (
        f"redis://:{password}@127.0.0.1:{server.port}/0"
        if password
        else (f"redis://127.0.0.1:{server.port}/0")
    )
    _env(monkeypatch, bad)
    with pytest.raises(ImproperlyConfigured) as caught:
        wiring.build()
    message = str(caught.value)
    assert message.startswith("REDIS_URL: ")
    assert "refused the login" in message
    assert PASSWORD not in message
    if password:
        assert password not in message
        assert f"redis://:***@127.0.0.1:{server.port}/0" in message


def test_the_cli_reports_a_wrong_password_without_showing_it(server: Server) -> None:
    wrong = "wrong-" + uuid.uuid4().hex[:8]
    env = {**os.environ, "REDIS_URL": f"redis://:{wrong}@127.0.0.1:{server.port}/0"}
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run(
        [*celery_procs.CELERY, "worker", "--loglevel=WARNING", "--pool=solo"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    out = (done.stdout + done.stderr).decode(errors="replace")
    assert done.returncode != 0, out
    assert "REDIS_URL" in out, out
    assert wrong not in out, out


def test_a_worker_and_beat_deliver_with_a_password_url(  # about 5 s each
    url: str, epidural: Schedule, tmp_path: Path
) -> None:
    prefix = f"auth-{uuid.uuid4().hex[:8]}"
    queue = f"{prefix}-queue"
    clock = WarpClock(datetime.now(UTC), time.time(), 10_000)
    env = {
        **os.environ,
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_QUEUE": queue,
        "REMINDERS_CLOCK": clock.spec(),
        "REMINDERS_DISPATCH_INTERVAL": "0.1",
        "REMINDERS_CHANNELS": "outbox",
        "REMINDERS_OUTBOX_ECHO": "0",
    }
    client = redis.Redis.from_url(url)
    store = Store(client, prefix)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(celery_procs.start_worker(env, tmp_path))
        procs.append(celery_procs.start_beat(env, tmp_path))
        celery_procs.wait_until(lambda: store.ops.last_dispatch_run() is not None, procs, tmp_path)
        now = clock.now()
        aid = f"AUTH-{uuid.uuid4().hex[:6]}"
        book(
            store,
            make_appointment(
                external_id=aid, procedure__start=(now + timedelta(days=1)).isoformat()
            ),
            epidural,
            now,
        )

        def delivered() -> bool:
            snap = store.appointments.snapshot(aid)
            return snap is not None and any(r.state == "sent" for r in snap.reminders)

        celery_procs.wait_until(delivered, procs, tmp_path, timeout=60)
        logs = "".join(f.read_text(errors="replace") for f in tmp_path.glob("*.log"))
        assert PASSWORD not in logs
    finally:
        celery_procs.stop(procs)
        keys = [*client.scan_iter(f"{prefix}:*"), queue.encode()]
        client.delete(*keys)
        client.close()
