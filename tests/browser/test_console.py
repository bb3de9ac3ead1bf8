"""The staff console's daily tasks in chromium, by keyboard where a person would type."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, Server

pytestmark = pytest.mark.browser
Page = Any  # playwright.sync_api.Page


def log_in(page: Page, name: str, password: str = PASSWORD) -> None:
    """Keyboard only: the name field has the focus, Tab to the password, Enter to send."""
    page.goto("/console/login")
    # The name field takes the focus by itself (autofocus): wait for it, then only type.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def every_field_is_labelled(page: Page) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => el.labels.length === 0).map(el => el.name || el.id)"""
    )
    assert unlabelled == []


def test_log_in_with_the_keyboard_alone(page: Page, server: Server) -> None:
    server.account("lena")
    page.goto("/console/login")
    every_field_is_labelled(page)
    page.shots.take("login")
    log_in(page, "lena")
    assert page.title().startswith("Today and upcoming")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Signed in as lena").is_visible()
    every_field_is_labelled(page)
    page.shots.take("today")


def test_a_booking_through_the_api_is_on_today_and_shows_the_german_message_in_english_too(
    page: Page, server: Server
) -> None:
    server.account("tom")
    aid = server.book(
        external_id="BR-1", procedure__start="2027-03-15T17:00:00+01:00", medications=[]
    )
    log_in(page, "tom")
    today = page.locator("section", has=page.get_by_role("heading", name="(today)"))
    assert today.get_by_role("link", name=aid).is_visible()
    page.shots.take("today-with-booking")
    # Keyboard: focus the appointment's link and follow it.
    page.get_by_role("link", name=aid).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/console/appointments/{aid}")
    german = page.locator("figure.message:not(.english) pre").first
    english = page.locator("figure.message.english pre").first
    assert "Ihr" in german.inner_text() or "Guten Tag" in german.inner_text()
    assert "Dear Maria Rossi" in english.inner_text() or "your injection" in english.inner_text()
    assert page.locator('figure.message[lang="de"]').count() > 0
    every_field_is_labelled(page)
    page.shots.take("appointment")


def test_mark_an_attention_item_handled_and_see_your_name_on_it(page: Page, server: Server) -> None:
    server.account("mira")
    aid = server.book(external_id="BR-2")
    server.fail_sms(aid, "medication_heads_up")
    log_in(page, "mira")
    page.goto("/console/attention")
    item = page.locator("article.item", has=page.get_by_role("link", name=aid))
    assert item.get_by_text("Safety").is_visible()
    every_field_is_labelled(page)
    page.shots.take("attention")
    item.get_by_label("Note (what you did)").fill("called the patient, reads email")
    with page.expect_navigation():
        item.get_by_label("Note (what you did)").press("Enter")
    row = page.locator("tr.handled", has=page.get_by_role("link", name=aid))
    assert row.locator("td.by").inner_text() == "mira"
    assert "called the patient" in row.inner_text()
    page.shots.take("attention-handled")


def test_a_post_without_the_csrf_token_is_refused(page: Page, server: Server) -> None:
    server.account("ole")
    aid = server.book(external_id="BR-3")
    log_in(page, "ole")
    answer = page.request.post(f"/console/appointments/{aid}/cancel", form={"reason": "x"})
    assert answer.status == 403
    page.set_content(answer.text())
    page.shots.take("csrf-refused")
    snap = server.services.store.appointments.snapshot(aid)
    assert snap is not None and snap.status == "booked"


def test_a_staff_account_gets_403_on_the_audit_log(page: Page, server: Server) -> None:
    server.account("ute")
    log_in(page, "ute")
    answer = page.goto("/console/audit")
    assert answer is not None and answer.status == 403
    assert page.get_by_text("Only administrators can see this page.").is_visible()
    page.shots.take("audit-403")
    server.account("ada", "admin")
    page.context.clear_cookies()
    log_in(page, "ada")
    assert page.goto("/console/audit").status == 200  # type: ignore[union-attr]
    assert page.get_by_role("cell", name="ute").first.is_visible()
    page.shots.take("audit")


def test_five_wrong_passwords_slow_the_next_login(page: Page, server: Server) -> None:
    server.account("kim")
    for _ in range(5):
        log_in(page, "kim", "not the password")
        assert page.get_by_text("Wrong name or password").is_visible()
    started = time.monotonic()
    log_in(page, "kim")  # the right password, too soon
    assert page.get_by_role("alert").inner_text().startswith("Too many failed logins")
    assert "Try again in 30 seconds" in page.get_by_role("alert").inner_text()
    assert page.title().startswith("Log in")
    assert time.monotonic() - started < 10  # refused at once, not by holding the request
    page.shots.take("login-wait")


