"""docker-compose.yml, the Dockerfile and .dockerignore, checked by their structure (no Docker
engine needed): every setting reaches every container through .env, each of our services has an
honest healthcheck and resource limits, beat keeps its schedule in a volume, Flower is optional
and locked, and the build context leaves out the virtualenv and the secrets."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from reminders import cli
from tests.factories import ROOT

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OURS = sorted(name for name in SERVICES if name != "redis")
# The stack's own values: its Redis and the mounted schedules folder. Nothing else may be set
# under `environment`, or it would silently override what the clinic wrote in .env.
FIXED = {
    "REDIS_URL": "redis://redis:6379/0",
    "REDIS_URL_FILE": "",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "CELERY_BROKER_URL_FILE": "",
    "REMINDERS_SCHEDULE_DIR": "/etc/reminders/schedules",
    "REMINDERS_SCHEDULE_DIR_FILE": "",
}


def command(service: str) -> list[str]:
    raw = SERVICES[service]["command"]
    return shlex.split(raw) if isinstance(raw, str) else list(raw)


def test_our_services_are_the_five_expected() -> None:
    assert OURS == ["api", "beat", "flower", "mllp", "worker"]


@pytest.mark.parametrize("name", OURS)
def test_every_setting_comes_from_env_file_and_only_the_stacks_own_are_fixed(name: str) -> None:
    service = SERVICES[name]
    assert service["env_file"] == ".env"
    assert service["environment"] == FIXED


@pytest.mark.parametrize("name", OURS)
def test_every_service_has_a_healthcheck_and_limits(name: str) -> None:
    service = SERVICES[name]
    check = service["healthcheck"]
    assert check["test"][0] == "CMD" and len(check["test"]) > 1
    assert {"interval", "timeout", "retries", "start_period"} <= set(check)
    limits = service["deploy"]["resources"]["limits"]
    assert float(limits["cpus"]) > 0
    assert re.fullmatch(r"\d+[mg]", limits["memory"])
    assert service["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", OURS)
def test_the_reminders_commands_in_the_file_exist(name: str) -> None:
    """A renamed subcommand or option must fail here, not in a clinic's `docker compose up`."""
    for argv in (command(name), SERVICES[name]["healthcheck"]["test"][1:]):
        if argv[0] == "reminders":
            assert cli._parser().parse_args(argv[1:]).run is not None


def test_the_workers_check_reads_the_file_the_worker_touches() -> None:
    argv = command("worker")
    touched = argv[argv.index("--liveness-file") + 1]
    assert SERVICES["worker"]["healthcheck"]["test"][1:] == [
        "reminders", "check", "worker", "--liveness-file", touched,
    ]  # fmt: skip
    # Kept: without them a worker exits on a Redis restart (celeryconfig.py).
    assert {"--without-gossip", "--without-mingle"} <= set(argv)
    assert argv[argv.index("-Q") + 1] == "reminders,reminders.dispatch"
    # A stop lets the sends under way finish (as the systemd unit's TimeoutStopSec).
    assert SERVICES["worker"]["stop_grace_period"] == "120s"


def test_beat_is_checked_by_its_ticks_and_keeps_its_schedule_in_a_volume() -> None:
    assert SERVICES["beat"]["healthcheck"]["test"][1:] == ["reminders", "check", "beat"]
    argv = command("beat")
    schedule = Path(argv[argv.index("--schedule") + 1])
    mounts = dict(m.split(":")[1::-1] for m in SERVICES["beat"]["volumes"])
    volume = mounts[str(schedule.parent)]
    assert volume in COMPOSE["volumes"]  # a named volume, not the container's own layer
    # The image creates that folder for its user, so the fresh volume is writable by beat.
    assert f"install -d -o reminders -g reminders {schedule.parent}" in (
        (ROOT / "Dockerfile").read_text()
    )
    # The mounts every other service has, too (the anchor's list is replaced, not merged).
    assert set(SERVICES["beat"]["volumes"]) >= set(SERVICES["api"]["volumes"])


def test_flower_is_optional_logged_in_and_on_loopback() -> None:
    flower = SERVICES["flower"]
    assert flower["profiles"] == ["ops"]
    script = command("flower")[-1]
    assert 'test -n "$$FLOWER_BASIC_AUTH" ||' in script  # refuses to run without a login
    assert "celery -A reminders.celery_app flower --address=0.0.0.0 --port=5555" in script
    assert "--read_only=True" in script
    assert flower["ports"] == ["127.0.0.1:5555:5555"]


@pytest.mark.parametrize("name", OURS)
def test_every_published_port_is_on_the_hosts_loopback(name: str) -> None:
    for port in SERVICES[name].get("ports", []):
        assert port.startswith("127.0.0.1:")


def test_the_mounted_folders_are_shipped_with_their_instructions() -> None:
    for mount in SERVICES["api"]["volumes"]:
        host = mount.split(":")[0]
        assert (ROOT / host / "README.md").is_file(), host


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, enough for these patterns: the last matching line wins, a pattern that
    matches a folder leaves out everything under it, and ``**/name`` matches at any depth."""
    parts = path.split("/")
    folders_and_path = ["/".join(parts[:j]) for j in range(1, len(parts) + 1)]
    verdict = False
    for pattern in patterns:
        negate, pat = pattern.startswith("!"), pattern.removeprefix("!")
        anywhere = pat.startswith("**/")
        candidates = parts if anywhere else folders_and_path
        if any(fnmatch.fnmatchcase(c, pat.removeprefix("**/")) for c in candidates):
            verdict = not negate
    return verdict


def test_the_build_context_leaves_out_the_venv_git_caches_and_secrets() -> None:
    patterns = dockerignore()
    for path in (".venv/bin/python", ".git/HEAD", ".env", "artifacts/screenshots/a.png",
                 "reminders/__pycache__/cli.cpython-312.pyc", ".mypy_cache/x", "schedules/x.toml",
                 "config/api_tokens", "tests/conftest.py"):  # fmt: skip
        assert ignored(path, patterns), path


def test_everything_the_dockerfile_copies_is_in_the_build_context() -> None:
    patterns = dockerignore()
    copies = re.findall(r"^COPY (.+) \S+$", (ROOT / "Dockerfile").read_text(), re.M)
    sources = [s for line in copies for s in line.split()]
    assert "reminders" in sources and "requirements.txt" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not ignored(source, patterns), source
    for path in ("reminders/cli.py", "reminders/store/lua/claim.lua", "locales/messages.pot"):
        assert not ignored(path, patterns), path
