"""What a fresh install gets: the locked versions, every package of the code, and the catalogs,
also from a plain (non-editable) `pip install .` run outside the checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.factories import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# name==version \ --hash=... lines as uv and pip-tools write them, with an optional marker.
PIN = re.compile(
    r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)(?:\s*;\s*([^\\\n]+))?((?:\s*\\\n\s+--hash=\S+)*)", re.M
)


def locked(name: str) -> dict[str, tuple[str, str, int]]:
    """{package: (version, marker, number of hashes)} from one lock file."""
    text = (ROOT / name).read_text(encoding="utf-8")
    return {
        canonicalize_name(n): (v, (m or "").strip(), h.count("--hash=sha256:"))
        for n, v, m, h in PIN.findall(text)
    }


def dev_requirements() -> list[Requirement]:
    out = []
    for entry in PYPROJECT["dependency-groups"]["dev"]:
        if isinstance(entry, str):
            out.append(Requirement(entry))
        else:
            out.extend(
                Requirement(e) for e in PYPROJECT["dependency-groups"][entry["include-group"]]
            )
    return out


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.txt", [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]),
        ("requirements-dev.txt", dev_requirements()),
    ],
)
def test_the_lock_pins_every_declared_dependency_with_hashes_within_its_range(
    lock: str, requirements: list[Requirement]
) -> None:
    pins = locked(lock)
    for req in requirements:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is not in {lock}: run make lock"
        version, _, hashes = pins[name]
        assert req.specifier.contains(version, prereleases=True), f"{lock}: {name}=={version}"
        assert hashes >= 1, f"{lock}: {name} has no hash"
    assert all(h >= 1 for _, _, h in pins.values())


def test_what_ships_is_what_the_suite_runs_on() -> None:
    runtime, dev = locked("requirements.txt"), locked("requirements-dev.txt")
    differ = {n: (v, dev.get(n, ("absent",))[0]) for n, (v, _, _) in runtime.items()}
    assert {n: d for n, d in differ.items() if d[0] != d[1]} == {}


def test_this_environment_was_installed_from_the_lock() -> None:
    env = default_environment()
    wrong = {}
    for name, (version, marker, _) in locked("requirements-dev.txt").items():
        if marker and not Requirement(f"x; {marker}").marker.evaluate(env):  # type: ignore[union-attr]
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}, f"installed versions differ from the lock (run make install): {wrong}"


def test_the_wheel_holds_every_module_schedule_and_catalog(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    code = {p.relative_to(ROOT).as_posix() for p in (ROOT / "reminders").rglob("*.py")}
    shipped_data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "reminders").rglob("*.toml")}
    catalogs = {
        "reminders/catalogs/" + p.relative_to(ROOT / "locales").as_posix()
        for pattern in ("*/LC_MESSAGES/messages.po", "*/glossary.toml")  # the check needs both
        for p in (ROOT / "locales").glob(pattern)
    }
    assert code - names == set()
    assert shipped_data - names == set()
    assert len(catalogs) >= 18 and catalogs - names == set()
    assert "reminders/catalogs/messages.pot" in names and "celeryconfig.py" in names


def test_the_wheel_holds_the_consoles_templates_stylesheet_and_catalogs(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    console = ROOT / "reminders" / "console"
    assets = {
        p.relative_to(ROOT).as_posix()
        for p in [*console.glob("templates/*.html"), *console.glob("static/*")]
    }
    catalogs = {
        "reminders/catalogs/" + p.relative_to(ROOT / "locales").as_posix()
        for p in (ROOT / "locales").glob("*/LC_MESSAGES/console.po")
    }
    assert len(assets) >= 10 and assets - names == set()
    assert len(catalogs) == 2 and catalogs - names == set()
    assert "reminders/catalogs/console.pot" in names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, cwd=out,
    )  # fmt: skip
    return next(out.glob("reminders-*.whl"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh venv, outside the checkout, with the project installed from its wheel. Its
    dependencies come from this environment's site-packages through a path entry, which adds
    the directory without running its .pth files, so the checkout's editable hook stays out."""
    tmp = tmp_path_factory.mktemp("installed")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "locked-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, cwd=tmp,
    )  # fmt: skip
    return venv


# The three long-running services, started from the installed package.
SERVICES = pytest.mark.parametrize(
    "command",
    [
        ["python", "-m", "celery", "-A", "reminders.celery_app", "worker", "--pool=solo"],
        ["python", "-m", "celery", "-A", "reminders.celery_app", "beat"],
        ["reminders", "serve", "--port", "1"],
    ],
    ids=["worker", "beat", "api"],
)


def run_installed(venv: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REMINDERS_")}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        cwd=venv.parent,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_plain_install_carries_its_catalogs_and_renders_german(installed: Path) -> None:
    where = run_installed(
        installed, "python", "-c", "from reminders.settings import load; print(load().locales_dir)"
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed)  # not the checkout's locales/
    done = run_installed(
        installed, "reminders", "preview", "--locale", "de", "--tz", "Europe/Berlin",
        "--procedure-at", "2027-03-28T09:00", "--now", "2027-03-20T10:00Z",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Ihre Injektion" in done.stdout and "Your injection" not in done.stdout
    version = run_installed(installed, "reminders", "--version")
    assert version.stdout.strip() == f"reminders {metadata.version('reminders')}"


@SERVICES
def test_without_catalogs_the_services_refuse_to_start_naming_the_path(
    installed: Path, tmp_path: Path, command: list[str]
) -> None:
    done = run_installed(installed, *command, REMINDERS_LOCALES_DIR=str(tmp_path))
    assert done.returncode != 0
    assert f"REMINDERS_LOCALES_DIR: no translation catalogs in {tmp_path}" in done.stderr


@SERVICES
def test_a_channel_without_its_settings_stops_every_service_at_start(
    installed: Path, command: list[str]
) -> None:
    done = run_installed(installed, *command, REMINDERS_CHANNELS="twilio,smtp")
    assert done.returncode != 0
    assert "TWILIO_ACCOUNT_SID: needed by the twilio channel" in done.stderr
