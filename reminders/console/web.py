"""What every console page shares: the signed-in person (a dependency), the CSRF check of a
POST, the audit entry, and rendering a template in the person's language."""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from reminders.api.ratelimit import client_address
from reminders.console import auth, i18n
from reminders.console.auth import Session
from reminders.wiring import Services


class LoginRequired(Exception):
    """No live session: the person is sent to the login page (and back afterwards)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Refused(Exception):
    """A request the console will not carry out (403: no CSRF token, not an admin)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


def services(request: Request) -> Services:
    sv: Services = request.app.state.services
    return sv


SERVICES = Depends(services)


def _signed_in(request: Request, sv: Services = SERVICES) -> Session:
    found = auth.current(sv, request.cookies.get(auth.COOKIE, ""), sv.clock.now())
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path if request.method == "GET" else "/console/")
    request.state.session = found
    return found


SIGNED_IN = Depends(_signed_in)


def _admin(session: Session = SIGNED_IN) -> Session:
    if not session.account.is_admin:
        raise Refused(403, "forbidden")
    return session


ADMIN = Depends(_admin)


def check_csrf(session: Session, presented: str) -> None:
    if not auth.same_token(session.csrf, presented):
        raise Refused(403, "csrf")


def language(request: Request, session: Session | None) -> str:
    account_lang = session.account.lang if session is not None else ""
    return i18n.pick(account_lang, request.headers.get("accept-language", ""))


def translator(request: Request, session: Session | None) -> gettext.NullTranslations:
    """The person's language, for texts made in Python (a form's problem, a wait)."""
    return i18n.translations(language(request, session))


def address(request: Request, sv: Services) -> str:
    headers = {k.lower(): v for k, v in request.headers.items()}
    return client_address(request.scope, headers, sv.settings.api.trusted_proxies)


def clinic_zone(sv: Services) -> ZoneInfo:
    return ZoneInfo(sv.settings.clinic.timezone)


def audit(
    sv: Services, session: Session, action: str, ids: Iterable[str] = (), detail: str = ""
) -> None:
    """Who (the account), when, what, and which patients' appointments."""
    entry: dict[str, Any] = {
        "at": sv.clock.now().isoformat(),
        "by": session.account.name,
        "action": action,
        "external_ids": sorted(set(ids)),
    }
    if detail:
        entry["detail"] = detail
    sv.store.console_audit.record(entry)


@dataclass(frozen=True)
class Page:
    """What every template gets besides its own values."""

    lang: str
    session: Session | None
    path: str


def render(
    request: Request,
    template: str,
    *,
    session: Session | None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    lang = language(request, session)
    env = i18n.environment(lang)
    html = env.get_template(template).render(page=Page(lang, session, request.url.path), **values)
    return HTMLResponse(html, status_code=status, headers=_NO_STORE)


# Patient data must not stay in shared workstations' browser caches.
_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


def login_url(next_path: str) -> str:
    return "/console/login?next=" + quote(next_path, safe="/")


def safe_next(value: str) -> str:
    """Only a path of the console itself (never another site, never ``//host``)."""
    if value.startswith("/console/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/"
