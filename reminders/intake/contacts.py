"""Phone numbers and email addresses as booking systems write them, made what the API takes:
a number in any national or international form -> E.164 in the clinic's region, an address
checked by the API's own rules. None when unusable (the caller passes over it)."""

from __future__ import annotations

import phonenumbers

from reminders.model import email_address


def e164(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def address(raw: str) -> str | None:
    try:
        return email_address(raw.strip()) if raw.strip() else None
    except ValueError:
        return None
