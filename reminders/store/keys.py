"""Every Redis key the service writes, in one place: ``Keys(prefix).appointment(aid)`` ->
``rmd:a:<aid>``. The Lua scripts build the two keys they derive from data (an appointment's
hash from a reminder id, a phone's index) with functions generated from ``LUA_KEYS`` below.
"""

from __future__ import annotations

from dataclasses import dataclass

# The keys a Lua script builds from data: name -> (segment, argument). Generated into every
# script's preamble as ``<name>_key(prefix, argument)`` (store/lua.py).
LUA_KEYS = {"appointment": ("a", "aid"), "events": ("e", "aid"), "phone": ("phone", "e164")}


@dataclass(frozen=True)
class Keys:
    prefix: str

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # --- one appointment ---------------------------------------------------------------
    def appointment(self, aid: str) -> str:
        """Hash: the appointment (``doc``, ``v``, ``st``), its reminders (``r:...``), acks."""
        return self._k(LUA_KEYS["appointment"][0], aid)

    def appointment_pattern(self) -> str:
        return self.appointment("*")

    def events(self, aid: str) -> str:
        """List: the appointment's audit trail."""
        return self._k(LUA_KEYS["events"][0], aid)

    # --- indexes -------------------------------------------------------------------------
    @property
    def due(self) -> str:
        """Sorted set: pending reminders by due time, claimed ones by the end of their lease."""
        return self._k("due")

    @property
    def attention(self) -> str:
        """Set: appointment ids with a reminder that needs a person."""
        return self._k("attention")

    @property
    def attention_handled(self) -> str:
        """Hash: attention item id -> who handled it, when, with which note."""
        return self._k("attention", "handled")

    def phone(self, e164: str) -> str:
        """Set: appointment ids of the patient with this number (inbound SMS)."""
        return self._k(LUA_KEYS["phone"][0], e164)

    # --- contacts (each one covered by the retention purge, store/purge.py) ----------------
    @property
    def optout(self) -> str:
        """Hash: opted-out number -> when, how, the keyword."""
        return self._k("optout")

    @property
    def optout_fingerprints(self) -> str:
        """Hash: SHA-256 fingerprint of a number -> when, how: an opt-out kept after the
        retention period without the number, so that it is honoured for good."""
        return self._k("optout", "fp")

    @property
    def optout_log(self) -> str:
        """List: every opt-out and opt-in, oldest first (with the number)."""
        return self._k("optout", "log")

    @property
    def unusable(self) -> str:
        """Hash: number SMS is not tried for -> when, the provider's code and reason."""
        return self._k("sms", "unusable")

    @property
    def inbox(self) -> str:
        """List: replies kept for staff (with the number and the text), oldest first."""
        return self._k("inbox")

    @property
    def acks(self) -> str:
        return self._k("acks")

    def inbound_seen(self, provider_id: str) -> str:
        """String with an expiry: this inbound message was handled (provider retries)."""
        return self._k("inbound", "seen", provider_id)

    def hl7_message(self, digest: str) -> str:
        """String with an expiry (the retention period): the ACK sent for an HL7 message, under
        the SHA-256 of its sender and control id (MSH-3, MSH-4, MSH-10), so that a repeat is
        acknowledged again and changes nothing (store/intake.py)."""
        return self._k("hl7", "msg", digest)

    @property
    def staff_audit(self) -> str:
        """List: what staff changed about a number (who, when, why), oldest first."""
        return self._k("staff", "audit")

    # --- the staff console (store/users.py, sessions.py, console_audit.py) ------------------
    @property
    def console_users(self) -> str:
        """Hash: account name -> its role, language, password hash, whether disabled."""
        return self._k("console", "users")

    def console_session(self, digest: str) -> str:
        """String with an expiry (the idle timeout): one signed-in session, under the SHA-256
        of its cookie so that a copy of Redis holds no usable session."""
        return self._k("console", "session", digest)

    def console_failures(self, kind: str, who: str) -> str:
        """Hash with an expiry: failed logins of one account or address (count, last)."""
        return self._k("console", "fail", kind, who)

    @property
    def console_audit(self) -> str:
        """List: who viewed or changed which patient's data in the console, oldest first."""
        return self._k("console", "audit")

    # --- schedules edited by staff (store/schedules.py) ------------------------------------
    def schedule_versions(self, procedure: str) -> str:
        """Hash: a schedule's versions (``v:<n>``: its TOML, who, when, a note), the newest
        version's number (``head``) and the SHA-256 of the file last taken in (``file``)."""
        return self._k("schedule", procedure)

    # --- operations ----------------------------------------------------------------------
    @property
    def metrics(self) -> str:
        """Hash: the first counters /metrics reported (``sent``, ``failed``), kept for the
        dashboards that read them."""
        return self._k("metrics")

    @property
    def totals(self) -> str:
        """Hash, kept for good: every counter and histogram /metrics reports since the service
        started counting (store/totals.py). No patient data: channel, rule, outcome, language."""
        return self._k("totals")

    def stats_hour(self, hour: int) -> str:
        """Hash with an expiry: one UTC hour's figures for the overview (store/stats.py);
        ``hour`` counts hours since the epoch."""
        return self._k("stats", str(hour))

    @property
    def dispatch(self) -> str:
        """Hash: the dispatcher's heartbeat (``at``) and last summary."""
        return self._k("dispatch")

    def lock(self, name: str) -> str:
        return self._k("lock", name)

    def channel_health(self, name: str) -> str:
        """Hash: a channel's last success and failure, and its failures since that success."""
        return self._k("channel", name)

    # --- what channels remember ----------------------------------------------------------
    def sendlog(self, kind: str, rid: str) -> str:
        """A channel's memo about one reminder (``sms:try``, ``sms:sid``, ``email:sent``)."""
        return self._k(kind, rid)

    def rate(self, sender: str) -> str:
        return self._k("rate", "sms", sender)

    @property
    def outbox(self) -> str:
        return self._k("outbox")

    @property
    def outbox_ids(self) -> str:
        return self._k("outbox", "ids")
