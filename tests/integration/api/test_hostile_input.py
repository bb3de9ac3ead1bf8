"""Hostile input and operator mistakes (issue 12): every rejected request is a 422 naming the
field, and changes nothing stored: the whole store is compared before and after."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.store import Store
from tests.factories import AS_INTEGRATION, AS_STAFF, BOOKED_AT, appointment_data, make_appointment
from tests.helpers import current, dump_store

PHONE = "+4915112345678"
JSON = {**AS_INTEGRATION, "Content-Type": "application/json"}


def send(http: TestClient, method: str, path: str, body: Any) -> Any:
    """``body`` as JSON with every non-ASCII character escaped, so a lone surrogate travels as
    ``\\ud800``, the way a hostile client would send it."""
    return http.request(method, path, content=json.dumps(body).encode(), headers=JSON)


def rejected(res: Any, field: str) -> dict[str, Any]:
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    assert [d["field"] for d in detail] == [field], detail
    return dict(detail[0])


def booked(http: TestClient, **overrides: Any) -> None:
    res = http.post("/appointments", json=appointment_data(**overrides), headers=AS_INTEGRATION)
    assert res.status_code == 201, res.text


def store_of() -> tuple[redis.Redis, str]:
    return current().store.r, current().store.prefix


# --- item 2: one line of plain text ----------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"medications": [{"name": "Apixaban\nBcc: x@example.org"}]}, "medications[0].name"),
        ({"medications": [{"name": "Apixaban", "note": "take\u2028half"}]}, "medications[0].note"),
        ({"patient__name": "Maria\x00Rossi"}, "patient.name"),
        ({"patient__name": "Maria\tRossi"}, "patient.name"),
        ({"patient__name": "Maria\u202eissoR"}, "patient.name"),  # right-to-left override
        ({"patient__name": "Maria Rossi\n"}, "patient.name"),  # refused, not trimmed
        ({"patient__name": "Maria\ud800"}, "patient.name"),  # a lone surrogate
        ({"patient__timezone": "Europe/Berlin\x0b"}, "patient.timezone"),
        (
            {"procedure__location": {"name": "R", "address": "a\u2029b", "phone": "+4930"}},
            "procedure.location.address",
        ),
        ({"medications": [{"name": "Apixaban\x85"}]}, "medications[0].name"),  # NEL (C1)
        ({"medications": [{"name": "Apixaban\x7f"}]}, "medications[0].name"),  # DEL
    ],
)
def test_control_characters_and_line_breaks_are_refused_naming_the_field(
    api: tuple[TestClient, FixedClock], override: dict[str, Any], field: str
) -> None:
    http, _ = api
    problem = rejected(send(http, "POST", "/appointments", appointment_data(**override)), field)
    assert "U+" in problem["msg"] and problem["pointer"] == "/" + field.replace(".", "/").replace(
        "[", "/"
    ).replace("]", "")
    assert dump_store(*store_of()) == {}


def test_names_in_any_script_with_joiners_are_accepted(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    for n, name in enumerate(["محمد‌علی رضایی", "José Ñúñez-O'Brien", "王小明", "Zoë 👩‍⚕️"]):
        booked(http, external_id=f"A{n}", patient__name=name)


# --- item 3: one email address ---------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "postmaster,patient@example.org",
        "patient@example.org, postmaster@example.org",
        "patient@example.org;postmaster@example.org",
        "Maria <patient@example.org>",
        '"postmaster,patient"@example.org',
        "patient@example",
        "patient@@example.org",
    ],
)
def test_an_email_field_holds_exactly_one_address(
    api: tuple[TestClient, FixedClock], email: str
) -> None:
    http, _ = api
    res = http.post(
        "/appointments", json=appointment_data(patient__email=email), headers=AS_INTEGRATION
    )
    rejected(res, "patient.email")
    assert "patient@" not in res.text and "postmaster" not in res.text
    assert dump_store(*store_of()) == {}


def test_an_email_address_is_stored_in_its_normalized_form(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    booked(http, patient__email="maria.rossi@EXAMPLE.org")
    snap = current().store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.appointment.patient.email == "maria.rossi@example.org"


# --- item 4: an edit has the booking's schema, and a failed one changes nothing ---------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"patient": {"phone": 5}}, "patient.phone"),
        ({"patient": {"email": 5}}, "patient.email"),
        ({"patient": {"name": 5}}, "patient.name"),
        ({"patient": {"name": None}}, "patient.name"),
        ({"patient": {"name": "x" * 121}}, "patient.name"),
        ({"patient": {"name": "x" * 60_000}}, "patient.name"),
        ({"patient": {"timezone": "A" * 300}}, "patient.timezone"),
        ({"patient": {"timezone": "localtime"}}, "patient.timezone"),
        ({"patient": {"name": "\ud800"}}, "patient.name"),
        ({"patient": {"channels": "sms"}}, "patient.channels"),
        ({"patient": {"channels": ["sms", "sms"]}}, "patient.channels"),
        ({"patient": {"locale": ["de"]}}, "patient.locale"),
        ({"patient": {"phone": "+49 151 12345678"}}, "patient.phone"),
        ({"patient": {"email": "postmaster,patient@example.org"}}, "patient.email"),
        ({"patient": {"phone": None, "email": None}}, "patient.channels"),
        ({"procedure": {"duration_minutes": True}}, "procedure.duration_minutes"),
        ({"procedure": {"duration_minutes": "45"}}, "procedure.duration_minutes"),
        ({"procedure": {"start": 1_900_000_000}}, "procedure.start"),
        ({"procedure": {"start": "2027-03-01T09:00:00+01:00"}}, "procedure.start"),
        ({"procedure": {"location": {"phone": None}}}, "procedure.location.phone"),
        ({"procedure": {"location": {"floor": 3}}}, "procedure.location.floor"),
        ({"procedure": {"type": "../../etc/passwd"}}, "procedure.type"),
        ({"patient": {"shoe_size": 44}}, "patient.shoe_size"),
        ({"external_id": "OTHER"}, "external_id"),
        (
            {"medications": [{"name": "Apixaban", "pause_from": "2027-04-30"}]},
            "medications[0].pause_from",
        ),
        (
            {"medications": [{"name": "Apixaban", "pause_from": 20270325}]},
            "medications[0].pause_from",
        ),
        ({"medications": None}, "medications"),
    ],
)
def test_a_rejected_edit_names_the_field_and_changes_nothing_stored(
    api: tuple[TestClient, FixedClock], body: dict[str, Any], field: str
) -> None:
    http, _ = api
    booked(http)
    before = dump_store(*store_of())
    rejected(send(http, "PATCH", "/appointments/APT-1001", body), field)
    assert dump_store(*store_of()) == before
    # The phone index still finds the patient: their STOP and their escort's YES still count.
    assert current().store.contacts.appointments_for_phone(PHONE) == ["APT-1001"]


def test_the_store_writes_a_plan_all_or_nothing(store: Store, client: redis.Redis) -> None:
    """A plan Redis cannot decode (here a lone surrogate that reached the store) fails before
    the script writes anything: the old version kept the phone index half-changed."""
    from reminders.booking import book  # noqa: PLC0415
    from reminders.schedule import find, load  # noqa: PLC0415

    schedule = load(find("epidural_steroid_injection"))
    book(store, make_appointment(), schedule, BOOKED_AT)
    before = dump_store(client, store.prefix)
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None
    bad = make_appointment()
    bad = bad.__class__(**{**bad.__dict__, "version": 2})
    object.__setattr__(bad.patient, "name", "\ud800")
    with pytest.raises(redis.ResponseError):
        store.appointments.replace_plan(
            bad, [], expected_version=1, event={"type": "edited"}, why_superseded="x"
        )
    assert dump_store(client, store.prefix) == before
    assert store.contacts.appointments_for_phone(PHONE) == ["APT-1001"]


def test_an_edit_is_limited_like_a_booking(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    booked(http)
    ok = send(http, "PATCH", "/appointments/APT-1001", {"patient": {"name": "M" * 120}})
    assert ok.status_code == 200, ok.text
    rejected(
        send(http, "PATCH", "/appointments/APT-1001", {"patient": {"name": "M" * 121}}),
        "patient.name",
    )


def test_after_the_procedure_began_a_doctor_can_still_correct_a_medicine(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, clock = api
    booked(http)
    clock.set(BOOKED_AT + timedelta(days=13, hours=1))  # 2027-03-28 09:00 Berlin has passed
    meds = [
        {
            "name": "Apixaban",
            "pause_from": "2027-03-25",
            "resume_on": "2027-03-30",
            "note": "Restart with half a dose",
        }
    ]
    res = send(http, "PATCH", "/appointments/APT-1001", {"medications": meds})
    assert res.status_code == 200, res.text
    assert res.json()["version"] == 2
    contact = send(http, "PATCH", "/appointments/APT-1001", {"patient": {"email": None}})
    assert contact.status_code == 200, contact.text
    # Moving the procedure is checked against the clock; a restart day still against the
    # procedure day.
    before = dump_store(*store_of())
    rejected(
        send(
            http,
            "PATCH",
            "/appointments/APT-1001",
            {"procedure": {"start": "2027-03-27T09:00:00+01:00"}},
        ),
        "procedure.start",
    )
    late = [{**meds[0], "resume_on": "2027-06-30"}]
    rejected(
        send(http, "PATCH", "/appointments/APT-1001", {"medications": late}),
        "medications[0].resume_on",
    )
    assert dump_store(*store_of()) == before


# --- item 6: far dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T23:00:00-14:00",
        "0001-01-01T00:00:00+14:00",
        "3000-01-01T09:00:00+00:00",
        "2029-03-16T09:00:00+00:00",  # just past the two-year horizon
        "2027-03-15T09:59:00+00:00",  # just before the clock
    ],
)
def test_far_or_past_procedure_starts_are_refused_naming_the_field(
    api: tuple[TestClient, FixedClock], start: str
) -> None:
    http, _ = api
    res = http.post(
        "/appointments",
        json=appointment_data(medications=[], procedure__start=start),
        headers=AS_INTEGRATION,
    )
    rejected(res, "procedure.start")
    booked(http)
    before = dump_store(*store_of())
    rejected(
        send(http, "PATCH", "/appointments/APT-1001", {"procedure": {"start": start}}),
        "procedure.start",
    )
    assert dump_store(*store_of()) == before


def test_a_procedure_within_the_horizon_is_booked(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    booked(http, medications=[], procedure__start="2029-03-13T09:00:00+00:00")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"procedure_at": "9999-12-31T23:00", "tz": "Pacific/Kiritimati"}, "procedure_at"),
        ({"procedure_at": "0001-01-01T00:00", "tz": "Pacific/Kiritimati"}, "procedure_at"),
        (
            {
                "procedure_at": "2027-03-28T09:00",
                "tz": "Europe/Berlin",
                "now": "9999-12-31T23:59:59-14:00",
            },
            "now",
        ),
        ({"procedure_at": "2027-03-28T09:00", "tz": "Factory"}, "tz"),
        (
            {
                "procedure_at": "2027-03-28T09:00",
                "tz": "Europe/Berlin",
                "medication": "Apixaban\n:2027-03-25",
            },
            "medication[0]",
        ),
    ],
)
def test_a_preview_with_far_dates_or_bad_values_is_a_422_naming_the_parameter(
    api: tuple[TestClient, FixedClock], params: dict[str, str], field: str
) -> None:
    http, _ = api
    res = http.get(
        "/schedules/epidural_steroid_injection/preview", params=params, headers=AS_INTEGRATION
    )
    problem = rejected(res, field)
    assert problem["loc"][0] == "query"


# --- item 8: strict types, canonical zones, safe ids ------------------------------------------


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"procedure__duration_minutes": True}, "procedure.duration_minutes"),
        ({"procedure__duration_minutes": 45.0}, "procedure.duration_minutes"),
        ({"procedure__duration_minutes": "45"}, "procedure.duration_minutes"),
        ({"patient__timezone": "localtime"}, "patient.timezone"),
        ({"patient__timezone": "Factory"}, "patient.timezone"),
        ({"patient__timezone": "right/Europe/Berlin"}, "patient.timezone"),
        ({"patient__timezone": "posix/Europe/Berlin"}, "patient.timezone"),
        ({"patient__timezone": "posixrules"}, "patient.timezone"),
        ({"patient__timezone": "Etc/GMT+5"}, "patient.timezone"),
        ({"patient__timezone": "EST5EDT"}, "patient.timezone"),
        ({"patient__timezone": "europe/berlin"}, "patient.timezone"),
        ({"external_id": "."}, "external_id"),
        ({"external_id": ".."}, "external_id"),
        ({"external_id": "-x"}, "external_id"),
        ({"external_id": "a:b"}, "external_id"),
        ({"external_id": 1001}, "external_id"),
        ({"patient__name": "Maria\x00"}, "patient.name"),
        ({"patient__channels": ["sms", "sms"]}, "patient.channels"),
        ({"procedure__start": 1_900_000_000}, "procedure.start"),
    ],
)
def test_lax_values_are_refused(
    api: tuple[TestClient, FixedClock], override: dict[str, Any], field: str
) -> None:
    http, _ = api
    rejected(send(http, "POST", "/appointments", appointment_data(**override)), field)
    assert dump_store(*store_of()) == {}


def test_an_old_zone_alias_is_refused_with_the_zone_to_use(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    res = send(http, "POST", "/appointments", appointment_data(patient__timezone="US/Eastern"))
    assert "America/New_York" in rejected(res, "patient.timezone")["msg"]
    booked(http, patient__timezone="Europe/Amsterdam")  # a zone.tab name, though now a link


def test_cancel_and_handled_bodies_are_strict_too(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    booked(http)
    before = dump_store(*store_of())
    rejected(send(http, "POST", "/appointments/APT-1001/cancel", {"notify": "no"}), "notify")
    rejected(send(http, "POST", "/appointments/APT-1001/cancel", {"reason": "a\nb"}), "reason")
    assert dump_store(*store_of()) == before
    res = http.post(
        "/attention/x/handled",
        content=b'{"note": "called\\u0000"}',
        headers={**AS_STAFF, "Content-Type": "application/json"},
    )
    rejected(res, "note")
