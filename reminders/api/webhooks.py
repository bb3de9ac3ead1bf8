"""Twilio's webhooks: message status callbacks and inbound SMS.

Every request must carry a valid ``X-Twilio-Signature`` for the URL Twilio was given, which is
rebuilt from PUBLIC_BASE_URL (behind a TLS-terminating proxy the app itself sees another scheme
and host). A forged or unsigned request gets 403 and changes nothing. Signed requests always
get 2xx, even when about nothing we know, so Twilio does not retry them over and over."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from reminders import optout, runtime, tracking
from reminders.channels.sms import INBOUND_PATH
from reminders.schedule.planner import parse_reminder_id

router = APIRouter(prefix="/twilio", tags=["twilio"], include_in_schema=False)


async def _signed_form(request: Request) -> dict[str, str]:
    s = runtime.settings()
    if not (s.twilio.auth_token and s.public_base_url):
        raise HTTPException(403, "webhooks are not configured")
    form = await request.form()
    params = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    # The raw path, exactly as Twilio requested it (quoted reminder ids stay quoted).
    url = s.public_base_url.rstrip("/") + request.scope.get("raw_path", b"").decode("latin-1")
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(s.twilio.auth_token).validate(url, params, signature):
        raise HTTPException(403, "invalid signature")
    return params


@router.post("/status/{rid}", status_code=204)
async def status_callback(rid: str, request: Request) -> Response:
    form = await _signed_form(request)
    try:
        parse_reminder_id(rid)
    except ValueError:
        return Response(status_code=204)  # not one of our reminder ids: nothing to update
    s = runtime.settings()
    # Redis calls block: keep them off the event loop.
    await run_in_threadpool(
        tracking.on_status,
        runtime.store(),
        rid,
        form.get("MessageSid", ""),
        form.get("MessageStatus", form.get("SmsStatus", "")),
        form.get("ErrorCode", ""),
        runtime.clock().now(),
        is_safety=runtime.delivery_config().is_safety,
        retry_delay=s.twilio.carrier_retry_delay,
    )
    return Response(status_code=204)


@router.post(INBOUND_PATH.removeprefix("/twilio"))
async def inbound(request: Request) -> Response:
    form = await _signed_form(request)
    s = runtime.settings()
    store = runtime.store()
    sid = form.get("MessageSid", "")
    first_time = await run_in_threadpool(store.first_time_seen, sid) if sid else True
    reply = await run_in_threadpool(
        optout.handle,
        store,
        form.get("From", ""),
        form.get("Body", ""),
        runtime.clock().now(),
        clinic_name=s.clinic.name,
        clinic_phone=s.clinic.phone,
        is_safety=runtime.delivery_config().is_safety,
        first_time=first_time,
        locales_dir=s.locales_dir,
        default_locale=s.clinic.default_locale,
    )
    twiml = MessagingResponse()
    if reply.text:
        twiml.message(reply.text)
    return Response(str(twiml), media_type="application/xml")
