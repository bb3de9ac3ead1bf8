"""Twilio's webhooks as the channel reads them: the signature check against the public URL
Twilio was given, and a status callback's form as a StatusReport (with the carrier action its
error code asks for), so nothing after the channel knows Twilio's codes."""

from __future__ import annotations

from urllib.parse import quote

from twilio.request_validator import RequestValidator

from reminders.channels.base import StatusReport
from reminders.channels.twilio.errors import carrier_action

STATUS_PATH = "/twilio/status/{rid}"
INBOUND_PATH = "/twilio/inbound"


def status_callback_url(public_base_url: str, rid: str) -> str:
    return public_base_url.rstrip("/") + STATUS_PATH.format(rid=quote(rid, safe=""))


def signed(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    """True when ``signature`` is Twilio's for ``url`` and ``params``."""
    return bool(signature) and bool(RequestValidator(auth_token).validate(url, params, signature))


def status_report(rid: str, form: dict[str, str]) -> StatusReport:
    code = form.get("ErrorCode", "")
    return StatusReport(
        reminder_id=rid,
        provider_id=form.get("MessageSid", ""),
        status=form.get("MessageStatus", form.get("SmsStatus", "")),
        code=code,
        action=carrier_action(code),
    )
