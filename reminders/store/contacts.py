"""What the store knows about patients' numbers and replies: opt-outs (with their log), numbers
that cannot receive SMS, the phone -> appointments index, acknowledgements, replies kept for
staff, and what staff changed about a number. The retention purge (``store.purge``) covers each
of them."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import dt, text, ts

DAY = 24 * 3600


def fingerprint(phone: str) -> str:
    """The unkeyed SHA-256 fingerprint earlier versions kept opt-outs under (and this one keeps
    without REMINDERS_FINGERPRINT_KEY). Phone numbers are few enough to be tried one by one, so
    whoever has a copy of Redis can tell whether a given number opted out."""
    return hashlib.sha256(f"reminders-optout:{phone}".encode()).hexdigest()


@dataclass(frozen=True)
class Fingerprints:
    """What an opt-out is kept under once the retention purge has forgotten the number: an
    HMAC-SHA256 keyed with REMINDERS_FINGERPRINT_KEY, which a copy of Redis alone cannot test
    numbers against. Fingerprints made before the key was set stay honoured (``candidates``)."""

    key: bytes = b""

    def of(self, phone: str) -> str:
        if not self.key:
            return fingerprint(phone)
        mac = hmac.new(self.key, f"reminders-optout:{phone}".encode(), hashlib.sha256)
        return "k1:" + mac.hexdigest()

    def candidates(self, phone: str) -> tuple[str, ...]:
        """Every fingerprint this number's opt-out may be kept under."""
        return tuple(dict.fromkeys((self.of(phone), fingerprint(phone))))


@dataclass(frozen=True)
class SmsBlock:
    reason: str
    opted_out: bool = False


def block_for(opted_out: bool, unusable_mark: bytes | str | None) -> SmsBlock | None:
    """The block an opt-out or an unusable mark (its stored JSON) puts on a number; an opt-out
    is named first, as it is the patient's own wish."""
    if opted_out:
        return SmsBlock("the patient opted out of SMS", opted_out=True)
    if unusable_mark:
        entry = json.loads(unusable_mark)
        return SmsBlock(f"the number cannot receive SMS ({entry['code']}: {entry['reason']})")
    return None


