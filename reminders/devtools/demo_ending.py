"""The demo's ending: every reminder (due, delivered, how late, why not sent), every state with
its count and reasons, the checks in words a reader can weigh, and what to try next.

Commands are printed unwrapped (``soft_wrap``), so that they can be copied whole even from a
narrow terminal or a log file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from reminders.clock import WarpClock
from reminders.devtools.demo_report import MEANING, STATE_ORDER, Row, Summary, rule_label
from reminders.devtools.demo_view import Person, place, span
from reminders.model import ReminderState

PASS, FAIL = "✓", "✗"
# At most this many ids are named under a failed check; the rest are counted.
NAMED = 5


@dataclass(frozen=True)
class NextSteps:
    preview: str  # a `reminders preview ...` command showing one demo patient's timeline
    users_add: str
    serve: str
    console_url: str
    readme: str


def show(
    console: Console,
    summary: Summary,
    people: Mapping[str, Person],
    clock: WarpClock,
    tick: float,
    steps: NextSteps,
) -> None:
    """``tick``: the demo's dispatch interval in real seconds, what lateness is made of."""
    console.print()
    for aid, rows in groupby(summary.rows, key=lambda r: r.record.appointment_id):
        console.print(_reminders_table(people.get(aid), aid, list(rows)))
    console.print(_states_table(summary))
    console.print()
    _checks(console, summary, clock, tick)
    console.print()
    _next_steps(console, steps)


def _reminders_table(person: Person | None, aid: str, rows: Sequence[Row]) -> Group:
    """One appointment's reminders in its patient's local time, narrow enough for 80 columns
    without cutting anything: a reminder not sent points to its reason, listed under the
    table, rather than squeezing the sentence into a column."""
    title = f"{aid}: {person.name}, times in {place(person.zone)}" if person else aid
    table = _table(title)
    table.add_column("v", justify="right")
    for name in ("rule", "via", "state", "due", "sent at"):
        table.add_column(name, no_wrap=True)
    table.add_column("late", justify="right", no_wrap=True)
    zone = person.zone if person else None
    reasons: dict[str, int] = {}
    for row in rows:
        r = row.record
        due = r.due_at.astimezone(zone)
        sent_at = ""
        if row.delivered_at is not None:
            at = row.delivered_at.astimezone(zone)
            days = (at.date() - due.date()).days
            sent_at = f"{at:%H:%M}" + (f" +{days}d" if days else "")
        late = row.lateness
        if late is not None:
            how = Text(f"{late / 60:.0f} min")
        else:
            note = reasons.setdefault(r.reason or "(no reason recorded)", len(reasons) + 1)
            how = Text(f"see {note}", style="dim")
        table.add_row(
            str(r.version),
            rule_label(r),
            r.channel,
            Text(str(r.state), style=_STYLE.get(r.state, "")),
            f"{due:%a %d %H:%M}",
            sent_at,
            how,
        )
    notes = [Padding.indent(Text(f"{n}: {why}", style="dim"), 2) for why, n in reasons.items()]
    return Group(table, *notes, Text(""))


def _table(title: str) -> Table:
    return Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )


def _states_table(summary: Summary) -> Table:
    table = _table("Every reminder by state")
    table.add_column("state", no_wrap=True)
    table.add_column("count", justify="right")
    table.add_column("what it means, and why (count)")
    for state in STATE_ORDER:
        n = summary.counts.get(state, 0)
        why = Text(MEANING[state])
        for reason, k in sorted(summary.reasons.get(state, {}).items(), key=lambda x: -x[1]):
            why.append(f"\n{reason} ({k})", style="dim")
        table.add_row(Text(str(state), style=_STYLE.get(state, "") if n else "dim"), str(n), why)
    table.add_section()
    table.add_row("total", str(sum(summary.counts.values())), "")
    return table


