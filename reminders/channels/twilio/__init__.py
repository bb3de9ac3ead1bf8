"""SMS through Twilio: the transport, its error policy, the SDK's HTTP client, the webhooks."""
