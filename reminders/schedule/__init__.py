"""Staff schedule files: load and validate them, and plan an appointment's reminders."""

from reminders.schedule.loader import ScheduleError, load, loads
from reminders.schedule.planner import plan
from reminders.schedule.registry import Registry, SchedulesBroken, UnknownSchedule, find
from reminders.schedule.rules import Rule, Schedule

__all__ = [
    "Registry",
    "Rule",
    "Schedule",
    "ScheduleError",
    "SchedulesBroken",
    "UnknownSchedule",
    "find",
    "load",
    "loads",
    "plan",
]
