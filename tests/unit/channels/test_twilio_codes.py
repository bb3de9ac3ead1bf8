"""What the delivery path does with each carrier error Twilio reports in a status callback."""

from __future__ import annotations

import pytest

from reminders.channels.twilio.errors import CarrierAction, carrier_action


@pytest.mark.parametrize(
    ("code", "action"),
    [
        ("30003", CarrierAction.RETRY_ONCE),
        ("30006", CarrierAction.FALLBACK),
        ("30004", CarrierAction.FLAG),
        ("30005", CarrierAction.FLAG),
        ("30007", CarrierAction.FLAG),
        ("30008", CarrierAction.FLAG),
        ("", CarrierAction.FLAG),
    ],
)
def test_carrier_errors_map_to_one_action_each(code: str, action: CarrierAction) -> None:
    assert carrier_action(code) is action
