"""The console's Schedules page over HTTP (issue 13): versions, a version's TOML, diffs, rule
edits (422 naming the form's field), roll back, the preview of an unsaved edit, and the re-plan
(dry run, then apply), each with its 401/403/404/409/422, staff role only, and every answer as
the OpenAPI document describes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema_rs
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from tests.factories import AS_INTEGRATION, AS_STAFF, appointment_data

Api = tuple[TestClient, FixedClock]
ESI = "epidural_steroid_injection"
BERLIN = ZoneInfo("Europe/Berlin")
# Every route, as the OpenAPI document names it.
ROUTES = {
    ("GET", "/schedules/{name}/versions"),
    ("GET", "/schedules/{name}/versions/{version}"),
    ("GET", "/schedules/{name}/versions/{version}/diff"),
    ("POST", "/schedules/{name}/versions"),
    ("POST", "/schedules/{name}/versions/preview"),
    ("POST", "/schedules/{name}/rollback"),
    ("POST", "/schedules/{name}/replan/dry-run"),
    ("POST", "/schedules/{name}/replan"),
}
Call = Callable[..., Any]  # (method, template, path=None, **request) -> response


def provoke_every_answer(call: Call) -> None:
    """200/201, 404, 409 and 422 of every route above (what the generic probes of
    test_openapi.py, token, role, body limits, bad bodies and queries, cannot reach). ``call``
    is test_openapi's ``Answers.call``, or ``documented_call`` below."""
    t, esi, nope = "/schedules/{name}", f"/schedules/{ESI}", "/schedules/nope"

    def expect(status: int, method: str, route: str, path: str, **kw: Any) -> Any:
        res = call(method, t + route, path, headers=AS_STAFF, **kw)
        assert res.status_code == status, (method, path, res.text)
        return res

    expect(200, "GET", "/versions", f"{esi}/versions")
    expect(404, "GET", "/versions", f"{nope}/versions")
    expect(422, "GET", "/versions", f"{esi}/versions", params={"limit": 0})
    expect(200, "GET", "/versions/{version}", f"{esi}/versions/1")
    expect(404, "GET", "/versions/{version}", f"{esi}/versions/9")
    expect(422, "GET", "/versions/{version}", f"{esi}/versions/first")
    edit = {"based_on": 1, "rule": "escort", "fields": {"offset.at": "25:00"}}
    expect(422, "POST", "/versions", f"{esi}/versions", json=edit)
    preview = {**edit, "locale": "de"}
    expect(422, "POST", "/versions/preview", f"{esi}/versions/preview", json=preview)
    preview["fields"] = edit["fields"] = {"offset.at": "17:00"}
    expect(200, "POST", "/versions/preview", f"{esi}/versions/preview", json=preview)
    expect(404, "POST", "/versions/preview", f"{nope}/versions/preview", json=preview)
    expect(404, "POST", "/versions", f"{nope}/versions", json=edit)
    expect(201, "POST", "/versions", f"{esi}/versions", json=edit)
    expect(409, "POST", "/versions", f"{esi}/versions", json=edit)
    expect(200, "GET", "/versions/{version}/diff", f"{esi}/versions/2/diff")
    expect(404, "GET", "/versions/{version}/diff", f"{esi}/versions/2/diff", params={"against": 7})
    expect(422, "GET", "/versions/{version}/diff", f"{esi}/versions/two/diff")
    back = {"to": 1, "based_on": 2}
    expect(404, "POST", "/rollback", f"{nope}/rollback", json=back)
    expect(422, "POST", "/rollback", f"{esi}/rollback", json={"to": 2, "based_on": 2})
    expect(201, "POST", "/rollback", f"{esi}/rollback", json=back)
    expect(409, "POST", "/rollback", f"{esi}/rollback", json=back)
    expect(200, "POST", "/replan/dry-run", f"{esi}/replan/dry-run", json={"version": 3})
    expect(404, "POST", "/replan/dry-run", f"{esi}/replan/dry-run", json={"version": 9})
    expect(422, "POST", "/replan/dry-run", f"{esi}/replan/dry-run", json={"version": 0})
    expect(409, "POST", "/replan", f"{esi}/replan", json={"version": 2})
    expect(404, "POST", "/replan", f"{nope}/replan", json={"version": 3})
    expect(422, "POST", "/replan", f"{esi}/replan", json={"version": "3"})
    expect(200, "POST", "/replan", f"{esi}/replan", json={"version": 3})


