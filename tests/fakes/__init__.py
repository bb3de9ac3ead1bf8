"""Test doubles of the outside world: Twilio's API (twilio.py), SMTP servers (smtp.py) and
channels (channels.py)."""
