"""Delivery channels behind one seam (``base.Channel``); ``registry`` names the kinds."""

from reminders.channels.base import (
    CarrierAction,
    Channel,
    DeliveryError,
    Outgoing,
    RecipientBlocked,
    SendGate,
    SendLog,
    StatusReport,
)

__all__ = [
    "CarrierAction",
    "Channel",
    "DeliveryError",
    "Outgoing",
    "RecipientBlocked",
    "SendGate",
    "SendLog",
    "StatusReport",
]
