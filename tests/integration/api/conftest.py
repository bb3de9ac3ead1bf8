"""Fixtures for the HTTP app's tests (the app is the ``api`` fixture of tests/conftest.py;
``deliver_due`` is in tests/integration/conftest.py, shared with the console's tests)."""
