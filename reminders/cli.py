"""The ``reminders`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reminders import __version__
from reminders import settings as settings_mod
from reminders.i18n import MESSAGE_KEYS
from reminders.model import CHANNELS, Location, ValidationError
from reminders.schedule import Schedule, ScheduleError, SchedulesBroken, load


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except (ScheduleError, SchedulesBroken, ValidationError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reminders", description=__doc__)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(title="commands")

    pv = sub.add_parser("preview", help="print a patient's whole timeline; needs no Redis")
    pv.add_argument(
        "--procedure-at",
        required=True,
        type=_local_datetime,
        help="local wall time of the procedure in --tz, e.g. 2027-03-28T09:00",
    )
    pv.add_argument("--tz", required=True, type=_zone, help="IANA zone, e.g. Europe/Berlin")
    pv.add_argument("--locale", default="en", help="BCP 47 tag, e.g. de, pt-BR")
    pv.add_argument("--duration", type=int, default=30, help="minutes (default 30)")
    pv.add_argument(
        "--medication",
        action="append",
        default=[],
        metavar="NAME:PAUSE_FROM:RESUME_ON[:NOTE]",
        help="a medicine the doctor paused; repeat for more",
    )
    pv.add_argument(
        "--schedule",
        default="epidural_steroid_injection",
        help="a procedure the service has a schedule for, or a TOML file's path (with / or .toml)",
    )
    pv.add_argument(
        "--reduce",
        action="append",
        default=[],
        metavar="NAME:FROM:UNTIL:DOSE[:NOTE]",
        help="a medicine the doctor reduced to DOSE from FROM to UNTIL; repeat for more",
    )
    pv.add_argument(
        "--discreet",
        action="store_true",
        help="the patient chose discreet SMS (no procedure, medicine or condition named)",
    )
    pv.add_argument("--channels", default=",".join(CHANNELS), type=_channels)
    pv.add_argument("--now", type=_aware, help="ISO time of booking (default: now)")
    pv.add_argument(
        "--json",
        action="store_true",
        help="JSON Lines: one JSON object per reminder, one per line (for jq, grep, wc -l)",
    )
    pv.set_defaults(run=_preview)

    sc = sub.add_parser("schedule", help="staff schedule files")
    scs = sc.add_subparsers(title="schedule commands")
    chk = scs.add_parser(
        "check",
        help="validate schedule files (default: every one the service loads: the shipped ones, "
        "overridden by REMINDERS_SCHEDULE_DIR)",
    )
    chk.add_argument("files", nargs="*", help="check only these files (before deploying them)")
    chk.set_defaults(run=_schedule_check)

    i18n = sub.add_parser("i18n", help="translation catalogs (for translators)")
    i18n_sub = i18n.add_subparsers(title="i18n commands")
    for name, helptext in (
        ("extract", "write locales/messages.pot from the code"),
        ("update", "merge messages.pot into every language's .po"),
        ("compile", "build .mo files from the .po files"),
        ("check", "fail on broken, missing, fuzzy or too long translations, or a stale .pot"),
        ("stats", "per language: translated, fuzzy, missing, review status, longest SMS"),
        ("preview", "every message as a patient with --locale receives it"),
    ):
        cmd = i18n_sub.add_parser(name, help=helptext)
        cmd.set_defaults(run=_i18n, action=name)
        if name in ("check", "stats", "preview"):
            cmd.add_argument("--locales-dir", help="catalogs to use (default: the shipped ones)")
        if name == "preview":
            cmd.add_argument("--locale", required=True, help="BCP 47 tag, e.g. ar, pt-BR")
            cmd.add_argument("--long", action="store_true", help="long names, the doctor's note")
            cmd.add_argument("--html", action="store_true", help="also print the email HTML")
            cmd.add_argument("--tz", default="Europe/Berlin", type=_zone, help="IANA zone")

    users = sub.add_parser("users", help="staff console accounts (passwords read from stdin)")
    users_sub = users.add_subparsers(title="users commands")
    add = users_sub.add_parser("add", help="add an account; its password is read from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("staff", "admin"))
    add.add_argument(
        "--lang", default="", choices=("", "en", "de"), help="console language (default: browser)"
    )
    add.set_defaults(run=_users, action="add")
    users_sub.add_parser("list", help="every account").set_defaults(run=_users, action="list")
    for name, helptext in (
        ("disable", "the account can no longer log in; its sessions end"),
        ("reset", "a new password (read from stdin); enables the account, ends its sessions"),
    ):
        cmd = users_sub.add_parser(name, help=helptext)
        cmd.add_argument("name")
        cmd.set_defaults(run=_users, action=name)

    _add_servers(sub)
    _add_checks(sub)

    demo = sub.add_parser("demo", help="play a few patients' timelines on a fast clock")
    demo.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="real seconds the timeline should take (default 60)",
    )
    demo.set_defaults(run=_demo)
    return p


def _preview(args: argparse.Namespace) -> int:
    from reminders.preview import (  # noqa: PLC0415 - keeps `reminders --help` fast
        as_text,
        parse_medication,
        parse_reduction,
        preview,
        sample_appointment,
    )

    s = settings_mod.load()
    schedule = _schedule(args.schedule, s.schedule_dir)
    now = args.now or datetime.now(UTC)
    appt = sample_appointment(
        procedure_at=args.procedure_at,
        tz=args.tz,
        locale=args.locale,
        duration=args.duration,
        procedure=schedule.procedure,
        medications=[
            *(parse_medication(m) for m in args.medication),
            *(parse_reduction(m) for m in args.reduce),
        ],
        channels=args.channels,
        location=Location(s.clinic.name, s.clinic.address, s.clinic.phone),
        booked_at=now,
        discreet_sms=args.discreet,
    )
    items = preview(appt, schedule, now, s.locales_dir, s.clinic.default_locale)
    if args.json:
        # JSON Lines: one reminder per line, so a script can grep, count or stream them; the
        # HTTP API's preview answers the same objects as one array.
        for item in items:
            print(json.dumps(item.as_json(), ensure_ascii=False))
    else:
        print(as_text(items))
    return 0


def _schedule(name_or_file: str, schedule_dir: Path | None) -> Schedule:
    """A file named explicitly (a path), else the schedule the service uses for a procedure."""
    if "/" in name_or_file or name_or_file.endswith(".toml"):
        return load(name_or_file, MESSAGE_KEYS)
    from reminders.schedule.registry import Registry  # noqa: PLC0415

    return Registry.build(schedule_dir, MESSAGE_KEYS).get(name_or_file)


def _schedule_check(args: argparse.Namespace) -> int:
    if args.files:
        return _check_files(args.files)
    from reminders.schedule.registry import load_all  # noqa: PLC0415

    schedule_dir = settings_mod.load().schedule_dir
    loaded, problems = load_all(schedule_dir, MESSAGE_KEYS)
    where = f"REMINDERS_SCHEDULE_DIR={schedule_dir}" if schedule_dir else "the shipped schedules"
    print(f"checking what the service loads: {where}")
    for procedure, entry in loaded.items():
        over = f", overrides {entry.overrides}" if entry.overrides else ""
        print(
            f"ok   {procedure}: {entry.path} ({entry.origin}{over}), "
            f"{len(entry.schedule.rules)} rules, sha256 {entry.sha256}"
        )
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if problems:
        print(
            f"{len(problems)} problem(s): the worker, beat and API refuse to start",
            file=sys.stderr,
        )
    return 1 if problems else 0


def _check_files(files: list[str]) -> int:
    from reminders.schedule.registry import is_procedure_name  # noqa: PLC0415

    failed = 0
    for f in files:
        try:
            schedule = load(f, MESSAGE_KEYS)
        except ScheduleError as exc:
            print(f"FAIL {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"ok   {f}: {schedule.procedure}, {len(schedule.rules)} rules")
        stem = Path(f).stem
        if stem != schedule.procedure or not is_procedure_name(stem):
            print(
                f"note {f}: the service loads it only as {schedule.procedure}.toml in "
                "REMINDERS_SCHEDULE_DIR"
            )
    return 1 if failed else 0


def _i18n(args: argparse.Namespace) -> int:
    from reminders.i18n.tools import console_catalog, samples, tooling  # noqa: PLC0415

    settings = settings_mod.load()
    locales_dir = settings.locales_dir
    chosen = Path(args.locales_dir) if getattr(args, "locales_dir", None) else locales_dir
    # Both domains: the patients' messages and the staff console's texts.
    if args.action == "extract":
        print(f"wrote {tooling.extract(locales_dir)}")
        print(f"wrote {console_catalog.extract(locales_dir)}")
    elif args.action == "update":
        for po in [*tooling.update(locales_dir), *console_catalog.update(locales_dir)]:
            print(f"updated {po}")
    elif args.action == "compile":
        for mo in [*tooling.compile_all(locales_dir), *console_catalog.compile_all(locales_dir)]:
            print(f"compiled {mo}")
    elif args.action == "check":
        return _i18n_check(chosen, locales_dir)
    elif args.action == "stats":
        _i18n_stats(chosen)
    else:
        print(
            samples.preview_text(
                args.locale,
                chosen,
                long=args.long,
                show_html=args.html,
                zone=ZoneInfo(args.tz),
                clinic_default=settings.clinic.default_locale,
            )
        )
    return 0


def _i18n_check(chosen: Path, locales_dir: Path) -> int:
    from reminders.i18n.tools import console_catalog, qa  # noqa: PLC0415

    report = qa.check(chosen, pot_dir=locales_dir)
    console = console_catalog.check(chosen, pot_dir=locales_dir)
    for note in report.notes:
        print(f"checked {note}")
    print(f"checked the console's catalogs ({', '.join(console_catalog.LANGUAGES)})")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for problem in [*report.problems, *console]:
        print(f"error: {problem}", file=sys.stderr)
    if not report.ok or console:
        print(f"{len(report.problems) + len(console)} problem(s) in {chosen}", file=sys.stderr)
        return 1
    print(f"all catalogs in {chosen} are complete, valid and within their SMS budgets")
    return 0


def _i18n_stats(chosen: Path) -> None:
    from reminders.i18n.tools import qa  # noqa: PLC0415

    print(qa.stats_table(chosen))
    print()
    print("Longest SMS per language (long names, the doctor's note):")
    rows = [["locale", "message", "segments", "encoding", "units"]]
    for s in qa.longest_sms(chosen):
        rows.append([s.locale, s.message, str(s.segments), s.encoding, str(s.units)])
    print(qa.table(rows))


def _users(args: argparse.Namespace) -> int:
    from reminders import wiring  # noqa: PLC0415
    from reminders.console import accounts  # noqa: PLC0415

    sv = wiring.build()
    try:
        if args.action == "list":
            for a in accounts.all_accounts(sv.store):
                state = "disabled" if a.disabled else "active"
                print(f"{a.name}\t{a.role}\t{a.lang or 'browser'}\t{state}\t{a.created_at}")
            return 0
        if args.action == "disable":
            accounts.disable(sv.store, args.name)
            print(f"disabled {args.name}")
            return 0
        password = _password_from_stdin()
        if args.action == "add":
            a = accounts.add(sv.store, args.name, args.role, args.lang, password, sv.clock.now())
            print(f"added {a.name} ({a.role})")
        else:
            accounts.reset(sv.store, args.name, password)
            print(f"reset the password of {args.name}")
        return 0
    finally:
        sv.close()


def _password_from_stdin() -> str:
    """Never an argument (it would show in ``ps`` and shell history): typed twice at a
    terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass  # noqa: PLC0415

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415

    from reminders import logsafe  # noqa: PLC0415

    uvicorn.run(
        "reminders.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        log_level="info",
        # Access and error lines masked (contact data), as text or JSON (REMINDERS_LOG_FORMAT).
        log_config=logsafe.uvicorn_config(),
    )
    return 0


