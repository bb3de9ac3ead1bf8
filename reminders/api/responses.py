"""The answers routes share, for the OpenAPI document: who refuses what (the guard, the roles,
a route), and the bodies they send. Routes combine these (``{**WRONG_ROLE, **not_found(...)}``)
instead of describing the same refusal each in their own words.

Each body here is what the code really sends (``guard``, ``auth``, ``problems``, FastAPI's
``HTTPException``); tests/integration/api/test_openapi.py provokes every one and checks it
against the document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from reminders.api.problems import Invalid

Responses = dict[int | str, dict[str, Any]]


class Refusal(BaseModel):
    """Why the request was refused."""

    detail: str


class TooMany(BaseModel):
    """A rate limit was reached; try again after ``retry_after`` seconds."""

    detail: str
    limit: str = Field(description="the limit reached, as configured", examples=["600/minute"])
    scope: str = Field(
        description="what it counts: token, address (no known token) or webhook",
        examples=["token"],
    )
    retry_after: int = Field(description="seconds; the same as the Retry-After header")


def _refusal(description: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": Refusal,
        "description": description,
        "content": {"application/json": {"example": {"detail": detail}}},
        **extra,
    }


_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds until a request may succeed",
        "schema": {"type": "integer"},
    }
}

# Every operation that needs a bearer token (the guard refuses before the route runs).
AUTHENTICATED: Responses = {
    401: _refusal(
        "no bearer token, or one the service does not know",
        "a bearer token is required",
        headers={"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    ),
    429: {"model": TooMany, "description": "too many requests", "headers": _RETRY_AFTER},
}

# Operations that need the staff role: an integration token is known but not enough.
WRONG_ROLE: Responses = {
    403: _refusal("the token's role may not do this", "this needs the staff role")
}

# Operations that read a body: the guard's limits on its size and on how long it may take.
BODY_LIMITS: Responses = {
    400: _refusal("the Content-Length header is not a number", "Content-Length is not a number"),
    408: _refusal(
        "the body did not arrive within REMINDERS_BODY_TIMEOUT seconds",
        "the request body took too long to arrive",
    ),
    413: _refusal(
        "the body is larger than REMINDERS_MAX_BODY_BYTES",
        "the request body is larger than 65536 bytes",
    ),
}

# Twilio's webhooks: signed, not authenticated; rate-limited per client address.
SIGNED: Responses = {
    403: _refusal(
        "no X-Twilio-Signature, a wrong one, or webhooks not configured (TWILIO_AUTH_TOKEN, "
        "PUBLIC_BASE_URL); nothing was changed",
        "invalid signature",
    ),
    429: AUTHENTICATED[429],
}


def invalid(description: str = "invalid; nothing was stored or changed") -> Responses:
    """422, for an operation with parameters or a body (``field`` names the parameter)."""
    return {422: {"model": Invalid, "description": description}}


def not_found(description: str, example: str) -> Responses:
    return {404: _refusal(description, example)}


def conflict(description: str, example: str) -> Responses:
    return {409: _refusal(description, example)}
