"""A pipeline of Lua scripts in one round trip, each run exactly once.

redis-py sends SCRIPT EXISTS before every pipeline that holds scripts: a round trip of its own
per pipeline, for scripts that are loaded already. Here the pipeline goes as it is; only after a
Redis restart (or SCRIPT FLUSH) Redis answers NOSCRIPT to those scripts and runs nothing of them,
and only those are sent again, once loaded."""

from __future__ import annotations

from typing import Any

import redis
from redis.client import Pipeline
from redis.exceptions import NoScriptError


def run(client: redis.Redis, pipe: Pipeline) -> list[Any]:
    """Execute ``pipe`` (made from ``client``, not a transaction); its answers in order, an
    error Redis gave a command in its place."""
    with pipe:
        stack = list(pipe.command_stack)
        scripts = list(pipe.scripts)
        pipe.scripts.clear()
        answers = pipe.execute(raise_on_error=False)
    missing = [i for i, a in enumerate(answers) if isinstance(a, NoScriptError)]
    if missing:
        for script in scripts:
            script.sha = client.script_load(script.script)
        with client.pipeline(transaction=False) as again:
            for i in missing:
                args, options = stack[i]
                again.execute_command(*args, **options)  # type: ignore[no-untyped-call]
            for i, a in zip(missing, again.execute(raise_on_error=False), strict=True):
                answers[i] = a
    return answers
