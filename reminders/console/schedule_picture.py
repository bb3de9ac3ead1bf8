"""A schedule's picture for its console page and for the preview of an edit: the sample
patient's timeline (``preview.sample_timeline``) laid out by ``timeline_svg`` with the texts in
the reader's language, and the rows of the table that says the same for keyboard and
screen-reader users."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

from babel.dates import format_date, format_datetime
from markupsafe import Markup

from reminders.console import timeline_svg as svg
from reminders.preview import SampleTimeline, TimelineLine
from reminders.schedule import Schedule
from reminders.schedule.rules import Per, Rule

AFTER = timedelta(days=2)  # the axis ends two days after the procedure
HELD = ("skipped", "flagged")


@dataclass(frozen=True)
class Window:
    start: time
    end: time


def schedule_window(toml: str) -> Window:
    """The schedule's own send window (rules without one use it); the loader's default when
    the file names none."""
    raw = tomllib.loads(toml).get("window", {})
    start, end = raw.get("start", "08:00"), raw.get("end", "20:00")
    return Window(time.fromisoformat(start), time.fromisoformat(end))


def own_window(rule: Rule, default: Window) -> bool:
    """Whether the rule's quiet hours differ from the schedule's."""
    return (rule.window.start, rule.window.end) != (default.start, default.end)


def picture(
    schedule: Schedule,
    toml: str,
    timeline: SampleTimeline,
    lang: str,
    gettext: Callable[[str], str],
) -> Markup:
    """The SVG (built escaped by ``timeline_svg``, so it goes into the page as it is)."""
    _ = gettext
    appt = timeline.appointment
    zone = appt.patient.zone
    default = schedule_window(toml)
    lanes = []
    for rule in schedule.rules:
        notes = []
        if rule.per is Per.MEDICATION:
            notes.append(_("per medicine"))
        if not rule.enabled:
            notes.append(_("switched off"))
        if own_window(rule, default):
            notes.append(_("own window"))
        lanes.append(
            svg.Lane(rule.key, ", ".join(notes), rule.window.start, rule.window.end,
                     own_window(rule, default))
        )  # fmt: skip
    index = {rule.key: i for i, rule in enumerate(schedule.rules)}
    markers = [
        svg.Marker(
            index[line.rule],
            line.local_time,
            line.channel,
            describe(line, lang, gettext),
            line.state in HELD,
        )
        for line in timeline.lines
        if line.rule in index
    ]
    start = appt.procedure.start.astimezone(zone)
    events = [
        svg.Event(appt.booked_at, _("Booking")),
        svg.Event(start, _("Procedure") + " " + format_datetime(start, "HH:mm", locale=lang)),
    ]
    med = appt.medications[0] if appt.medications else None
    medicine = None
    if med is not None and med.pause_from is not None and med.resume_on is not None:
        medicine = svg.Medicine(
            med.name, med.pause_from, med.resume_on, _("paused"), _("restart day")
        )
    drawn = svg.draw(
        _("The sample patient's messages under this schedule"),
        _(
            "A time axis from the booking to two days after the procedure: one lane per rule, "
            "a circle for each SMS and a square for each email at its planned time, quiet hours "
            "shaded, and the sample medicine's pause and restart days. The table below lists "
            "the same messages."
        ),
        start=appt.booked_at.astimezone(zone),
        end=appt.procedure.start.astimezone(zone) + AFTER,
        zone=zone,
        lanes=lanes,
        markers=markers,
        events=events,
        medicine=medicine,
        legend=svg.Legend(
            sms=_("SMS"),
            email=_("Email"),
            held=_("not sent as planned"),
            quiet=_("quiet hours"),
            own_quiet=_("quiet hours of a rule's own window"),
        ),
        day_label=lambda d: format_date(d, "EEE d MMM", locale=lang),
    )
    return Markup(drawn)  # noqa: S704 -- every text in it is escaped by timeline_svg


def describe(line: TimelineLine, lang: str, gettext: Callable[[str], str]) -> str:
    when = format_datetime(line.local_time, "EEE d MMM, HH:mm", locale=lang)
    channel = gettext("SMS") if line.channel == "sms" else gettext("Email")
    state = "" if line.state == "scheduled" else f" ({line.state}: {line.reason})"
    return f"{line.rule} · {channel} · {when}{state}"
