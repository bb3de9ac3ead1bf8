"""``python -m reminders.devtools.chaos [--short] [--seed N]``: exit status 0 when every figure
is zero."""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import replace

from reminders.devtools.chaos.profile import FULL, SHORT
from reminders.devtools.chaos.run import run


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m reminders.devtools.chaos", description=__doc__)
    p.add_argument("--short", action="store_true", help="the shortened run CI makes (~3 min)")
    p.add_argument(
        "--seed",
        type=int,
        default=int(os.environ.get("CHAOS_SEED") or secrets.randbelow(10**6)),
        help="repeat a run's plan (default: CHAOS_SEED, else random)",
    )
    p.add_argument(
        "--faults",
        help="the fake's fault rates instead of the profile's, e.g. to check that the oracle "
        "counts what a provider whose lookups miss messages causes: ...,list_empty=0.5",
    )
    args = p.parse_args(argv)
    profile = SHORT if args.short else FULL
    if args.faults:
        profile = replace(profile, faults=args.faults)
    return run(profile, args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
