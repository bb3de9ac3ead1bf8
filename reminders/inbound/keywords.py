"""The words a patient may answer by SMS: opt-out and opt-in keywords, HELP, and the escort
confirmation. A keyword counts only when it is the whole message, as Twilio matches them; "stop
please" goes to staff, who honour it by hand."""

from __future__ import annotations

import unicodedata

# Twilio's standard opt-out words, then the clinic's languages: German, Spanish, French,
# Turkish, Arabic, Chinese, Portuguese. Have new ones reviewed by a native speaker.
TWILIO_STOP = {"stop", "unsubscribe", "end", "quit", "stopall", "revoke", "optout", "cancel"}
STOP = TWILIO_STOP | {"stopp", "alto", "arrêt", "arret", "dur", "توقف", "退订", "parar"}
START = {"start", "unstop"}
HELP = {"help", "info", "hilfe", "ayuda", "aide", "yardım", "مساعدة", "帮助", "ajuda"}
# The escort SMS asks for "1" or the word for "yes" in the patient's language; the word every
# catalog uses must be here (tests/test_replies_i18n.py checks it). "١" and "１" are the 1 of
# an Arabic and of a full-width Chinese keyboard.
YES = {"1", "١", "１", "yes", "y", "ja", "sí", "si", "sì", "oui", "tak", "evet", "نعم", "是", "sim"}


def keyword(body: str) -> str:
    """The message as a keyword: trimmed, case-folded, Unicode-normalised, trailing dots and
    exclamation marks dropped ("Stop!" is STOP)."""
    return unicodedata.normalize("NFC", body).strip().rstrip(".!。！").strip().casefold()


def classify(body: str) -> str:
    word = keyword(body)
    for kind, words in (("stop", STOP), ("start", START), ("help", HELP), ("confirm", YES)):
        if word in words:
            return kind
    return "other"
