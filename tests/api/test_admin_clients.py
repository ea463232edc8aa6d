"""Admins create API clients (the token shown once), and revoke them."""

from __future__ import annotations

import re

from sqlalchemy import select

from accessreq.api.models import ApiClient
from accessreq.extensions import db
from helpers import bearer


def test_create_show_once_and_revoke(admin_client, client):
    assert admin_client.get("/admin/api-clients").status_code == 200
    assert admin_client.get("/admin/api-clients/new").status_code == 200
    refused = admin_client.post("/admin/api-clients/new", data={"name": ""})
    assert refused.status_code == 422
    page = admin_client.post("/admin/api-clients/new", data={
        "name": "Tickets", "scopes": ["events:read"], "team": ""})
    assert page.status_code == 200
    token = re.search(r'value="(arq_[^"]+)"', page.get_data(as_text=True)).group(1)
    stored = db.session.scalar(select(ApiClient))
    assert stored.token_hash != token and token not in stored.token_prefix + stored.scopes
    assert token not in admin_client.get("/admin/api-clients").get_data(as_text=True)
    assert client.get("/api/v1/events", headers=bearer(token)).status_code == 200
    admin_client.post(f"/admin/api-clients/{stored.id}/revoke")
    assert client.get("/api/v1/events", headers=bearer(token)).status_code == 401


def test_admins_only(client, signed_in):
    assert client.get("/admin/api-clients").status_code == 403
