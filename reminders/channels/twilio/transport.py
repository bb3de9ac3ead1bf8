"""SMS through Twilio's Messages API with the official SDK.

One outbound call point (``client.messages.create``). Before it, one admission (``SendGate``)
refuses a number that opted out or cannot receive, keeps the sender under its shared rate, and
notes the attempt in the send log, so that a send whose answer was lost (a read timeout) can
later be looked up instead of sent twice."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from reminders.channels.base import (
    Admission,
    DeliveryError,
    Outgoing,
    RecipientBlocked,
    SendGate,
    SendLog,
)
from reminders.channels.twilio.errors import classify
from reminders.channels.twilio.webhook import status_callback_url
from reminders.clock import Clock
from reminders.i18n.segments import segments

MAX_VALIDITY = 36000  # Twilio's upper bound (10 hours), in seconds
# smart_encoded lets Twilio swap these for GSM look-alikes, so the stored body may differ.
_SMART = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


class TwilioSms:
    name = "sms"
    # send() refuses an opted-out or unusable number itself, in the same atomic admission that
    # takes the rate and notes the attempt (``SendGate``): delivery need not ask first.
    admits_recipients = True

    def __init__(
        self,
        client: Any,  # twilio.rest.Client
        sendlog: SendLog,
        clock: Clock,
        gate: SendGate,
        *,
        messaging_service_sid: str = "",
        from_number: str = "",
        public_base_url: str = "",
        max_wait: float = 1.0,
        lookup_window: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        async_client: Any = None,  # a twilio.rest.Client on an asynchronous HTTP client
    ) -> None:
        if not (messaging_service_sid or from_number):
            raise ValueError("a Messaging Service SID or a From number is needed")
        self.client = client
        self.sendlog = sendlog
        self.clock = clock
        self.gate = gate
        self.sender = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": from_number}
        )
        self.public_base_url = public_base_url
        self.max_wait = max_wait
        self.lookup_window = timedelta(seconds=lookup_window)
        self.sleep = sleep
        self.async_client = async_client
        # A batch sends through send_async, side by side on one event loop (delivery.batch).
        self.sends_async = async_client is not None

    def send(self, message: Outgoing) -> str:
        (admitted,) = self.admit_all([message])
        if 0 < admitted.wait <= self.max_wait:
            self.sleep(admitted.wait)
            (admitted,) = self.admit_all([message])
        _refuse_unless(admitted)
        try:
            created = self.client.messages.create(**self._params(message))
        except Exception as exc:
            raise classify(exc) from exc
        return self._took(message, created)

    def admit_all(self, messages: Sequence[Outgoing]) -> Sequence[Admission]:
        """Each message's admission, in one round trip (``SendGate``): carriers meter senders
        by segment, so a 3-segment reminder costs three sends; an admitted one has its
        attempt noted for a later lookup."""
        sends = [
            (m.to, segments(m.text), "sms:try", m.reminder_id, _attempt_memo(m)) for m in messages
        ]
        if len(sends) == 1:
            return [self.gate.admit(*sends[0])]
        return self.gate.admit_many(sends)

    async def send_async(self, message: Outgoing, admitted: Admission | None = None) -> str:
        """``send`` through the asynchronous client: the same admission (``admitted``, when a
        batch admitted its sends together; a wait for the rate is the loop's, not a blocked
        thread's), the same parameters and errors."""
        if admitted is None:
            (admitted,) = self.admit_all([message])
        if 0 < admitted.wait <= self.max_wait:
            await asyncio.sleep(admitted.wait)
            (admitted,) = self.admit_all([message])
        _refuse_unless(admitted)
        try:
            created = await self.async_client.messages.create_async(**self._params(message))
        except Exception as exc:
            raise classify(exc) from exc
        return self._took(message, created)

    def _params(self, message: Outgoing) -> dict[str, Any]:
        now = self.clock.now()  # after any wait for the rate: the validity counts from here
        params: dict[str, Any] = {
            "to": message.to,
            "body": message.text,
            "smart_encoded": True,
            **self.sender,
        }
        if self.public_base_url:
            params["status_callback"] = status_callback_url(
                self.public_base_url, message.reminder_id
            )
        if message.deadline is not None:
            params["validity_period"] = validity_period(message.deadline, now)
        return params

    def _took(self, message: Outgoing, created: Any) -> str:
        sid = str(created.sid)
        self.sendlog.remember_owned("sms:sid", message.reminder_id, sid, "sms:owner")
        return sid

    def find_sent(self, reminder_id: str) -> str | None:
        """The provider id of this reminder's message if Twilio has it. Twilio echoes nothing of
        ours but the status callback URL (which settles a lost send exactly, in the webhook), so
        a lookup matches the text to the number around the attempt's time, and only a message no
        other reminder owns: two candidates are ambiguous, and nothing is guessed."""
        known = self.sendlog.recall("sms:sid", reminder_id)
        if known:
            return known
        raw = self.sendlog.recall("sms:try", reminder_id)
        if not raw:
            return None  # never handed to Twilio
        memo = json.loads(raw)
        at = datetime.fromtimestamp(memo["at"], UTC)
        try:
            recent = self.client.messages.list(to=memo["to"], limit=50)
        except Exception as exc:
            raise classify(exc) from exc
        candidates = []
        for m in recent:
            created = getattr(m, "date_created", None)
            if created is not None and abs(created - at) > self.lookup_window:
                continue  # clocks differ a little between us and Twilio; no more than that
            if m.body is None or _digest(m.body) != memo["sha"]:
                continue
            owner = self.sendlog.recall("sms:owner", str(m.sid))
            if owner in (None, reminder_id):
                candidates.append(str(m.sid))
        if len(candidates) > 1:
            raise DeliveryError(
                f"{len(candidates)} messages with this text went to this number around the "
                "attempt: waiting for Twilio's status callback to say which is this reminder's",
                permanent=False,
                code="ambiguous-lookup",
            )
        if not candidates or not self.sendlog.remember_first(
            "sms:owner", candidates[0], reminder_id
        ):
            return None
        self.sendlog.remember("sms:sid", reminder_id, candidates[0])
        return candidates[0]


def _attempt_memo(message: Outgoing) -> str:
    """The attempt's memo for a later lookup. Real time, not the service clock: it is compared
    with Twilio's own timestamps."""
    return json.dumps({"to": message.to, "at": time.time(), "sha": _digest(message.text)})


def _refuse_unless(admitted: Admission) -> None:
    """Raise unless the send was admitted (waiting for the rate at most ``max_wait``)."""
    if admitted.blocked is not None:
        raise RecipientBlocked(admitted.blocked, opted_out=admitted.opted_out)
    if admitted.wait > 0:
        raise DeliveryError(
            "sender rate limit reached", permanent=False, code="throttled",
            retry_after=admitted.wait,
        )  # fmt: skip


def validity_period(deadline: datetime, now: datetime) -> int:
    """Seconds the message may wait in Twilio's queue: never past the reminder's deadline."""
    return max(1, min(MAX_VALIDITY, int((deadline - now).total_seconds())))


def _digest(body: str) -> str:
    loose = unicodedata.normalize("NFC", body).translate(_SMART).strip()
    return hashlib.sha256(loose.encode()).hexdigest()
