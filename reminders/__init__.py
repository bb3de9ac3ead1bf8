"""Multilingual SMS/email reminders for patients having an image-guided procedure."""

__version__ = "0.1.0"
