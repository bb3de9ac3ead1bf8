"""Typed settings: the only module that reads the environment.

Every variable may also be given as ``NAME_FILE`` pointing at a file holding the value, so secrets
can come from Docker or Kubernetes secret mounts instead of the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ImproperlyConfigured(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _raw(name: str) -> str | None:
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {number}")
    return number


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a number, got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {number}")
    return number


def env_time(name: str, default: time) -> time:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a local time HH:MM, got {value!r}") from None


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    address: str
    email: str
    default_locale: str
    # The clinic's own zone (IANA): the staff console's days ("today") and times.
    timezone: str = "UTC"


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str = ""
    auth_token: str = ""
    messaging_service_sid: str = ""
    from_number: str = ""
    api_base_url: str = "https://api.twilio.com"
    timeout_connect: float = 5.0
    timeout_read: float = 15.0
    rate_per_second: float = 1.0
    carrier_retry_delay: float = 3600.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str = ""
    password: str = ""
    timeout: float = 20.0
    email_from: str = ""


@dataclass(frozen=True)
class Settings:
    redis_url: str
    broker_url: str
    queue: str
    key_prefix: str
    schedule_dir: Path | None
    dispatch_interval: float
    dispatch_batch: int
    claim_lease: int
    send_lease: int
    max_attempts: int
    retry_backoff: int
    clock: str
    channels: tuple[str, ...]
    clinic: Clinic
    locales_dir: Path
    outbox_echo: bool = True
    reconcile_delay: int = 120
    # How long lookups of a lost outcome go on before staff are told (flagged), in seconds.
    lookup_give_up: int = 21600
    # A provider message counts as a lost attempt's only if created this close to it (seconds).
    lookup_window: int = 300
    # How often a reminder waiting for an earlier version's send outcome looks again (seconds).
    hold_recheck: int = 30
    # The dispatch tick's lock: stops overlapping ticks for about one interval (seconds).
    dispatch_lock: float = 15.0
    # Claims nobody began before a person is told.
    max_unstarted_claims: int = 3
    # Claims one delivery task takes (reminders.deliver_batch); 1: one reminders.deliver each.
    delivery_batch: int = 50
    # Sends a delivery task has under way at once (threads sharing one HTTP connection pool).
    send_threads: int = 16
    # Seconds between cheap looks at the due index between dispatch ticks (0: none).
    due_check: float = 1.0
    retention_days: int = 30
    # The HMAC key opt-outs of forgotten numbers are kept under (store.contacts.Fingerprints).
    fingerprint_key: str = ""
    public_base_url: str = ""
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # (role, token) pairs for the HTTP API
    api_tokens: tuple[tuple[str, bytes], ...] = ()
    # API_TOKENS_FILE, when the tokens come from a file: re-read when it changes (api.tokens)
    api_tokens_file: Path | None = None
    # (a lambda: ApiSettings is defined at the end of the module)
    api: ApiSettings = field(default_factory=lambda: ApiSettings())  # noqa: PLW0108
    console: ConsoleSettings = field(default_factory=lambda: ConsoleSettings())  # noqa: PLW0108
    # The clinic's HL7/FHIR mapping file (intake.mapping), checked when Services are built.
    hl7_mapping: Path | None = None


def load() -> Settings:
    """Every setting, checked: a missing or malformed one raises ImproperlyConfigured naming the
    variable, so a worker, beat or API with a broken setting stops at start."""
    redis_url = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings(
        redis_url=redis_url,
        broker_url=env_str("CELERY_BROKER_URL", redis_url),
        queue=env_str("REMINDERS_QUEUE", "reminders"),
        key_prefix=env_str("REMINDERS_KEY_PREFIX", "rmd"),
        schedule_dir=_schedule_dir(),
        dispatch_interval=env_float("REMINDERS_DISPATCH_INTERVAL", 15.0, minimum=0.05),
        dispatch_batch=env_int("REMINDERS_DISPATCH_BATCH", 500, minimum=1),
        claim_lease=env_int("REMINDERS_CLAIM_LEASE", 300, minimum=1),
        send_lease=env_int("REMINDERS_SEND_LEASE", 120, minimum=1),
        max_attempts=env_int("REMINDERS_MAX_ATTEMPTS", 5, minimum=1),
        retry_backoff=env_int("REMINDERS_RETRY_BACKOFF", 60, minimum=1),
        reconcile_delay=env_int("REMINDERS_RECONCILE_DELAY", 120, minimum=1),
        lookup_give_up=env_int("REMINDERS_LOOKUP_GIVE_UP", 21600, minimum=1),
        lookup_window=env_int("REMINDERS_LOOKUP_WINDOW", 300, minimum=1),
        hold_recheck=env_int("REMINDERS_HOLD_RECHECK", 30, minimum=1),
        dispatch_lock=env_float(
            "REMINDERS_DISPATCH_LOCK",
            env_float("REMINDERS_DISPATCH_INTERVAL", 15.0, minimum=0.05),
            minimum=0.05,
        ),
        max_unstarted_claims=env_int("REMINDERS_MAX_UNSTARTED_CLAIMS", 3, minimum=1),
        delivery_batch=env_int("REMINDERS_DELIVERY_BATCH", 50, minimum=1),
        send_threads=env_int("REMINDERS_SEND_THREADS", 16, minimum=1),
        due_check=env_float("REMINDERS_DUE_CHECK", 1.0, minimum=0.0),
        clock=env_str("REMINDERS_CLOCK", "system"),
        channels=tuple(
            c.strip() for c in env_str("REMINDERS_CHANNELS", "outbox").split(",") if c.strip()
        ),
        clinic=Clinic(
            name=env_str("CLINIC_NAME", "Radiology Clinic"),
            phone=env_str("CLINIC_PHONE", "+1 555 0100"),
            address=env_str("CLINIC_ADDRESS", "1 Example Street"),
            email=env_str("CLINIC_EMAIL", "clinic@example.org"),
            default_locale=env_str("CLINIC_DEFAULT_LOCALE", "en"),
            timezone=_clinic_timezone(),
        ),
        locales_dir=_locales_dir(),
        outbox_echo=env_str("REMINDERS_OUTBOX_ECHO", "1") not in {"0", "false", "no"},
        retention_days=env_int("REMINDERS_RETENTION_DAYS", 30, minimum=1),
        fingerprint_key=_fingerprint_key(),
        public_base_url=_raw("PUBLIC_BASE_URL") or "",
        twilio=_twilio(),
        smtp=_smtp(),
        api_tokens=_api_tokens(),
        api_tokens_file=Path(os.environ["API_TOKENS_FILE"])
        if os.environ.get("API_TOKENS_FILE")
        else None,
        api=_api(),
        console=_console(),
        hl7_mapping=_hl7_mapping(),
    )
    _check_channels(settings)
    _check_leases(settings)
    return settings


CHANNEL_KINDS = ("outbox", "twilio", "smtp")
API_ROLES = ("integration", "staff")


def _api_tokens() -> tuple[tuple[str, bytes], ...]:
    return parse_api_tokens(env_str("API_TOKENS", ""))


def parse_api_tokens(raw: str, name: str = "API_TOKENS") -> tuple[tuple[str, bytes], ...]:
    """``role:token`` entries separated by commas or new lines; ``#`` starts a comment. A bad
    entry raises ImproperlyConfigured naming ``name`` and the entry's number (never its token)."""
    out = []
    for n, raw_entry in enumerate(raw.replace("\n", ",").split(","), start=1):
        entry = raw_entry.strip()
        if not entry or entry.startswith("#"):
            continue
        role, sep, token = entry.partition(":")
        if not sep or role not in API_ROLES or len(token) < 16:
            raise ImproperlyConfigured(
                f"{name} entry {n}: expected role:token with role in {API_ROLES} and a "
                "token of at least 16 characters"
            )
        out.append((role, token.encode()))
    return tuple(out)


