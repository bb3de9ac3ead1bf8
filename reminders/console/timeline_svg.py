"""A schedule drawn as a picture, on the server, as SVG (no JavaScript): the sample patient's
time axis from booking to two days after the procedure, one lane per rule, one marker per
message at its planned local time, each lane's quiet hours (outside its send window) shaded
on every day, and the sample medicine's pause and restart days under the lanes.

SMS and email differ by shape (a circle, a square) as well as colour, a message that will not
be sent as planned (skipped, flagged for a call) is drawn hollow, and the legend says all of it
in words. The page lists the same messages in a table: the picture is the quick look, the table
the accessible form. Every text that goes in is escaped (``charts``' rules)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from reminders.console.charts import PALETTE

WIDTH = 960
LEFT, RIGHT = 200, 16
TOP = 30  # the row of day labels
LANE = 32
SMS_COLOUR, EMAIL_COLOUR = PALETTE[0], PALETTE[2]
QUIET, OWN_QUIET = "#e4e4e4", "#dcd0ec"  # the schedule's quiet hours; a rule's own window's
PAUSED, RESTART = "#f6d7a8", "#bfe5d3"
PROCEDURE = "#a40e26"


@dataclass(frozen=True)
class Lane:
    """One rule: its name (and a second, smaller line: "per medicine", "off"), its send
    window, and whether that window is the rule's own (not the schedule's)."""

    label: str
    note: str
    start: time
    end: time
    own_window: bool


@dataclass(frozen=True)
class Marker:
    lane: int
    at: datetime
    channel: str  # sms or email
    title: str  # what a pointer's tooltip says (the table says it too)
    held: bool  # skipped or flagged: not sent as planned


@dataclass(frozen=True)
class Event:
    """A moment drawn across every lane (the booking, the procedure)."""

    at: datetime
    label: str


@dataclass(frozen=True)
class Medicine:
    """The sample medicine: paused from ``pause_day`` (the first day without it) until
    ``restart_day`` (the day it may be taken again)."""

    name: str
    pause_day: date
    restart_day: date
    paused_label: str  # "paused"
    restart_label: str  # "restart day"


@dataclass(frozen=True)
class Legend:
    sms: str
    email: str
    held: str
    quiet: str
    own_quiet: str


def draw(
    title: str,
    description: str,
    *,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    lanes: Sequence[Lane],
    markers: Sequence[Marker],
    events: Sequence[Event],
    medicine: Medicine | None,
    legend: Legend,
    day_label: Callable[[date], str],
) -> str:
    if end <= start:
        raise ValueError("the axis needs its end after its start")
    plot_w = WIDTH - LEFT - RIGHT
    lanes_bottom = TOP + LANE * len(lanes)
    band_y = lanes_bottom + 8
    events_y = band_y + (30 if medicine else 0) + 14
    height = events_y + 44
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        seconds = min(max((at - start).total_seconds(), 0.0), span)
        return LEFT + plot_w * seconds / span

    days = _days(start, end, zone)
    out = [_open(title, description, height)]
    # Lanes: a label, the quiet hours shaded on every day, a faint line between lanes.
    for i, lane in enumerate(lanes):
        y = TOP + i * LANE
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(lane.label)}</text>"
        )
        if lane.note:
            out.append(
                f'<text x="{LEFT - 8}" y="{y + 26}" text-anchor="end" font-size="10" '
                f'fill="#59636e">{escape(lane.note)}</text>'
            )
        fill = OWN_QUIET if lane.own_window else QUIET
        for a, b in _quiet(days, lane.start, lane.end, zone):
            if b <= start or a >= end:
                continue
            out.append(
                f'<rect class="quiet" x="{x(a):.1f}" y="{y + 2}" width="{x(b) - x(a):.1f}" '
                f'height="{LANE - 4}" fill="{fill}"/>'
            )
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y + LANE}" y2="{y + LANE}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
    # Days: a line at each local midnight, the day's name above its middle.
    for d in days:
        a = datetime.combine(d, time(0), tzinfo=zone)
        b = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone)
        if start < a < end:
            out.append(
                f'<line x1="{x(a):.1f}" x2="{x(a):.1f}" y1="{TOP - 6}" y2="{lanes_bottom}" '
                'stroke="#8c959f" stroke-width="1"/>'
            )
        if (min(b, end) - max(a, start)).total_seconds() >= 6 * 3600:
            mid = (x(max(a, start)) + x(min(b, end))) / 2
            out.append(
                f'<text x="{mid:.1f}" y="{TOP - 12}" text-anchor="middle" font-size="11">'
                f"{escape(day_label(d))}</text>"
            )
    if medicine is not None:
        out.append(_medicine(medicine, zone, x, band_y))
    for k, e in enumerate(events):
        ex = x(e.at)
        anchor = "start" if ex < LEFT + 40 else ("end" if ex > WIDTH - RIGHT - 40 else "middle")
        out.append(
            f'<line class="event" x1="{ex:.1f}" x2="{ex:.1f}" y1="{TOP - 4}" '
            f'y2="{events_y - 10}" stroke="{PROCEDURE}" stroke-width="2" stroke-dasharray="4 3"/>'
            f'<text x="{ex:.1f}" y="{events_y + 2 + 13 * (k % 2)}" text-anchor="{anchor}" '
            f'font-size="11" fill="{PROCEDURE}">{escape(e.label)}</text>'
        )
    for m in markers:
        out.append(_marker(m, x(m.at), TOP + m.lane * LANE))
    out.append(_legend(legend, height - 10))
    out.append("</svg>")
    return "".join(out)


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _quiet(
    days: Sequence[date], start: time, end: time, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """Before the window's start and after its end, on each local day."""
    out = []
    for d in days:
        midnight = datetime.combine(d, time(0), tzinfo=zone)
        out.append((midnight, datetime.combine(d, start, tzinfo=zone)))
        out.append((datetime.combine(d, end, tzinfo=zone), midnight + timedelta(days=1)))
    return [(a, b) for a, b in out if b > a]


