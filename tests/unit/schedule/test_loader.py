"""Staff schedule files: a good file loads; every broken one is refused with an error that names
the file, the line, the rule and the field.

Most tests change one field of the second rule of a small, otherwise valid file whose layout is:

     1  procedure = ...
     2  window = ...
     4  [[rules]]            first rule, "day_before" (lines 5-9)
    11  [[rules]]            second rule, "escort"
    12  key = ...
    13  message = ...
    14  anchor = ...
    15  offset = ...
    16  channels = ...
    17+ any extra fields, in the order given
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from reminders.i18n import MESSAGE_KEYS
from reminders.schedule import Schedule, ScheduleError, load, loads
from reminders.schedule.loader import DEFAULTS_DIR
from reminders.schedule.rules import Anchor, LatePolicy, Moment, Offset, Outside, Per, Window

FILE = "clinic.toml"
HEAD = """\
procedure = "epidural_steroid_injection"
window = { start = "08:00", end = "20:00", outside = "later" }

[[rules]]
key = "day_before"
message = "day_before"
anchor = "procedure_start"
offset = { days = -1, at = "18:00" }
channels = ["sms", "email"]

"""
SECOND = {
    "key": '"escort"',
    "message": '"escort"',
    "anchor": '"procedure_start"',
    "offset": '{ days = -3, at = "10:00" }',
    "channels": '["sms", "email"]',
}
DEFAULT_FILE = DEFAULTS_DIR / "epidural_steroid_injection.toml"


def second_rule(**fields: str | None) -> str:
    """The file above with the second rule's fields replaced (None removes one) or added."""
    merged = {**SECOND, **fields}
    body = "".join(f"{k} = {v}\n" for k, v in merged.items() if v is not None)
    return HEAD + "[[rules]]\n" + body


def refused(text: str) -> ScheduleError:
    with pytest.raises(ScheduleError) as info:
        loads(text, FILE, MESSAGE_KEYS)
    return info.value


def where(e: ScheduleError) -> tuple[str, int | None, str | None, str | None]:
    return e.file, e.line, e.rule, e.field


def test_the_helper_file_itself_loads() -> None:
    s = loads(second_rule(), FILE)
    assert [r.key for r in s.rules] == ["day_before", "escort"]
    assert s.rule("escort").moment == Moment(Anchor.PROCEDURE_START, Offset(days=-3, at=time(10)))


def test_the_error_message_names_file_line_rule_and_field() -> None:
    e = refused(second_rule(anchor='"surgery"'))
    assert str(e).startswith("clinic.toml:14, rule 'escort', field 'anchor': ")
    assert "'surgery' is not one of" in str(e)


# --- the whole file -------------------------------------------------------------------------


def test_a_toml_syntax_error_reports_its_line() -> None:
    e = refused(HEAD + '[[rules]]\nkey = "escort\nmessage = "escort"\n')
    assert where(e) == (FILE, 12, None, None)
    assert str(e).startswith("clinic.toml:12: not valid TOML: ")


def test_a_file_without_procedure_is_refused() -> None:
    e = refused(HEAD.replace('procedure = "epidural_steroid_injection"\n', "# no procedure\n"))
    assert where(e) == (FILE, None, None, "procedure")
    assert "field 'procedure'" in str(e)


def test_a_procedure_that_is_not_a_lower_snake_case_name_is_refused_at_its_line() -> None:
    e = refused(HEAD.replace('"epidural_steroid_injection"', '"Epidural injection"'))
    assert where(e) == (FILE, 1, None, "procedure")


def test_a_file_without_rules_is_refused() -> None:
    e = refused('procedure = "epidural_steroid_injection"\n')
    assert where(e) == (FILE, None, None, "rules")
    assert "at least one [[rules]] table" in str(e)


def test_an_empty_rules_list_is_refused_at_its_line() -> None:
    e = refused('procedure = "epidural_steroid_injection"\nrules = []\n')
    assert where(e) == (FILE, 2, None, "rules")


def test_rules_that_are_not_tables_are_refused() -> None:
    e = refused('procedure = "epidural_steroid_injection"\nrules = ["day_before"]\n')
    assert (e.file, e.rule) == (FILE, "#1")
    assert "must be a table" in str(e)


def test_an_unknown_top_level_field_is_refused() -> None:
    e = refused(HEAD.replace("window =", "windows ="))
    assert where(e) == (FILE, 2, None, "windows")


def test_a_bad_file_wide_window_names_the_field_and_line() -> None:
    e = refused(HEAD.replace('outside = "later"', 'outside = "never"'))
    assert where(e) == (FILE, 2, None, "window.outside")


