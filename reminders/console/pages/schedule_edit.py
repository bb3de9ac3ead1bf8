"""Page 5, the editor: one rule of a schedule (or the schedule's own name and send window) in a
form prefilled from the newest version. "Preview" checks the edit with the loader
(``Versions.check_edit``, nothing saved) and shows each problem beside its field, or the diff
in words and the sample patient's whole timeline under the edit in a chosen language; "Save"
(administrators) stores it as a new version and shows its diff. A form based on a version that
is no longer the newest is refused, naming the newer version, with the values kept."""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from reminders.console import web
from reminders.console.auth import Session
from reminders.console.forms import FORM
from reminders.console.pages.schedules import entry_of, may_change, versions_of
from reminders.console.rule_form import (
    ANCHORS,
    LATE_POLICIES,
    OUTSIDE,
    RuleForm,
    rule_form,
)
from reminders.console.schedule_picture import picture
from reminders.i18n import MESSAGE_KEYS
from reminders.i18n.locales import SOURCE_LOCALE, available
from reminders.model import CHANNELS
from reminders.preview import sample_timeline
from reminders.schedule.changes import changes
from reminders.schedule.edit import EditRejected, FieldError, Rejected
from reminders.schedule_versions import UnknownVersion
from reminders.store import ScheduleVersionConflict
from reminders.wiring import Services

router = APIRouter(prefix="/schedules")


