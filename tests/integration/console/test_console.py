"""The staff console over the real app and Redis: accounts, sessions, CSRF, the login wait,
the audit log and its purge, and what each page shows and changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.console import accounts
from reminders.model import ReminderState
from reminders.staff import agenda
from reminders.staff.retention import purge
from tests.factories import AS_INTEGRATION, BOOKED_AT, appointment_data
from tests.helpers import current
from tests.integration.console.conftest import PASSWORD, csrf_of, log_in

Make = Callable[..., accounts.Account]


def status(response: object) -> int:
    return int(getattr(response, "status_code", 0))


# --- accounts and sessions ---------------------------------------------------------------


def test_a_password_is_stored_only_as_an_argon2id_hash(make_account: Make) -> None:
    make_account("anna")
    record = current().store.users.get("anna")
    assert record is not None and record["hash"].startswith("$argon2id$")
    assert PASSWORD not in json.dumps(record)


def test_pages_need_a_login_and_come_back_after_it(
    app_http: TestClient, make_account: Make
) -> None:
    first = app_http.get("/console/attention", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/console/login?next=/console/attention"
    make_account("anna")
    page = app_http.get(first.headers["location"])
    done = app_http.post(
        "/console/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": csrf_of(page.text),
              "next": "/console/attention"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/console/attention"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # PUBLIC_BASE_URL is not https here
    assert app_http.get("/console/attention").status_code == 200


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(
    app_http: TestClient, make_account: Make
) -> None:
    make_account("anna")
    wrong = log_in(app_http, "anna", "not the password")
    unknown = log_in(app_http, "nobody", PASSWORD)
    assert status(wrong) == status(unknown) == 401
    assert "Wrong name or password" in getattr(wrong, "text", "")
    assert getattr(wrong, "text", "").replace("anna", "") == getattr(unknown, "text", "").replace(
        "nobody", ""
    ).replace(csrf_of(getattr(unknown, "text", "")), csrf_of(getattr(wrong, "text", "")))


def test_five_wrong_passwords_make_the_next_login_wait_even_with_the_right_one(
    api: tuple[TestClient, FixedClock], app_http: TestClient, make_account: Make
) -> None:
    _, clock = api
    make_account("anna")
    for _ in range(5):
        assert status(log_in(app_http, "anna", "wrong password")) == 401
    waiting = log_in(app_http, "anna", PASSWORD)
    assert status(waiting) == 429
    assert getattr(waiting, "headers", {})["retry-after"] == "30"
    assert "Try again in 30 seconds" in getattr(waiting, "text", "")
    clock.set(BOOKED_AT + timedelta(seconds=31))
    assert status(log_in(app_http, "anna", "wrong again")) == 401
    assert getattr(log_in(app_http, "anna", PASSWORD), "headers", {})["retry-after"] == "60"
    clock.set(BOOKED_AT + timedelta(seconds=92))
    assert status(log_in(app_http, "anna", PASSWORD)) == 303


def test_a_session_ends_after_the_idle_timeout(
    api: tuple[TestClient, FixedClock], staff: TestClient
) -> None:
    _, clock = api
    clock.set(BOOKED_AT + timedelta(minutes=29))
    assert staff.get("/console/", follow_redirects=False).status_code == 200
    clock.set(BOOKED_AT + timedelta(minutes=58))  # 29 minutes after the last request
    assert staff.get("/console/", follow_redirects=False).status_code == 200
    clock.set(BOOKED_AT + timedelta(minutes=89))
    assert staff.get("/console/", follow_redirects=False).status_code == 303


def test_disabling_or_resetting_an_account_ends_its_sessions(staff: TestClient) -> None:
    accounts.reset(current().store, "anna", "another long password")
    assert staff.get("/console/", follow_redirects=False).status_code == 303
    assert status(log_in(staff, "anna", "another long password")) == 303
    accounts.disable(current().store, "anna")
    assert staff.get("/console/", follow_redirects=False).status_code == 303
    assert status(log_in(staff, "anna", "another long password")) == 401


def test_logout_ends_the_session(staff: TestClient) -> None:
    page = staff.get("/console/")
    done = staff.post("/console/logout", data={"csrf_token": csrf_of(page.text)},
                      follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert staff.get("/console/", follow_redirects=False).status_code == 303


# --- CSRF -------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    staff: TestClient, booked: str
) -> None:
    refused = staff.post(f"/console/appointments/{booked}/cancel", data={"reason": "x"})
    assert refused.status_code == 403 and "Nothing was changed" in refused.text
    wrong = staff.post(f"/console/appointments/{booked}/cancel",
                       data={"reason": "x", "csrf_token": "forged"})  # fmt: skip
    assert wrong.status_code == 403
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and snap.status == "booked"


def test_the_login_form_has_its_own_csrf_token(app_http: TestClient, make_account: Make) -> None:
    make_account("anna")
    app_http.get("/console/login")
    forged = app_http.post("/console/login", data={"username": "anna", "password": PASSWORD})
    assert forged.status_code == 403


# --- the audit log ----------------------------------------------------------------------------


def test_staff_get_403_on_the_audit_log_and_admins_see_who_viewed_what(
    app_http: TestClient, make_account: Make, booked: str
) -> None:
    make_account("anna", "staff")
    make_account("root", "admin")
    log_in(app_http, "anna")
    app_http.get(f"/console/appointments/{booked}")
    assert app_http.get("/console/audit").status_code == 403
    log_in(app_http, "root")
    page = app_http.get("/console/audit")
    assert page.status_code == 200
    entries = current().store.console_audit.entries()
    viewed = [e for e in entries if e["action"] == "view_appointment"]
    assert viewed and viewed[0]["by"] == "anna" and viewed[0]["external_ids"] == [booked]
    assert "view_appointment" in page.text and "anna" in page.text


def test_the_retention_purge_removes_patient_identifiers_from_the_audit_and_keeps_who_and_when(
    staff: TestClient, booked: str
) -> None:
    staff.get("/console/", params={"q": "Maria"})
    staff.get(f"/console/appointments/{booked}")
    sv = current()
    snap = sv.store.appointments.snapshot(booked)
    assert snap is not None
    sv.store.purge.forget(snap, BOOKED_AT, "test")
    entries = sv.store.console_audit.entries()
    assert entries and all(booked not in e["external_ids"] for e in entries)
    assert all("detail" not in e for e in entries if e["action"] == "search")
    assert all(e["by"] == "anna" and e["at"] for e in entries)
    assert "Maria" not in json.dumps(entries)


def test_old_searches_lose_their_text_at_the_purge_even_without_a_match(staff: TestClient) -> None:
    staff.get("/console/", params={"q": "+4915112345678"})
    sv = current()
    purge(sv.store, BOOKED_AT + timedelta(days=31), 30)
    (search,) = [e for e in sv.store.console_audit.entries() if e["action"] == "search"]
    assert "detail" not in search and search["by"] == "anna" and search["scrubbed"]


# --- page 1: today and search -----------------------------------------------------------------


def test_the_days_list_shows_each_appointment_on_its_day_with_counts(
    staff: TestClient, booked: str
) -> None:
    assert booked not in staff.get("/console/").text  # today is 15 March
    page = staff.get("/console/", params={"day": "2027-03-25"})
    assert page.status_code == 200 and 'lang="en"' in page.text
    assert "Sunday, March 28, 2027" in page.text and booked in page.text
    assert "Maria Rossi" in page.text
    row = page.text.split(f">{booked}<", 1)[1].split("</tr>", 1)[0]
    assert "<td>07:00</td>" in page.text  # 09:00 in Berlin is 07:00 in the clinic's UTC
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None
    counts = agenda.row(snap)
    assert counts.pending > 0
    assert cells[-3:] == [str(counts.sent), str(counts.pending), str(counts.failed)]


def test_search_finds_by_external_id_name_or_phone(staff: TestClient, booked: str) -> None:
    for q in ("apt-1001", "rossi", "151 1234 5678"):
        assert booked in staff.get("/console/", params={"q": q}).text, q
    assert "No appointment matches" in staff.get("/console/", params={"q": "nobody"}).text


# --- page 2: the appointment ------------------------------------------------------------------


def test_the_appointment_shows_the_german_message_and_its_english_rendering(
    staff: TestClient, booked: str
) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    assert page.status_code == 200
    assert "Ihre Injektion ist am" in page.text and "your injection is booked for" in page.text
    assert "English rendering, for staff" in page.text


def test_reschedule_through_the_console_replans_like_the_api(
    staff: TestClient, booked: str
) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    done = staff.post(f"/console/appointments/{booked}/reschedule",
                      data={"start": "2027-03-28T11:30", "csrf_token": csrf_of(page.text)},
                      follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and snap.version == 2
    assert snap.appointment.procedure.start.isoformat() == "2027-03-28T09:30:00+00:00"


def test_a_refused_change_is_shown_beside_its_field_and_nothing_changes(
    staff: TestClient, booked: str
) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    past = staff.post(
        f"/console/appointments/{booked}/reschedule",
        data={"start": "2027-03-01T10:30", "csrf_token": csrf_of(page.text)},
    )
    assert past.status_code == 422
    assert 'id="err-start"' in past.text and "must be in the future" in past.text
    late = staff.post(f"/console/appointments/{booked}/medications", data={
        "csrf_token": csrf_of(page.text), "med-0-name": "Apixaban",
        "med-0-pause_from": "2027-01-01", "med-0-resume_on": "2027-03-29",
    })  # fmt: skip
    assert late.status_code == 422 and 'id="err-med-0-pause_from"' in late.text
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and snap.version == 1


def test_editing_medication_instructions_tells_the_patient_the_new_ones(
    staff: TestClient, booked: str
) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    done = staff.post(f"/console/appointments/{booked}/medications", data={
        "csrf_token": csrf_of(page.text), "med-0-name": "Apixaban",
        "med-0-pause_from": "2027-03-26", "med-0-resume_on": "2027-03-30", "med-0-note": "",
        "med-1-name": "Clopidogrel", "med-1-pause_from": "2027-03-21",
        "med-1-resume_on": "2027-03-29",
    }, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None
    assert [m.name for m in snap.appointment.medications] == ["Apixaban", "Clopidogrel"]
    assert str(snap.appointment.medications[0].resume_on) == "2027-03-30"


def test_cancel_without_notice(staff: TestClient, booked: str) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    done = staff.post(f"/console/appointments/{booked}/cancel",
                      data={"csrf_token": csrf_of(page.text), "reason": "patient called"},
                      follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and snap.status == "cancelled"
    assert not [r for r in snap.reminders if r.rule == "notice_cancellation"]


def _fail_sms_of(booked: str, rule: str) -> str:
    """Mark the patient's SMS ``rule`` reminder failed, as the worker does."""
    sv = current()
    snap = sv.store.appointments.snapshot(booked)
    assert snap is not None
    rec = next(r for r in snap.reminders if r.rule == rule and r.channel == "sms")
    key = sv.store.keys.appointment(booked)
    raw = json.loads(sv.redis.hget(key, rec.field) or b"{}")
    raw.update(s=str(ReminderState.FAILED), why="21614: not a mobile number", at=1)
    sv.redis.hset(key, rec.field, json.dumps(raw))
    sv.redis.sadd(sv.store.keys.attention, booked)
    return rec.id


