"""The Twilio SDK's HTTP client pointed at another API base URL (a fake server, a proxy)."""

from __future__ import annotations

from reminders.channels.twilio.http import ConfiguredHttpClient


def test_the_api_base_url_rewrites_only_twilio_hosts() -> None:
    http = ConfiguredHttpClient("http://127.0.0.1:9999/prefix", 1, 2)
    assert http.timeout == (1, 2)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1"
    assert (
        http.rewrite(url)
        == "http://127.0.0.1:9999/prefix/2010-04-01/Accounts/AC1/Messages.json?x=1"
    )
    assert http.rewrite("https://example.org/a") == "https://example.org/a"
    default = ConfiguredHttpClient("https://api.twilio.com", 1, 2)
    assert default.rewrite(url) == url