def _add_servers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the HTTP API and Twilio webhooks (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    mllp = sub.add_parser("mllp", help="take HL7 v2 SIU bookings over MLLP (2575 by default)")
    mllp.add_argument("--host", default="127.0.0.1")
    mllp.add_argument("--port", type=int, default=2575)
    mllp.set_defaults(run=_mllp)


def _add_checks(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check",
        help="healthchecks for containers and monitoring: exit 0 when healthy, else 1 saying why",
    )
    checks = check.add_subparsers(title="check commands")
    worker = checks.add_parser(
        "worker", help="the worker started with --liveness-file PATH is taking tasks"
    )
    worker.add_argument("--liveness-file", required=True, type=Path)
    worker.add_argument(
        "--max-age", type=float, default=None, help="seconds (default 60; touched every 10)"
    )
    worker.set_defaults(run=_check, what="worker")
    beat = checks.add_parser(
        "beat",
        help="dispatch ticks are running: beat sends them and a worker runs them (the "
        "dispatcher's heartbeat in Redis is younger than three dispatch intervals)",
    )
    beat.set_defaults(run=_check, what="beat")
    settings = checks.add_parser(
        "settings",
        help="the settings, schedule files, mapping file and channels load as every process "
        "loads them at start (run it with the service's environment before a restart)",
    )
    settings.set_defaults(run=_check_settings, what="settings")
    mllp = checks.add_parser("mllp", help="the MLLP listener accepts connections")
    mllp.add_argument("--host", default="127.0.0.1")
    mllp.add_argument("--port", type=int, default=2575)
    mllp.set_defaults(run=_check, what="mllp")


def _check(args: argparse.Namespace) -> int:
    from reminders import liveness  # noqa: PLC0415

    if args.what == "worker":
        max_age = liveness.WORKER_MAX_AGE if args.max_age is None else args.max_age
        problem = liveness.worker_problem(args.liveness_file, max_age)
    elif args.what == "mllp":
        problem = liveness.port_problem(args.host, args.port)
    else:
        problem = _beat_problem()
    print(f"unhealthy: {problem}" if problem else "ok", file=sys.stderr if problem else sys.stdout)
    return 1 if problem else 0


def _check_settings(args: argparse.Namespace) -> int:
    """What a worker does at start (wiring.build and the channels): a broken setting or file
    raises, and ``main`` prints it naming the variable or the file, line and key."""
    from reminders import wiring  # noqa: PLC0415
    from reminders.store import StoreUnavailable  # noqa: PLC0415

    sv = wiring.build()
    try:
        channels = ", ".join(sorted(sv.channels))
        procedures = ", ".join(sorted(sv.schedules.describe()))
        try:
            redis = "answers" if sv.store.ops.ping() else "does not answer (yet)"
        except (StoreUnavailable, OSError):
            redis = "does not answer (yet)"  # no error: every process waits for it
    finally:
        sv.close()
    print(f"ok: schedules {procedures}; channels {channels}; Redis {redis}")
    return 0


def _beat_problem() -> str:
    from reminders import liveness, wiring  # noqa: PLC0415
    from reminders.store import StoreUnavailable  # noqa: PLC0415

    sv = wiring.build()
    try:
        last = sv.store.ops.last_dispatch_run()
    except (StoreUnavailable, OSError) as exc:  # down, or refusing us
        return f"Redis does not answer ({type(exc).__name__})"
    finally:
        sv.close()
    # Real seconds, as the interval is (a demo's warp clock runs faster), as GET /health does.
    age = sv.clock.real_seconds((sv.clock.now() - last).total_seconds()) if last else None
    return liveness.dispatch_problem(age, sv.settings.dispatch_interval)


def _mllp(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415
    import logging  # noqa: PLC0415

    from reminders import logsafe, wiring  # noqa: PLC0415
    from reminders.intake import mllp  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logsafe.install()  # contact data masked in every line, as text or JSON
    sv = wiring.build()

    async def run() -> None:
        server = await mllp.serve(sv, args.host, args.port)
        print(f"mllp: listening on {args.host}:{args.port}", file=sys.stderr, flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    finally:
        sv.close()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from reminders.devtools.demo import run  # noqa: PLC0415

    return run(seconds=args.seconds)


def _local_datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date-time") from None
    if parsed.tzinfo is not None:
        raise argparse.ArgumentTypeError("give local wall time without an offset; use --tz")
    return parsed


def _aware(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date-time") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("--now needs an offset or Z, e.g. 2027-03-20T10:00Z")
    return parsed.astimezone(UTC)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"{value!r} is not an IANA time zone") from None
    return value


def _channels(value: str) -> tuple[str, ...]:
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in items if v not in CHANNELS]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"channels must be from {list(CHANNELS)}, got {value!r}")
    return items


if __name__ == "__main__":
    sys.exit(main())
