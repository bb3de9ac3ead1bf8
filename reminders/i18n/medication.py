"""The medication messages: the doctor's pause or dose reduction of one medicine, relayed
the day before it starts, on its first day, on the day the usual dose may come back, and as a
correction when the doctor changes it after we relayed it. Each says when the usual dose comes
back (or that the doctor will say), carries the doctor's note verbatim when it fits the SMS,
and never adds an instruction of its own."""

from __future__ import annotations

from reminders.i18n.common import greeting, no_self_change, sign
from reminders.i18n.env import Email, Env
from reminders.i18n.segments import segments, sms_text

# --- medication: the doctor's note, the restart day --------------------------------------------


def _medication_sms(e: Env, *lead: str, restart: bool = True) -> str:
    """A medication SMS: what the doctor said, when it may be restarted, the doctor's note
    (``_with_note``), then the safety line and the phone."""
    body = " ".join((*lead, _restart_sms(e)) if restart else lead)
    return _with_note(e, body, _medication_sms_tail(e))


def _with_note(e: Env, before: str, after: str = "") -> str:
    """``before`` + the doctor's note verbatim + ``after`` when the whole SMS fits its segment
    budget; otherwise where to read the note instead. A note is never shortened."""

    def joined(middle: str) -> str:
        # The note on its own line, so it never runs on into our sentences.
        return (
            "\n".join(part for part in (before, middle, after) if part)
            if middle
            else (" ".join(part for part in (before, after) if part))
        )

    if not e.med.note.strip():
        return joined("")
    # TRANSLATORS: SMS, in the medication SMS when the doctor wrote a note; at most 20
    # characters besides the note. {note}: the doctor's note exactly as written, e.g. "Take
    # half a tablet on Monday".
    full = joined(e.t.fmt("medication.sms", "Doctor's note: {note}", note=e.note))
    if segments(sms_text(full)) <= e.sms_segments:
        return full
    return joined(_note_pointer(e))


def _note_pointer(e: Env) -> str:
    """Where to read a note too long for this SMS: never an email the patient does not get."""
    if e.facts.has_email:
        # TRANSLATORS: SMS, in the medication SMS instead of the doctor's note when the note is
        # too long for the SMS; at most 70 characters. "us" is the radiology clinic.
        return e.t.fmt("medication.sms", "Your doctor left a note: see our email or call us.")
    # TRANSLATORS: SMS, the same for a patient who gets no email from us; at most 60
    # characters. "us" is the radiology clinic.
    return e.t.fmt("medication.sms", "Your doctor left a note: please call us.")


def _medication_sms_tail(e: Env) -> str:
    # TRANSLATORS: SMS, last sentence of every medication SMS. {phone}: clinic phone. "us" is
    # the radiology clinic. At most 90 characters besides the phone.
    return e.t.fmt(
        "medication.sms",
        "Change no other medicine without us and your doctor. Questions: {phone}",
        phone=e.phone,
    )


def _restart_sms(e: Env) -> str:
    """When the medicine may be taken again, in every medication SMS: a pause with no restart
    day must never read as a permanent stop."""
    if e.med.is_reduction:
        return _usual_dose_sms(e)
    if e.med.resume_on is None:
        # TRANSLATORS: SMS, medication SMS when the doctor gave no restart day; at most 60
        # characters. "it" is the paused medicine.
        return e.t.fmt("medication.sms", "Your doctor will tell you when to restart it.")
    if e.restart_on_procedure_day:
        # TRANSLATORS: SMS, medication SMS when the restart day is the day of the injection;
        # at most 70 characters besides the date. {resume_date}: e.g. "Sun, Mar 28". It must
        # be clear that the medicine is restarted only after the injection.
        return e.t.fmt(
            "medication.sms",
            "You may restart it on {resume_date}, after your injection.",
            resume_date=e.day(e.med.resume_on),
        )
    # TRANSLATORS: SMS, medication SMS: the restart day the doctor entered; at most 50
    # characters besides the date. {resume_date}: e.g. "Mon, Mar 29".
    return e.t.fmt(
        "medication.sms",
        "You may restart it on {resume_date}.",
        resume_date=e.day(e.med.resume_on),
    )


