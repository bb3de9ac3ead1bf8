"""Schedules over HTTP (issue 12, items 7 and 12): the clinic's folder (REMINDERS_SCHEDULE_DIR)
overrides the shipped schedule and bookings use it; /health and GET /schedules name each file
in use with the SHA-256 of what was loaded; procedure names from a booking edit or the preview
URL are looked up in the registry, never joined to a path."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.schedule.loader import DEFAULTS_DIR
from tests.factories import AS_INTEGRATION, AS_STAFF, appointment_data
from tests.helpers import current

OWN = """\
procedure = "{procedure}"
name = "{title}"

[[rules]]
key = "booking_confirmation"
message = "booking_confirmation"
anchor = "booking"
offset = {{ minutes = 0 }}
channels = ["sms", "email"]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "schedules"
    folder.mkdir()
    for procedure, title in (
        ("epidural_steroid_injection", "Our epidural"),
        ("knee_injection", "Knee"),
    ):
        text = OWN.format(procedure=procedure, title=title)
        (folder / f"{procedure}.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def api_env(folder: Path) -> dict[str, str]:
    return {"REMINDERS_SCHEDULE_DIR": str(folder)}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bookings_use_the_clinics_schedule_and_health_names_every_file_in_use(
    api: tuple[TestClient, FixedClock], folder: Path
) -> None:
    http, _ = api
    res = http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    assert res.status_code == 201, res.text
    assert {r["rule"] for r in res.json()["reminders"]} == {"booking_confirmation"}
    knee = appointment_data(external_id="APT-2", procedure__type="knee_injection")
    assert http.post("/appointments", json=knee, headers=AS_INTEGRATION).status_code == 201

    schedules = http.get("/health").json()["schedules"]
    own = folder / "epidural_steroid_injection.toml"
    assert schedules["epidural_steroid_injection"] == {
        "file": str(own),
        "origin": "REMINDERS_SCHEDULE_DIR",
        "sha256": sha(own),
        "overrides": str(DEFAULTS_DIR / "epidural_steroid_injection.toml"),
        "title": "Our epidural",
        "rules": 1,
    }
    assert schedules["knee_injection"]["sha256"] == sha(folder / "knee_injection.toml")

    listed = http.get("/schedules", headers=AS_INTEGRATION).json()
    assert [(s["name"], s["file"], s["sha256"]) for s in listed] == [
        ("epidural_steroid_injection", str(own), sha(own)),
        (
            "knee_injection",
            str(folder / "knee_injection.toml"),
            sha(folder / "knee_injection.toml"),
        ),
    ]


def test_a_schedule_changed_on_disk_after_start_is_not_used_until_a_restart(
    api: tuple[TestClient, FixedClock], folder: Path
) -> None:
    http, _ = api
    own = folder / "epidural_steroid_injection.toml"
    loaded = sha(own)
    own.write_text("broken now", encoding="utf-8")
    assert http.get("/health").json()["schedules"]["epidural_steroid_injection"]["sha256"] == (
        loaded
    )
    assert http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION).is_success


@pytest.mark.parametrize(
    "procedure",
    [
        "x" * 300,  # was a 500: the name reached the file system (File name too long)
        str(DEFAULTS_DIR / "epidural_steroid_injection.toml"),  # was loaded by its path
        "../defaults/epidural_steroid_injection",
        "hip_injection",  # a name the registry does not hold
    ],
)
def test_an_edit_to_a_procedure_without_a_schedule_is_refused_and_changes_nothing(
    api: tuple[TestClient, FixedClock], procedure: str
) -> None:
    http, _ = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    res = http.patch(
        "/appointments/APT-1001", headers=AS_INTEGRATION, json={"procedure": {"type": procedure}}
    )
    assert res.status_code == 422, res.text
    assert res.json()["detail"][0]["field"] == "procedure.type"
    snap = current().store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 1
    assert snap.appointment.procedure.type == "epidural_steroid_injection"
    timeline = http.get("/appointments/APT-1001", headers=AS_STAFF).json()
    assert timeline["version"] == 1


@pytest.mark.parametrize("name", ["x" * 300, "epidural_steroid_injection.toml", "hip_injection"])
def test_a_preview_of_a_procedure_without_a_schedule_is_404(
    api: tuple[TestClient, FixedClock], name: str
) -> None:
    http, _ = api
    res = http.get(
        f"/schedules/{name}/preview",
        headers=AS_INTEGRATION,
        params={"procedure_at": "2027-03-28T09:00", "tz": "Europe/Berlin"},
    )
    assert res.status_code == 404, res.text
    assert res.json()["detail"] == "no schedule for this procedure"
