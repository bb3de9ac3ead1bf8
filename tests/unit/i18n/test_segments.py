"""SMS segment counting against the golden vectors of Twilio's calculator."""

from __future__ import annotations

import pytest

from reminders.i18n.segments import count, has_bidi_controls, segments, sms_text


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("ж" * 70, "UCS-2", 1),
        ("ж" * 71, "UCS-2", 2),
        ("ж" * 134, "UCS-2", 2),
        ("ж" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),
        ("😀" * 36, "UCS-2", 2),
        ("Olá João, seu procedimento é amanhã às 08:00.", "UCS-2", 1),
        ("Recordatorio: su cita es mañana a las 9. Responda STOP para salir.", "GSM-7", 1),
        ("Don’t forget your appointment", "UCS-2", 1),
        ("Reminder\u200f 08:00", "UCS-2", 1),
    ],
)
def test_the_golden_vectors(text: str, encoding: str, expected: int) -> None:
    c = count(text)
    assert (c.encoding, c.segments) == (encoding, expected)


def test_extension_characters_count_twice_and_are_never_split() -> None:
    for ch in "^{}\\[~]|€\f":
        assert count(ch).units == 2 and count(ch).encoding == "GSM-7"
    # 152 plain + one escape pair would straddle the 153-septet boundary: the pair moves on.
    assert count("a" * 152 + "€" + "a" * 10).segments == 2
    assert count("a" * 152 + "€" + "a" * 152).segments == 3


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    # 66 units, then an emoji (2 units) that does not fit in the 67-unit first segment.
    text = "ж" * 66 + "😀" + "ж" * 10
    assert count(text).units == 78
    assert segments(text) == 2
    assert segments("ж" * 66 + "😀" + "ж" * 66) == 3  # 66 | 2+65 | 1


def test_spanish_n_tilde_stays_gsm_but_a_smart_quote_or_rlm_forces_ucs2() -> None:
    assert count("mañana, señora Núñez").encoding == "UCS-2"  # ú is not GSM-7
    assert count("mañana, señora Ñañez").encoding == "GSM-7"
    assert count("it’s").encoding == "UCS-2"
    assert count("08:00\u200f").encoding == "UCS-2"


def test_arabic_and_chinese_are_ucs2() -> None:
    arabic = "موعد حقنتك غداً الساعة 9:00"
    chinese = "您的注射在明天9:00"
    assert count(arabic).encoding == count(chinese).encoding == "UCS-2"
    assert count(arabic).units == len(arabic)
    assert segments("注" * 70) == 1 and segments("注" * 71) == 2


def test_empty_text_takes_no_segment_and_cldr_spaces_are_made_plain() -> None:
    assert segments("") == 0
    assert sms_text("9:00\u202fAM\u00a0") == "9:00 AM "
    assert count(sms_text("9:00\u202fAM")).encoding == "GSM-7"


def test_bidi_controls_are_recognised() -> None:
    assert has_bidi_controls("a\u2068b\u2069") and not has_bidi_controls("plain text")
