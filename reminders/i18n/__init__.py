"""Localization: locales and fallback chains, the messages, and the one render function."""

from reminders.i18n.messages import MESSAGE_KEYS, Facts
from reminders.i18n.render import Rendered, render

__all__ = ["MESSAGE_KEYS", "Facts", "Rendered", "render"]
