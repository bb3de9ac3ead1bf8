"""How many SMS segments a text takes, as the network counts them.

- GSM-7 (the default alphabet): 160 septets in one segment, 153 per segment of a longer message.
  The extension characters (form feed and ``^{}\\[~]|€``) take an escape plus a character: two.
- UCS-2: one non-GSM character switches the *whole* message; 70 UTF-16 code units in one
  segment, 67 per segment of a longer one. A character outside the BMP (an emoji) takes two.
- A character is never split across segments: neither an escape pair nor a surrogate pair.

The rules and the test vectors follow Twilio's segment calculator (see
shared/research/engineering-pitfalls.md, 2.9). No smart encoding is assumed: what we count is
what we send.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Bidirectional controls: marks, embeddings/overrides and isolates. None is GSM-7.
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@dataclass(frozen=True)
class Count:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def per_segment(self) -> int:
        single, multi = (
            (GSM7_SINGLE, GSM7_MULTI) if self.encoding == "GSM-7" else (UCS2_SINGLE, UCS2_MULTI)
        )
        return single if self.segments <= 1 else multi

    def __str__(self) -> str:
        plural = "s" if self.segments != 1 else ""
        return f"{self.segments} segment{plural} ({self.encoding}, {self.units} units)"


def is_gsm7(text: str) -> bool:
    return GSM7_ALL.issuperset(text)


def _sizes(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


# A send counts its text twice (the sender's rate, the overview's figures); the texts of one
# batch repeat little, so a small cache is enough.
@lru_cache(maxsize=512)
def count(text: str) -> Count:
    """The encoding, the units and the segments ``text`` takes; an empty text takes none."""
    gsm = is_gsm7(text)
    sizes = _sizes(text, gsm)
    total = sum(sizes)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if gsm else (UCS2_SINGLE, UCS2_MULTI)
    encoding = "GSM-7" if gsm else "UCS-2"
    if total == 0:
        return Count(encoding, 0, 0)
    if total <= single:
        return Count(encoding, total, 1)
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:  # the pair goes whole into the next segment
            segments += 1
            used = 0
        used += size
    return Count(encoding, total, segments)


def segments(text: str) -> int:
    return count(text).segments


def sms_text(text: str) -> str:
    """CLDR puts narrow and plain no-break spaces into times and dates ("9:00\u202fAM"); one of
    them would switch a whole English SMS to UCS-2 and more than double its segments."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def has_bidi_controls(text: str) -> bool:
    return any(ch in BIDI_CONTROLS for ch in text)
