"""What the demo's reader sees while it runs: each message as the outbox receives it, the staff's
changes, and a status that is never silent for long: the virtual clock (UTC and each patient's
zone, with a day counter), the real time elapsed, and the reminders sent, settled and pending
with the next one due.

On a terminal the status is a rich ``Live`` panel under the messages, redrawn four times a
second. Anywhere else (CI, ``make demo | tee``, a test) rich writes no cursor movements and no
colour, so the status becomes one plain line every few seconds instead, printed by a small
thread so that even a slow start or stop of Celery says what it is waiting for. ``NO_COLOR``,
``TERM=dumb`` and ``TTY_INTERACTIVE=0`` are honoured by rich itself.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.padding import Padding
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from reminders.clock import WarpClock
from reminders.devtools.demo_report import STATE_ORDER, Tally
from reminders.ids import appointment_of
from reminders.model import ReminderState

# Seconds between plain status lines when there is no terminal to redraw: often enough that a
# reader (or CI's log) never wonders whether it hangs, rarely enough not to bury the messages.
PLAIN_EVERY = 2.0
LIVE_PER_SECOND = 4


@dataclass(frozen=True)
class Person:
    """A demo patient as the view names them."""

    id: str
    name: str
    zone: ZoneInfo


def place(zone: ZoneInfo) -> str:
    """``America/New_York`` → ``New York``: how people name a zone's clock."""
    return str(zone).rsplit("/", 1)[-1].replace("_", " ")


