"""The schedule registry (issue 12, items 7 and 12): every file the service uses, shipped
defaults overridden by REMINDERS_SCHEDULE_DIR, loaded and validated once; lookups by procedure
name only, never a path; a missing folder or a broken file stops the process, naming the file,
line, rule and field."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reminders import cli, settings, wiring
from reminders.i18n import MESSAGE_KEYS
from reminders.schedule import ScheduleError, SchedulesBroken, UnknownSchedule
from reminders.schedule.loader import DEFAULTS_DIR
from reminders.schedule.registry import CLINIC, SHIPPED, Registry, find
from reminders.settings import ImproperlyConfigured

SHIPPED_FILE = DEFAULTS_DIR / "epidural_steroid_injection.toml"
ONE_RULE = """\
procedure = "{procedure}"
name = "{title}"

[[rules]]
key = "booking_confirmation"
message = "booking_confirmation"
anchor = "booking"
offset = {{ minutes = 0 }}
channels = ["sms"]
"""
# Line 8 is the offset; minutes and at together are refused there.
BROKEN = ONE_RULE.replace("{{ minutes = 0 }}", '{{ minutes = 0, at = "25:00" }}')


def write(folder: Path, name: str, text: str, **fields: str) -> Path:
    path = folder / name
    path.write_text(text.format(**{"procedure": path.stem, "title": "Clinic's own", **fields}))
    return path


def test_without_a_folder_the_shipped_schedules_are_used_with_their_hash() -> None:
    reg = Registry.build(None, MESSAGE_KEYS)
    assert reg.procedures() == ["epidural_steroid_injection"]
    entry = reg.entry("epidural_steroid_injection")
    assert (entry.path, entry.origin, entry.overrides) == (SHIPPED_FILE, SHIPPED, None)
    assert entry.sha256 == hashlib.sha256(SHIPPED_FILE.read_bytes()).hexdigest()


def test_the_clinics_folder_overrides_a_shipped_schedule_and_adds_its_own(tmp_path: Path) -> None:
    own = write(tmp_path, "epidural_steroid_injection.toml", ONE_RULE)
    knee = write(tmp_path, "knee_injection.toml", ONE_RULE, title="Knee")
    (tmp_path / "README.txt").write_text("not a schedule")
    (tmp_path / ".epidural_steroid_injection.toml").write_text("an editor's backup: ignored")
    reg = Registry.build(tmp_path, MESSAGE_KEYS)
    assert reg.procedures() == ["epidural_steroid_injection", "knee_injection"]
    assert [r.key for r in reg.get("epidural_steroid_injection").rules] == ["booking_confirmation"]
    described = reg.describe()
    assert described["epidural_steroid_injection"] == {
        "file": str(own),
        "origin": CLINIC,
        "sha256": hashlib.sha256(own.read_bytes()).hexdigest(),
        "overrides": str(SHIPPED_FILE),
        "title": "Clinic's own",
        "rules": 1,
    }
    assert described["knee_injection"]["file"] == str(knee)
    assert described["knee_injection"]["overrides"] is None


@pytest.mark.parametrize(
    "name",
    [
        "x" * 300,  # used to reach the file system: OSError "File name too long", a 500
        str(SHIPPED_FILE),  # used to load any .toml file by its path
        "../defaults/epidural_steroid_injection",
        "epidural_steroid_injection.toml",
        "Epidural_Steroid_Injection",
        "",
    ],
)
def test_a_lookup_is_by_procedure_name_only_never_a_path(name: str) -> None:
    reg = Registry.build(None, MESSAGE_KEYS)
    with pytest.raises(UnknownSchedule) as info:
        reg.get(name)
    assert isinstance(info.value, ScheduleError)
    assert len(str(info.value)) < 120  # a long name is not echoed whole
    with pytest.raises(UnknownSchedule):
        find(name)


def test_the_services_look_schedules_up_in_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    services = wiring.build()
    try:
        with pytest.raises(ScheduleError):
            services.schedules.get("x" * 300)
        with pytest.raises(ScheduleError):
            services.schedules.get(str(SHIPPED_FILE))
        assert services.schedules.sms_budget("x" * 300, "escort") is None
        assert services.schedules.get("epidural_steroid_injection").source == str(SHIPPED_FILE)
    finally:
        services.close()


def test_a_broken_file_is_refused_naming_file_line_rule_and_field(tmp_path: Path) -> None:
    broken = write(tmp_path, "epidural_steroid_injection.toml", BROKEN)
    with pytest.raises(SchedulesBroken) as info:
        Registry.build(tmp_path, MESSAGE_KEYS)
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.rule, problem.field) == (
        str(broken),
        8,
        "booking_confirmation",
        "offset",
    )
    assert f"{broken}:8, rule 'booking_confirmation', field 'offset': " in str(info.value)


def test_every_broken_file_is_named_and_none_is_loaded(tmp_path: Path) -> None:
    write(tmp_path, "epidural_steroid_injection.toml", ONE_RULE)
    write(tmp_path, "knee_injection.toml", BROKEN)
    write(tmp_path, "hip_injection.toml", ONE_RULE.replace('"booking"', '"surgery"'))
    (tmp_path / "Hip Injection.toml").write_text(ONE_RULE.format(procedure="x", title="x"))
    with pytest.raises(SchedulesBroken) as info:
        Registry.build(tmp_path, MESSAGE_KEYS)
    named = sorted(Path(p.file).name for p in info.value.problems)
    assert named == ["Hip Injection.toml", "hip_injection.toml", "knee_injection.toml"]


def test_a_file_must_be_named_after_its_procedure(tmp_path: Path) -> None:
    path = write(tmp_path, "epidural.toml", ONE_RULE, procedure="epidural_steroid_injection")
    with pytest.raises(SchedulesBroken) as info:
        Registry.build(tmp_path, MESSAGE_KEYS)
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), 1, "procedure")
    assert "rename it epidural_steroid_injection.toml" in str(problem)


@pytest.mark.parametrize("case", ["missing", "a file", "empty", "only other files"])
def test_a_folder_that_is_missing_or_holds_no_schedule_stops_the_service(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str
) -> None:
    folder = tmp_path / "schedules"
    if case == "a file":
        folder.write_text("")
    elif case != "missing":
        folder.mkdir()
        if case == "only other files":
            (folder / "notes.txt").write_text("")
            (folder / ".hidden.toml").write_text("")
    monkeypatch.setenv("REMINDERS_SCHEDULE_DIR", str(folder))
    with pytest.raises(ImproperlyConfigured, match=f"^REMINDERS_SCHEDULE_DIR: .*{folder}"):
        settings.load()
    with pytest.raises(ImproperlyConfigured):
        wiring.build()


def test_a_broken_file_in_the_folder_stops_the_services_at_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = write(tmp_path, "epidural_steroid_injection.toml", BROKEN)
    monkeypatch.setenv("REMINDERS_SCHEDULE_DIR", str(tmp_path))
    with pytest.raises(SchedulesBroken, match=f"{broken}:8, rule 'booking_confirmation'"):
        wiring.build()


# --- `reminders schedule check` checks what the service will load -------------------------------


def test_schedule_check_checks_the_clinics_folder_the_service_would_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = write(tmp_path, "epidural_steroid_injection.toml", ONE_RULE)
    monkeypatch.setenv("REMINDERS_SCHEDULE_DIR", str(tmp_path))
    assert cli.main(["schedule", "check"]) == 0
    out = capsys.readouterr().out
    digest = hashlib.sha256(own.read_bytes()).hexdigest()
    assert f"ok   epidural_steroid_injection: {own} (REMINDERS_SCHEDULE_DIR, overrides" in out
    assert f"sha256 {digest}" in out

    broken = write(tmp_path, "knee_injection.toml", BROKEN)
    assert cli.main(["schedule", "check"]) == 1
    err = capsys.readouterr().err
    assert f"FAIL {broken}:8, rule 'booking_confirmation', field 'offset': " in err
    assert "the worker, beat and API refuse to start" in err


def test_schedule_check_refuses_a_mistyped_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REMINDERS_SCHEDULE_DIR", str(tmp_path / "schedulse"))
    assert cli.main(["schedule", "check"]) == 1
    assert "REMINDERS_SCHEDULE_DIR: no such folder" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["x" * 300, "hip_injection"])
def test_the_cli_preview_looks_a_procedure_up_in_the_registry(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    args = ["preview", "--procedure-at", "2027-03-28T09:00", "--tz", "Europe/Berlin"]
    assert cli.main([*args, "--schedule", name, "--now", "2027-03-20T10:00Z"]) == 1
    assert "no schedule for this procedure" in capsys.readouterr().err
    # A file the operator names by its path (a draft, before deploying it) is read as given.
    assert cli.main([*args, "--schedule", str(SHIPPED_FILE), "--now", "2027-03-20T10:00Z"]) == 0
