"""Store operations after a send: provider status callbacks and opted-out patients' pending
SMS. A mixin of ``Store`` (it needs ``r``, ``prefix``, ``due_key``, ``attention_key``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reminders.schedule.planner import parse_reminder_id
from reminders.store import tracking_scripts
from reminders.store.records import field_for, ts

if TYPE_CHECKING:
    import redis


class Tracking:
    r: redis.Redis
    prefix: str
    due_key: str
    attention_key: str

    def __init__(self) -> None:
        self._delivery = self.r.register_script(tracking_scripts.DELIVERY)
        self._opted_out = self.r.register_script(tracking_scripts.OPTED_OUT)

    def _keys(self, aid: str) -> list[str]:
        return [
            f"{self.prefix}:a:{aid}",
            self.due_key,
            f"{self.prefix}:e:{aid}",
            self.attention_key,
        ]

    def record_delivery(
        self,
        rid: str,
        provider_id: str,
        status: str,
        now: datetime,
        *,
        code: str = "",
        action: str = "",
        retry_at: datetime | None = None,
        why: str = "",
        fallback: str | None = None,
    ) -> str:
        """Apply one provider status report. Returns ok | duplicate (not newer than what we
        know) | stale (about an earlier message of this reminder) | missing. ``action`` (only for
        a final failure) is retry (at ``retry_at``), failed, flag, or fallback (``fallback`` is
        records.fallback_spec: email twin, else flagged)."""
        aid = parse_reminder_id(rid)[0]
        event: dict[str, Any] = {
            "at": now.isoformat(),
            "type": "delivery",
            "reminder": rid,
            "status": status,
            "pid": provider_id,
        }
        if code:
            event["code"] = code
        out = self._delivery(
            keys=self._keys(aid),
            args=[
                field_for(rid),
                rid,
                provider_id,
                status,
                tracking_scripts.RANKS.get(status, 0),
                code,
                ts(now),
                action,
                "" if retry_at is None else str(ts(retry_at)),
                why,
                fallback or "",
                json.dumps(event),
                aid,
            ],
        )
        return str(out[0].decode())

    def settle_opted_out(
        self, rid: str, now: datetime, *, why: str, why_covered: str, fallback: str | None
    ) -> str:
        """A waiting SMS reminder whose patient opted out: replaced by its email twin
        (``fallback``, when the patient has an email) and skipped, else flagged for staff.
        Returns the reminder's state afterwards."""
        aid = parse_reminder_id(rid)[0]
        out = self._opted_out(
            keys=self._keys(aid),
            args=[
                field_for(rid),
                rid,
                ts(now),
                why,
                why_covered,
                fallback or "",
                now.isoformat(),
                aid,
            ],
        )
        return str(out[-1].decode())
