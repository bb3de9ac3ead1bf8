"""Delivery channels behind one seam (``base.Channel``); ``registry`` names the kinds."""

from reminders.channels.base import (
    CarrierAction,
    Channel,
    DeliveryError,
    Outgoing,
    RateLimit,
    SendLog,
    StatusReport,
)

__all__ = [
    "CarrierAction",
    "Channel",
    "DeliveryError",
    "Outgoing",
    "RateLimit",
    "SendLog",
    "StatusReport",
]
