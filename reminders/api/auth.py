"""Bearer tokens with roles. ``integration`` may book, edit and cancel; ``staff`` may also read
timelines and the attention list. Tokens come from ``API_TOKENS`` (or ``API_TOKENS_FILE``):
``role:token`` entries separated by commas or new lines."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reminders.api.tokens import ApiTokens

_GRANTS = {"integration": {"integration"}, "staff": {"integration", "staff"}}


@dataclass(frozen=True)
class Caller:
    role: str
    token_hint: str  # the last 4 characters, for the audit trail; never the token


def caller_for(header: str, tokens: tuple[tuple[str, bytes], ...]) -> Caller | None:
    """Who an ``Authorization`` header names, or None (no bearer token, or an unknown one)."""
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return None
    found: Caller | None = None
    for role, token in tokens:
        # Compare against every token, always, so timing reveals nothing about which matched.
        if hmac.compare_digest(presented.encode(), token):
            found = Caller(role, presented[-4:])
    return found


def refusal(header: str) -> str:
    """Why a 401: no bearer token at all, or one we do not know."""
    scheme, _, presented = header.partition(" ")
    if scheme.lower() == "bearer" and presented:
        return "unknown token"
    return "a bearer token is required"


# Declares the bearer scheme in the OpenAPI document, on every operation that needs a token
# (Swagger UI's "Authorize" then sends it). It refuses nothing itself (``auto_error=False``): the
# guard has already refused a request without a known token, and ``_authenticate`` checks again.
BEARER = HTTPBearer(
    scheme_name="bearer",
    description="An API token (API_TOKENS): integration or staff, its role decides what it may do",
    auto_error=False,
)


def _authenticate(
    request: Request,
    _declared: HTTPAuthorizationCredentials | None = Security(BEARER),  # noqa: B008
) -> Caller:
    tokens: ApiTokens = request.app.state.tokens
    header = request.headers.get("authorization", "")
    found = caller_for(header, tokens.current())
    if found is None:
        raise HTTPException(401, refusal(header), headers={"WWW-Authenticate": "Bearer"})
    return found


def require(role: str) -> Callable[..., Caller]:
    def check(caller: Caller = Depends(_authenticate)) -> Caller:  # noqa: B008
        if role not in _GRANTS[caller.role]:
            raise HTTPException(403, f"this needs the {role} role")
        return caller

    return check
