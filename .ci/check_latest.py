"""Run the suite on the newest versions pyproject.toml allows, in a throwaway venv.

The lock (requirements*.txt) is what every install uses; this shows, before a `make lock` or a
fresh clone years later, what the next versions would break. It reports which versions differ
from the lock and exits with the suite's status. It is not part of `.ci/run`: drift is news,
not a reason to refuse a change.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.MULTILINE)


def pins(text: str) -> dict[str, str]:
    return {name.lower(): version for name, version in PIN.findall(text)}


def run(*cmd: str | Path) -> int:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=False).returncode


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="reminders-latest-") as tmp:
        latest = Path(tmp) / "latest.txt"
        venv = Path(tmp) / "venv"
        # No -o onto the lock and no existing output file: uv resolves from scratch, newest first.
        code = run(
            UV, "pip", "compile", "pyproject.toml", "--group", "dev", "--quiet",
            "--python-version", f"{sys.version_info.major}.{sys.version_info.minor}",
            "-o", latest,
        )  # fmt: skip
        if code:
            print("check-latest: the newest allowed versions cannot be resolved together")
            return code
        locked = pins((ROOT / "requirements-dev.txt").read_text(encoding="utf-8"))
        newest = pins(latest.read_text(encoding="utf-8"))
        moved = sorted(n for n in newest if locked.get(n) != newest[n])
        print(f"\n{len(moved)} of {len(newest)} packages are newer than the lock:")
        for name in moved:
            print(f"  {name:28} {locked.get(name, '(new)'):>14} -> {newest[name]}")
        py = venv / "bin" / "python"
        for step in (
            (sys.executable, "-m", "venv", venv),
            (UV, "pip", "install", "--quiet", "--python", py, "-r", latest),
            (UV, "pip", "install", "--quiet", "--python", py, "--no-deps", "-e", "."),
        ):
            if run(*step):
                print("check-latest: could not install the newest versions")
                return 1
        results = {
            "i18n check": run(venv / "bin" / "reminders", "i18n", "check"),
            "test suite": run(py, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
        }
    print("\ncheck-latest summary (newest allowed versions, not the lock):")
    for what, status in results.items():
        print(f"  {what:12} {'passed' if status == 0 else f'FAILED (exit {status})'}")
    return max(results.values())


if __name__ == "__main__":
    sys.exit(main())