class Contacts:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        *,
        seen_ttl: int = 30 * DAY,
        fingerprints: Fingerprints | None = None,
    ) -> None:
        """``seen_ttl``: how long an inbound message's id is remembered against provider
        retries, in seconds (the retention period: ``wiring`` passes REMINDERS_RETENTION_DAYS)."""
        self.r = client
        self.keys = keys
        self.seen_ttl = seen_ttl
        self.fingerprints = fingerprints or Fingerprints()
        self._clear_unusable = client.register_script(source("clear_unusable"))

    # --- SMS opt-outs and unusable numbers -------------------------------------------------

    def opt_out(self, phone: str, at: datetime, source: str, keyword: str = "") -> bool:
        """Record that ``phone`` receives no more SMS. True if it was not opted out before."""
        entry = json.dumps({"at": at.isoformat(), "source": source, "keyword": keyword})
        known = self.is_opted_out(phone)
        added = bool(self.r.hsetnx(self.keys.optout, phone, entry))
        self._log(phone, at, "opt_out", source=source, keyword=keyword)
        return added and not known

    def opt_in(self, phone: str, at: datetime, source: str, keyword: str = "") -> bool:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.hdel(self.keys.optout, phone)
            pipe.hdel(self.keys.optout_fingerprints, *self.fingerprints.candidates(phone))
            removed = any(pipe.execute())
        self._log(phone, at, "opt_in", source=source, keyword=keyword)
        return removed

    def is_opted_out(self, phone: str) -> bool:
        """Opted out, whether the number is still on record or kept only as a fingerprint."""
        with self.r.pipeline(transaction=False) as pipe:
            pipe.hexists(self.keys.optout, phone)
            for candidate in self.fingerprints.candidates(phone):
                pipe.hexists(self.keys.optout_fingerprints, candidate)
            return any(pipe.execute())

    def opted_out_numbers(self) -> dict[str, dict[str, str]]:
        """Every opted-out number on record with when, how (``inbound`` STOP or provider
        ``21610``) and the keyword."""
        raw = self.r.hgetall(self.keys.optout)
        return {text(k): json.loads(v) for k, v in raw.items()}

    def opt_outs_kept_as_fingerprints(self) -> int:
        """Opt-outs still honoured whose number the retention purge has forgotten."""
        return int(self.r.hlen(self.keys.optout_fingerprints))

    def opt_out_log(self, limit: int = 100) -> list[dict[str, Any]]:
        """Opt-outs and opt-ins as they happened, newest first."""
        return [json.loads(x) for x in reversed(self.r.lrange(self.keys.optout_log, -limit, -1))]

    def mark_unusable(self, phone: str, at: datetime, code: str, reason: str) -> None:
        """The number can never receive SMS (invalid, landline) until staff correct it."""
        entry = json.dumps({"at": at.isoformat(), "code": code, "reason": reason})
        self.r.hset(self.keys.unusable, phone, entry)

    def unusable_numbers(self) -> dict[str, dict[str, str]]:
        """Numbers SMS is no longer tried for, with the provider code and reason."""
        raw = self.r.hgetall(self.keys.unusable)
        return {text(k): json.loads(v) for k, v in raw.items()}

    def clear_unusable(
        self, phone: str, at: datetime, by: str, reason: str
    ) -> dict[str, Any] | None:
        """Staff say the number can receive SMS after all: forget the mark and record who did
        it and why, in the staff audit and each of the number's appointments' audit trail, in
        one step. Returns the audit entry (with the mark that was cleared), or None when the
        number was not marked."""
        entry = {"at": at.isoformat(), "type": "sms_unusable_cleared", "by": by, "reason": reason}
        raw = self._clear_unusable(
            keys=[self.keys.unusable, self.keys.staff_audit, self.keys.phone(phone)],
            args=[
                phone,
                json.dumps({**entry, "phone": phone}),
                json.dumps(entry),
                self.keys.prefix,
            ],
        )
        return json.loads(raw) if raw else None

    def staff_audit(self, limit: int = 100) -> list[dict[str, Any]]:
        """What staff changed about numbers (who, when, why), newest first."""
        return [json.loads(x) for x in reversed(self.r.lrange(self.keys.staff_audit, -limit, -1))]

    def sms_block(self, phone: str) -> SmsBlock | None:
        """Why SMS to ``phone`` must not be tried, or None (one round trip; a send asks the
        same in its admission, ``store.sms_gate``)."""
        with self.r.pipeline(transaction=False) as pipe:
            pipe.hget(self.keys.unusable, phone)
            pipe.hexists(self.keys.optout, phone)
            for candidate in self.fingerprints.candidates(phone):
                pipe.hexists(self.keys.optout_fingerprints, candidate)
            raw, *opted_out = pipe.execute()
        return block_for(any(opted_out), raw)

    def _log(self, phone: str, at: datetime, kind: str, **more: str) -> None:
        entry = {"at": at.isoformat(), "type": kind, "phone": phone, **more}
        self.r.rpush(self.keys.optout_log, json.dumps(entry))

    # --- inbound SMS -------------------------------------------------------------------------

    def appointments_for_phone(self, phone: str) -> list[str]:
        return sorted(text(x) for x in self.r.smembers(self.keys.phone(phone)))

    def first_time_seen(self, provider_id: str) -> bool:
        """False when this inbound message was handled before (the provider retried)."""
        key = self.keys.inbound_seen(provider_id)
        return bool(self.r.set(key, 1, nx=True, ex=self.seen_ttl))

    def acknowledge(self, appointment_id: str, kind: str, at: datetime, text: str) -> bool:
        """Record the patient's confirmation (e.g. ``escort``). The first one counts."""
        entry = json.dumps({"kind": kind, "at": at.isoformat(), "text": text}, ensure_ascii=False)
        first = bool(self.r.hsetnx(self.keys.appointment(appointment_id), f"ack:{kind}", entry))
        if first:
            self.r.zadd(self.keys.acks, {f"{appointment_id}:{kind}": ts(at)})
            self.r.rpush(self.keys.events(appointment_id), json.dumps({"type": "ack", **_j(entry)}))
        return first

    def acknowledgements(self, appointment_id: str) -> list[dict[str, str]]:
        """The patient's confirmations for one appointment: [{kind, at, text}]."""
        raw = self.r.hgetall(self.keys.appointment(appointment_id))
        found = [json.loads(v) for k, v in raw.items() if text(k).startswith("ack:")]
        return sorted(found, key=lambda a: str(a["at"]))

    def recent_acknowledgements(self, limit: int = 100) -> list[tuple[str, str, datetime]]:
        """(appointment id, kind, when) across appointments, newest first."""
        rows: list[tuple[bytes, float]] = self.r.zrevrange(  # type: ignore[assignment]
            self.keys.acks, 0, limit - 1, withscores=True
        )
        out = []
        for member, score in rows:
            aid, what = text(member).rsplit(":", 1)
            out.append((aid, what, dt(score)))
        return out

    def record_reply(self, phone: str, body: str, at: datetime, appointments: list[str]) -> None:
        """A reply the service did not understand: for staff to read."""
        entry = {"at": at.isoformat(), "from": phone, "body": body, "appointments": appointments}
        self.r.rpush(self.keys.inbox, json.dumps(entry, ensure_ascii=False))
        for aid in appointments:
            self.r.rpush(self.keys.events(aid), json.dumps({"type": "reply", **entry}))

    def inbox(self, limit: int = 100) -> list[dict[str, Any]]:
        """Replies for staff (from a patient's number or an unknown one), newest first."""
        return [json.loads(x) for x in reversed(self.r.lrange(self.keys.inbox, -limit, -1))]


def _j(raw: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(raw)
    return value
