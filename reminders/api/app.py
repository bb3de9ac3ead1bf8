"""The one HTTP app (served by ``reminders serve``). Each area is a router in its own module."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from reminders import __version__, console, wiring
from reminders.api import appointments, docs, fhir, health, problems, schedules, staff, webhooks
from reminders.api.guard import Guard
from reminders.api.ratelimit import RateLimits
from reminders.api.responses import AUTHENTICATED
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
        description="Patient reminders for image-guided procedures: staff and integration API. "
        'Every call but /health, /metrics and the webhooks needs a bearer token ("Authorize").',
        docs_url=None,  # served by ``docs`` with local assets instead of a CDN's
        redoc_url=None,
    )
    app.state.services = sv
    app.state.tokens = ApiTokens.from_settings(sv.settings)
    app.state.rates = RateLimits(sv.settings)
    if sv.settings.api_tokens_file is not None:
        install_sighup()  # SIGHUP: read API_TOKENS_FILE again
    app.add_middleware(Guard)  # authentication and body limits before any body is read
    app.add_exception_handler(ValidationError, problems.invalid)
    app.add_exception_handler(RequestValidationError, problems.invalid_request)
    # The guard refuses these without a known token (401) and counts them per token (429).
    for router in (appointments.router, schedules.router, staff.router, fhir.router):
        app.include_router(router, responses=AUTHENTICATED)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    app.mount("/console", console.create_app(sv))  # the staff console (its own sessions)
    docs.install(app)
    return app
