"""Development tools: the demo, process helpers and an embedded Redis. The service never imports
these (an import contract holds it); the CLI and the tests do."""
