"""Issue 11, finding 10: a patient who chose discreet SMS at booking gets SMS that name no
procedure, no medicine and no condition, in every message and language; the details come by
email, or by a call when the patient gets no email. The emails stay complete."""

from __future__ import annotations

import re
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from reminders.i18n import render
from reminders.i18n.facts import facts_for
from reminders.i18n.messages import MESSAGES
from reminders.i18n.tools.samples import LONG, long_variants
from tests.factories import LOCALES, SHIPPED, make_appointment

BERLIN = ZoneInfo("Europe/Berlin")
# What a discreet SMS must never say, per language: the procedure (injection, infiltration),
# the cortisone, and the blood-thinner class (it reveals a heart or vessel condition).
NEVER = {
    "en": r"injection|cortisone|blood thinner|anaesthetic|contrast",
    "de": r"injektion|spritze|cortison|kortison|blutverdünn|betäubung|kontrastmittel",
    "es": r"inyecci|infiltraci|cortisona|anticoagul|antiagreg|anestési|contraste",
    "fr": r"injection|infiltration|cortison|anticoagul|antiagrég|anesthési|contraste",
    "it": r"iniezion|infiltrazion|cortison|anticoagul|antiaggreg|anestetic|contrasto",
    "pl": r"zastrzyk|iniekcj|kortyzon|przeciwzakrzep|znieczul|kontrast",
    "pt_BR": r"injeç|infiltraç|cortisona|anticoagul|antiagreg|anestési|contraste",
    "tr": r"enjeksiyon|kortizon|kan sulandır|pıhtılaş|anestezi|uyuşturucu|kontrast",
    "ar": r"حقن|حقنة|كورتيزون|الكورتيزون|مميعات|مضادات التخثر|التخدير|تخدير|صبغة|التباين",
    "zh_Hans": r"注射|可的松|皮质|抗凝|抗血小板|麻醉|造影",
}


def discreet_sms(message: str, locale: str, *, email: bool = True) -> str:
    appt = make_appointment(
        patient__locale=locale,
        patient__discreet_sms=True,
        medications=[
            {
                "name": "Apixaban 5 mg",
                "pause_from": "2027-03-25",
                "resume_on": "2027-03-29",
                "note": "Half a tablet",
            }
        ],
        **({} if email else {"patient__email": None, "patient__channels": ["sms"]}),
    )
    facts = facts_for(appt, 0 if MESSAGES[message].needs_medicine else None)
    assert facts.discreet
    out = render(message, "sms", locale, facts, BERLIN, LOCALES)
    assert out.locale == locale, out.fallbacks
    return out.text


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
@pytest.mark.parametrize("message", list(MESSAGES))
def test_a_discreet_sms_names_no_procedure_medicine_or_condition(message: str, locale: str) -> None:
    for email in (True, False):
        sms = discreet_sms(message, locale, email=email)
        assert "Apixaban" not in sms and "Half a tablet" not in sms, (message, locale)
        found = re.search(NEVER[locale], sms, re.IGNORECASE)
        assert found is None, (message, locale, found and found.group(0), sms)


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
def test_the_full_sms_do_name_them_so_the_word_lists_are_real(locale: str) -> None:
    appt = make_appointment(patient__locale=locale)
    full = " ".join(
        render(m, "sms", locale, facts_for(appt), BERLIN, LOCALES).text
        for m in ("booking_confirmation", "day_before", "next_day")
    )
    assert re.search(NEVER[locale], full, re.IGNORECASE), locale


@pytest.mark.parametrize(
    "message", ["medication_heads_up", "medication_pause", "after_procedure", "next_day"]
)
def test_the_discreet_sms_says_where_the_details_are_and_never_an_email_not_sent(
    message: str,
) -> None:
    assert "The details are in our email, or call us: +49 30 1234567" in discreet_sms(message, "en")
    without = discreet_sms(message, "en", email=False)
    assert "email" not in without
    assert "For the details, please call us: +49 30 1234567" in without


def test_the_discreet_sms_keep_what_needs_no_medical_word() -> None:
    booking = discreet_sms("booking_confirmation", "en")
    assert "No driving for 24 hours afterwards" in booking
    assert "Do not stop or change any medicine unless we and your doctor tell you to." in booking
    assert "Change no medicine without us and your doctor." in discreet_sms(
        "medication_pause", "en"
    )
    assert "do not drive or cycle until" in discreet_sms("after_procedure", "en")
    assert discreet_sms("escort", "en").endswith("Reply 1 or YES once someone can take you home.")
    assert "no longer apply" in discreet_sms("cancellation", "en")


def test_the_emails_of_a_discreet_patient_stay_complete() -> None:
    appt = make_appointment(
        patient__locale="en",
        patient__discreet_sms=True,
        medications=[{"name": "Apixaban 5 mg", "pause_from": "2027-03-25"}],
    )
    email = render("medication_pause", "email", "en", facts_for(appt, 0), BERLIN, LOCALES).text
    assert "do not take Apixaban 5 mg from today" in email


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
def test_the_discreet_sms_fit_the_budgets_of_the_full_ones(locale: str) -> None:
    from reminders.i18n.segments import segments  # noqa: PLC0415

    for facts in (replace(LONG, discreet=True), replace(LONG, discreet=True, has_email=False)):
        for key, definition in MESSAGES.items():
            out = render(key, "sms", locale, facts, BERLIN, LOCALES)
            assert segments(out.text) <= definition.sms_segments, (key, locale)
    assert any(f.discreet for f in long_variants())  # `reminders i18n check` renders them too
