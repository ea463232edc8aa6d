"""Rate limits per API client (its token), answered as problem documents with Retry-After;
the API sets no cookie and reads no session."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer


@pytest.mark.app_config(API_RATE_LIMIT="2 per minute", RATELIMIT_ENABLED=True)
def test_each_client_has_its_own_budget(client, make_client):
    first, second = make_client()[1], make_client()[1]
    for _ in range(2):
        assert client.get("/api/v1/events", headers=bearer(first)).status_code == 200
    refused = client.get("/api/v1/events", headers=bearer(first))
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/events", headers=bearer(second)).status_code == 200


def test_no_cookie_and_no_cors(client, token):
    response = client.get("/api/v1/events", headers=bearer(token, Origin="https://evil.example"))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-")]
