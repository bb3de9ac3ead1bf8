"""Sign in and out. The same answer for an unknown name and a wrong password; a wait, with
the seconds left, after repeated failures (``console.auth``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from reminders.console import accounts, auth, web
from reminders.console.auth import Session
from reminders.console.forms import FORM
from reminders.wiring import Services

router = APIRouter()


@router.get("/login")
def login_form(request: Request, next: str = "/console/", sv: Services = web.SERVICES) -> Response:
    found = auth.current(sv, request.cookies.get(auth.COOKIE, ""), sv.clock.now())
    if found is not None:
        return RedirectResponse(web.safe_next(next), status_code=303)
    return _form(request, sv, next=web.safe_next(next))


@router.post("/login")
def login(request: Request, form: dict[str, str] = FORM, sv: Services = web.SERVICES) -> Response:
    name = form.get("username", "").strip().lower()
    password = form.get("password", "")
    next_path = web.safe_next(form.get("next", "/console/"))
    if not auth.same_token(request.cookies.get(auth.LOGIN_COOKIE, ""), form.get("csrf_token", "")):
        raise web.Refused(403, "csrf")
    tr = web.translator(request, None)
    now = sv.clock.now()
    address = web.address(request, sv)
    wait = auth.wait_seconds(sv, name, address, now)
    if wait > 0:
        error = tr.ngettext(
            "Too many failed logins. Try again in %(n)s second.",
            "Too many failed logins. Try again in %(n)s seconds.",
            wait,
        ) % {"n": wait}
        out = _form(request, sv, next=next_path, name=name, error=error, status=429)
        out.headers["Retry-After"] = str(wait)
        return out
    account = accounts.authenticate(sv.store, name, password)
    if account is None:
        auth.failed(sv, name, address, now)
        error = tr.gettext("Wrong name or password, or the account is disabled.")
        return _form(request, sv, next=next_path, name=name, error=error, status=401)
    auth.succeeded(sv, name)
    session = auth.start(sv, account, now)
    web.audit(sv, session, "login")
    out = RedirectResponse(next_path, status_code=303)
    out.set_cookie(
        auth.COOKIE,
        session.token,
        path=auth.PATH,
        httponly=True,
        samesite="lax",
        secure=auth.secure_cookies(sv),
    )
    out.delete_cookie(auth.LOGIN_COOKIE, path=auth.PATH)
    return out


@router.post("/logout")
def logout(
    form: dict[str, str] = FORM, session: Session = web.SIGNED_IN, sv: Services = web.SERVICES
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    web.audit(sv, session, "logout")
    auth.end(sv, session.token)
    out = RedirectResponse("/console/login", status_code=303)
    out.delete_cookie(auth.COOKIE, path=auth.PATH)
    return out


def _form(
    request: Request,
    sv: Services,
    *,
    next: str,
    name: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    # The login form's own CSRF token: in a cookie and in the form, compared on POST.
    token = auth.new_login_token()
    out = web.render(
        request,
        "login.html",
        session=None,
        status=status,
        csrf=token,
        next=next,
        name=name,
        error=error,
    )
    out.set_cookie(
        auth.LOGIN_COOKIE,
        token,
        path=auth.PATH,
        httponly=True,
        samesite="lax",
        secure=auth.secure_cookies(sv),
    )
    return out
