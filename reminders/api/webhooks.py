"""Twilio's webhooks: message status callbacks and inbound SMS.

Every request must carry a valid ``X-Twilio-Signature`` for the URL Twilio was given, which is
rebuilt from PUBLIC_BASE_URL (behind a TLS-terminating proxy the app itself sees another scheme
and host). A forged or unsigned request gets 403 and changes nothing. Signed requests always
get 2xx, even when about nothing we know, so Twilio does not retry them over and over."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from reminders.api.deps import SERVICES
from reminders.api.responses import BODY_LIMITS, SIGNED, invalid
from reminders.channels.twilio import webhook
from reminders.delivery.callbacks import on_status
from reminders.ids import ReminderId
from reminders.inbound import replies
from reminders.wiring import Services

# In the document for whoever configures Twilio; they take no bearer token, so "Try it out"
# gets 403 without a real signature. (FastAPI lists a 422 for any route with parameters: here
# in the shape really sent, though the guard has already required the only one that could fail.)
router = APIRouter(
    prefix="/twilio", tags=["twilio"], responses={**SIGNED, **BODY_LIMITS, **invalid()}
)
# The guard refuses a request without one (403) before the route runs.
Signature = Annotated[
    str,
    Header(
        alias="X-Twilio-Signature",
        description="Twilio's signature of the URL and the form (TWILIO_AUTH_TOKEN)",
    ),
]


def _form(description: str, fields: dict[str, str]) -> dict[str, Any]:
    """The form Twilio posts, for the document (the route reads it whole: every field is
    signed); ``fields`` are those the service reads."""
    schema = {
        "type": "object",
        "properties": {k: {"type": "string", "description": v} for k, v in fields.items()},
        "additionalProperties": {"type": "string"},
    }
    return {
        "requestBody": {
            "description": description,
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


async def _signed_form(request: Request, sv: Services, signature: str) -> dict[str, str]:
    s = sv.settings
    if not (s.twilio.auth_token and s.public_base_url):
        raise HTTPException(403, "webhooks are not configured")
    form = await request.form()
    params = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    # The raw path, exactly as Twilio requested it (quoted reminder ids stay quoted).
    url = s.public_base_url.rstrip("/") + request.scope.get("raw_path", b"").decode("latin-1")
    if request.url.query:
        url += "?" + request.url.query
    if not webhook.signed(s.twilio.auth_token, url, params, signature):
        raise HTTPException(403, "invalid signature")
    return params


@router.post(
    "/status/{rid}",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "taken (also when about no reminder we know)"}},
    openapi_extra=_form(
        "a message status callback",
        {
            "MessageSid": "the provider's message id",
            "MessageStatus": "queued, sent, delivered, undelivered, failed, ...",
            "ErrorCode": "the provider's error code, when it failed",
        },
    ),
)
async def status_callback(
    rid: str, request: Request, signature: Signature, sv: Services = SERVICES
) -> Response:
    form = await _signed_form(request, sv, signature)
    try:
        ReminderId.parse(rid)
    except ValueError:
        return Response(status_code=204)  # not one of our reminder ids: nothing to update
    # Redis calls block: keep them off the event loop.
    await run_in_threadpool(
        on_status,
        sv.store,
        webhook.status_report(rid, form),
        sv.clock.now(),
        is_safety=sv.delivery.is_safety,
        retry_delay=sv.settings.twilio.carrier_retry_delay,
    )
    return Response(status_code=204)


@router.post(
    webhook.INBOUND_PATH.removeprefix("/twilio"),
    response_class=Response,
    responses={
        200: {
            "description": "TwiML: the reply SMS, if any",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
    openapi_extra=_form(
        "an SMS from a patient",
        {"MessageSid": "the provider's message id", "From": "the sender", "Body": "the text"},
    ),
)
async def inbound(request: Request, signature: Signature, sv: Services = SERVICES) -> Response:
    form = await _signed_form(request, sv, signature)
    s, store = sv.settings, sv.store
    sid = form.get("MessageSid", "")
    first_time = await run_in_threadpool(store.contacts.first_time_seen, sid) if sid else True
    reply = await run_in_threadpool(
        replies.handle,
        store,
        form.get("From", ""),
        form.get("Body", ""),
        sv.clock.now(),
        clinic_name=s.clinic.name,
        clinic_phone=s.clinic.phone,
        is_safety=sv.delivery.is_safety,
        first_time=first_time,
        locales_dir=s.locales_dir,
        default_locale=s.clinic.default_locale,
    )
    twiml = MessagingResponse()
    if reply.text:
        twiml.message(reply.text)
    return Response(str(twiml), media_type="application/xml")
