"""Staff schedule files: load and validate them, and plan an appointment's reminders."""

from reminders.schedule.loader import ScheduleError, find, load, loads
from reminders.schedule.planner import PlannedReminder, parse_reminder_id, plan, reminder_id
from reminders.schedule.rules import Rule, Schedule

__all__ = [
    "PlannedReminder",
    "Rule",
    "Schedule",
    "ScheduleError",
    "find",
    "load",
    "loads",
    "parse_reminder_id",
    "plan",
    "reminder_id",
]
