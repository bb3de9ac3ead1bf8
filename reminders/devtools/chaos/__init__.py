"""The chaos test (``make chaos``, ``python -m reminders.devtools.chaos``): real Redis, workers,
beat, API and a fault-injecting fake Twilio; appointments booked, edited, moved and cancelled
while workers and Redis are killed; then judged from outside by ``oracle``.

``profile`` (how big, the shared environment), ``processes`` (start, kill, watch), ``fake_twilio``
(the provider), ``patients`` (what is booked), ``scenario`` (the chaos), ``client`` (HTTP),
``oracle`` (the judge), ``report`` (the figures), ``run`` (one run, start to verdict)."""
