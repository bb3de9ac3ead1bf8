"""Every i18n test reads the catalogs afresh (a test may have written a broken one)."""

from __future__ import annotations

import pytest

from reminders.i18n import locales as loc


@pytest.fixture(autouse=True)
def _fresh_catalogs() -> None:
    loc.clear_cache()
