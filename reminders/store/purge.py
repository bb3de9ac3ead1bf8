"""Retention: what the store forgets, and when.

``forget`` removes one appointment's patient data: its hash, every side index that names it,
its acknowledgements, the replies kept for staff, the marks staff left on its attention items,
the channels' memos about its sends and the outbox's copies of its messages; its audit trail
stays, stripped of names, numbers, addresses and free text; the console's audit log keeps who
did what and when, without the appointment's id or any free text that came with it.

``expire`` removes what belongs to no appointment once the retention period has passed: what
is recorded about numbers no appointment names any more (the opt-out log, the staff audit, an
unusable mark; an opt-out is kept as a fingerprint so that it is still honoured), replies from
unknown numbers, and leftovers of appointments already gone; in the console's audit log, the
ids of appointments already gone and the free text (a search, a note) of entries that old.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import redis

from reminders.store.appointments import Snapshot
from reminders.store.contacts import Fingerprints
from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import text

# What an event may carry about the person: a reply's sender and text, an acknowledgement's
# text, a cancellation's or a staff member's free-text reason and note.
PERSONAL = ("from", "to", "body", "text", "phone", "email", "name", "reason", "note")
# Never masked: times, ids and states.
_AS_IS = ("at", "type", "reminder", "state", "version", "by")
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+\d[\d ().-]{5,}\d")
MASK = "…"
# The channels' memos about one reminder (channels/twilio, channels/smtp).
_MEMOS = ("sms:try", "sms:sid", "email:sent")


class Purge:
    def __init__(
        self, client: redis.Redis, keys: Keys, fingerprints: Fingerprints | None = None
    ) -> None:
        self.r = client
        self.keys = keys
        self.fingerprints = fingerprints or Fingerprints()
        self._forget_number = client.register_script(source("forget_number"))
        self._rewrite = client.register_script(source("rewrite_entries"))

    def forget(self, snap: Snapshot, now: datetime, reason: str) -> None:
        k = self.keys
        aid = snap.appointment.external_id
        known = _known(snap)
        events = [scrub(json.loads(e), known) for e in self.r.lrange(k.events(aid), 0, -1)]
        events.append({"at": now.isoformat(), "type": "purged", "reason": reason})
        replies = [
            x for x in self.r.lrange(k.inbox, 0, -1) if aid in json.loads(x).get("appointments", [])
        ]
        acks = [m for m, _ in self.r.zscan_iter(k.acks, match=f"{aid}:*")]
        handled = [f for f in self.r.hkeys(k.attention_handled) if _item_of(text(f)) == aid]
        rids = [r.id for r in snap.reminders]
        sids = {r.provider_id for r in snap.reminders if r.provider_id}
        memos = [k.sendlog(kind, rid) for rid in rids for kind in _MEMOS]
        memos += [k.sendlog("sms:owner", sid) for sid in sorted(sids)]
        outbox = [x for x in self.r.lrange(k.outbox, 0, -1) if _appointment_of(x) == aid]
        with self.r.pipeline() as pipe:
            pipe.delete(k.appointment(aid), k.events(aid), *memos)
            pipe.rpush(k.events(aid), *(json.dumps(e) for e in events))
            if snap.appointment.patient.phone:
                pipe.srem(k.phone(snap.appointment.patient.phone), aid)
            pipe.srem(k.attention, aid)
            if acks:
                pipe.zrem(k.acks, *acks)
            for raw in replies:
                pipe.lrem(k.inbox, 0, text(raw))
            if handled:
                pipe.hdel(k.attention_handled, *handled)
            if rids:
                pipe.hdel(k.outbox_ids, *rids)
            for raw in outbox:
                pipe.lrem(k.outbox, 0, text(raw))
            pipe.execute()
        self._scrub_console_audit(lambda e: aid in e.get("external_ids", ()), lambda _: False)

    def expire(self, cutoff: datetime, now: datetime) -> dict[str, int]:
        """Forget what belongs to no appointment and is older than ``cutoff``. Returns how many
        entries of each kind went."""
        k = self.keys
        counts = {
            "opt_out_log": self._drop(k.optout_log, lambda e: self._unnamed(e, cutoff)),
            "staff_audit": self._drop(k.staff_audit, lambda e: self._unnamed(e, cutoff)),
            "replies": self._drop(
                k.inbox,
                lambda e: (
                    _older(e, cutoff) and not any(map(self._exists, e.get("appointments", [])))
                ),
            ),
            "outbox": self._drop(
                k.outbox,
                lambda e: _older(e, cutoff) and not self._exists(_aid(e.get("reminder", ""))),
            ),
        }
        counts["numbers"] = self._expire_numbers(cutoff, now)
        stale = [
            f
            for f, v in self.r.hgetall(k.attention_handled).items()
            if _older(json.loads(v), cutoff) and not self._exists(_item_of(text(f)))
        ]
        orphans = [f for f in self.r.hkeys(k.outbox_ids) if not self._exists(_aid(text(f)))]
        with self.r.pipeline() as pipe:
            if stale:
                pipe.hdel(k.attention_handled, *stale)
            if orphans:
                pipe.hdel(k.outbox_ids, *orphans)
            pipe.execute()
        counts["handled_marks"] = len(stale)
        counts["console_audit"] = self._scrub_console_audit(
            lambda e: _older(e, cutoff), self._exists
        )
        return counts

    def _scrub_console_audit(
        self, due: Callable[[dict[str, Any]], bool], keep: Callable[[str], bool]
    ) -> int:
        """Rewrite the console audit entries ``due`` says to: only the appointment ids
        ``keep`` holds stay, and no free text. Who, when and what kind of action stay."""
        key = self.keys.console_audit
        args: list[str] = []
        for index, raw in enumerate(self.r.lrange(key, 0, -1)):
            entry = _entry(raw)
            if not entry or not due(entry):
                continue
            scrubbed = scrub_console_entry(entry, keep)
            if scrubbed != entry:
                args += [str(index), text(raw), json.dumps(scrubbed, ensure_ascii=False)]
        return int(self._rewrite(keys=[key], args=args)) if args else 0

    def _expire_numbers(self, cutoff: datetime, now: datetime) -> int:
        k = self.keys
        optout = {text(p): text(v) for p, v in self.r.hgetall(k.optout).items()}
        unusable = {text(p): text(v) for p, v in self.r.hgetall(k.unusable).items()}
        changed = 0
        for phone in sorted(set(optout) | set(unusable)):
            out = optout.get(phone, "")
            out = out if out and _older(json.loads(out), cutoff) else ""
            bad = unusable.get(phone, "")
            bad = bad if bad and _older(json.loads(bad), cutoff) else ""
            if not (out or bad):
                continue
            kept = {**json.loads(out), "fingerprinted_at": now.isoformat()} if out else {}
            changed += int(
                self._forget_number(
                    keys=[k.optout, k.optout_fingerprints, k.unusable, k.phone(phone)],
                    args=[phone, out, self.fingerprints.of(phone), json.dumps(kept), bad],
                )
            )
        return changed

    def _drop(self, key: str, expired: Any) -> int:
        """Remove the entries of a JSON list that ``expired(entry)`` says have expired (each
        by value: a concurrent append or a second purge loses nothing)."""
        gone = {text(raw) for raw in self.r.lrange(key, 0, -1) if expired(_entry(raw))}
        if gone:
            with self.r.pipeline() as pipe:
                for raw in gone:
                    pipe.lrem(key, 0, raw)
                pipe.execute()
        return len(gone)

    def _unnamed(self, entry: dict[str, Any], cutoff: datetime) -> bool:
        """Older than ``cutoff``, about a number no appointment names any more."""
        phone = entry.get("phone")
        named = isinstance(phone, str) and bool(self.r.scard(self.keys.phone(phone)))
        return _older(entry, cutoff) and not named

    def _exists(self, aid: str) -> bool:
        return bool(aid) and bool(self.r.exists(self.keys.appointment(aid)))


def scrub(event: dict[str, Any], known: Iterable[str] = ()) -> dict[str, Any]:
    """An audit event without what it said about the person: personal fields dropped, and
    names, numbers and email addresses masked in the rest (a provider's error may quote
    them)."""
    known = sorted(set(known), key=len, reverse=True)
    return {
        key: value if key in _AS_IS else _mask(value, known)
        for key, value in event.items()
        if key not in PERSONAL
    }


def scrub_console_entry(entry: dict[str, Any], keep: Callable[[str], bool]) -> dict[str, Any]:
    """A console audit entry naming only the appointments ``keep`` holds, without its free
    text (a search may have been a patient's name or number, a note may name them)."""
    ids = [str(x) for x in entry.get("external_ids", ())]
    kept = [x for x in ids if keep(x)]
    if kept == ids and "detail" not in entry:
        return entry
    out = {k: v for k, v in entry.items() if k != "detail"}
    return {**out, "external_ids": kept, "scrubbed": True}


def mask_contacts(value: str) -> str:
    """``value`` with every email address and international phone number masked."""
    return _PHONE.sub(MASK, _EMAIL.sub(MASK, value))


def _mask(value: Any, known: list[str]) -> Any:
    if isinstance(value, str):
        for word in known:
            value = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", MASK, value, flags=re.IGNORECASE)
        return mask_contacts(value)
    if isinstance(value, dict):
        return scrub(value, known)
    if isinstance(value, list):
        return [_mask(v, known) for v in value]
    return value


def _known(snap: Snapshot) -> list[str]:
    """The patient's name (whole and each part), number and email address."""
    p = snap.appointment.patient
    words = [p.name, *(part for part in p.name.split() if len(part) >= 3)]
    return [w for w in (*words, p.phone, p.email) if w]


def _entry(raw: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _older(entry: dict[str, Any], cutoff: datetime) -> bool:
    """Older than ``cutoff``; an entry without a readable time counts as old (nobody can say
    how long it has been kept)."""
    try:
        return datetime.fromisoformat(str(entry["at"])) <= cutoff
    except (KeyError, ValueError, TypeError):
        return True


def _aid(rid: str) -> str:
    return rid.split(":", 1)[0]


def _appointment_of(raw: bytes | str) -> str:
    return _aid(str(_entry(raw).get("reminder", "")))


def _item_of(item_id: str) -> str:
    """The appointment of an attention item (``<state>:<reminder id>``, ``escort:<aid>:<v>``)."""
    parts = item_id.split(":")
    return parts[1] if len(parts) > 1 else ""
