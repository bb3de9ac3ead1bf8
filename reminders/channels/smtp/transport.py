"""Email over SMTP (smtplib): STARTTLS or implicit TLS, login, timeouts. One outbound call point
(``SMTP.send_message``); one connection per message, since reminders trickle out over the day."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable

from reminders.channels.base import DeliveryError, Outgoing, SendLog
from reminders.channels.smtp.message import build
from reminders.clock import Clock
from reminders.settings import Clinic, SmtpSettings


class SmtpEmail:
    name = "email"

    def __init__(
        self,
        settings: SmtpSettings,
        clinic: Clinic,
        sendlog: SendLog,
        clock: Clock,
        tls_context: Callable[[], ssl.SSLContext] = ssl.create_default_context,
    ) -> None:
        self.s = settings
        self.clinic = clinic
        self.sendlog = sendlog
        self.clock = clock
        self.tls_context = tls_context
        self.from_addr = settings.email_from or clinic.email

    def send(self, message: Outgoing) -> str:
        msg = build(
            message,
            clinic_name=self.clinic.name,
            from_addr=self.from_addr,
            reply_to=self.clinic.email,
            now=self.clock.now(),
        )
        try:
            with self._connect() as smtp:
                if self.s.security == "starttls":
                    smtp.starttls(context=self.tls_context())
                if self.s.username:
                    smtp.login(self.s.username, self.s.password)
                smtp.send_message(msg)
        except Exception as exc:
            raise classify(exc, message.to) from exc
        message_id = str(msg["Message-ID"])
        self.sendlog.remember("email:sent", message.reminder_id, message_id)
        return message_id

    def find_sent(self, reminder_id: str) -> str | None:
        return self.sendlog.recall("email:sent", reminder_id)

    def _connect(self) -> smtplib.SMTP:
        if self.s.security == "ssl":
            return smtplib.SMTP_SSL(
                self.s.host, self.s.port, timeout=self.s.timeout, context=self.tls_context()
            )
        return smtplib.SMTP(self.s.host, self.s.port, timeout=self.s.timeout)


def classify(exc: Exception, to: str) -> DeliveryError:
    """5xx about the recipient or the message: permanent. 4xx, a refused or dropped connection,
    a timeout, or a problem with our own account (auth, sender): temporary, a later try or a
    fixed setting can succeed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = exc.recipients.get(to, next(iter(exc.recipients.values()), (0, b"")))
        return _by_code(code, f"recipient refused: {_decode(text)}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # e.g. a non-ASCII mailbox and a server without SMTPUTF8: it will not change.
        return DeliveryError(
            f"the server cannot take this address: {exc}",
            permanent=True,
            code="unsupported",
            unreachable=True,
        )
    if isinstance(exc, smtplib.SMTPDataError):
        return _by_code(exc.smtp_code, f"message refused: {_decode(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):  # auth, sender refused, HELO
        return DeliveryError(
            f"SMTP error {exc.smtp_code}", permanent=False, code=str(exc.smtp_code)
        )
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return DeliveryError(
            "the mail server did not answer in time", permanent=False, code="timeout"
        )
    if isinstance(exc, (OSError, smtplib.SMTPException)):
        return DeliveryError(
            f"could not talk to the mail server: {type(exc).__name__}",
            permanent=False,
            code="connect",
        )
    raise exc


def _by_code(code: int, reason: str) -> DeliveryError:
    permanent = 500 <= code < 600
    return DeliveryError(reason, permanent=permanent, code=str(code), unreachable=permanent)


def _decode(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else text
