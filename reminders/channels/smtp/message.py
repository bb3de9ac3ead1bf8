"""One reminder as an RFC 5322 message, built only with the email package's default policy:
it encodes non-ASCII subjects and display names (RFC 2047) and bodies (UTF-8) itself."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from reminders.channels.base import Outgoing


def build(
    message: Outgoing, *, clinic_name: str, from_addr: str, reply_to: str, now: datetime
) -> EmailMessage:
    """Plain text first, then the HTML alternative (mail clients show the last one they can).
    The Message-ID is derived from the reminder id, so a resend after a lost outcome carries
    the same id and mail clients can fold the two together."""
    domain = from_addr.rpartition("@")[2] or "localhost"
    msg = EmailMessage()
    msg["Subject"] = message.subject or clinic_name
    msg["From"] = Address(display_name=clinic_name, addr_spec=from_addr)
    msg["Reply-To"] = Address(display_name=clinic_name, addr_spec=reply_to)
    # Exactly one recipient: an address stored before the API checked it with email-validator
    # ("postmaster,patient@example.org") raises here instead of mailing two people.
    if [addr for _, addr in getaddresses([message.to])] != [message.to]:
        raise ValueError("Invalid addr_spec: the recipient is not exactly one address")
    msg["To"] = message.to
    msg["Date"] = format_datetime(now)
    digest = hashlib.sha256(message.reminder_id.encode()).hexdigest()[:32]
    msg["Message-ID"] = f"<{digest}.reminder@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies, please
    msg.set_content(message.text, charset="utf-8")
    if message.html:
        msg.add_alternative(message.html, subtype="html", charset="utf-8")
    # After the content: set_content() drops every Content-* header.
    msg["Content-Language"] = message.locale.replace("_", "-")
    return msg
