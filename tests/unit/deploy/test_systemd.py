"""deploy/systemd/: a unit for each long-running process (worker, beat, API, MLLP listener),
each restarted whatever ends it, run as the `reminders` system user with the settings file,
hardened, and starting a command that exists. ``systemd-analyze verify`` checks them when it is
installed (it needs no running systemd)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from reminders import cli
from tests.factories import ROOT

UNITS = ROOT / "deploy" / "systemd"
NAMES = ["api", "beat", "mllp", "worker"]


def parse(path: Path) -> dict[str, dict[str, str]]:
    """Sections of key=value lines, with systemd's backslash continuations joined."""
    text = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    return sections


def test_there_is_a_unit_for_each_process() -> None:
    assert sorted(p.name for p in UNITS.glob("*.service")) == [
        f"reminders-{name}.service" for name in NAMES
    ]


@pytest.mark.parametrize("name", NAMES)
def test_each_unit_restarts_runs_as_reminders_with_the_settings_and_is_hardened(
    name: str,
) -> None:
    unit = parse(UNITS / f"reminders-{name}.service")
    service = unit["Service"]
    assert service["Restart"] == "always" and service["RestartSec"] == "2"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # never gives up restarting
    assert service["User"] == "reminders" and service["Group"] == "reminders"
    assert service["EnvironmentFile"] == "/etc/reminders/reminders.env"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[key] == value, key
    assert re.fullmatch(r"\d+[MG]", service["MemoryMax"])
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("name", NAMES)
def test_each_unit_starts_a_command_that_exists(name: str) -> None:
    argv = shlex.split(parse(UNITS / f"reminders-{name}.service")["Service"]["ExecStart"])
    program = Path(argv[0])
    assert program.parent == Path("/opt/reminders/.venv/bin")
    if program.name == "reminders":
        assert cli._parser().parse_args(argv[1:]).run is not None
        assert argv[argv.index("--host") + 1] == "127.0.0.1"  # behind a proxy or a tunnel
    else:
        assert argv[1:3] == ["-A", "reminders.celery_app"]


def test_the_worker_keeps_its_redis_restart_flags_and_lets_sends_finish() -> None:
    service = parse(UNITS / "reminders-worker.service")["Service"]
    assert {"--without-gossip", "--without-mingle"} <= set(shlex.split(service["ExecStart"]))
    assert service["KillMode"] == "mixed" and service["TimeoutStopSec"] == "120"


def test_beat_writes_its_schedule_where_it_may() -> None:
    service = parse(UNITS / "reminders-beat.service")["Service"]
    argv = shlex.split(service["ExecStart"])
    schedule = Path(argv[argv.index("--schedule") + 1])
    # ProtectSystem=strict leaves only the StateDirectory writable.
    assert schedule.parent == Path("/var/lib") / service["StateDirectory"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_every_line(tmp_path: Path) -> None:
    """Unknown keys and malformed values are only warnings to systemd: any output fails."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for program in ("reminders", "celery"):
        (bin_dir / program).write_text("#!/bin/sh\n")
        (bin_dir / program).chmod(0o755)
    for unit in UNITS.glob("*.service"):
        text = unit.read_text().replace("/opt/reminders/.venv", str(tmp_path / "venv"))
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