def _usual_dose_sms(e: Env) -> str:
    """When a reduced dose ends, in every SMS about a reduction."""
    usual = e.med.usual_again
    if usual is None:
        # TRANSLATORS: SMS, dose-reduction SMS when the doctor gave no end day; at most 70
        # characters. The "usual dose" is the patient's normal dose of the medicine.
        return e.t.fmt(
            "medication.sms", "Your doctor will tell you when to go back to your usual dose."
        )
    if e.restart_on_procedure_day:
        # TRANSLATORS: SMS, dose-reduction SMS when the usual dose comes back on the day of the
        # injection; at most 80 characters besides the date. {usual_date}: e.g. "Sun, Mar 28".
        # It must be clear that the usual dose comes back only after the injection.
        return e.t.fmt(
            "medication.sms",
            "You may go back to your usual dose on {usual_date}, after your injection.",
            usual_date=e.day(usual),
        )
    # TRANSLATORS: SMS, dose-reduction SMS: the first day after the reduced dose ends, from
    # the doctor's entry; at most 60 characters besides the date. {usual_date}: e.g. "Mon,
    # Mar 29".
    return e.t.fmt(
        "medication.sms",
        "You may go back to your usual dose on {usual_date}.",
        usual_date=e.day(usual),
    )


def _reduced_lead_sms(e: Env, *, today: bool) -> str:
    """The first sentence of a dose-reduction SMS: the medicine and the doctor's dose."""
    if today:
        # TRANSLATORS: SMS on the first day of a dose reduction the doctor entered; its first
        # sentence (when the usual dose comes back, the doctor's note and "Change no other
        # medicine..." follow). {clinic}: clinic name; {medicine}: as the doctor entered it,
        # e.g. "Rivaroxaban 20 mg"; {dose}: the reduced dose exactly as the doctor wrote it,
        # e.g. "10 mg once a day".
        return e.t.fmt(
            "medication_reduce.sms",
            "{clinic}: as your doctor instructed, from today take {medicine} at a reduced dose: "
            "{dose}.",
            clinic=e.clinic,
            medicine=e.medicine,
            dose=e.dose,
        )
    # TRANSLATORS: SMS the day before a dose reduction starts: its first sentence. {clinic}:
    # clinic name; {medicine}: e.g. "Rivaroxaban 20 mg"; {from_date}: the first day on the
    # reduced dose, e.g. "Thu, Mar 25"; {dose}: the reduced dose exactly as the doctor wrote
    # it, e.g. "10 mg once a day".
    return e.t.fmt(
        "medication_reduce.sms",
        "{clinic}: as your doctor instructed, from {from_date} take {medicine} at a reduced "
        "dose: {dose}.",
        clinic=e.clinic,
        medicine=e.medicine,
        dose=e.dose,
        from_date=e.day(e.med.reduce_from) if e.med.reduce_from else "",
    )


def _reduced_email(e: Env, *, today: bool) -> str:
    if today:
        # TRANSLATORS: Email, the first day of a dose reduction; at most 250 characters besides
        # the dose. {medicine}: e.g. "Rivaroxaban 20 mg"; {dose}: exactly as the doctor wrote
        # it, e.g. "10 mg once a day".
        return e.t.fmt(
            "medication_reduce.email",
            "As your doctor instructed for your injection, from today take {medicine} at a "
            "reduced dose: {dose}.",
            medicine=e.medicine,
            dose=e.dose,
        )
    # TRANSLATORS: Email, the day before a dose reduction starts; at most 250 characters
    # besides the dose. {medicine}: e.g. "Rivaroxaban 20 mg"; {from_date}: e.g. "Thu, Mar 25";
    # {dose}: exactly as the doctor wrote it, e.g. "10 mg once a day".
    return e.t.fmt(
        "medication_reduce.email",
        "As your doctor instructed for your injection, from {from_date} take {medicine} at a "
        "reduced dose: {dose}.",
        medicine=e.medicine,
        dose=e.dose,
        from_date=e.day(e.med.reduce_from) if e.med.reduce_from else "",
    )


