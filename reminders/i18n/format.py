"""Dates, times and lists as the patient's language writes them, in the patient's zone.

Never ``format_date`` on an aware UTC datetime: it formats the UTC calendar day. Everything here
converts to the zone first.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.lists import format_list


class LocalFormat:
    def __init__(self, locale: str, zone: ZoneInfo) -> None:
        self.locale = Locale.parse(locale)
        self.zone = zone

    def day(self, value: datetime | date) -> str:
        """Short weekday and date, no year: "Fri, Mar 26" / "Fr., 26. März"."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return str(format_skeleton("MMMEd", value, locale=self.locale))

    def time(self, value: datetime) -> str:
        """Short time with the locale's own clock: "9:00 AM" / "09:00"."""
        return str(
            format_time(
                value.astimezone(self.zone), format="short", tzinfo=self.zone, locale=self.locale
            )
        )

    def items(self, values: list[str]) -> str:
        return str(format_list(values, locale=self.locale))
