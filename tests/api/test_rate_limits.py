"""Rate limits per API client (its token), answered as problem documents with Retry-After;
the API sets no cookie, sends no CORS headers and needs no CSRF token."""

from __future__ import annotations

import pytest

from helpers import bearer


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


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_no_csrf_token_is_needed(client, token, make_event):
    event = make_event()
    response = client.post("/api/v1/requests", headers=bearer(token), json={
        "event_id": event.id, "contact_name": "Pat", "contact_email": "pat@example.net",
        "consent": True, "accommodations": [{"id": event.offered_types[0].id}]})
    assert response.status_code == 201, response.get_data(as_text=True)
