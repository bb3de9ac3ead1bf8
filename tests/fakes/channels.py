"""Channel doubles for the delivery path (the Channel protocol: name, send, find_sent)."""

from __future__ import annotations

from reminders.channels import DeliveryError, Outgoing


class Flaky:
    """An SMS channel whose every send raises ``error``; counts the attempts."""

    name = "sms"

    def __init__(self, error: DeliveryError) -> None:
        self.error = error
        self.calls = 0

    def send(self, message: Outgoing) -> str:
        self.calls += 1
        raise self.error

    def find_sent(self, reminder_id: str) -> str | None:
        return None