def documented_call(http: TestClient, seen: set[tuple[str, str, str]]) -> Call:
    """A call that checks its answer is documented for the operation, with a body that
    validates against the served document's schema."""
    doc = http.get("/openapi.json").json()

    def call(method: str, template: str, path: str | None = None, **kw: Any) -> Any:
        res = http.request(method, path or template, **kw)
        op = doc["paths"][template][method.lower()]
        documented = op["responses"].get(str(res.status_code))
        assert documented is not None, f"{method} {template} -> {res.status_code}: {res.text}"
        schema = documented["content"]["application/json"]["schema"]
        root = {**schema, "components": doc["components"]}
        errors = [str(e) for e in jsonschema_rs.Draft202012Validator(root).iter_errors(res.json())]
        assert not errors, (method, template, res.status_code, errors)
        seen.add((method, template, str(res.status_code)))
        return res

    return call


def test_every_answer_is_documented_and_each_route_gives_each_of_its_answers(api: Api) -> None:
    http, _ = api
    seen: set[tuple[str, str, str]] = set()
    provoke_every_answer(documented_call(http, seen))
    doc = http.get("/openapi.json").json()
    for method, template in ROUTES:
        listed = set(doc["paths"][template][method.lower()]["responses"])
        # 401/403/429 and the body limits are the guard's and the roles' (test_openapi.py).
        ours = listed - {"401", "403", "429", "400", "408", "413"}
        assert ours == {s for m, t, s in seen if (m, t) == (method, template)}, (method, template)
        assert {"401", "403"} <= listed


def test_every_route_needs_a_staff_token(api: Api) -> None:
    http, _ = api
    for method, template in ROUTES:
        path = template.replace("{name}", ESI).replace("{version}", "1")
        body = {"json": {}} if method == "POST" else {}
        assert http.request(method, path, **body).status_code == 401, (method, template)
        res = http.request(method, path, headers=AS_INTEGRATION, **body)
        assert res.status_code == 403 and res.json() == {"detail": "this needs the staff role"}


def test_an_edit_with_25_00_as_its_time_is_refused_beside_the_time_field(api: Api) -> None:
    http, _ = api
    res = http.post(
        f"/schedules/{ESI}/versions",
        json={"based_on": 1, "rule": "escort", "fields": {"offset.at": "25:00"}},
        headers=AS_STAFF,
    )
    assert res.status_code == 422, res.text
    (problem,) = res.json()["detail"]
    assert problem["loc"] == ["body", "fields", "offset.at"]
    assert (problem["field"], problem["pointer"]) == ("fields.offset.at", "/fields/offset.at")
    assert problem["msg"] == "'25:00' is not a local time HH:MM"
    versions = http.get(f"/schedules/{ESI}/versions", headers=AS_STAFF).json()
    assert versions["newest"] == 1 and len(versions["versions"]) == 1


def test_a_saved_edit_is_version_2_with_its_diff_and_new_bookings_use_it(api: Api) -> None:
    http, _ = api
    res = http.post(
        f"/schedules/{ESI}/versions",
        json={
            "based_on": 1,
            "rule": "escort",
            "fields": {"offset.at": "17:00"},
            "note": "after the afternoon list",
        },
        headers=AS_STAFF,
    )
    assert res.status_code == 201, res.text
    saved = res.json()
    assert (saved["version"], saved["based_on"], saved["kind"]) == (2, 1, "edit")
    assert saved["by"] == "staff token …mnop" and saved["note"] == "after the afternoon list"
    assert [c["text"] for c in saved["diff"]["changes"]] == ["escort: time 10:00 → 17:00"]
    listed = http.get(f"/schedules/{ESI}/versions", headers=AS_STAFF).json()
    assert listed["newest"] == 2 and [v["version"] for v in listed["versions"]] == [1, 2]
    two = http.get(f"/schedules/{ESI}/versions/2", headers=AS_STAFF).json()
    assert 'offset = { days = -3, at = "17:00" }' in two["toml"]
    diff = http.get(f"/schedules/{ESI}/versions/2/diff", headers=AS_STAFF).json()
    assert '+offset = { days = -3, at = "17:00" }' in diff["unified"].splitlines()

    booked = http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION).json()
    escort = {r["due_local"] for r in booked["reminders"] if r["rule"] == "escort"}
    assert escort == {"2027-03-25T17:00:00+01:00"}
    timeline = http.get("/appointments/APT-1001", headers=AS_STAFF).json()
    assert timeline["events"][0]["schedule_version"] == 2

    audit = http.get("/staff-audit", headers=AS_STAFF).json()
    assert audit[0]["type"] == "schedule_edited" and audit[0]["version"] == 2
    assert audit[0]["by"] == "staff token …mnop"


