"""The staff console at ``/console/``: server-rendered pages over the same store, booking and
validation functions as the HTTP API, with its own accounts, sessions and audit log.
``create_app`` builds the sub-application the HTTP app mounts."""

from __future__ import annotations

from reminders.console.app import create_app

__all__ = ["create_app"]
