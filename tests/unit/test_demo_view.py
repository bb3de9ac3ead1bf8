"""How the demo draws what it tells: a message is wrapped to the width and shown whole (an email
by its subject, marked with an ellipsis), patients' text is never read as markup, the status
reads as one plain line without a terminal and as a panel with one, NO_COLOR is honoured, and
the ending fits 80 columns but for the commands, which stay whole on one line to be copied."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from reminders.clock import WarpClock
from reminders.devtools import demo_ending
from reminders.devtools.demo_ending import NextSteps
from reminders.devtools.demo_report import summarize, tally
from reminders.devtools.demo_view import DemoView, Person
from reminders.model import ReminderState
from reminders.store.record import ReminderRecord
from tests.factories import sms_record

T0 = datetime(2027, 3, 20, 8, 0, tzinfo=UTC)
PEOPLE = {
    "DEMO-BER": Person("DEMO-BER", "Maria [bold]Schneider[/bold]", ZoneInfo("Europe/Berlin")),
    "DEMO-SYD": Person("DEMO-SYD", "Mei Chen", ZoneInfo("Australia/Sydney")),
}
LONG_SMS = (
    "Radiology Clinic: Laut Ihrem Arzt dürfen Sie Apixaban 5 mg ab heute wieder einnehmen. "
    "Unsicher bei der Dosis? Fragen Sie Ihren Arzt oder rufen Sie an: +1 555 0100\n"
    "Hinweis vom Arzt: Take the evening dose as usual on the day before."
)
CJK_SMS = (
    "【Radiology Clinic】12月8日（周二）08:45之前请勿驾车或骑车。腿部麻木或无力通常在24小时内消退。"
)
ANSI = re.compile(r"\x1b\[")
COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;)")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def view(out: io.StringIO, width: int, monkeypatch: pytest.MonkeyPatch) -> DemoView:
    monkeypatch.setenv("COLUMNS", str(width))
    return DemoView(WarpClock(T0, time.time(), 8640), 60, 6, PEOPLE, file=out)


def entry(aid: str, text: str, *, subject: str | None = None) -> dict[str, object]:
    return {
        "reminder": f"{aid}:1:next_day:-:{'email' if subject else 'sms'}",
        "at": (T0 + timedelta(hours=1)).isoformat(),
        "channel": "email" if subject else "sms",
        "locale": "de",
        "subject": subject,
        "text": text,
    }


def test_a_long_sms_is_wrapped_to_the_width_and_shown_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    v = view(out, 40, monkeypatch)
    v.message(entry("DEMO-BER", LONG_SMS))
    v.message(entry("DEMO-SYD", CJK_SMS))
    printed = out.getvalue()
    assert all(len(line) <= 40 for line in printed.splitlines()), printed
    assert squeeze(LONG_SMS) in squeeze(printed)
    assert squeeze(CJK_SMS) in squeeze(printed)
    assert "Sat 20 Mar 10:00 Berlin" in printed  # the patient's local time, CET
    assert "Maria[bold]Schneider[/bold]" in squeeze(printed)  # a name is text, never markup
    assert not ANSI.search(printed) and not re.search(r" +\n", printed)


def test_an_email_is_shown_by_its_subject_with_an_ellipsis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    view(out, 80, monkeypatch).message(
        entry("DEMO-BER", "Guten Tag\n\nErster Absatz.\n\nZweiter.", subject="Ihr Termin")
    )
    assert "Subject: Ihr Termin … (+ 3 paragraphs)" in out.getvalue()


def test_without_a_terminal_the_status_is_one_plain_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    v = view(out, 200, monkeypatch)
    assert not v.live_mode
    v.phase("starting the Celery worker and beat")
    assert re.fullmatch(r"\[real 0:00\] starting the Celery worker and beat …\n", out.getvalue())
    records = [_rec("A1", ReminderState.SENT, 0), _rec("DEMO-SYD", ReminderState.SCHEDULED, 600)]
    v.update(tally(records))
    v.play(T0)
    line = out.getvalue().splitlines()[-1]
    assert re.match(r"\[real 0:0\d \| day 1 of 6, Sat 20 Mar \d\d:\d\d UTC\] ", line), line
    assert line.endswith(
        "1 sent, 1 pending (of 2); next due: DEMO-SYD next_day sms, Sun 21 Mar 05:00 Sydney "
        "(in 10 h)"
    )


def test_on_a_terminal_the_status_is_a_panel_with_every_zone_s_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)
    v = view(io.StringIO(), 100, monkeypatch)
    assert v.live_mode
    v.update(tally([_rec("A1", ReminderState.SENT, 0)]))
    v.play(T0)
    screen = Console(file=io.StringIO(), width=100, record=True)
    screen.print(v.live_status())
    drawn = screen.export_text()
    assert "Day 1 of 6" in drawn and "real 0:0" in drawn
    assert "Berlin Sat" in drawn and "Sydney Sat" in drawn
    assert "1 sent, 0 pending (of 1)" in drawn and "nothing more is due" in drawn


def test_no_color_is_honoured_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = io.StringIO()
    view(coloured, 80, monkeypatch).message(entry("DEMO-BER", "Hallo"))
    assert COLOUR.search(coloured.getvalue())  # the check below can see colour
    monkeypatch.setenv("NO_COLOR", "1")
    plain = io.StringIO()
    view(plain, 80, monkeypatch).message(entry("DEMO-BER", "Hallo"))
    assert not COLOUR.search(plain.getvalue())


STEPS = NextSteps(
    preview=".venv/bin/reminders preview --procedure-at 2027-03-24T09:00 --tz Europe/Berlin "
    "--locale de-DE --duration 45 --medication 'Apixaban 5 mg:2027-03-21:2027-03-25' "
    "--now 2027-03-20T08:00:00Z",
    users_add=".venv/bin/reminders users add YOUR_NAME --role admin",
    serve=".venv/bin/reminders serve",
    console_url="http://127.0.0.1:8000/console/",
    readme="README.md",
)


def _ending(records: list[ReminderRecord], messages: list[dict[str, object]]) -> str:
    out = io.StringIO()
    console = Console(file=out, width=80, highlight=False)
    demo_ending.show(
        console, summarize(records, messages), PEOPLE, WarpClock(T0, time.time(), 8640), 0.1, STEPS
    )
    return out.getvalue()


def test_the_ending_fits_80_columns_and_keeps_each_command_on_one_line() -> None:
    a = _rec("DEMO-BER", ReminderState.SENT, 0, rule="medication_heads_up", medicine=0)
    b = _rec(
        "DEMO-BER",
        ReminderState.SKIPPED,
        60,
        reason="its moment had passed at booking and it is no longer useful",
    )
    printed = _ending(
        [a, b], [{"reminder": a.id, "at": (a.due_at + timedelta(minutes=7)).isoformat()}]
    )
    commands = {f"    {STEPS.preview}", f"    {STEPS.users_add}", f"    {STEPS.serve}"}
    for line in printed.splitlines():
        assert len(line) <= 80 or any(line.startswith(c) for c in commands), line
    assert f"    {STEPS.preview}\n" in printed
    assert "medication_heads_up#1" in printed and "7 min" in printed
    assert "see 1" in printed and "1: its moment had passed at booking and it is no" in printed
    for state in ReminderState:
        assert re.search(rf"^{state}\s+\d+\s", printed, re.MULTILINE), state
    assert "✗" not in printed and printed.count("✓") == 5
    assert STEPS.console_url in printed and "README.md" in printed


def test_a_failed_check_is_marked_and_names_the_reminder() -> None:
    a = _rec("DEMO-BER", ReminderState.SCHEDULED, 0)
    printed = _ending([a], [])
    assert "✗ 1 still pending when the demo stopped: DEMO-BER:1:next_day:-:sms" in printed


def _rec(
    aid: str,
    state: ReminderState,
    due: float,
    *,
    rule: str = "next_day",
    medicine: int | None = None,
    reason: str = "",
) -> ReminderRecord:
    at = T0 + timedelta(minutes=due)
    return sms_record(aid, rule, state, at, medicine=medicine, reason=reason)