def _usual_dose_email(e: Env) -> list[str]:
    usual = e.med.usual_again
    if usual is None:
        # TRANSLATORS: Email, dose-reduction emails when the doctor gave no end day; at most
        # 150 characters. {medicine}: e.g. "Rivaroxaban 20 mg".
        return [
            e.t.fmt(
                "medication_reduce.email",
                "Your doctor will tell you when you may go back to your usual dose of {medicine}.",
                medicine=e.medicine,
            )
        ]
    if e.restart_on_procedure_day:
        # TRANSLATORS: Email, dose-reduction emails when the usual dose comes back on the day
        # of the injection; at most 170 characters. {medicine}: e.g. "Rivaroxaban 20 mg";
        # {usual_date}: e.g. "Sun, Mar 28". It must be clear: only after the injection.
        return [
            e.t.fmt(
                "medication_reduce.email",
                "Your doctor said you may go back to your usual dose of {medicine} on "
                "{usual_date}, after your injection.",
                medicine=e.medicine,
                usual_date=e.day(usual),
            )
        ]
    # TRANSLATORS: Email, dose-reduction emails; at most 150 characters. {medicine}: e.g.
    # "Rivaroxaban 20 mg"; {usual_date}: the first day after the reduced dose, e.g. "Mon, Mar
    # 29".
    return [
        e.t.fmt(
            "medication_reduce.email",
            "Your doctor said you may go back to your usual dose of {medicine} on {usual_date}.",
            medicine=e.medicine,
            usual_date=e.day(usual),
        )
    ]


def _doctor_note_email(e: Env) -> list[str]:
    if not e.med.note.strip():
        return []
    # TRANSLATORS: Email, medication emails, only when the doctor wrote a note; at most 30
    # characters besides the note. {note}: the doctor's note exactly as written, e.g. "Take
    # half a tablet on Monday".
    return [e.t.fmt("medication.email", "Your doctor's note: {note}", note=e.note)]


def _resume_line(e: Env) -> list[str]:
    if e.med.is_reduction:
        return _usual_dose_email(e)
    if e.med.resume_on is None:
        # TRANSLATORS: Email, medication emails, when the doctor gave no restart day; at most
        # 150 characters. {medicine}: as the doctor entered it, e.g. "Apixaban 5 mg".
        return [
            e.t.fmt(
                "medication.email",
                "Your doctor will tell you when you may take {medicine} again.",
                medicine=e.medicine,
            )
        ]
    if e.restart_on_procedure_day:
        # TRANSLATORS: Email, medication emails, when the restart day is the day of the
        # injection; at most 170 characters. {medicine}: e.g. "Apixaban 5 mg"; {resume_date}:
        # e.g. "Sun, Mar 28". It must be clear that it is restarted only after the injection.
        return [
            e.t.fmt(
                "medication.email",
                "Your doctor said you may restart {medicine} on {resume_date}, after your "
                "injection.",
                medicine=e.medicine,
                resume_date=e.day(e.med.resume_on),
            )
        ]
    # TRANSLATORS: Email, medication emails; at most 150 characters. {medicine}: e.g.
    # "Apixaban 5 mg"; {resume_date}: the day the doctor said it may be restarted, e.g. "Mon,
    # Mar 29".
    return [
        e.t.fmt(
            "medication.email",
            "Your doctor said you may restart {medicine} on {resume_date}.",
            medicine=e.medicine,
            resume_date=e.day(e.med.resume_on),
        )
    ]


# --- medication: heads-up, pause day, resume day --------------------------------------------


def medication_heads_up_sms(e: Env) -> str:
    if e.med.is_reduction:
        return _medication_sms(e, _reduced_lead_sms(e, today=False))
    # TRANSLATORS: SMS the day before the doctor's pause day for one medicine: its first
    # sentence (the restart day, the doctor's note and "Change no other medicine..." follow);
    # the whole SMS must fit 9 segments, so keep it short. {clinic}: clinic name; {medicine}: as
    # the doctor entered it, e.g. "Apixaban 5 mg"; {pause_date}: first day without it, e.g.
    # "Thu, Mar 25". "Last day" means the last day of the usual doses, not one last dose.
    lead = e.t.fmt(
        "medication_heads_up.sms",
        "{clinic}: as your doctor instructed, today is the last day you take {medicine}; do not "
        "take it from {pause_date}.",
        clinic=e.clinic,
        medicine=e.medicine,
        pause_date=e.day(e.med.pause_from) if e.med.pause_from else "",
    )
    return _medication_sms(e, lead)


