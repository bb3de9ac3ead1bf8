"""The console's Schedules page over the real app and Redis: the list, the picture, an edit
refused beside its field, an edit saved as version 2 and used by the next booking, preview for
staff but no save, roll back, the re-plan's dry run and apply, CSRF, and the console audit."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reminders.console import accounts
from reminders.schedule_versions import Versions
from tests.factories import AS_INTEGRATION, appointment_data
from tests.helpers import current
from tests.integration.console.conftest import csrf_of, log_in

Make = Callable[..., accounts.Account]
PROC = "epidural_steroid_injection"
PAGE = f"/console/schedules/{PROC}"
ESCORT = f"{PAGE}/rules/escort"
SVG = re.compile(r"<svg .*?</svg>", re.S)
BERLIN = ZoneInfo("Europe/Berlin")


def versions() -> Versions:
    found = current().schedules.versions
    assert found is not None
    return found


@pytest.fixture
def admin(app_http: TestClient, make_account: Make) -> TestClient:
    make_account("ada", "admin")
    assert getattr(log_in(app_http, "ada"), "status_code", None) == 303
    return app_http


def audit_actions() -> list[dict[str, object]]:
    return current().store.console_audit.entries(100)


def form_of(http: TestClient, url: str) -> dict[str, str]:
    """The edit form's fields as a browser would send them (checked boxes only)."""
    html = http.get(url).text
    form = html[html.index('class="rule-form"') :]
    form = form[: form.index("</form>")]
    out: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        out[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = chosen.group(1) if chosen else ""
    return out


def test_the_list_shows_each_schedule_with_its_newest_version_and_file(staff: TestClient) -> None:
    page = staff.get("/console/schedules")
    assert page.status_code == 200
    assert f'href="{PAGE}"' in page.text
    assert "CT-guided lumbar epidural steroid injection" in page.text
    assert "version 1" in page.text and "the schedule file" in page.text
    entry = current().schedules.entry(PROC)
    assert entry.sha256[:12] in page.text and str(entry.path) in page.text


def test_the_picture_is_well_formed_svg_with_a_marker_per_message(staff: TestClient) -> None:
    page = staff.get(PAGE)
    assert page.status_code == 200
    drawn = SVG.search(page.text)
    assert drawn is not None
    root = ET.fromstring(drawn.group(0))  # noqa: S314 - our own page; well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img" and root.find("s:title", ns) is not None
    assert root.find("s:desc", ns) is not None
    markers = [e for e in root.iter() if "marker" in (e.get("class") or "").split()]
    # The default schedule: 8 rules, each by SMS and email, for the sample patient.
    assert len(markers) == 16
    assert sum("sms" in (e.get("class") or "") for e in markers) == 8
    assert {e.tag.split("}")[1] for e in markers} == {"circle", "rect"}  # shape, not colour
    assert root.findall(".//s:rect[@class='quiet']", ns)  # quiet hours shaded
    assert root.find(".//s:rect[@class='paused']", ns) is not None
    assert root.find(".//s:rect[@class='restart']", ns) is not None
    # The same in a table, and each rule with its edit link.
    assert page.text.count("<tr>", page.text.index("timeline-table")) >= 16
    assert f'href="{ESCORT}"' in page.text


def test_a_time_of_25_00_is_shown_beside_its_field_and_nothing_is_saved(
    admin: TestClient,
) -> None:
    before = len(versions().history(PROC))
    form = form_of(admin, ESCORT)
    assert form["offset.at"] == "10:00" and form["based_on"] == "1"
    form["offset.at"] = "25:00"
    preview = admin.post(ESCORT, data={**form, "do": "preview"})
    assert preview.status_code == 200
    beside = re.search(
        r'id="offset.at"[^>]*>\s*<span class="error" id="err-offset.at">([^<]+)', preview.text
    )
    assert beside is not None and "not a local time HH:MM" in unescape(beside.group(1))
    assert 'value="25:00"' in preview.text  # the person's value stays
    saved = admin.post(ESCORT, data={**form, "do": "save"})
    assert saved.status_code == 422
    assert 'id="err-offset.at"' in saved.text
    assert len(versions().history(PROC)) == before


def test_a_valid_edit_is_version_2_with_its_diff_and_the_next_booking_uses_it(
    admin: TestClient,
) -> None:
    form = form_of(admin, ESCORT)
    form.update({"offset.at": "17:00", "note": "afternoon calls work better", "do": "save"})
    saved = admin.post(ESCORT, data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PAGE}/versions/2?done=saved"
    page = admin.get(saved.headers["location"])
    assert "Version 2 saved" in page.text
    assert "escort: time 10:00 → 17:00" in page.text
    assert '<span class="add">+offset = { days = -3, at = &#34;17:00&#34; }</span>' in page.text
    v2 = versions().version(PROC, 2)
    assert (v2.kind, v2.by, v2.note) == ("edit", "ada", "afternoon calls work better")
    # Only the edited line changed: the comments stay.
    assert versions().diff(PROC, 1, 2).unified.count("\n+") == 2  # the +++ header and one line
    done = admin.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    assert done.status_code == 201, done.text
    snap = current().store.appointments.snapshot("APT-1001")
    assert snap is not None
    escort = [r for r in snap.reminders if r.rule == "escort"]
    assert {r.due_at.astimezone(BERLIN) for r in escort} == {
        datetime(2027, 3, 25, 17, 0, tzinfo=BERLIN)
    }
    events = current().store.appointments.events("APT-1001")
    assert any(e.get("schedule_version") == 2 for e in events)
    entry = next(e for e in audit_actions() if e["action"] == "schedule_edited")
    assert entry["by"] == "ada" and "escort: time 10:00 → 17:00" in str(entry["detail"])


def test_staff_may_preview_in_any_language_but_not_save(staff: TestClient) -> None:
    form = form_of(staff, ESCORT)
    assert "Saving it needs an administrator" in staff.get(ESCORT).text
    form.update({"offset.at": "17:00", "locale": "fr"})
    preview = staff.post(ESCORT, data={**form, "do": "preview"})
    assert preview.status_code == 200
    assert "escort: time 10:00 → 17:00" in preview.text
    assert 'lang="fr"' in preview.text  # the messages rendered in French
    assert len(SVG.findall(preview.text)) == 1
    refused = staff.post(ESCORT, data={**form, "do": "save"})
    assert refused.status_code == 403
    assert "Only administrators can save a schedule" in refused.text
    assert 'value="17:00"' in refused.text  # the person's edit stays on the form
    assert versions().head(PROC) == 1
    assert staff.post(f"{PAGE}/rollback", data={"csrf_token": form["csrf_token"], "to": "1",
                      "based_on": "1"}).status_code == 403  # fmt: skip


def test_a_stale_form_names_the_newer_version_and_keeps_its_values(admin: TestClient) -> None:
    form = form_of(admin, ESCORT)
    versions().edit(PROC, "escort", {"offset.at": "11:00"}, based_on=1, by="bob",
                    at=datetime.now(BERLIN))  # fmt: skip
    form.update({"offset.at": "17:00", "do": "save"})
    stale = admin.post(ESCORT, data=form)
    assert stale.status_code == 409
    assert "version 2 of this schedule was saved after version 1" in stale.text
    assert 'value="17:00"' in stale.text and f'href="{PAGE}/versions/2"' in stale.text
    assert versions().head(PROC) == 2


def test_rolling_back_saves_version_3_with_version_1s_text(admin: TestClient) -> None:
    form = form_of(admin, ESCORT)
    form.update({"enabled": "", "do": "save"})
    del form["enabled"]  # the box unticked
    assert admin.post(ESCORT, data=form, follow_redirects=False).status_code == 303
    assert "escort: enabled on → off" in admin.get(f"{PAGE}/versions/2").text
    page = admin.get(PAGE)
    assert "Roll back to this version" in page.text
    back = admin.post(
        f"{PAGE}/rollback",
        data={"csrf_token": csrf_of(page.text), "to": "1", "based_on": "2"},
        follow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"].endswith(
        "/versions/3?done=rolled_back"
    )
    assert versions().version(PROC, 3).toml == versions().version(PROC, 1).toml
    shown = admin.get(back.headers["location"]).text
    assert "with the text of version 1" in shown and "escort: enabled off → on" in shown
    assert any(e["action"] == "schedule_rolled_back" for e in audit_actions())


def test_the_re_plan_shows_its_counts_first_then_applies_them(admin: TestClient) -> None:
    assert (
        admin.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION).status_code
        == 201
    )
    form = form_of(admin, ESCORT)
    form.update({"offset.at": "17:00", "do": "save"})
    assert admin.post(ESCORT, data=form, follow_redirects=False).status_code == 303
    dry = admin.get(f"{PAGE}/replan")
    assert dry.status_code == 200
    assert "A dry run: nothing has been changed yet." in dry.text
    assert "Appointments that change: 1" in dry.text and "Reminders moved: 2" in dry.text
    assert 'href="/console/appointments/APT-1001"' in dry.text
    snap = current().store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 1  # nothing written
    applied = admin.post(f"{PAGE}/replan", data={"csrf_token": csrf_of(dry.text), "version": "2"})
    assert applied.status_code == 200
    assert "Re-planned with version 2" in applied.text and "Reminders moved: 2" in applied.text
    snap = current().store.appointments.snapshot("APT-1001")
    assert snap is not None
    escort = [r for r in snap.reminders if r.rule == "escort" and r.version == snap.version]
    assert {r.due_at.astimezone(BERLIN).hour for r in escort} == {17}
    again = admin.get(f"{PAGE}/replan")
    assert "nothing to re-plan" in again.text
    done = [e for e in audit_actions() if e["action"] == "schedule_replanned"]
    assert done and done[0]["external_ids"] == ["APT-1001"] and "moved 2" in str(done[0]["detail"])
    assert any(e["action"] == "schedule_replan_dry_run" for e in audit_actions())


