"""The Lua scripts and Python share one definition of the state sets, the key layout and the
record's fields."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from reminders.ids import ReminderId, field_for
from reminders.model import STATE_SETS, ReminderState
from reminders.store import lua
from reminders.store.keys import Keys
from reminders.store.record import FIELDS

SCRIPTS = sorted(
    p.name.removesuffix(".lua")
    for p in (resources.files("reminders.store") / "lua").iterdir()
    if p.name.endswith(".lua") and p.name != "helpers.lua"
)


def test_every_state_set_reaches_lua_as_a_table_of_exactly_its_states() -> None:
    preamble = lua.preamble()
    for name, states in STATE_SETS.items():
        (line,) = [ln for ln in preamble.splitlines() if ln.startswith(f"local {name} = ")]
        assert set(re.findall(r"(\w+)=true", line)) == {str(s) for s in states}


def test_every_state_a_script_names_exists() -> None:
    known = {str(s) for s in ReminderState}
    for name in SCRIPTS:
        body = (resources.files("reminders.store") / "lua" / f"{name}.lua").read_text()
        named = set(re.findall(r"r\.s [=~]=+ '(\w+)'|r\.s = '(\w+)'", body))
        assert {s for pair in named for s in pair if s} <= known, name


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_record_field_a_script_touches_is_in_the_codec(name: str) -> None:
    body = lua.source(name)
    touched = set(re.findall(r"\b[re]\.(\w+)\b", body))
    assert touched <= set(FIELDS.values()) | {"f", "id", "rec", "fw"}, name


def test_the_lua_key_builders_match_the_python_keys() -> None:
    keys = Keys("rmd")
    preamble = lua.preamble()
    assert "return prefix .. ':a:' .. aid" in preamble
    assert keys.appointment("APT-1") == "rmd:a:APT-1"
    assert "return prefix .. ':phone:' .. e164" in preamble
    assert keys.phone("+4930") == "rmd:phone:+4930"


def test_an_id_and_its_field_are_split_the_way_helpers_lua_splits_them() -> None:
    rid = str(ReminderId("APT-1", 3, "medication_pause", 1, "sms"))
    assert rid == "APT-1:3:medication_pause:1:sms"
    assert field_for(rid) == "r:3:medication_pause:1:sms"
    assert ReminderId.parse(rid).twin("email").channel == "email"
    assert "'r:' .. string.sub(rid, sep + 1)" in lua.source("claim")
