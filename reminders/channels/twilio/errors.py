"""Every Twilio outcome mapped to what we do about it, in one place: errors from the API call
(synchronous) and the carrier's error codes that arrive later on status callbacks."""

from __future__ import annotations

import asyncio

import aiohttp
import requests
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from reminders.channels.base import CarrierAction, DeliveryError

# API errors that retrying cannot fix for this recipient.
OPTED_OUT = 21610  # the recipient replied STOP; Twilio refuses until they reply START
UNREACHABLE = {
    21211: "the number is not a valid phone number",
    21614: "the number is not a mobile number (landline?)",
}


def classify(exc: Exception) -> DeliveryError:
    """The DeliveryError for anything the SDK raised while creating or looking up a message."""
    if isinstance(exc, (TwilioRestException, TwilioServiceException)):
        return _rest(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return DeliveryError("could not connect to Twilio in time", permanent=False, code="connect")
    if isinstance(exc, requests.ConnectionError) and not _before_sending(exc):
        # The request may have been sent and accepted before the connection broke.
        return DeliveryError(
            "connection lost after sending", permanent=False, code="lost", ambiguous=True
        )
    if isinstance(exc, requests.ConnectionError):
        return DeliveryError("could not connect to Twilio", permanent=False, code="connect")
    if isinstance(exc, requests.Timeout):
        return DeliveryError(
            "no answer from Twilio after sending", permanent=False, code="timeout", ambiguous=True
        )
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError)):
        return _async(exc)
    if isinstance(exc, (TwilioException, requests.RequestException)):
        return DeliveryError(f"Twilio call failed: {type(exc).__name__}", permanent=False)
    raise exc


def _async(exc: aiohttp.ClientError | asyncio.TimeoutError) -> DeliveryError:
    """The asynchronous client's (aiohttp's) errors, read as requests' are above: whether the
    request may have reached Twilio decides if anyone resending must look it up first."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return DeliveryError("could not connect to Twilio in time", permanent=False, code="connect")
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS: nothing was sent
        return DeliveryError("could not connect to Twilio", permanent=False, code="connect")
    if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        # A read timeout, or the whole request's bound: it was sent, and may have been taken.
        return DeliveryError(
            "no answer from Twilio after sending", permanent=False, code="timeout", ambiguous=True
        )
    if isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)):
        return DeliveryError(
            "connection lost after sending", permanent=False, code="lost", ambiguous=True
        )
    return DeliveryError(f"Twilio call failed: {type(exc).__name__}", permanent=False)


def _rest(exc: TwilioRestException | TwilioServiceException) -> DeliveryError:
    code = int(exc.code) if exc.code else None
    status = int(exc.status or 0)
    label = str(code or status)
    if code == OPTED_OUT:
        return DeliveryError(
            "the patient has opted out of SMS", permanent=True, code=label, opted_out=True
        )
    if code in UNREACHABLE:
        return DeliveryError(UNREACHABLE[code], permanent=True, code=label, unreachable=True)
    if code == 20429 or status == 429:
        # Twilio: a 429 "is never processed and is always safe to retry".
        return DeliveryError("Twilio rate limit", permanent=False, code=label)
    if status >= 500:
        return DeliveryError(f"Twilio server error {status}", permanent=False, code=label)
    # Any other 4xx: the request itself is wrong; sending it again gives the same answer.
    return DeliveryError(
        f"Twilio refused the message ({getattr(exc, 'msg', '')})", permanent=True, code=label
    )


def _before_sending(exc: requests.ConnectionError) -> bool:
    if isinstance(exc, requests.exceptions.SSLError):
        return True  # the TLS handshake comes before the request
    reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def carrier_action(code: str) -> CarrierAction:
    """What to do when a message ends undelivered or failed with this error code."""
    if code == "30003":
        # Unreachable handset (off, no signal): Twilio says a later retry may succeed.
        return CarrierAction.RETRY_ONCE
    if code in {"30006", "21614", "21211"}:
        # Landline or unreachable carrier: SMS will never arrive; use another channel.
        return CarrierAction.FALLBACK
    if code == str(OPTED_OUT):
        return CarrierAction.FALLBACK
    # Blocked, filtered, unknown handset or reasons unknown: a person should look.
    return CarrierAction.FLAG