# --- rule keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["Escort", "2nd_reminder", "day-before", "a" * 41, "escort\n", ""])
def test_a_rule_key_that_is_not_lower_snake_case_is_refused(key: str) -> None:
    toml_key = key.replace("\n", "\\n")
    e = refused(second_rule(key=f'"{toml_key}"'))
    assert where(e) == (FILE, 12, key, "key")
    assert "lower_snake_case" in str(e)


def test_a_rule_without_a_key_is_named_by_its_position() -> None:
    e = refused(second_rule(key=None))
    assert where(e) == (FILE, 11, "#2", "key")


def test_a_duplicate_rule_key_is_refused_at_the_second_use() -> None:
    e = refused(second_rule(key='"day_before"'))
    assert where(e) == (FILE, 12, "day_before", "key")
    assert "the same key is used by an earlier rule" in str(e)


# --- fields ---------------------------------------------------------------------------------


def test_an_unknown_rule_field_is_refused_at_its_line() -> None:
    e = refused(second_rule(colour='"red"'))
    assert where(e) == (FILE, 17, "escort", "colour")
    assert "unknown field" in str(e)


def test_an_unknown_message_is_refused() -> None:
    e = refused(second_rule(message='"escort_reminder"'))
    assert where(e) == (FILE, 13, "escort", "message")
    assert "unknown message 'escort_reminder'" in str(e)


def test_a_message_that_is_not_text_is_refused() -> None:
    e = refused(second_rule(message='["escort"]'))
    assert where(e) == (FILE, 13, "escort", "message")


def test_a_message_is_checked_against_the_given_message_keys() -> None:
    with pytest.raises(ScheduleError) as info:
        loads(second_rule(), FILE, known_messages=frozenset({"day_before"}))
    assert where(info.value) == (FILE, 13, "escort", "message")


def test_an_unknown_anchor_is_refused() -> None:
    e = refused(second_rule(anchor='"surgery"'))
    assert where(e) == (FILE, 14, "escort", "anchor")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("when", '"sometimes"'),
        ("per", '"patient"'),
    ],
)
def test_an_unknown_condition_or_per_is_refused(field: str, value: str) -> None:
    e = refused(second_rule(**{field: value}))
    assert where(e) == (FILE, 17, "escort", field)


# --- offsets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "field", "says"),
    [
        ('{ minutes = 30, days = -1, at = "18:00" }', "offset", "not both"),
        ('{ hours = -2, at = "18:00" }', "offset", "not both"),
        ("{ days = -1 }", "offset", "need both days and at"),
        ('{ at = "18:00" }', "offset", "need both days and at"),
        ('{ days = -1, at = "25:00" }', "offset.at", "'25:00' is not a local time HH:MM"),
        ('{ days = -1, at = "24:00" }', "offset.at", "'24:00' is not a local time HH:MM"),
        ('{ days = -1, at = "6pm" }', "offset.at", "'6pm' is not a local time HH:MM"),
        ('{ days = -1, at = "9:00" }', "offset.at", "'9:00' is not a local time HH:MM"),
        ("{ hours = 1.5 }", "offset.hours", "must be a whole number"),
        ('{ minutes = "30" }', "offset.minutes", "must be a whole number"),
        ('{ days = true, at = "18:00" }', "offset.days", "must be a whole number"),
        ("{ weeks = 1 }", "offset.weeks", "unknown field"),
        ('{ anchor = "booking", hours = 1 }', "offset.anchor", "unknown field"),
        ('"-1 day"', "offset", "must be a table"),
    ],
)
def test_a_bad_offset_is_refused_naming_the_offset_field(
    offset: str,
    field: str,
    says: str,
) -> None:
    e = refused(second_rule(offset=offset))
    assert where(e) == (FILE, 15, "escort", field)
    assert says in str(e)


def test_a_medication_anchor_without_per_medication_is_refused() -> None:
    e = refused(second_rule(anchor='"medication_pause"'))
    assert where(e) == (FILE, 11, "escort", "per")
    assert 'needs per = "medication"' in str(e)


def test_an_elapsed_offset_on_a_date_anchor_is_refused() -> None:
    e = refused(
        second_rule(anchor='"medication_pause"', offset="{ hours = -12 }", per='"medication"')
    )
    assert where(e) == (FILE, 15, "escort", "offset")
    assert "is a date: give days and at" in str(e)


