"""Dates, times and lists as the patient's language writes them, in the patient's zone.

Never ``format_date`` on an aware UTC datetime: it formats the UTC calendar day. Everything here
converts to the zone first.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list

# Where CLDR's short date ("MMMEd") reads as a code to patients, the medical translator's review
# (../shared/research/content-review.md, section 2) asked for another form; never a year.
# Chinese, everywhere: the weekday in brackets, "9月29日（周三）", not "9月29日周三".
_DAY_PATTERNS = {"zh": "M月d日（E）"}
# Where the length costs nothing (email), names written out. Turkish "29 Eylül Çarşamba", not
# "29 Eyl Çar"; Polish the month in full, "śr., 29 września", not "śr., 29 wrz" (the weekday
# stays short, so the date still reads right after "od", "do", "na"). An SMS keeps CLDR's short
# form: with long names the medication SMS would not fit their segment budget.
_SPELLED_OUT_PATTERNS = {"tr": "d MMMM EEEE", "pl": "EEE, d MMMM"}
# Brazilian Portuguese writes the first of the month as an ordinal: "1º de out.".
_FIRST_OF_MONTH = re.compile(r"(?<!\d)1(?= de )")


class LocalFormat:
    """``spelled_out``: month (and, where the language wants it, weekday) names in full where a
    language's short date is cryptic; for email, where the length costs nothing."""

    def __init__(self, locale: str, zone: ZoneInfo, *, spelled_out: bool = False) -> None:
        self.locale = Locale.parse(locale)
        self.zone = zone
        self.spelled_out = spelled_out

    def day(self, value: datetime | date) -> str:
        """Weekday and date, no year: "Fri, Mar 26" / "Fr., 26. März" / "26 Mar Cum"."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        language = str(self.locale.language)
        pattern = _DAY_PATTERNS.get(language)
        if self.spelled_out:
            pattern = _SPELLED_OUT_PATTERNS.get(language, pattern)
        if pattern is not None:
            return str(format_date(value, pattern, locale=self.locale))
        out = str(format_skeleton("MMMEd", value, locale=self.locale))
        brazil = self.locale.language == "pt" and self.locale.territory in (None, "BR")
        if brazil and value.day == 1:
            out = _FIRST_OF_MONTH.sub("1º", out, count=1)
        return out

    def time(self, value: datetime) -> str:
        """Short time with the locale's own clock: "9:00 AM" / "09:00"."""
        return str(
            format_time(
                value.astimezone(self.zone), format="short", tzinfo=self.zone, locale=self.locale
            )
        )

    def items(self, values: list[str]) -> str:
        return str(format_list(values, locale=self.locale))