def medication_heads_up_email(e: Env) -> Email:
    if e.med.is_reduction:
        return _reduction_email(
            e,
            # TRANSLATORS: Email subject, the day before a dose reduction starts, at most 60
            # characters besides the medicine. {medicine}: e.g. "Rivaroxaban 20 mg".
            e.t.fmt(
                "medication_reduce.email",
                "From tomorrow: a reduced dose of {medicine}",
                medicine=e.medicine,
            ),
            _reduced_email(e, today=False),
        )
    return Email(
        # TRANSLATORS: Email subject, day before a medicine is paused, at most 60 characters
        # besides the medicine. {medicine}: as the doctor entered it, e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_heads_up.email", "Tomorrow: pause {medicine}", medicine=e.medicine
        ),
        paragraphs=[
            greeting(e),
            # TRANSLATORS: Email, day before a medicine is paused; at most 250 characters.
            # {medicine}: e.g. "Apixaban 5 mg"; {pause_date}: first day without it, e.g. "Thu,
            # Mar 25".
            e.t.fmt(
                "medication_heads_up.email",
                "As your doctor instructed for your injection, today is the last day you take "
                "{medicine}. Do not take it from {pause_date}.",
                medicine=e.medicine,
                pause_date=e.day(e.med.pause_from) if e.med.pause_from else "",
            ),
            *_resume_line(e),
            *_doctor_note_email(e),
            no_self_change(e),
            sign(e),
        ],
    )


def medication_pause_sms(e: Env) -> str:
    if e.med.is_reduction:
        return _medication_sms(e, _reduced_lead_sms(e, today=True))
    # TRANSLATORS: SMS on the day the doctor said to pause one medicine: its first sentence (the
    # restart day, the doctor's note and "Change no other medicine..." follow); the whole SMS
    # must fit 9 segments, so keep it short. {clinic}: clinic name; {medicine}: e.g. "Apixaban
    # 5 mg".
    lead = e.t.fmt(
        "medication_pause.sms",
        "{clinic}: as your doctor instructed, do not take {medicine} from today.",
        clinic=e.clinic,
        medicine=e.medicine,
    )
    return _medication_sms(e, lead)


def medication_pause_email(e: Env) -> Email:
    if e.med.is_reduction:
        return _reduction_email(
            e,
            # TRANSLATORS: Email subject, the first day of a dose reduction, at most 60
            # characters besides the medicine. {medicine}: e.g. "Rivaroxaban 20 mg".
            e.t.fmt(
                "medication_reduce.email",
                "Today: a reduced dose of {medicine}",
                medicine=e.medicine,
            ),
            _reduced_email(e, today=True),
        )
    return Email(
        # TRANSLATORS: Email subject, the day a medicine is paused, at most 60 characters
        # besides the medicine. {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt("medication_pause.email", "Today: pause {medicine}", medicine=e.medicine),
        paragraphs=[
            greeting(e),
            # TRANSLATORS: Email, the day a medicine is paused; at most 200 characters.
            # {medicine}: e.g. "Apixaban 5 mg".
            e.t.fmt(
                "medication_pause.email",
                "As your doctor instructed for your injection, do not take {medicine} from today.",
                medicine=e.medicine,
            ),
            *_resume_line(e),
            *_doctor_note_email(e),
            no_self_change(e),
            sign(e),
        ],
    )


def medication_resume_sms(e: Env) -> str:
    if e.med.is_reduction:
        return _with_note(e, _usual_again_sms(e))
    if e.restart_on_procedure_day:
        # TRANSLATORS: SMS sent after the injection when the doctor's restart day is the day of
        # the injection; with the doctor's note it must fit 9 segments. {clinic}: clinic name;
        # {medicine}: e.g. "Apixaban 5 mg"; {phone}: clinic phone.
        text = e.t.fmt(
            "medication_resume.sms",
            "{clinic}: your doctor said you may restart {medicine} today, after your injection. "
            "Unsure about the dose? Ask your doctor or call {phone}",
            clinic=e.clinic,
            medicine=e.medicine,
            phone=e.phone,
        )
    else:
        # TRANSLATORS: SMS on the day the doctor said a paused medicine may be restarted; with
        # the doctor's note it must fit 9 segments. {clinic}: clinic name; {medicine}: e.g.
        # "Apixaban 5 mg"; {phone}: clinic phone.
        text = e.t.fmt(
            "medication_resume.sms",
            "{clinic}: your doctor said you may restart {medicine} from today. Unsure about the "
            "dose? Ask your doctor or call {phone}",
            clinic=e.clinic,
            medicine=e.medicine,
            phone=e.phone,
        )
    return _with_note(e, text)