def test_a_date_anchor_with_no_offset_is_refused() -> None:
    e = refused(second_rule(anchor='"medication_resume"', offset=None, per='"medication"'))
    assert (e.rule, e.field) == ("escort", "offset")


# --- channels -------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", ['["sms", "fax"]', "[]", '["sms", "sms"]', '"sms"'])
def test_bad_channels_are_refused(channels: str) -> None:
    e = refused(second_rule(channels=channels))
    assert where(e) == (FILE, 16, "escort", "channels")
    assert "distinct channels from ['sms', 'email']" in str(e)


def test_a_rule_without_channels_is_refused_at_the_rule() -> None:
    e = refused(second_rule(channels=None))
    assert where(e) == (FILE, 11, "escort", "channels")


# --- windows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window",
    [
        '{ start = "20:00", end = "08:00" }',
        '{ start = "08:00", end = "08:00" }',
    ],
)
def test_a_window_that_does_not_start_before_it_ends_is_refused(window: str) -> None:
    e = refused(second_rule(window=window))
    assert where(e) == (FILE, 17, "escort", "window")
    assert "start must be before end" in str(e)


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ('{ outside = "never" }', "window.outside"),
        ('{ start = "8am" }', "window.start"),
        ('{ end = "20:60" }', "window.end"),
        ('{ start = "08:00", end = "20:00", outsde = "earlier" }', "window.outsde"),
        ('"08:00-20:00"', "window"),
    ],
)
def test_a_bad_window_field_is_refused(window: str, field: str) -> None:
    e = refused(second_rule(window=window))
    assert where(e) == (FILE, 17, "escort", field)


def test_a_rule_window_inherits_what_it_leaves_out_from_the_file_window() -> None:
    s = loads(
        HEAD.replace('outside = "later"', 'outside = "earlier"')
        + '[[rules]]\nkey = "escort"\nmessage = "escort"\nanchor = "procedure_start"\n'
        'offset = { hours = -30 }\nchannels = ["sms"]\nwindow = { end = "21:00" }\n',
        FILE,
    )
    assert s.rule("escort").window == Window(time(8), time(21), Outside.EARLIER)
    assert s.rule("day_before").window == Window(time(8), time(20), Outside.EARLIER)


# --- late policies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "field"),
    [
        ('{ policy = "retry" }', "late.policy"),
        ("{ }", "late.policy"),
        ('"send"', "late"),
        ('{ policy = "send", until = "tomorrow" }', "late.until"),
        ('{ policy = "send", until = { anchor = "surgery", hours = -2 } }', "late.until.anchor"),
        ('{ policy = "send", until = { hours = -2 } }', "late.until.anchor"),
        ('{ policy = "send", until = { anchor = "procedure_start", days = -1 } }', "late.until"),
        (
            '{ policy = "send", until = { anchor = "procedure_start", hours = -2, at = "07:00" } }',
            "late.until",
        ),
        (
            '{ policy = "send", until = { anchor = "procedure_start", hours = "2" } }',
            "late.until.hours",
        ),
        (
            '{ policy = "send", until = { anchor = "procedure_start", hour = -2 } }',
            "late.until.hour",
        ),
        ('{ policy = "send", untill = { anchor = "procedure_start", hours = -2 } }', "late.untill"),
    ],
)
def test_a_bad_late_policy_or_deadline_is_refused(late: str, field: str) -> None:
    e = refused(second_rule(late=late))
    assert where(e) == (FILE, 17, "escort", field)


def test_a_deadline_on_a_medication_day_needs_per_medication() -> None:
    e = refused(
        second_rule(
            late=(
                '{ policy = "send", '
                'until = { anchor = "medication_pause", days = 0, at = "20:00" } }'
            ),
        )
    )
    assert where(e) == (FILE, 17, "escort", "late.until.anchor")


def test_a_deadline_on_a_medication_day_cannot_be_elapsed_time() -> None:
    e = refused(
        second_rule(
            anchor='"medication_pause"',
            offset='{ days = -1, at = "09:00" }',
            per='"medication"',
            late='{ policy = "send", until = { anchor = "medication_pause", hours = 12 } }',
        )
    )
    assert where(e) == (FILE, 18, "escort", "late.until")


# --- sms_segments and safety ----------------------------------------------------------------


@pytest.mark.parametrize("segments", ["0", "11", '"3"', "true", "2.5"])
def test_sms_segments_must_be_a_whole_number_from_1_to_10(segments: str) -> None:
    e = refused(second_rule(sms_segments=segments))
    assert where(e) == (FILE, 17, "escort", "sms_segments")
    assert "must be a whole number from 1 to 10" in str(e)


