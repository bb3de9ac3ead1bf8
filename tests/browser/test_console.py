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
