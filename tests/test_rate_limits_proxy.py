"""Behind a trusted reverse proxy, rate limits count each visitor's own address."""

from __future__ import annotations

import pytest


def _sign_in_attempt(client, address: str):
    return client.post("/staff/login", data={"email": "nobody@example.org", "password": "wrong"},
                       headers={"X-Forwarded-For": address},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"})


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
def test_limits_use_the_forwarded_address_from_a_trusted_proxy(client):
    assert _sign_in_attempt(client, "192.0.2.1").status_code != 429
    assert _sign_in_attempt(client, "192.0.2.1").status_code != 429
    assert _sign_in_attempt(client, "192.0.2.1").status_code == 429
    assert _sign_in_attempt(client, "192.0.2.2").status_code != 429  # someone else


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client):
    _sign_in_attempt(client, "192.0.2.1")
    _sign_in_attempt(client, "192.0.2.2")
    # A client cannot dodge the limit by inventing X-Forwarded-For.
    assert _sign_in_attempt(client, "192.0.2.3").status_code == 429
