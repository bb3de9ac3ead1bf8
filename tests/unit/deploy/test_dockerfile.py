"""The image's build, short of a Docker engine: the files the Dockerfile copies, from the build
context .dockerignore leaves, make a wheel holding the whole package and its catalogs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.factories import ROOT
from tests.unit.deploy.test_compose import dockerignore, ignored


def copied() -> list[str]:
    lines = re.findall(r"^COPY (.+) \S+$", (ROOT / "Dockerfile").read_text(), re.M)
    return [source for line in lines for source in line.split()]


def test_the_copied_files_build_the_whole_package(tmp_path: Path) -> None:
    context = tmp_path / "src"
    patterns = dockerignore()
    for source in copied():
        path = ROOT / source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            name = f.relative_to(ROOT).as_posix()
            if not ignored(name, patterns):
                (context / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, context / name)
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(context)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    with zipfile.ZipFile(next(out.glob("reminders-*.whl"))) as zf:
        names = set(zf.namelist())
    for needed in (
        "celeryconfig.py",
        "reminders/celery_app.py",
        "reminders/liveness.py",
        "reminders/store/lua/claim.lua",
        "reminders/schedule/defaults/epidural_steroid_injection.toml",
        "reminders/catalogs/messages.pot",
        "reminders/catalogs/de/LC_MESSAGES/messages.po",
    ):
        assert needed in names, needed
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