def _check_channels(s: Settings) -> None:
    if not s.channels:
        raise ImproperlyConfigured("REMINDERS_CHANNELS: name at least one channel")
    for kind in s.channels:
        if kind not in CHANNEL_KINDS:
            raise ImproperlyConfigured(
                f"REMINDERS_CHANNELS: unknown channel {kind!r} (known: {', '.join(CHANNEL_KINDS)})"
            )
    if "twilio" in s.channels:
        for name, value in (
            ("TWILIO_ACCOUNT_SID", s.twilio.account_sid),
            ("TWILIO_AUTH_TOKEN", s.twilio.auth_token),
            ("PUBLIC_BASE_URL", s.public_base_url),
            # Real patients' opt-outs outlive their numbers only as keyed fingerprints.
            ("REMINDERS_FINGERPRINT_KEY", s.fingerprint_key),
        ):
            if not value:
                raise ImproperlyConfigured(f"{name}: needed by the twilio channel")
        if not (s.twilio.messaging_service_sid or s.twilio.from_number):
            raise ImproperlyConfigured(
                "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER: the twilio channel needs one"
            )
    if "smtp" in s.channels and not (s.smtp.email_from or s.clinic.email):
        raise ImproperlyConfigured("EMAIL_FROM: needed by the smtp channel")