def _usual_again_sms(e: Env) -> str:
    if e.restart_on_procedure_day:
        # TRANSLATORS: SMS sent after the injection when the doctor's reduced dose ended the
        # day before; with the doctor's note it must fit 9 segments. {clinic}: clinic name;
        # {medicine}: e.g. "Rivaroxaban 20 mg"; {phone}: clinic phone.
        return e.t.fmt(
            "medication_reduce.sms",
            "{clinic}: your doctor said you may go back to your usual dose of {medicine} today, "
            "after your injection. Unsure about the dose? Ask your doctor or call {phone}",
            clinic=e.clinic,
            medicine=e.medicine,
            phone=e.phone,
        )
    # TRANSLATORS: SMS on the first day after the doctor's reduced dose ends; with the
    # doctor's note it must fit 9 segments. {clinic}: clinic name; {medicine}: e.g.
    # "Rivaroxaban 20 mg"; {phone}: clinic phone.
    return e.t.fmt(
        "medication_reduce.sms",
        "{clinic}: your doctor said you may go back to your usual dose of {medicine} from "
        "today. Unsure about the dose? Ask your doctor or call {phone}",
        clinic=e.clinic,
        medicine=e.medicine,
        phone=e.phone,
    )


def _usual_again_email(e: Env) -> Email:
    if e.restart_on_procedure_day:
        # TRANSLATORS: Email, sent after the injection when the reduced dose ended the day
        # before; at most 200 characters. {medicine}: e.g. "Rivaroxaban 20 mg".
        said = e.t.fmt(
            "medication_reduce.email",
            "Your doctor said you may go back to your usual dose of {medicine} today, after "
            "your injection.",
            medicine=e.medicine,
        )
    else:
        # TRANSLATORS: Email, the first day after the reduced dose ends; at most 200
        # characters. {medicine}: e.g. "Rivaroxaban 20 mg".
        said = e.t.fmt(
            "medication_reduce.email",
            "Your doctor said you may go back to your usual dose of {medicine} from today.",
            medicine=e.medicine,
        )
    # TRANSLATORS: Email subject, the first day after a reduced dose ends, at most 60
    # characters besides the medicine. {medicine}: e.g. "Rivaroxaban 20 mg".
    subject = e.t.fmt(
        "medication_reduce.email", "Your usual dose of {medicine} from today", medicine=e.medicine
    )
    return Email(subject, [greeting(e), said, *_doctor_note_email(e), _unsure(e), *_tail(e)])


def _reduction_email(e: Env, subject: str, lead: str) -> Email:
    return Email(
        subject, [greeting(e), lead, *_usual_dose_email(e), *_doctor_note_email(e), *_tail(e)]
    )


def _unsure(e: Env) -> str:
    # TRANSLATORS: Email, restart day: what to do when unsure; at most 150 characters.
    return e.t.fmt(
        "medication_resume.email",
        "If you are unsure about the dose, ask your own doctor or call us.",
    )


def _tail(e: Env) -> list[str]:
    return [no_self_change(e), sign(e)]


def medication_resume_email(e: Env) -> Email:
    if e.med.is_reduction:
        return _usual_again_email(e)
    if e.restart_on_procedure_day:
        # TRANSLATORS: Email, sent after the injection when the restart day is the day of the
        # injection; at most 200 characters. {medicine}: e.g. "Apixaban 5 mg".
        said = e.t.fmt(
            "medication_resume.email",
            "Your doctor said you may restart {medicine} today, after your injection.",
            medicine=e.medicine,
        )
    else:
        # TRANSLATORS: Email, restart day; at most 200 characters. {medicine}: e.g.
        # "Apixaban 5 mg". Say only what the doctor said: nothing about the dose.
        said = e.t.fmt(
            "medication_resume.email",
            "Your doctor said you may restart {medicine} from today.",
            medicine=e.medicine,
        )
    return Email(
        # TRANSLATORS: Email subject, the day a paused medicine may be restarted, at most 60
        # characters besides the medicine. {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_resume.email", "You may restart {medicine} today", medicine=e.medicine
        ),
        paragraphs=[
            greeting(e),
            said,
            *_doctor_note_email(e),
            _unsure(e),
            *_tail(e),
        ],
    )


# --- correction: the doctor changed a medicine's instructions after we had relayed them ------


