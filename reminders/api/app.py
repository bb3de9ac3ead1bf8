"""The one HTTP app (served by ``reminders serve``). Each area is a router in its own module."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from reminders import __version__, console, wiring
from reminders.api import appointments, health, schedules, staff, webhooks
from reminders.api.guard import Guard
from reminders.api.ratelimit import RateLimits
from reminders.api.tokens import ApiTokens, install_sighup
from reminders.logsafe import install as install_log_masking
from reminders.model import ValidationError

log = logging.getLogger(__name__)


def create_app(services: wiring.Services | None = None) -> FastAPI:
    """The app over ``services`` (built from the environment when None: a bad setting stops
    the server before it listens, naming the variable)."""
    install_log_masking()
    sv = services or wiring.build()
    if not sv.settings.api_tokens:
        log.warning("API_TOKENS is empty: every API call will be refused (401)")
    app = FastAPI(
        title="reminders",
        version=__version__,
        description="Patient reminders for image-guided procedures: staff and integration API.",
    )
    app.state.services = sv
    app.state.tokens = ApiTokens.from_settings(sv.settings)
    app.state.rates = RateLimits(sv.settings)
    if sv.settings.api_tokens_file is not None:
        install_sighup()  # SIGHUP: read API_TOKENS_FILE again
    app.add_middleware(Guard)  # authentication and body limits before any body is read
    app.add_exception_handler(ValidationError, _invalid)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(appointments.router)
    app.include_router(schedules.router)
    app.include_router(staff.router)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    app.mount("/console", console.create_app(sv))  # the staff console (its own sessions)
    return app


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _problem(loc: list[str | int], msg: str, kind: str) -> dict[str, object]:
    """One problem, named three ways: ``loc`` (FastAPI's, with where in the request first),
    ``field`` (``medications[0].name``) and, in a body, ``pointer`` (RFC 6901,
    ``/medications/0/name``)."""
    where, path = (str(loc[0]), loc[1:]) if loc else ("body", [])
    field = ""
    for part in path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    out: dict[str, object] = {"loc": [where, *path], "field": field, "msg": msg, "type": kind}
    if where == "body":
        out["pointer"] = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return out


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    path: list[str | int] = [
        int(index) if index else name for name, index in _PART.findall(exc.field)
    ]
    return JSONResponse(
        {"detail": [_problem([exc.where, *path], exc.message, "value_error")]}, status_code=422
    )


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Never echo the submitted values back (pydantic's "input", "ctx"): they may be a patient's
    # contact details.
    errors = [
        _problem(list(e.get("loc", ())), str(e.get("msg", "")), str(e.get("type", "")))
        for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)