def _checks(console: Console, summary: Summary, clock: WarpClock, tick: float) -> None:
    late = summary.lateness
    sent = summary.counts.get(ReminderState.SENT, 0)
    lines: list[tuple[bool, str]] = []
    if late:
        real_max = clock.real_seconds(late[-1])
        lines.append(
            (
                not summary.early,
                "None went out early: every message reached the outbox at or after its due "
                f"time (virtual time: the earliest {late[0] / 60:.0f} min after, median "
                f"{late[len(late) // 2] / 60:.0f} min, latest {late[-1] / 60:.0f} min, which "
                f"is {real_max:.2f} s of real time at this speed)."
                if not summary.early
                else f"{len(summary.early)} went out before they were due: "
                + _named([row.record.id for row in summary.early]),
            )
        )
    lines += [
        (
            not summary.twice,
            f"None went out twice: {summary.messages} messages in the outbox, each for a "
            "different reminder."
            if not summary.twice
            else f"Sent more than once: {_named(summary.twice)}",
        ),
        (
            not summary.stale,
            "Nothing withdrawn went out: no cancelled or skipped reminder has a message in the "
            "outbox, though one appointment was moved and one cancelled mid-way."
            if not summary.stale
            else f"Messages of reminders not marked sent: {_named(summary.stale)}",
        ),
        (
            not summary.unrecorded,
            f"Every one of the {sent} reminders marked sent has its message in the outbox."
            if not summary.unrecorded
            else "Marked sent without a message in the outbox: "
            + _named([row.record.id for row in summary.unrecorded]),
        ),
        (
            not summary.unsettled,
            f"Nothing was left pending: all {len(summary.rows)} reminders reached an end state."
            if not summary.unsettled
            else f"{len(summary.unsettled)} still pending when the demo stopped: "
            + _named([row.record.id for row in summary.unsettled]),
        ),
    ]
    # A grid, so that a wrapped check stays indented under its own text, not under the mark.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for ok, text in lines:
        grid.add_row(
            Text(f" {PASS if ok else FAIL}", style="green" if ok else "bold red"), Text(text)
        )
    grid.add_row(
        "",
        Text(
            f"(Lateness here is the clock's speed: one {tick:g} s dispatch tick spans "
            f"{span_of_tick(clock, tick)} of virtual time. In a clinic a reminder is about "
            "REMINDERS_DUE_CHECK, 1 s, late.)",
            style="dim",
        ),
    )
    console.print(Text("Checks", style="bold"))
    console.print(grid)


def span_of_tick(clock: WarpClock, tick: float) -> str:
    return span(timedelta(seconds=clock.virtual_seconds(tick)))


def _named(ids: Sequence[str]) -> str:
    named = ", ".join(ids[:NAMED])
    return named + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "")


def _next_steps(console: Console, steps: NextSteps) -> None:
    console.print(Text("What to try next", style="bold"))
    say = Padding.indent  # prose wraps under itself; commands below never wrap

    console.print(
        say(
            Text(
                "See one demo patient's whole timeline, every email and SMS in full, "
                "without Redis or Celery:"
            ),
            2,
        )
    )
    console.print(Text(f"    {steps.preview}", style="cyan"), soft_wrap=True)
    console.print(
        say(
            Text(
                "Open the staff console (the demo has removed its own patients: the console "
                "shows what the Redis at REDIS_URL holds):"
            ),
            2,
        )
    )
    console.print(
        Text(f"    {steps.users_add}", style="cyan")
        + Text("    # an admin account; asks for a password", style="dim"),
        soft_wrap=True,
    )
    console.print(
        Text(f"    {steps.serve}", style="cyan")
        + Text(f"    # then open {steps.console_url}", style="dim"),
        soft_wrap=True,
    )
    console.print(
        say(
            Text(
                "Run it for real (Docker Compose, Twilio, SMTP), every setting, the HTTP API "
                f"and the console: {steps.readme}"
            ),
            2,
        )
    )


_STYLE: Mapping[ReminderState, str] = {
    ReminderState.SENT: "green",
    ReminderState.CANCELLED: "yellow",
    ReminderState.SKIPPED: "yellow",
    ReminderState.FLAGGED: "bold red",
    ReminderState.FAILED: "bold red",
    ReminderState.UNKNOWN: "bold red",
}
