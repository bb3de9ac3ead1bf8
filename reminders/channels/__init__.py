"""Delivery channels behind one seam (``base.Channel``)."""

from reminders.channels.base import Channel, DeliveryError, Outgoing

__all__ = ["Channel", "DeliveryError", "Outgoing"]
