"""The clinic's mapping file: defaults without one, and every mistake named by file, line and
key, so that a process with a broken file stops at start saying where."""

from __future__ import annotations

from pathlib import Path

import pytest

from reminders.intake.mapping import HL7_DEFAULTS, Mapping, MappingError, Position, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hl7.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_is_the_documented_defaults() -> None:
    m = load(None)
    assert m == Mapping()
    assert m.default_region == "US"
    assert {k: tuple(map(str, v)) for k, v in m.hl7.items()} == HL7_DEFAULTS


def test_a_file_sets_procedures_places_languages_and_positions(tmp_path: Path) -> None:
    m = load(
        write(
            tmp_path,
            'default_region = "DE"\n[procedures]\n"CT-LESI" = "epidural_steroid_injection"\n'
            '"http://loinc.org|36813-4" = "epidural_steroid_injection"\n'
            '[locations.CT1]\nname = "CT 1"\naddress = "Street 1"\nphone = "+49 30 1"\n'
            'timezone = "Europe/Berlin"\n[languages]\nGER = "de"\n'
            '[hl7]\nexternal_id = "SCH-1.1"\ntelecom = ["PID-13", "PID-14"]\n',
        )
    )
    assert m.procedure("http://loinc.org|36813-4", "36813-4") == "epidural_steroid_injection"
    assert m.procedure("NOPE") is None
    # A code that is itself a schedule's name needs no entry.
    assert m.procedure("NOPE", "epidural_steroid_injection") == "epidural_steroid_injection"
    assert m.locations["CT1"].timezone == "Europe/Berlin"
    assert m.language("GER") == "de" and m.language("fr") == "fr"
    assert m.hl7["external_id"] == (Position("SCH", 1, 1),)
    assert m.hl7["telecom"] == (Position("PID", 13), Position("PID", 14))
    assert m.hl7["start"] == (Position("SCH", 11, 4), Position("AIS", 4))


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('default_region = "Germany"\n', 1, "default_region"),
        ('[procedures]\n"CT" = "Epidural Injection"\n', 2, "procedures.CT"),
        ('\n[locations.CT1]\nname = "CT 1"\naddress = "x"\n', 2, "locations.CT1.phone"),
        (
            '[locations.CT1]\nname="a"\naddress="b"\nphone="c"\ntimezone="US/Eastern"\n',
            5,
            "locations.CT1.timezone",
        ),
        ('[hl7]\nstart = ["SCH-11.4", "AIS4"]\n', 2, "hl7.start"),
        ('[hl7]\nduration_units = "AIS-8"\n', 2, "hl7.duration_units"),
        ("zone = 1\n", 1, "zone"),
        ("[procedures\n", 1, ""),
    ],
)
def test_a_mistake_is_named_by_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MappingError) as caught:
        load(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{path}:{line}: ")