def test_the_console_speaks_german_to_a_german_account(page: Page, server: Server) -> None:
    server.account("jens", lang="de")
    log_in(page, "jens")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Heute und demnächst").is_visible()
    page.goto("/console/replies")
    every_field_is_labelled(page)
    page.shots.take("replies-de")


def test_the_overview_draws_its_charts_without_any_script(page: Page, server: Server) -> None:
    server.account("olga")
    log_in(page, "olga")
    page.get_by_role("link", name="Overview").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Overview")
    charts = page.locator("svg[role=img]")
    assert charts.count() == 5  # nothing sent yet: no languages chart
    assert page.get_by_role("heading", name="Sent per day").is_visible()
    assert charts.first.is_visible() and charts.first.bounding_box()["height"] > 100  # type: ignore[index]
    assert page.evaluate("document.scripts.length") == 0
    assert page.get_by_role("table").locator("tbody tr").count() == 30
    page.shots.take("overview")


SCHEDULE = "/console/schedules/epidural_steroid_injection"


def open_escort_rule(page: Page) -> None:
    """From the schedule's page to the escort rule's form by keyboard: its Edit link."""
    page.get_by_role("link", name="Edit escort").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Edit rule escort")


def type_into(page: Page, name: str, text: str) -> None:
    """Focus the field, select what it holds, and type over it, as a person would."""
    page.locator(f'[name="{name}"]').focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_a_schedule_rule_with_25_00_as_its_time_shows_the_error_beside_the_field(
    page: Page, server: Server
) -> None:
    server.account("pia", "admin")
    versions = server.services.schedules.versions
    assert versions is not None
    before = len(versions.history("epidural_steroid_injection"))
    log_in(page, "pia")
    page.get_by_role("link", name="Schedules").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    every_field_is_labelled(page)
    page.shots.take("schedules")
    page.get_by_role("link", name="CT-guided lumbar epidural steroid injection").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    picture = page.locator("figure.picture svg[role=img]")
    assert picture.is_visible() and picture.bounding_box()["height"] > 200  # type: ignore[index]
    assert picture.locator(".marker").count() == 16
    assert page.evaluate("document.scripts.length") == 0
    every_field_is_labelled(page)
    page.shots.take("schedule-picture")
    open_escort_rule(page)
    every_field_is_labelled(page)
    page.shots.take("edit-form")
    type_into(page, "offset.at", "25:00")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the form's first button: Preview
    field = page.locator('[name="offset.at"]')
    assert field.input_value() == "25:00"
    assert field.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{field.get_attribute('aria-describedby')}".replace(".", "\\."))
    assert "'25:00' is not a local time HH:MM" in error.inner_text()
    # Beside the field: in the same paragraph, right after the input.
    assert field.locator("xpath=following-sibling::span[1]").inner_text() == error.inner_text()
    page.shots.take("error-beside-field")
    assert len(versions.history("epidural_steroid_injection")) == before


def test_save_a_valid_schedule_edit_and_see_version_2_and_its_diff(
    page: Page, server: Server
) -> None:
    server.account("rui", "admin")
    aid = server.book(external_id="BR-S1")  # booked with version 1: the re-plan would move it
    log_in(page, "rui")
    page.goto(SCHEDULE)
    open_escort_rule(page)
    type_into(page, "offset.at", "17:00")
    page.get_by_label("Language of the preview").select_option("de")
    type_into(page, "note", "afternoon calls reach more patients")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    preview = page.locator("#preview")
    assert preview.get_by_text("escort: time 10:00 → 17:00").is_visible()
    assert preview.locator('figure.message[lang="de"]').count() == 16
    assert preview.locator("svg[role=img] .marker").count() == 16
    every_field_is_labelled(page)
    page.shots.take("preview")
    page.get_by_role("button", name="Save as a new version").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/versions/2?done=saved")
    assert page.get_by_role("heading", name="epidural_steroid_injection, version 2").is_visible()
    assert page.get_by_role("status").inner_text().startswith("Version 2 saved.")
    assert page.get_by_text("escort: time 10:00 → 17:00").is_visible()
    assert page.locator("pre.diff .add").inner_text() == '+offset = { days = -3, at = "17:00" }'
    assert page.get_by_text("afternoon calls reach more patients").is_visible()
    page.shots.take("diff")
    page.goto(SCHEDULE)
    page.get_by_role("link", name="Re-plan pending reminders of future appointments…").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("A dry run: nothing has been changed yet.").is_visible()
    row = page.locator("tr", has=page.get_by_role("link", name=aid))
    assert "moved: escort sms" in row.inner_text() and "moved: escort email" in row.inner_text()
    page.shots.take("replan-dry-run")
    page.get_by_role("button", name="Re-plan the appointments listed now").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Re-planned with version 2").is_visible()
    page.shots.take("replan-applied")