def _medicine(m: Medicine, zone: ZoneInfo, x: Callable[[datetime], float], y: int) -> str:
    def at(d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=zone)

    paused_a, paused_b = x(at(m.pause_day)), x(at(m.restart_day))
    restart_b = x(at(m.restart_day + timedelta(days=1)))
    return (
        f'<text x="{LEFT - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
        f"{escape(m.name)}</text>"
        f'<rect class="paused" x="{paused_a:.1f}" y="{y}" width="{paused_b - paused_a:.1f}" '
        f'height="22" fill="{PAUSED}" stroke="#b35c00"/>'
        f'<text x="{paused_a + 4:.1f}" y="{y + 15}" font-size="11">{escape(m.paused_label)}</text>'
        f'<rect class="restart" x="{paused_b:.1f}" y="{y}" width="{restart_b - paused_b:.1f}" '
        f'height="22" fill="{RESTART}" stroke="#1a7f37"/>'
        f'<text x="{paused_b + 4:.1f}" y="{y + 15}" font-size="11">'
        f"{escape(m.restart_label)}</text>"
    )


def _marker(m: Marker, cx: float, lane_y: int) -> str:
    colour = EMAIL_COLOUR if m.channel == "email" else SMS_COLOUR
    fill = "#fff" if m.held else colour
    tip = f"<title>{escape(m.title)}</title>"
    cls = f"marker {escape(m.channel)}{' held' if m.held else ''}"
    if m.channel == "email":
        cy = lane_y + 22
        return (
            f'<rect class="{cls}" x="{cx - 5:.1f}" y="{cy - 5}" width="10" height="10" '
            f'fill="{fill}" stroke="{colour}" stroke-width="2">{tip}</rect>'
        )
    cy = lane_y + 10
    return (
        f'<circle class="{cls}" cx="{cx:.1f}" cy="{cy}" r="5.5" fill="{fill}" '
        f'stroke="{colour}" stroke-width="2">{tip}</circle>'
    )


def _legend(legend: Legend, y: int) -> str:
    out = [
        f'<circle cx="{LEFT + 6}" cy="{y - 4}" r="5.5" fill="{SMS_COLOUR}"/>'
        f'<text x="{LEFT + 16}" y="{y}" font-size="11">{escape(legend.sms)}</text>'
    ]
    x = LEFT + 30 + 7 * len(legend.sms)
    out.append(
        f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{EMAIL_COLOUR}"/>'
        f'<text x="{x + 14}" y="{y}" font-size="11">{escape(legend.email)}</text>'
    )
    x += 30 + 7 * len(legend.email)
    out.append(
        f'<circle cx="{x + 6}" cy="{y - 4}" r="5" fill="#fff" stroke="{SMS_COLOUR}" '
        f'stroke-width="2"/><text x="{x + 16}" y="{y}" font-size="11">{escape(legend.held)}</text>'
    )
    x += 30 + 7 * len(legend.held)
    for fill, text in ((QUIET, legend.quiet), (OWN_QUIET, legend.own_quiet)):
        out.append(
            f'<rect x="{x}" y="{y - 9}" width="14" height="10" fill="{fill}"/>'
            f'<text x="{x + 18}" y="{y}" font-size="11">{escape(text)}</text>'
        )
        x += 34 + 6 * len(text)
    return "".join(out)


def _open(title: str, description: str, height: int) -> str:
    ident = "t" + hashlib.sha256(f"{title}\0{description}".encode()).hexdigest()[:10]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{ident}-t {ident}-d" font-family="sans-serif" '
        f'class="timeline">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>'
    )