@router.get("/{procedure}/rules/{key}")
def edit_rule(
    request: Request,
    procedure: str,
    key: str,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    return _fresh(request, sv, session, procedure, key)


@router.post("/{procedure}/rules/{key}")
def post_rule(
    request: Request,
    procedure: str,
    key: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    return _posted(request, sv, session, procedure, key, form)


@router.get("/{procedure}/settings")
def edit_settings(
    request: Request, procedure: str, session: Session = web.SIGNED_IN, sv: Services = web.SERVICES
) -> Response:
    return _fresh(request, sv, session, procedure, None)


@router.post("/{procedure}/settings")
def post_settings(
    request: Request,
    procedure: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    return _posted(request, sv, session, procedure, None, form)


def _fresh(
    request: Request, sv: Services, session: Session, procedure: str, key: str | None
) -> Response:
    entry_of(sv, procedure)
    head = versions_of(sv).head(procedure)
    shown = _form(sv, procedure, key, head)
    return _page(request, sv, session, procedure, shown, head, values=shown.current())


def _posted(
    request: Request,
    sv: Services,
    session: Session,
    procedure: str,
    key: str | None,
    form: dict[str, str],
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    entry_of(sv, procedure)
    versions = versions_of(sv)
    raw_base = form.get("based_on", "").strip()
    based_on = int(raw_base) if raw_base.isdigit() and len(raw_base) <= 7 else 0
    try:
        versions.version(procedure, based_on)
    except UnknownVersion:
        raise web.Refused(404, "no_version") from None
    shown = _form(sv, procedure, key, based_on)
    fields = shown.changed(form)
    values = {**shown.posted(form), "note": form.get("note", "")}
    locale = form.get("locale", "")
    _ = web.translator(request, session).gettext
    if form.get("do") != "save":
        return _preview(request, sv, session, procedure, shown, based_on, fields, values, locale)
    if not may_change(session):
        return _page(
            request, sv, session, procedure, shown, based_on, values=values, locale=locale,
            general=[_("Only administrators can save a schedule. Nothing was saved.")],
            status=403,
        )  # fmt: skip
    note = form.get("note", "").strip()[:500]
    try:
        saved = versions.edit(
            procedure,
            key,
            fields,
            based_on=based_on,
            by=session.account.name,
            at=sv.clock.now(),
            note=note,
        )
    except ScheduleVersionConflict as exc:
        why = _(
            "Nothing was saved: version %(newer)s of this schedule was saved after version "
            "%(base)s, which this form was filled from. Look at version %(newer)s, then make "
            "your change again."
        ) % {"newer": exc.newest, "base": based_on}
        return _page(
            request, sv, session, procedure, shown, based_on, values=values, locale=locale,
            general=[why], conflict=exc.newest, status=409,
        )  # fmt: skip
    except EditRejected as exc:
        return _rejected(request, sv, session, procedure, shown, based_on, values, locale, exc)
    said = "; ".join(str(c) for c in versions.diff(procedure, based_on, saved.version).changes)
    web.audit(
        sv,
        session,
        "schedule_edited",
        detail=f"{procedure} version {saved.version} ({key or 'schedule'}): {said}"
        + (f" — {note}" if note else ""),
    )
    return RedirectResponse(
        f"/console/schedules/{procedure}/versions/{saved.version}?done=saved", status_code=303
    )


def _preview(
    request: Request,
    sv: Services,
    session: Session,
    procedure: str,
    shown: RuleForm,
    based_on: int,
    fields: dict[str, str],
    values: dict[str, str],
    locale: str,
) -> Response:
    versions = versions_of(sv)
    checked = versions.check_edit(procedure, shown.key, fields, based_on=based_on)
    if isinstance(checked, Rejected):
        # A preview that finds problems is still an answer (200); nothing is saved either way.
        errors, general = _placed(shown, checked.errors)
        return _page(
            request, sv, session, procedure, shown, based_on, values=values, locale=locale,
            errors=errors, general=general,
        )  # fmt: skip
    chosen = _locale(request, sv, session, locale)
    timeline = sample_timeline(checked.schedule, chosen, sv.clock.now(), sv.settings)
    lang = web.language(request, session)
    gettext = web.translator(request, session).gettext
    preview = {
        "changes": [
            str(c) for c in changes(versions.schedule(procedure, based_on), checked.schedule)
        ],
        "layout_kept": checked.layout_kept,
        "timeline": timeline,
        "svg": picture(checked.schedule, checked.text, timeline, lang, gettext),
    }
    return _page(
        request, sv, session, procedure, shown, based_on, values=values, locale=chosen,
        preview=preview,
    )  # fmt: skip


def _rejected(
    request: Request,
    sv: Services,
    session: Session,
    procedure: str,
    shown: RuleForm,
    based_on: int,
    values: dict[str, str],
    locale: str,
    exc: EditRejected,
) -> Response:
    errors, general = _placed(shown, exc.errors)
    _ = web.translator(request, session).gettext
    if any(e.message == "this changes nothing" for e in exc.errors):
        general = [_("Nothing was saved: the form changes nothing.")]
    return _page(
        request, sv, session, procedure, shown, based_on, values=values, locale=locale,
        errors=errors, general=general, status=422,
    )  # fmt: skip


def _placed(shown: RuleForm, found: tuple[FieldError, ...]) -> tuple[dict[str, str], list[str]]:
    """Each problem beside its field (or its group of fields, ``offset``); one the form has no
    field for (about another rule, or the edit as a whole) goes above the form."""
    errors: dict[str, str] = {}
    general: list[str] = []
    for e in found:
        if e.field in shown.names or e.field in shown.groups:
            errors.setdefault(e.field, e.message)
        else:
            general.append(f"{e.path}: {e.message}" if e.path else e.message)
    return errors, general


def _form(sv: Services, procedure: str, key: str | None, based_on: int) -> RuleForm:
    text = versions_of(sv).version(procedure, based_on).toml
    try:
        return rule_form(text, key, MESSAGE_KEYS)
    except KeyError:
        raise web.Refused(404, "no_rule") from None


def _locales(sv: Services, lang: str) -> list[tuple[str, str]]:
    """The shipped languages, each with its name in the reader's language."""
    out = []
    shipped = available(sv.settings.locales_dir)
    # The source language has no catalog of its own: the messages are written in it.
    for tag in ([] if SOURCE_LOCALE in shipped else [SOURCE_LOCALE]) + shipped:
        try:
            name = Locale.parse(tag).get_display_name(lang) or tag
        except (ValueError, UnknownLocaleError):
            name = tag
        out.append((tag, f"{name} ({tag})"))
    return out


def _locale(request: Request, sv: Services, session: Session, asked: str) -> str:
    tags = [t for t, _ in _locales(sv, "en")]
    if asked in tags:
        return asked
    lang = web.language(request, session)
    return lang if lang in tags else (tags[0] if tags else "en")


def _page(
    request: Request,
    sv: Services,
    session: Session,
    procedure: str,
    shown: RuleForm,
    based_on: int,
    *,
    values: dict[str, str],
    locale: str = "",
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    preview: dict[str, Any] | None = None,
    conflict: int = 0,
    status: int = 200,
) -> Response:
    versions = versions_of(sv)
    schedule = versions.schedule(procedure, based_on)
    lang = web.language(request, session)
    return web.render(
        request,
        "schedule_edit.html",
        session=session,
        status=status,
        procedure=procedure,
        schedule=schedule,
        rule=schedule.rule(shown.key) if shown.key is not None else None,
        form=shown,
        based_on=based_on,
        head=versions.head(procedure),
        values=values,
        errors=errors or {},
        general=general or [],
        preview=preview,
        conflict=conflict,
        locales=_locales(sv, lang),
        locale=_locale(request, sv, session, locale),
        may_change=may_change(session),
        anchors=ANCHORS,
        policies=LATE_POLICIES,
        outside=OUTSIDE,
        channels=CHANNELS,
        action=f"/console/schedules/{procedure}/"
        + (f"rules/{shown.key}" if shown.key is not None else "settings"),
    )
