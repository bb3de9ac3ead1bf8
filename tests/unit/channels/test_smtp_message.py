"""An email goes to exactly the one address the patient gave (issue 12, item 3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reminders.channels.base import Outgoing
from reminders.channels.smtp.message import build

NOW = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)


def outgoing(to: str) -> Outgoing:
    return Outgoing("APT-1:1:booking_confirmation:-:email", "email", to, "de", "Hallo", "Termin")


def test_one_recipient() -> None:
    msg = build(
        outgoing("maria@example.org"),
        clinic_name="Clinic",
        from_addr="clinic@example.org",
        reply_to="clinic@example.org",
        now=NOW,
    )
    assert [a.addr_spec for a in msg["To"].addresses] == ["maria@example.org"]


@pytest.mark.parametrize(
    "to", ["postmaster,patient@example.org", "a@example.org, b@example.org", "M <m@example.org>"]
)
def test_an_address_list_stored_before_validation_is_never_mailed(to: str) -> None:
    with pytest.raises(ValueError, match="Invalid addr_spec"):
        build(
            outgoing(to),
            clinic_name="Clinic",
            from_addr="clinic@example.org",
            reply_to="clinic@example.org",
            now=NOW,
        )