@pytest.mark.parametrize("safety", ['"yes"', "1"])
def test_safety_must_be_true_or_false(safety: str) -> None:
    e = refused(second_rule(safety=safety))
    assert where(e) == (FILE, 17, "escort", "safety")
    assert "must be true or false" in str(e)


# --- line numbers in other layouts ----------------------------------------------------------


def test_a_rule_header_with_a_comment_still_gets_line_numbers() -> None:
    text = second_rule(anchor='"surgery"').replace(
        '[[rules]]\nkey = "escort"', '[[rules]]  # the escort reminder\nkey = "escort"'
    )
    assert where(refused(text)) == (FILE, 14, "escort", "anchor")


def test_a_rule_window_given_as_a_sub_table_is_found_by_line() -> None:
    text = second_rule() + '\n[rules.window]\nstart = "08:00"\noutside = "never"\n'
    e = refused(text)
    assert where(e) == (FILE, 18, "escort", "window.outside")


# --- load() and the shipped file -----------------------------------------------------------


def test_the_shipped_default_schedule_loads() -> None:
    s = load(DEFAULT_FILE)
    assert (s.procedure, s.name) == (
        "epidural_steroid_injection",
        "CT-guided lumbar epidural steroid injection",
    )
    assert s.source == str(DEFAULT_FILE)
    assert [r.key for r in s.rules] == [
        "booking_confirmation",
        "medication_heads_up",
        "medication_pause",
        "escort",
        "day_before",
        "after_procedure",
        "next_day",
        "medication_resume",
    ]


def test_the_shipped_default_schedule_says_what_the_file_says() -> None:
    s = load(DEFAULT_FILE)
    after = s.rule("after_procedure")
    assert after.moment == Moment(Anchor.PROCEDURE_END, Offset(minutes=15))
    assert after.window == Window(time(7), time(22), Outside.LATER)
    assert after.until == Moment(Anchor.PROCEDURE_END, Offset(minutes=20 * 60))
    assert after.safety is True
    pause = s.rule("medication_pause")
    assert (pause.per, pause.late) == (Per.MEDICATION, LatePolicy.FLAG)
    assert s.rule("day_before").window.outside is Outside.EARLIER
    assert s.rule("booking_confirmation").sms_segments == 4  # it carries the blood-thinner line
    resume = s.rule("medication_resume")
    assert resume.not_before == Moment(Anchor.PROCEDURE_END, Offset(minutes=30))


def test_load_of_a_missing_file_names_the_path() -> None:
    missing = Path("/nonexistent/schedules/knee.toml")
    with pytest.raises(ScheduleError) as info:
        load(missing)
    assert where(info.value) == (str(missing), None, None, None)
    assert str(info.value) == f"{missing}: cannot read: No such file or directory"


def test_load_of_a_file_that_is_not_utf8_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(
        'procedure = "epidural_steroid_injection"\nname = "Rückenspritze"\n'.encode("latin-1")
    )
    with pytest.raises(ScheduleError) as info:
        load(path)
    assert info.value.file == str(path)
    assert "not UTF-8" in str(info.value)


def test_load_reports_errors_under_the_files_path(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(second_rule(sms_segments="0"), encoding="utf-8")
    with pytest.raises(ScheduleError) as info:
        load(path)
    assert where(info.value) == (str(path), 17, "escort", "sms_segments")
    assert str(info.value).startswith(f"{path}:17, rule 'escort', field 'sms_segments': ")


def test_a_file_broken_only_in_its_last_rule_is_refused_whole(tmp_path: Path) -> None:
    good = DEFAULT_FILE.read_text(encoding="utf-8")
    path = tmp_path / "broken.toml"
    path.write_text(
        good + '\n[[rules]]\nkey = "late_extra"\nmessage = "escort"\n'
        'anchor = "procedure_start"\nchannels = ["pager"]\n',
        encoding="utf-8",
    )
    result: Schedule | None = None
    with pytest.raises(ScheduleError) as info:
        result = load(path)
    assert result is None
    assert (info.value.rule, info.value.field) == ("late_extra", "channels")
    assert info.value.line == len(good.splitlines()) + 6


def test_not_before_is_read_and_checked_like_late_until(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(
        second_rule(not_before='{ anchor = "medication_pause", minutes = 0 }'), encoding="utf-8"
    )
    with pytest.raises(ScheduleError) as info:
        load(path)
    assert where(info.value)[2:] == ("escort", "not_before.anchor")
    assert "needs per" in str(info.value)
