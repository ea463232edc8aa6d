"""Rate limits are shared by every app process through Redis (RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import uuid

import pytest

from accessreq import create_app
from helpers import REDIS_URL, redis_available

@pytest.mark.skipif(not redis_available(), reason=f"no Redis at {REDIS_URL}")
def test_two_app_processes_share_one_sign_in_limit(app):
    prefix = f"accessreq-test-{uuid.uuid4().hex}"  # this test's own counters

    def process():
        return create_app({**app.config, "RATELIMIT_ENABLED": True,
                           "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
                           "LOGIN_RATE_LIMIT": "3 per minute"}).test_client()

    first, second = process(), process()
    attempt = {"email": "nobody@example.org", "password": "wrong password"}
    assert first.post("/staff/login", data=attempt).status_code != 429
    assert second.post("/staff/login", data=attempt).status_code != 429
    assert first.post("/staff/login", data=attempt).status_code != 429
    refused = second.post("/staff/login", data=attempt)  # the fourth, counted across both
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)

    import redis

    store = redis.Redis.from_url(REDIS_URL)
    keys = store.keys(f"*{prefix}*")
    assert keys, "the counters were not kept in Redis"
    store.delete(*keys)