def test_posts_without_the_csrf_token_change_nothing(admin: TestClient) -> None:
    form = form_of(admin, ESCORT)
    form.update({"offset.at": "17:00", "do": "save"})
    del form["csrf_token"]
    assert admin.post(ESCORT, data=form).status_code == 403
    assert admin.post(f"{PAGE}/rollback", data={"to": "1", "based_on": "1"}).status_code == 403
    assert admin.post(f"{PAGE}/replan", data={"version": "1"}).status_code == 403
    assert versions().head(PROC) == 1


def test_the_schedules_own_window_is_edited_on_its_own_form(admin: TestClient) -> None:
    form = form_of(admin, f"{PAGE}/settings")
    assert form["window.start"] == "08:00" and form["name"].startswith("CT-guided")
    form.update({"window.start": "08:30", "do": "save"})
    saved = admin.post(f"{PAGE}/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert "08:00–20:00 (later) → 08:30–20:00 (later)" in admin.get(saved.headers["location"]).text


def test_an_unchanged_form_saves_nothing_and_unknown_things_are_404(admin: TestClient) -> None:
    form = form_of(admin, ESCORT)
    same = admin.post(ESCORT, data={**form, "do": "save"})
    assert same.status_code == 422 and "the form changes nothing" in same.text
    assert admin.get("/console/schedules/no_such_procedure").status_code == 404
    assert admin.get(f"{PAGE}/rules/no_such_rule").status_code == 404
    assert admin.get(f"{PAGE}/versions/9").status_code == 404
