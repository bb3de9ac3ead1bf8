"""Keeping phone numbers, times, dates and names readable inside right-to-left text.

While a message is built, each value is wrapped in a Unicode isolate: LRI (left-to-right) for
phone numbers, FSI (direction from its own first strong letter) for everything else, closed by
PDI. What happens to the isolates then depends on where the text goes:

- HTML email: they become ``<bdi dir="ltr">`` / ``<bdi>`` elements (``html``). A phone number
  (the one left-to-right value) also never wraps: "+49 30" at the end of one line and
  "12345678" at the start of the next reads as two numbers on a narrow phone screen.
- Plain-text email and subject: kept for right-to-left languages, removed for the others.
- SMS: only right-to-left SMS keep them. An Arabic SMS is UCS-2 anyway, so the four bytes an
  isolate pair costs are real but small, and the segment counter counts them. Without them a
  phone number such as "+49 30 1234567" shows its digit groups in reverse order in an Arabic
  sentence, and a message that begins with a Latin clinic name is laid out left-to-right by
  phones that take the direction from the first strong letter (isolated text is skipped by
  that rule). A right-to-left SMS also starts with RLM (``rtl_sms``): a client that knows no
  isolates still takes the direction from that first strong character and lays the whole SMS
  out right to left. A left-to-right SMS never carries any bidi control: one would switch a
  Latin SMS to UCS-2 and more than double its segments.

Values coming from staff or patients are cleaned of bidi controls first, so a stray mark pasted
into a name can neither unbalance the isolates nor reach a Latin SMS.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass

from reminders.i18n.segments import BIDI_CONTROLS

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
RLM = "\u200f"
_STRIP = {ord(ch): None for ch in BIDI_CONTROLS}


def clean(value: str) -> str:
    """``value`` without any bidirectional control character."""
    return value.translate(_STRIP)


@dataclass(frozen=True)
class Isolator:
    enabled: bool = False

    def ltr(self, value: str) -> str:
        """A value that always reads left to right: phone numbers."""
        value = clean(value)
        return f"{LRI}{value}{PDI}" if self.enabled and value else value

    def auto(self, value: str) -> str:
        """A value that takes its direction from its own text: names, dates, medicines."""
        value = clean(value)
        return f"{FSI}{value}{PDI}" if self.enabled and value else value


NO_ISOLATION = Isolator(False)
ISOLATE = Isolator(True)


def rtl_sms(text: str) -> str:
    """A right-to-left SMS, starting with exactly one RLM."""
    return RLM + text.removeprefix(RLM)


NOWRAP = "white-space: nowrap"


def html(text: str) -> str:
    """Escape ``text`` for HTML and turn its isolates into ``<bdi>`` elements."""
    escaped = _html.escape(text)
    return (
        escaped.replace(LRI, f'<bdi dir="ltr" style="{NOWRAP}">')
        .replace(RLI, '<bdi dir="rtl">')
        .replace(FSI, "<bdi>")
        .replace(PDI, "</bdi>")
    )