def send_budget(s: Settings) -> float:
    """The longest one send may take on the configured channels (their timeouts), seconds."""
    budgets = [0.0]
    if "twilio" in s.channels:
        budgets.append(s.twilio.timeout_connect + s.twilio.timeout_read)
    if "smtp" in s.channels:
        budgets.append(s.smtp.timeout)
    return max(budgets)


def _check_leases(s: Settings) -> None:
    """A send must end (answer or timeout) well inside its lease, or another worker could look it
    up before the provider has it, find nothing, and send it again."""
    longest = send_budget(s) + SEND_MARGIN
    if s.send_lease < longest:
        raise ImproperlyConfigured(
            f"REMINDERS_SEND_LEASE: {s.send_lease} s is shorter than a send may take "
            f"(the channels' timeouts, TWILIO_TIMEOUT_CONNECT + TWILIO_TIMEOUT_READ or "
            f"SMTP_TIMEOUT, + {SEND_MARGIN:g} s = {longest:g} s)"
        )


# What a send may spend besides the provider's own timeouts: the rate-limit wait, rendering.
SEND_MARGIN = 5.0


def _twilio() -> TwilioSettings:
    return TwilioSettings(
        account_sid=_raw("TWILIO_ACCOUNT_SID") or "",
        auth_token=_raw("TWILIO_AUTH_TOKEN") or "",
        messaging_service_sid=_raw("TWILIO_MESSAGING_SERVICE_SID") or "",
        from_number=_raw("TWILIO_FROM_NUMBER") or "",
        api_base_url=env_str("TWILIO_API_BASE_URL", "https://api.twilio.com").rstrip("/"),
        timeout_connect=env_float("TWILIO_TIMEOUT_CONNECT", 5.0, minimum=0.1),
        timeout_read=env_float("TWILIO_TIMEOUT_READ", 15.0, minimum=0.1),
        rate_per_second=env_float("SMS_RATE_PER_SECOND", 1.0, minimum=0.01),
        carrier_retry_delay=env_float("SMS_CARRIER_RETRY_DELAY", 3600.0, minimum=1),
    )


def _smtp() -> SmtpSettings:
    security = env_str("SMTP_SECURITY", "starttls").lower()
    if security not in {"starttls", "ssl", "none"}:
        raise ImproperlyConfigured(f"SMTP_SECURITY: use starttls, ssl or none, got {security!r}")
    return SmtpSettings(
        host=env_str("SMTP_HOST", "localhost"),
        port=env_int("SMTP_PORT", 465 if security == "ssl" else 587, minimum=1),
        security=security,
        username=_raw("SMTP_USERNAME") or "",
        password=_raw("SMTP_PASSWORD") or "",
        timeout=env_float("SMTP_TIMEOUT", 20.0, minimum=0.1),
        email_from=_raw("EMAIL_FROM") or "",
    )


def shipped_locales_dir() -> Path:
    """The catalogs shipped with the code: inside the installed package (``reminders/catalogs``,
    mapped from the top-level ``locales/`` when the wheel is built), else the checkout's
    ``locales/`` (an editable install)."""
    package = Path(__file__).resolve().parent
    installed, checkout = package / "catalogs", package.parent / "locales"
    for candidate in (installed, checkout):
        if (candidate / "messages.pot").is_file():
            return candidate
    return installed


def _schedule_dir() -> Path | None:
    """The clinic's own schedule files. A folder that is missing (mistyped, not mounted) or
    holds no schedule stops the service: it must never fall back to the shipped schedules
    unnoticed. The files themselves are checked when they are loaded (``wiring``)."""
    raw = _raw("REMINDERS_SCHEDULE_DIR")
    if not raw:
        return None
    path = Path(raw)
    hint = "unset REMINDERS_SCHEDULE_DIR to use only the shipped schedules"
    if not path.is_dir():
        what = "not a folder" if path.exists() else "no such folder"
        raise ImproperlyConfigured(f"REMINDERS_SCHEDULE_DIR: {what}: {path} ({hint})")
    try:
        names = [p.name for p in path.iterdir() if p.suffix == ".toml"]
    except OSError as exc:
        raise ImproperlyConfigured(
            f"REMINDERS_SCHEDULE_DIR: cannot read {path}: {exc.strerror}"
        ) from None
    if not [n for n in names if not n.startswith(".")]:
        raise ImproperlyConfigured(
            f"REMINDERS_SCHEDULE_DIR: no schedule files (*.toml) in {path} ({hint})"
        )
    return path


def _hl7_mapping() -> Path | None:
    """The file itself is read and checked by ``intake.mapping`` (from ``wiring``)."""
    raw = _raw("REMINDERS_HL7_MAPPING")
    if not raw:
        return None
    path = Path(raw)
    if not path.is_file():
        raise ImproperlyConfigured(f"REMINDERS_HL7_MAPPING: no such file: {path}")
    return path