def test_a_stale_save_is_a_409_naming_the_version_it_was_based_on(api: Api) -> None:
    http, _ = api
    first = {"based_on": 1, "rule": "escort", "fields": {"offset.at": "17:00"}}
    assert http.post(f"/schedules/{ESI}/versions", json=first, headers=AS_STAFF).status_code == 201
    second = {"based_on": 1, "rule": "day_before", "fields": {"offset.at": "17:30"}}
    res = http.post(f"/schedules/{ESI}/versions", json=second, headers=AS_STAFF)
    assert res.status_code == 409
    assert "based on version 1" in res.json()["detail"] and "version 2" in res.json()["detail"]


def test_a_rollback_over_http_is_a_new_version(api: Api) -> None:
    http, _ = api
    edit = {"based_on": 1, "rule": "escort", "fields": {"offset.at": "17:00"}}
    http.post(f"/schedules/{ESI}/versions", json=edit, headers=AS_STAFF)
    res = http.post(f"/schedules/{ESI}/rollback", json={"to": 1, "based_on": 2}, headers=AS_STAFF)
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["version"], body["kind"], body["rollback_of"]) == (3, "rollback", 1)
    assert [c["text"] for c in body["diff"]["changes"]] == ["escort: time 17:00 → 10:00"]
    one = http.get(f"/schedules/{ESI}/versions/1", headers=AS_STAFF).json()
    three = http.get(f"/schedules/{ESI}/versions/3", headers=AS_STAFF).json()
    assert one["sha256"] == three["sha256"]


def test_the_preview_of_an_unsaved_edit_is_in_the_language_asked_and_saves_nothing(
    api: Api,
) -> None:
    http, _ = api
    res = http.post(
        f"/schedules/{ESI}/versions/preview",
        json={"based_on": 1, "rule": "escort", "fields": {"offset.at": "17:00"}, "locale": "de"},
        headers=AS_STAFF,
    )
    assert res.status_code == 200, res.text
    body = res.json()
    escort = [line for line in body["lines"] if line["rule"] == "escort"]
    assert {line["channel"] for line in escort} == {"sms", "email"}
    assert all(line["local_time"].endswith("T17:00:00+00:00") for line in escort)  # clinic: UTC
    assert all(line["locale"] == "de" for line in body["lines"])
    assert body["medication"]["pause_from"] and body["medication"]["resume_on"]
    assert {line["rule"] for line in body["lines"]} >= {"medication_pause", "medication_resume"}
    listed = http.get(f"/schedules/{ESI}/versions", headers=AS_STAFF).json()
    assert listed["newest"] == 1
    bad = http.post(
        f"/schedules/{ESI}/versions/preview",
        json={"based_on": 1, "rule": "escort", "fields": {}, "locale": "xx-nope-1"},
        headers=AS_STAFF,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "locale"


def test_the_replan_dry_run_counts_what_applying_changes(api: Api) -> None:
    http, _ = api
    for n in range(2):
        data = appointment_data(external_id=f"APT-{n}")
        assert http.post("/appointments", json=data, headers=AS_INTEGRATION).status_code == 201
    edit = {"based_on": 1, "rule": "escort", "fields": {"offset.at": "17:00"}}
    assert http.post(f"/schedules/{ESI}/versions", json=edit, headers=AS_STAFF).status_code == 201
    dry = http.post(f"/schedules/{ESI}/replan/dry-run", json={"version": 2}, headers=AS_STAFF)
    assert dry.status_code == 200, dry.text
    counts = {k: dry.json()[k] for k in ("appointments_changed", "moved", "added", "removed")}
    assert counts == {"appointments_changed": 2, "moved": 4, "added": 0, "removed": 0}
    assert not dry.json()["applied"]
    done = http.post(f"/schedules/{ESI}/replan", json={"version": 2}, headers=AS_STAFF).json()
    assert done["applied"] and {k: done[k] for k in counts} == counts
    for n in range(2):
        timeline = http.get(f"/appointments/APT-{n}", headers=AS_STAFF).json()
        due = {
            r["due_local"]
            for r in timeline["reminders"]
            if r["rule"] == "escort" and r["state"] == "scheduled"
        }
        assert due == {"2027-03-25T17:00:00+01:00"}
    again = http.post(f"/schedules/{ESI}/replan", json={"version": 2}, headers=AS_STAFF).json()
    assert again["appointments_changed"] == 0 and again["appointments_unchanged"] == 2
    audit = [
        e
        for e in http.get("/staff-audit", headers=AS_STAFF).json()
        if e["type"] == "schedule_replanned"
    ]
    assert [e["moved"] for e in audit] == [0, 4]
    assert [e["by"] for e in audit] == ["staff token …mnop"] * 2
