"""The one HTTP app (served by ``reminders serve``). Each area is a router in its own module."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from reminders import __version__, wiring
from reminders.api import appointments, health, schedules, staff, webhooks
from reminders.api.logsafe import install as install_log_masking
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
    app.add_exception_handler(ValidationError, _invalid)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(appointments.router)
    app.include_router(schedules.router)
    app.include_router(staff.router)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    return app


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    return JSONResponse(
        {
            "detail": [
                {
                    "loc": ["body", *exc.field.split(".")],
                    "field": exc.field,
                    "msg": exc.message,
                    "type": "value_error",
                }
            ]
        },
        status_code=422,
    )


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Never echo the submitted values back: they may be a patient's contact details.
    errors = [
        {
            "loc": list(e.get("loc", ())),
            "field": ".".join(str(p) for p in e.get("loc", ())[1:]),
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)
