"""What the store knows about patients' numbers and replies: opt-outs, numbers that cannot
receive SMS, the phone -> appointments index, acknowledgements, replies for staff, and the
staff's attention list. A mixin of ``Store``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reminders.models import ReminderState
from reminders.store.records import ReminderRecord, dt, ts

if TYPE_CHECKING:
    import redis

NEEDS_ATTENTION = frozenset({ReminderState.FAILED, ReminderState.FLAGGED, ReminderState.UNKNOWN})
_SEEN_TTL = 7 * 24 * 3600
_PRUNE = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'r:' then
    local r = cjson.decode(all[i + 1])
    if r.s == 'flagged' or r.s == 'unknown' or (r.s == 'failed' and not r.cov) then
      return 0
    end
  end
end
return redis.call('SREM', KEYS[2], ARGV[1])
"""


@dataclass(frozen=True)
class AttentionItem:
    appointment_id: str
    reminder: ReminderRecord


@dataclass(frozen=True)
class SmsBlock:
    reason: str
    opted_out: bool = False


class Contacts:
    r: redis.Redis
    prefix: str
    attention_key: str

    def _k(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    # --- SMS opt-outs and unusable numbers -------------------------------------------------

    def opt_out(self, phone: str, at: datetime, source: str, keyword: str = "") -> bool:
        """Record that ``phone`` receives no more SMS. True if it was not opted out before."""
        entry = json.dumps({"at": at.isoformat(), "source": source, "keyword": keyword})
        added = bool(self.r.hsetnx(self._k("optout"), phone, entry))
        self._log(phone, at, "opt_out", source=source, keyword=keyword)
        return added

    def opt_in(self, phone: str, at: datetime, source: str, keyword: str = "") -> bool:
        removed = bool(self.r.hdel(self._k("optout"), phone))
        self._log(phone, at, "opt_in", source=source, keyword=keyword)
        return removed

    def is_opted_out(self, phone: str) -> bool:
        return bool(self.r.hexists(self._k("optout"), phone))

    def opted_out_numbers(self) -> dict[str, dict[str, str]]:
        """Every opted-out number with when, how (``inbound`` STOP or provider ``21610``) and
        the keyword."""
        raw = self.r.hgetall(self._k("optout"))
        return {_text(k): json.loads(v) for k, v in raw.items()}

    def mark_unusable(self, phone: str, at: datetime, code: str, reason: str) -> None:
        """The number can never receive SMS (invalid, landline) until staff correct it."""
        entry = json.dumps({"at": at.isoformat(), "code": code, "reason": reason})
        self.r.hset(self._k("sms:unusable"), phone, entry)

    def unusable_numbers(self) -> dict[str, dict[str, str]]:
        """Numbers SMS is no longer tried for, with the provider code and reason."""
        raw = self.r.hgetall(self._k("sms:unusable"))
        return {_text(k): json.loads(v) for k, v in raw.items()}

    def clear_unusable(self, phone: str) -> None:
        self.r.hdel(self._k("sms:unusable"), phone)

    def sms_block(self, phone: str) -> SmsBlock | None:
        """Why SMS to ``phone`` must not be tried, or None."""
        if self.is_opted_out(phone):
            return SmsBlock("the patient opted out of SMS", opted_out=True)
        raw = self.r.hget(self._k("sms:unusable"), phone)
        if raw:
            entry = json.loads(raw)
            return SmsBlock(f"the number cannot receive SMS ({entry['code']}: {entry['reason']})")
        return None

    def _log(self, phone: str, at: datetime, kind: str, **more: str) -> None:
        entry = {"at": at.isoformat(), "type": kind, "phone": phone, **more}
        self.r.rpush(self._k("optout:log"), json.dumps(entry))

    # --- inbound SMS -------------------------------------------------------------------------

    def appointments_for_phone(self, phone: str) -> list[str]:
        return sorted(_text(x) for x in self.r.smembers(self._k(f"phone:{phone}")))

    def first_time_seen(self, provider_id: str) -> bool:
        """False when this inbound message was handled before (the provider retried)."""
        key = self._k(f"inbound:seen:{provider_id}")
        return bool(self.r.set(key, 1, nx=True, ex=_SEEN_TTL))

    def acknowledge(self, appointment_id: str, kind: str, at: datetime, text: str) -> bool:
        """Record the patient's confirmation (e.g. ``escort``). The first one counts."""
        entry = json.dumps({"kind": kind, "at": at.isoformat(), "text": text}, ensure_ascii=False)
        first = bool(self.r.hsetnx(self._k(f"a:{appointment_id}"), f"ack:{kind}", entry))
        if first:
            self.r.zadd(self._k("acks"), {f"{appointment_id}:{kind}": ts(at)})
            self.r.rpush(self._k(f"e:{appointment_id}"), json.dumps({"type": "ack", **_j(entry)}))
        return first

    def acknowledgements(self, appointment_id: str) -> list[dict[str, str]]:
        """The patient's confirmations for one appointment: [{kind, at, text}]."""
        raw = self.r.hgetall(self._k(f"a:{appointment_id}"))
        found = [json.loads(v) for k, v in raw.items() if _text(k).startswith("ack:")]
        return sorted(found, key=lambda a: str(a["at"]))

    def recent_acknowledgements(self, limit: int = 100) -> list[tuple[str, str, datetime]]:
        """(appointment id, kind, when) across appointments, newest first."""
        rows: list[tuple[bytes, float]] = self.r.zrevrange(  # type: ignore[assignment]
            self._k("acks"), 0, limit - 1, withscores=True
        )
        out = []
        for member, score in rows:
            aid, what = _text(member).rsplit(":", 1)
            out.append((aid, what, dt(score)))
        return out

    def record_reply(self, phone: str, body: str, at: datetime, appointments: list[str]) -> None:
        """A reply the service did not understand: for staff to read."""
        entry = {"at": at.isoformat(), "from": phone, "body": body, "appointments": appointments}
        self.r.rpush(self._k("inbox"), json.dumps(entry, ensure_ascii=False))
        for aid in appointments:
            self.r.rpush(self._k(f"e:{aid}"), json.dumps({"type": "reply", **entry}))

    def inbox(self, limit: int = 100) -> list[dict[str, Any]]:
        """Replies for staff, newest first."""
        return [json.loads(x) for x in reversed(self.r.lrange(self._k("inbox"), -limit, -1))]

    # --- the staff's attention list ------------------------------------------------------------

    def attention_items(self) -> list[AttentionItem]:
        """Every reminder that needs a person: failed (and not replaced by email), flagged, or
        unknown (a send whose outcome is being reconciled). Appointments with none left drop
        off the index."""
        out: list[AttentionItem] = []
        for member in sorted(self.r.smembers(self.attention_key)):
            aid = _text(member)
            raw = self.r.hgetall(self._k(f"a:{aid}"))
            found = [
                ReminderRecord.from_json(f"{aid}:{_text(k)[2:]}", v)
                for k, v in raw.items()
                if _text(k).startswith("r:")
            ]
            mine = [r for r in found if r.state in NEEDS_ATTENTION and not r.covered_by]
            if not mine:
                # re-checked inside Redis: a reminder flagged meanwhile keeps it listed
                self.r.eval(_PRUNE, 2, self._k(f"a:{aid}"), self.attention_key, aid)
            out.extend(AttentionItem(aid, r) for r in sorted(mine, key=lambda r: r.due_at))
        return out


def _j(raw: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(raw)
    return value


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
