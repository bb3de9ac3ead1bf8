"""Durable store in Redis."""

from reminders.store.records import ReminderRecord
from reminders.store.redis_store import Begun, Snapshot, Store, VersionConflict

__all__ = ["Begun", "ReminderRecord", "Snapshot", "Store", "VersionConflict"]
