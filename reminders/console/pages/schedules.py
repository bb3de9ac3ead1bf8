"""Page 5: the schedules. The list; one schedule's page with its picture (the sample patient's
messages on a time axis), its rules, its versions (roll back to one) and the re-plan of the
pending reminders of future appointments (a dry run first, then an explicit confirmation); and
one version with its diff and text. Editing a rule is ``schedule_edit``.

Staff see everything; saving, rolling back and re-planning need an administrator, because each
changes the messages of every patient booked for the procedure. The console audit says who
did what (the re-plan also names the appointments it looked at or changed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from reminders import replan
from reminders.console import web
from reminders.console.auth import Session
from reminders.console.forms import FORM
from reminders.console.schedule_picture import own_window, picture, schedule_window
from reminders.preview import sample_timeline
from reminders.schedule import ScheduleError
from reminders.schedule.edit import EditRejected
from reminders.schedule.registry import Loaded
from reminders.schedule_versions import UnknownVersion, Versions
from reminders.store import ScheduleVersionConflict
from reminders.wiring import Services

router = APIRouter(prefix="/schedules")


def versions_of(sv: Services) -> Versions:
    if sv.schedules.versions is None:  # wiring.build attaches them; a console needs them
        raise web.Refused(404, "no_schedule")
    return sv.schedules.versions


def entry_of(sv: Services, procedure: str) -> Loaded:
    """The schedule's file entry, looked up by procedure name (never a path)."""
    try:
        return sv.schedules.entry(procedure)
    except ScheduleError:
        raise web.Refused(404, "no_schedule") from None


def may_change(session: Session) -> bool:
    return session.account.is_admin


@router.get("")
def schedules(
    request: Request, session: Session = web.SIGNED_IN, sv: Services = web.SERVICES
) -> Response:
    versions = versions_of(sv)
    rows = [
        {"entry": entry, "newest": versions.history(entry.schedule.procedure)[-1]}
        for entry in sv.schedules.entries()
    ]
    return web.render(
        request, "schedules.html", session=session, rows=rows, zone=web.clinic_zone(sv)
    )


@router.get("/{procedure}")
def schedule(
    request: Request,
    procedure: str,
    done: str = "",
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    return _page(request, sv, session, procedure, done=done)


def _page(
    request: Request,
    sv: Services,
    session: Session,
    procedure: str,
    *,
    done: str = "",
    problem: str = "",
    status: int = 200,
) -> Response:
    entry = entry_of(sv, procedure)
    versions = versions_of(sv)
    history = versions.history(procedure)
    newest = history[-1]
    current = versions.schedule(procedure, newest.version)
    lang = web.language(request, session)
    gettext = web.translator(request, session).gettext
    timeline = sample_timeline(current, "en", sv.clock.now(), sv.settings)
    window = schedule_window(newest.toml)
    return web.render(
        request,
        "schedule.html",
        session=session,
        status=status,
        entry=entry,
        schedule=current,
        history=list(reversed(history)),
        newest=newest,
        window=window,
        own={r.key: own_window(r, window) for r in current.rules},
        svg=picture(current, newest.toml, timeline, lang, gettext),
        timeline=timeline,
        zone=web.clinic_zone(sv),
        may_change=may_change(session),
        done=done,
        problem=problem,
    )


@router.get("/{procedure}/versions/{number}")
def version(
    request: Request,
    procedure: str,
    number: int,
    done: str = "",
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    entry_of(sv, procedure)
    versions = versions_of(sv)
    try:
        shown = versions.version(procedure, number)
    except UnknownVersion:
        raise web.Refused(404, "no_version") from None
    diff = versions.diff(procedure, number - 1, number) if number > 1 else None
    return web.render(
        request,
        "schedule_version.html",
        session=session,
        procedure=procedure,
        shown=shown,
        diff=diff,
        head=versions.head(procedure),
        zone=web.clinic_zone(sv),
        done=done,
    )


@router.post("/{procedure}/rollback")
def rollback(
    request: Request,
    procedure: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    entry_of(sv, procedure)
    if not may_change(session):
        raise web.Refused(403, "schedules_admin")
    _ = web.translator(request, session).gettext
    to, based_on = _number(form.get("to", "")), _number(form.get("based_on", ""))
    try:
        saved = versions_of(sv).rollback(
            procedure,
            to,
            based_on=based_on,
            by=session.account.name,
            at=sv.clock.now(),
            note=form.get("note", "").strip()[:500],
        )
    except UnknownVersion:
        raise web.Refused(404, "no_version") from None
    except ScheduleVersionConflict as exc:
        why = _("Nothing was rolled back: version %(n)s was saved since you loaded this page.")
        return _page(request, sv, session, procedure, problem=why % {"n": exc.newest}, status=409)
    except (EditRejected, ScheduleError) as exc:
        why = _("Nothing was rolled back: %(why)s")
        return _page(request, sv, session, procedure, problem=why % {"why": exc}, status=422)
    web.audit(
        sv,
        session,
        "schedule_rolled_back",
        detail=f"{procedure}: version {saved.version} has version {to}'s text",
    )
    return RedirectResponse(
        f"/console/schedules/{procedure}/versions/{saved.version}?done=rolled_back",
        status_code=303,
    )


@router.get("/{procedure}/replan")
def replan_dry_run(
    request: Request, procedure: str, session: Session = web.SIGNED_IN, sv: Services = web.SERVICES
) -> Response:
    entry_of(sv, procedure)
    return _replan_page(request, sv, session, procedure)


@router.post("/{procedure}/replan")
def replan_apply(
    request: Request,
    procedure: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    entry_of(sv, procedure)
    if not may_change(session):
        raise web.Refused(403, "schedules_admin")
    versions = versions_of(sv)
    version = _number(form.get("version", ""))
    try:
        report = replan.apply(
            sv.store, versions, procedure, version, sv.clock.now(), by=session.account.name
        )
    except (ScheduleVersionConflict, UnknownVersion):
        # The dry run the person confirmed was for another version: show the newest's.
        return _replan_page(request, sv, session, procedure, stale=version, status=409)
    counts = ", ".join(f"{k} {report.count(k)}" for k in replan.KINDS)
    web.audit(
        sv,
        session,
        "schedule_replanned",
        [a.appointment_id for a in report.appointments],
        detail=f"{procedure} version {version}: {len(report.appointments)} appointments, {counts}",
    )
    return web.render(
        request,
        "schedule_replan.html",
        session=session,
        procedure=procedure,
        report=report,
        zone=web.clinic_zone(sv),
        may_change=may_change(session),
        stale=0,
        kinds=replan.KINDS,
    )


def _replan_page(
    request: Request,
    sv: Services,
    session: Session,
    procedure: str,
    *,
    stale: int = 0,
    status: int = 200,
) -> Response:
    versions = versions_of(sv)
    report = replan.dry_run(sv.store, versions, procedure, versions.head(procedure), sv.clock.now())
    web.audit(
        sv,
        session,
        "schedule_replan_dry_run",
        [a.appointment_id for a in report.appointments],
        detail=f"{procedure} version {report.version}",
    )
    return web.render(
        request,
        "schedule_replan.html",
        session=session,
        status=status,
        procedure=procedure,
        report=report,
        zone=web.clinic_zone(sv),
        may_change=may_change(session),
        stale=stale,
        kinds=replan.KINDS,
    )


def _number(raw: str) -> int:
    """A version number from a form (a form of ours sends one; anything else is no version)."""
    value = raw.strip()
    if not value.isdigit() or len(value) > 7:
        raise web.Refused(404, "no_version")
    return int(value)
