"""Property-based fuzzing of the served OpenAPI document: no input makes the server fail, and
no input that breaks the schema is accepted."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection

from reminders import wiring
from reminders.api.app import create_app
from reminders.devtools.embedded_redis import answers
from tests.factories import INTEGRATION, STAFF

PREFIX = f"fuzz-{uuid.uuid4().hex[:8]}"
APP = create_app()  # its Services are rebuilt for each case from the environment below
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> Iterator[None]:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", PREFIX)
    monkeypatch.setenv("API_TOKENS", f"integration:{INTEGRATION},staff:{STAFF}")
    monkeypatch.setenv("REMINDERS_CLOCK", "fixed:2027-03-15T10:00:00+00:00")
    APP.state.services.close()
    sv = APP.state.services = wiring.build()
    # A healthy dispatcher, so /health answers 200 and any 5xx is a real server error.
    sv.store.ops.record_dispatch_run(sv.clock.now(), {})
    yield
    if answers(redis_url):
        c = redis.Redis.from_url(redis_url)
        keys = list(c.scan_iter(f"{PREFIX}:*"))
        if keys:
            c.delete(*keys)
        c.close()


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_causes_a_server_error_or_is_accepted_unvalidated(
    case: schemathesis.Case,
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {STAFF}"},
        checks=[not_a_server_error, negative_data_rejection],
    )
