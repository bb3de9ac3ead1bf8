"""What every request passes before the app reads a byte of its body: authentication, then a
size limit and a time limit on the body.

FastAPI reads and parses a body before it runs a route's dependencies (where roles are
checked), so without this an unauthenticated client could make the server hold and parse
100 MB before its 401. Here, as plain ASGI in front of the app:

- Rate limits (``ratelimit``): per token, per client address without a known token, per
  address on the webhooks; over one, 429 with ``Retry-After``.
- A request for the API needs a known bearer token (its role is still checked by the route);
  without one it gets 401 and its body is never read. A Twilio webhook needs an
  ``X-Twilio-Signature`` header (the route checks the signature, which covers the body); without
  one, 403. ``/health``, ``/metrics`` and the API documents are open; ``/console`` checks its own
  session cookie.
- A body longer than ``REMINDERS_MAX_BODY_BYTES`` gets 413: at once when ``Content-Length``
  says so, else as soon as that many bytes have come. A body not complete within
  ``REMINDERS_BODY_TIMEOUT`` seconds gets 408. A body within both is handed to the app whole.

Slow clients that never finish their headers are beyond an app's reach (uvicorn never closes
them): the README says which timeouts the proxy in front must set."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reminders.api.auth import caller_for, refusal
from reminders.api.ratelimit import Exceeded, RateLimits, token_key
from reminders.api.tokens import ApiTokens
from reminders.wiring import Services

OPEN = frozenset(
    {"/health", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
# The API documents' own assets (served by the app: clinics run it on intranets).
OPEN_PREFIXES = ("/docs-assets/",)
WEBHOOKS = "/twilio/"
# The staff console signs its people in with its own accounts and session cookies
# (reminders.console); here it gets only the body limits.
CONSOLE = "/console"


class Guard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        services: Services = state.services
        headers = _headers(scope)
        path: str = scope.get("path", "")
        refused = await run_in_threadpool(_refuse, path, headers, scope, state.tokens, state.rates)
        if refused is not None:
            await refused(scope, receive, send)
            return
        limits = services.settings.api
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await _answer(400, "Content-Length is not a number")(scope, receive, send)
                return
            if int(declared) > limits.max_body_bytes:
                await _too_large(limits.max_body_bytes)(scope, receive, send)
                return
        try:
            async with asyncio.timeout(limits.body_timeout):
                body, complete = await _read(receive, limits.max_body_bytes)
        except TimeoutError:
            await _answer(408, "the request body took too long to arrive")(scope, receive, send)
            return
        if body is None:
            await _too_large(limits.max_body_bytes)(scope, receive, send)
            return
        if not complete:
            return  # the client went away: nobody to answer
        await self.app(scope, _replay(body, receive), send)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _refuse(
    path: str, headers: dict[str, str], scope: Scope, tokens: ApiTokens, rates: RateLimits
) -> JSONResponse | None:
    if path in OPEN or path.startswith(OPEN_PREFIXES):
        return None
    if path == CONSOLE or path.startswith(CONSOLE + "/"):
        return None
    if path.startswith(WEBHOOKS):
        over = rates.hit("webhook", rates.address(scope, headers))
        if over is not None:
            return _too_many(over)
        if not headers.get("x-twilio-signature"):
            return _answer(403, "invalid signature")
        return None
    header = headers.get("authorization", "")
    if caller_for(header, tokens.current()) is None:
        over = rates.hit("address", rates.address(scope, headers))
        if over is not None:
            return _too_many(over)
        return _answer(401, refusal(header), {"WWW-Authenticate": "Bearer"})
    over = rates.hit("token", token_key(header))
    if over is not None:
        return _too_many(over)
    return None


def _too_many(over: Exceeded) -> JSONResponse:
    return JSONResponse(
        {
            "detail": f"too many requests: the limit is {over.limit} per {over.scope}",
            "limit": over.limit,
            "scope": over.scope,
            "retry_after": over.retry_after,
        },
        429,
        headers={"Retry-After": str(over.retry_after), "Connection": "close"},
    )


async def _read(receive: Receive, limit: int) -> tuple[bytes | None, bool]:
    """The whole body (None when it passes ``limit``), and whether it arrived complete."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect, when it comes

    return replay


def _too_large(limit: int) -> JSONResponse:
    return _answer(413, f"the request body is larger than {limit} bytes")


def _answer(status: int, detail: str, headers: dict[str, Any] | None = None) -> JSONResponse:
    # Connection: close, since the body was not read and the connection cannot be reused.
    return JSONResponse(
        {"detail": detail}, status, headers={**(headers or {}), "Connection": "close"}
    )