def minutes_and_seconds(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def span(delta: timedelta) -> str:
    """A virtual duration as a person says it: ``3 h 20 min``, ``45 min``."""
    minutes = max(0, round(delta.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class DemoView:
    def __init__(
        self,
        clock: WarpClock,
        seconds: float,
        days: int,
        people: Mapping[str, Person],
        file: TextIO | None = None,
    ) -> None:
        # highlight=False: rich would otherwise colour numbers and words inside patients' texts.
        self.console = Console(file=file, highlight=False)
        self.live_mode = self.console.is_interactive
        if not self.live_mode:
            # rich pads wrapped text and table rows to the width; in a log that is only noise.
            out = file if file is not None else sys.stdout
            self.console = Console(
                file=cast(TextIO, _TrimmedLines(out)), highlight=False, force_terminal=False
            )
        self.clock = clock
        self.origin = clock.now()
        self.seconds = seconds
        self.days = days
        self.people = people
        self._started = time.monotonic()
        self._phase = "starting the Celery worker and beat"
        self._playing = False
        self._tally: Tally | None = None

    # --- lines above the status -------------------------------------------------------------

    def say(self, text: str, style: str = "") -> None:
        """One line of the demo's own narration (a Text: patients' data is never markup)."""
        self.console.print(Text(text, style=style))

    def booked(self, rows: Sequence[tuple[str, str, str, datetime, int]]) -> None:
        """The patients booked: id, name, language, procedure start (aware, in the patient's
        zone), reminders planned."""
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for name in ("booked", "patient", "language", "procedure, local time"):
            table.add_column(name, no_wrap=True)
        table.add_column("planned", justify="right")
        for aid, name, locale, start, planned in rows:
            zone = start.tzinfo if isinstance(start.tzinfo, ZoneInfo) else ZoneInfo("UTC")
            table.add_row(aid, name, locale, f"{start:%a %d %b %H:%M} {place(zone)}", str(planned))
        self.console.print(table)
        self.say(
            "Each message below is shown as the outbox receives it, in the patient's time; "
            "an email by its subject."
        )
        self.say("")

    def staff(self, text: str) -> None:
        self.console.print(Text(f"*** {text}", style="bold yellow"))

    def message(self, entry: Mapping[str, Any]) -> None:
        """One outbox entry: who, their local time, channel and language, then the text whole,
        wrapped to the width (an SMS is shown as the patient reads it, never cut)."""
        aid = appointment_of(str(entry["reminder"]))
        person = self.people.get(aid)
        zone = person.zone if person else ZoneInfo("UTC")
        at = datetime.fromisoformat(str(entry["at"])).astimezone(zone)
        head = Text()
        head.append(f"{at:%a %d %b %H:%M} {place(zone)}", style="bold")
        head.append(f"  {aid}", style="cyan")
        if person:
            head.append(f" {person.name}")
        channel = "SMS" if entry["channel"] == "sms" else str(entry["channel"])
        head.append(f"  {channel} · {entry['locale']}", style="magenta")
        self.console.print(head)
        self.console.print(Padding.indent(self._body(entry), 4))

    @staticmethod
    def _body(entry: Mapping[str, Any]) -> Text:
        if not entry.get("subject"):
            return Text(str(entry["text"]))
        # An email's body is a letter of several paragraphs: its subject stands for it here,
        # followed by an ellipsis and the letter's length, so that nothing looks whole that is
        # not (the preview command the ending prints shows it whole).
        paragraphs = [p for p in str(entry["text"]).split("\n\n") if p.strip()]
        body = Text(f"Subject: {entry['subject']}")
        body.append(f" … (+ {len(paragraphs)} paragraphs)", style="dim")
        return body

    # --- the status -------------------------------------------------------------------------

    def phase(self, what: str) -> None:
        """A step without a tally (starting, stopping): shown with the time it has taken."""
        self._phase, self._playing = what, False
        if not self.live_mode:
            self._print_status()

    def play(self, origin: datetime) -> None:
        """The timeline starts: day 1 begins at ``origin`` (virtual), when the patients were
        booked."""
        self.origin = origin
        self._playing = True
        if not self.live_mode:
            self._print_status()

    def update(self, tally: Tally) -> None:
        self._tally = tally  # one assignment: the drawing thread sees the old or the new one

    @contextmanager
    def live(self) -> Iterator[None]:
        if self.live_mode:
            # transient: the panel goes when the run ends, and the summary takes its place.
            with Live(
                get_renderable=self.live_status,
                console=self.console,
                refresh_per_second=LIVE_PER_SECOND,
                transient=True,
            ):
                yield
            return
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(PLAIN_EVERY):
                self._print_status()

        ticker = threading.Thread(target=tick, name="demo-status", daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()

    def _real(self) -> float:
        return time.monotonic() - self._started

    def _day(self, now: datetime) -> int:
        return min(self.days, int((now - self.origin) / timedelta(days=1)) + 1)

    def _counts(self, tally: Tally) -> str:
        parts = [
            f"{tally.counts.get(s, 0)} {s}"
            for s in STATE_ORDER
            if s == ReminderState.SENT or (tally.counts.get(s, 0) and s not in _UNDER_WAY)
        ]
        return ", ".join([*parts, f"{tally.pending} pending"]) + f" (of {tally.total})"

    def _next(self, tally: Tally, now: datetime) -> str:
        nxt = tally.next_due
        if nxt is None:
            return "nothing more is due"
        person = self.people.get(nxt.appointment_id)
        zone = person.zone if person else ZoneInfo("UTC")
        at = nxt.due_at.astimezone(zone)
        when = f"in {span(nxt.due_at - now)}" if nxt.due_at > now else "now"
        return (
            f"next due: {nxt.appointment_id} {nxt.rule} {nxt.channel}, "
            f"{at:%a %d %b %H:%M} {place(zone)} ({when})"
        )

    def _print_status(self) -> None:
        # One physical line whatever the width, like a log record: a reader greps it, and its
        # time stamp leads every line.
        self.console.print(self.plain_status(), soft_wrap=True)

    def plain_status(self) -> Text:
        """The status as one line of plain text, for logs and pipes."""
        real = minutes_and_seconds(self._real())
        if not self._playing or self._tally is None:
            return Text(f"[real {real}] {self._phase} …", style="dim")
        now = self.clock.now()
        tally = self._tally
        return Text(
            f"[real {real} | day {self._day(now)} of {self.days}, {now:%a %d %b %H:%M} UTC] "
            f"{self._counts(tally)}; {self._next(tally, now)}",
            style="dim",
        )

    def live_status(self) -> RenderableType:
        """The status panel a terminal redraws in place."""
        real = self._real()
        if not self._playing or self._tally is None:
            waiting = Table.grid(padding=(0, 1))
            waiting.add_row(Spinner("dots"), Text(f"{self._phase} … {minutes_and_seconds(real)}"))
            return waiting
        now = self.clock.now()
        tally = self._tally
        head = Text()
        head.append(f"Day {self._day(now)} of {self.days}", style="bold")
        head.append(f"   {now:%a %d %b %H:%M} UTC")
        head.append(
            f"   real {minutes_and_seconds(real)} of about {minutes_and_seconds(self.seconds)}",
            style="dim",
        )
        zones = Text(
            " · ".join(
                f"{place(p.zone)} {now.astimezone(p.zone):%a %H:%M}" for p in self.people.values()
            )
        )
        bar = Table.grid(padding=(0, 1))
        bar.add_row(
            ProgressBar(total=max(tally.total, 1), completed=tally.settled, width=24),
            Text(self._counts(tally)),
        )
        return Panel(
            Group(head, zones, bar, Text(self._next(tally, now), style="cyan")),
            title="reminders demo",
            title_align="left",
            expand=False,
        )


# Counted as "pending" on the status line rather than one by one.
_UNDER_WAY = frozenset(
    {ReminderState.SCHEDULED, ReminderState.CLAIMED, ReminderState.SENDING, ReminderState.UNKNOWN}
)


class _TrimmedLines(io.TextIOBase):
    """A text stream that drops the spaces rich leaves at the ends of lines (plain mode)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> int:
        self.out.write(_LINE_END.sub("\n", text))
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return False


_LINE_END = re.compile(r"[ \t]+\n")
