"""Page 6: the last 30 days at a glance, in the clinic's days: what was sent, what failed and
what email stood in for, SMS segments spent, the patients' languages, how late sends went out
against their due time, and the attention backlog. Charts drawn on the server (``charts``),
each under a visible title, and every figure again in a table. No patient data, so nothing
to audit."""

from __future__ import annotations

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from reminders.console import charts, web
from reminders.console.auth import Session
from reminders.staff.overview import DayFigures, last_days
from reminders.wiring import Services

router = APIRouter(prefix="/overview")
DAYS = 30


@router.get("")
def overview(
    request: Request, session: Session = web.SIGNED_IN, sv: Services = web.SERVICES
) -> Response:
    zone = web.clinic_zone(sv)
    days = last_days(sv.store, sv.clock.now(), zone, DAYS)
    lang = web.language(request, session)
    _ = web.translator(request, session).gettext
    labels = [format_date(d.day, "d MMM", locale=lang) for d in days]
    drawn: list[tuple[str, str]] = []

    def bars(title: str, description: str, *series: charts.Series, stacked: bool = True) -> None:
        drawn.append((title, charts.bars(title, description, labels, series, stacked=stacked)))

    bars(
        _("Sent per day"),
        _("Messages sent each day of the last 30 days, SMS and email stacked."),
        charts.Series(_("SMS sent"), [d.sent["sms"] for d in days]),
        charts.Series(_("Email sent"), [d.sent["email"] for d in days]),
    )
    bars(
        _("Failed, and replaced by email"),
        _("Sends that failed each day, by channel, and failed SMS that an email replaced."),
        charts.Series(_("SMS failed"), [d.failed["sms"] for d in days]),
        charts.Series(_("Email failed"), [d.failed["email"] for d in days]),
        charts.Series(_("SMS replaced by email"), [d.fallback["sms"] for d in days]),
        stacked=False,
    )
    bars(
        _("SMS segments spent"),
        _("SMS segments sent each day (what the SMS provider bills)."),
        charts.Series(_("Segments"), [d.segments for d in days]),
    )
    bars(
        _("Dispatch lag"),
        _("Seconds between a reminder's due time and its send: the day's mean and maximum."),
        charts.Series(_("Mean (s)"), [round(d.lag_mean or 0, 1) for d in days]),
        charts.Series(_("Maximum (s)"), [d.lag_max for d in days]),
        stacked=False,
    )
    bars(
        _("Attention backlog"),
        _("The most appointments on the attention list at once, each day."),
        charts.Series(_("Appointments needing a person"), [d.attention for d in days]),
    )
    languages = _languages(days)
    if languages:
        drawn.append(
            (
                _("Languages"),
                charts.hbars(
                    _("Languages"),
                    _("Messages sent in each language over the last 30 days."),
                    languages,
                ),
            )
        )
    return web.render(
        request,
        "overview.html",
        session=session,
        # Built by charts.py, which escapes every text it puts in.
        charts=[(title, Markup(svg)) for title, svg in drawn],  # noqa: S704
        days=list(reversed(days)),
        totals=_totals(days),
        zone=zone,
    )


def _languages(days: list[DayFigures]) -> list[tuple[str, float]]:
    total: dict[str, int] = {}
    for d in days:
        for tag, n in d.languages.items():
            total[tag] = total.get(tag, 0) + n
    return sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))


def _totals(days: list[DayFigures]) -> dict[str, int]:
    return {
        "sent": sum(sum(d.sent.values()) for d in days),
        "failed": sum(sum(d.failed.values()) for d in days),
        "fallback": sum(d.fallback["sms"] for d in days),
        "segments": sum(d.segments for d in days),
    }