def medication_correction_sms(e: Env) -> str:
    # TRANSLATORS: SMS, first sentence of a correction sent when the doctor changed a
    # medicine's instructions after the patient had received them; the whole SMS must fit 9
    # segments. {clinic}: clinic name; {medicine}: e.g. "Apixaban 5 mg".
    lead = e.t.fmt(
        "medication_correction.sms",
        "{clinic}: your doctor changed the instructions for {medicine}; this replaces our "
        "earlier message.",
        clinic=e.clinic,
        medicine=e.medicine,
    )
    if e.med.is_reduction:
        # TRANSLATORS: SMS, correction: the doctor's new dose reduction. {from_date}: first day
        # on the reduced dose, e.g. "Thu, Mar 25"; {dose}: exactly as the doctor wrote it, e.g.
        # "10 mg once a day". At most 60 characters besides the date and the dose.
        reduce = e.t.fmt(
            "medication_correction.sms",
            "From {from_date} take it at a reduced dose: {dose}.",
            from_date=e.day(e.med.reduce_from) if e.med.reduce_from else "",
            dose=e.dose,
        )
        return _medication_sms(e, lead, reduce)
    if e.med.pause_from is not None:
        # TRANSLATORS: SMS, correction: the new pause day. {pause_date}: first day without the
        # medicine, e.g. "Thu, Mar 25". At most 50 characters besides the date.
        pause = e.t.fmt(
            "medication_correction.sms",
            "Do not take it from {pause_date}.",
            pause_date=e.day(e.med.pause_from),
        )
        return _medication_sms(e, lead, pause)
    # TRANSLATORS: SMS, correction: the doctor no longer asks for a pause or a reduced dose
    # (whichever the earlier message said). At most 70 characters.
    no_pause = e.t.fmt(
        "medication_correction.sms",
        "Your doctor no longer asks you to pause it or to reduce its dose.",
    )
    return _medication_sms(e, lead, no_pause, restart=e.med.usual_again is not None)


def medication_correction_email(e: Env) -> Email:
    lines = [
        # TRANSLATORS: Email, correction of a medicine's instructions; at most 200 characters.
        # {medicine}: e.g. "Apixaban 5 mg".
        e.t.fmt(
            "medication_correction.email",
            "Your doctor has changed the instructions for {medicine}. They replace what we sent "
            "you earlier.",
            medicine=e.medicine,
        )
    ]
    if e.med.is_reduction:
        # TRANSLATORS: Email, correction: the doctor's new dose reduction; at most 150
        # characters besides the dose. {medicine}: e.g. "Rivaroxaban 20 mg"; {from_date}: e.g.
        # "Thu, Mar 25"; {dose}: exactly as the doctor wrote it, e.g. "10 mg once a day".
        lines.append(
            e.t.fmt(
                "medication_correction.email",
                "From {from_date} take {medicine} at a reduced dose: {dose}.",
                medicine=e.medicine,
                from_date=e.day(e.med.reduce_from) if e.med.reduce_from else "",
                dose=e.dose,
            )
        )
    elif e.med.pause_from is not None:
        # TRANSLATORS: Email, correction: the new pause day; at most 150 characters.
        # {medicine}: e.g. "Apixaban 5 mg"; {pause_date}: e.g. "Thu, Mar 25".
        lines.append(
            e.t.fmt(
                "medication_correction.email",
                "Do not take {medicine} from {pause_date}.",
                medicine=e.medicine,
                pause_date=e.day(e.med.pause_from),
            )
        )
    else:
        # TRANSLATORS: Email, correction: no pause and no reduced dose any more (whichever
        # the earlier message said); at most 150 characters. {medicine}: e.g. "Apixaban 5 mg".
        lines.append(
            e.t.fmt(
                "medication_correction.email",
                "Your doctor no longer asks you to pause {medicine} or to reduce its dose.",
                medicine=e.medicine,
            )
        )
    return Email(
        # TRANSLATORS: Email subject, correction of a medicine's instructions, at most 60
        # characters besides the medicine. {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_correction.email", "Correction: {medicine}", medicine=e.medicine
        ),
        paragraphs=[
            greeting(e),
            *lines,
            # When to take it as usual again ("your doctor will tell you" without a day); not
            # when the doctor no longer changes anything: that would contradict "no longer".
            *(_resume_line(e) if e.med.change_from is not None else []),
            *_doctor_note_email(e),
            no_self_change(e),
            sign(e),
        ],
    )
