"""The console as a sub-application of the HTTP app (mounted at ``/console`` by
``api.app.create_app``): its pages, its static file, and how it answers a request it refuses
(the login page, or a page saying why), never the API's JSON."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from reminders.console import web
from reminders.console.pages import (
    appointment,
    attention,
    audit,
    login,
    overview,
    replies,
    schedule_edit,
    schedules,
    today,
)
from reminders.wiring import Services

STATIC = Path(__file__).resolve().parent / "static"
_ASSETS = {"console.css": "text/css"}
PAGES = (login, today, appointment, attention, replies, audit, schedules, schedule_edit, overview)


def create_app(services: Services) -> FastAPI:
    app = FastAPI(title="reminders console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    for page in PAGES:
        app.include_router(page.router)
    app.add_api_route("/static/{name}", _asset, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(web.LoginRequired, _to_login)
    app.add_exception_handler(web.Refused, _refused)
    return app


def _asset(name: str) -> Response:
    if name not in _ASSETS:
        return Response(status_code=404)
    return FileResponse(STATIC / name, media_type=_ASSETS[name])


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, web.LoginRequired)
    return RedirectResponse(web.login_url(exc.next_path), status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, web.Refused)
    session = getattr(request.state, "session", None)
    return web.render(request, "refused.html", session=session, status=exc.status, why=exc.why)
