"""The translators' workflow (extract, update, compile, check, stats, preview): used by the
CLI, never by the service."""
