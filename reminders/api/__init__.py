"""HTTP: the staff and integration API and Twilio's webhooks, in one FastAPI app."""
