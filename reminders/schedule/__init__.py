"""Staff schedule files: load and validate them, and plan an appointment's reminders."""

from reminders.schedule.loader import ScheduleError, find, load, loads
from reminders.schedule.planner import plan
from reminders.schedule.rules import Rule, Schedule

__all__ = ["Rule", "Schedule", "ScheduleError", "find", "load", "loads", "plan"]