def test_a_failed_safety_reminder_is_resent_by_email(staff: TestClient, booked: str) -> None:
    rid = _fail_sms_of(booked, "medication_heads_up")
    page = staff.get(f"/console/appointments/{booked}")
    assert "Re-send this safety reminder by" in page.text
    done = staff.post(f"/console/appointments/{booked}/resend",
                      data={"csrf_token": csrf_of(page.text), "reminder": rid,
                            "channel": "email"}, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None
    again = [r for r in snap.reminders if r.rule == "resent_medication_heads_up"]
    assert [(r.channel, str(r.state)) for r in again] == [("email", "scheduled")]


# --- page 3: attention ------------------------------------------------------------------------


def test_marking_an_attention_item_handled_shows_who_and_when(
    staff: TestClient, booked: str
) -> None:
    rid = _fail_sms_of(booked, "medication_heads_up")
    page = staff.get("/console/attention")
    assert "Safety" in page.text and booked in page.text
    done = staff.post("/console/attention/handled",
                      data={"csrf_token": csrf_of(page.text), "item": f"failed:{rid}",
                            "note": "called the patient"}, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    after = staff.get("/console/attention").text
    assert 'class="by">anna<' in after and "called the patient" in after


# --- page 4: replies, opt-outs, unusable numbers ---------------------------------------------


def test_replies_link_to_the_appointment_and_a_wrong_unusable_mark_is_cleared(
    staff: TestClient, booked: str
) -> None:
    sv = current()
    phone = "+4915112345678"
    sv.store.contacts.record_reply(phone, "Kann ich früher kommen?", BOOKED_AT, [booked])
    sv.store.contacts.mark_unusable(phone, BOOKED_AT, "21614", "not a mobile number")
    page = staff.get("/console/replies")
    assert "Kann ich früher kommen?" in page.text
    assert f'href="/console/appointments/{booked}"' in page.text
    empty = staff.post(
        "/console/replies/unusable/clear",
        data={"csrf_token": csrf_of(page.text), "phone": phone, "reason": ""},
    )
    assert empty.status_code == 422 and phone in sv.store.contacts.unusable_numbers()
    done = staff.post("/console/replies/unusable/clear",
                      data={"csrf_token": csrf_of(page.text), "phone": phone,
                            "reason": "the patient confirmed it by phone"},
                      follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and phone not in sv.store.contacts.unusable_numbers()
    (entry,) = sv.store.contacts.staff_audit()
    assert entry["by"] == "console anna"


# --- the language -----------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "word"), [("de-DE,de;q=0.9", "Heute"), ("fr", "Today")])
def test_the_console_speaks_the_browsers_language_when_the_account_names_none(
    app_http: TestClient, make_account: Make, header: str, word: str
) -> None:
    make_account("anna", "staff", "")
    log_in(app_http, "anna")
    page = app_http.get("/console/", headers={"Accept-Language": header})
    assert f">{word}<" in page.text


def test_the_accounts_language_wins(app_http: TestClient, make_account: Make, booked: str) -> None:
    make_account("bernd", "staff", "de")
    log_in(app_http, "bernd")
    page = app_http.get("/console/", headers={"Accept-Language": "en"})
    assert 'lang="de"' in page.text and "Heute und demnächst" in page.text


def test_booking_through_the_api_still_works(app_http: TestClient) -> None:
    done = app_http.post("/appointments", json=appointment_data(external_id="X-2"),
                         headers=AS_INTEGRATION)  # fmt: skip
    assert done.status_code == 201