def _locales_dir() -> Path:
    path = Path(env_str("REMINDERS_LOCALES_DIR", str(shipped_locales_dir())))
    # Without catalogs every message would silently go out in English: refuse to start instead.
    if not any(path.glob("*/LC_MESSAGES/messages.po")):
        raise ImproperlyConfigured(
            f"REMINDERS_LOCALES_DIR: no translation catalogs in {path} "
            "(expected <language>/LC_MESSAGES/messages.po there); "
            "set REMINDERS_LOCALES_DIR to the locales folder, or reinstall the package"
        )
    return path


# --- the HTTP API's limits, and the logs ---------------------------------------------------------


@dataclass(frozen=True)
class ApiSettings:
    # The largest request body read (bytes); a longer one gets 413 before it is read.
    max_body_bytes: int = 65536
    # Seconds a client may take to send a whole body; a slower one gets 408.
    body_timeout: float = 10.0
    # How far ahead a procedure may be booked (days).
    booking_horizon_days: int = 730
    # Rate limits (``limits`` notation, e.g. "600/minute" or "5 per 2 seconds"): per API token,
    # per client address for requests without a known token, per address on the webhooks.
    rate_token: str = "600/minute"  # noqa: S105 (a rate, not a secret)
    rate_address: str = "120/minute"
    rate_webhook: str = "1200/minute"
    # How many proxies in front of the app add to X-Forwarded-For (0: ignore the header).
    trusted_proxies: int = 0
    # Seconds a token removed from API_TOKENS_FILE keeps working.
    token_grace: float = 300.0


def _rate(name: str, default: str) -> str:
    from limits import parse  # noqa: PLC0415 (settings stay importable without the API's deps)

    value = env_str(name, default)
    try:
        parse(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}: expected a rate such as 600/minute or '5 per 2 seconds', got {value!r}"
        ) from None
    return value


def _api() -> ApiSettings:
    return ApiSettings(
        rate_token=_rate("REMINDERS_RATE_TOKEN", "600/minute"),
        rate_address=_rate("REMINDERS_RATE_ADDRESS", "120/minute"),
        rate_webhook=_rate("REMINDERS_RATE_WEBHOOK", "1200/minute"),
        trusted_proxies=env_int("REMINDERS_TRUSTED_PROXIES", 0, minimum=0),
        token_grace=env_float("REMINDERS_TOKEN_GRACE", 300.0, minimum=0.0),
        max_body_bytes=env_int("REMINDERS_MAX_BODY_BYTES", 65536, minimum=1024),
        body_timeout=env_float("REMINDERS_BODY_TIMEOUT", 10.0, minimum=0.1),
        booking_horizon_days=env_int("REMINDERS_BOOKING_HORIZON_DAYS", 730, minimum=1),
    )


def _clinic_timezone() -> str:
    value = env_str("CLINIC_TIMEZONE", "UTC")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"CLINIC_TIMEZONE: not an IANA time zone, got {value!r} (e.g. Europe/Berlin)"
        ) from None
    return value


# --- the staff console -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsoleSettings:
    # Minutes without a request after which a console session ends.
    idle_minutes: int = 30
    # Failed logins (per account, and four times as many per client address) before the next
    # one must wait; each further failure doubles the wait.
    login_failures: int = 5
    # The first wait, and the longest, in seconds.
    login_delay: int = 30
    login_delay_max: int = 900


def _console() -> ConsoleSettings:
    delay = env_int("REMINDERS_CONSOLE_LOGIN_DELAY", 30, minimum=1)
    return ConsoleSettings(
        idle_minutes=env_int("REMINDERS_CONSOLE_IDLE_MINUTES", 30, minimum=1),
        login_failures=env_int("REMINDERS_CONSOLE_LOGIN_FAILURES", 5, minimum=1),
        login_delay=delay,
        login_delay_max=max(delay, env_int("REMINDERS_CONSOLE_LOGIN_DELAY_MAX", 900, minimum=1)),
    )


LOG_FORMATS = ("text", "json")


def log_format() -> str:
    """``REMINDERS_LOG_FORMAT``: ``text`` (one line per record) or ``json`` (one object per line).
    Read on its own: logging is set up before the other settings are loaded."""
    value = env_str("REMINDERS_LOG_FORMAT", "text").lower()
    if value not in LOG_FORMATS:
        raise ImproperlyConfigured(f"REMINDERS_LOG_FORMAT: use text or json, got {value!r}")
    return value


def _fingerprint_key() -> str:
    key = _raw("REMINDERS_FINGERPRINT_KEY") or ""
    if key and len(key) < 32:
        raise ImproperlyConfigured(
            "REMINDERS_FINGERPRINT_KEY: use at least 32 random characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return key
