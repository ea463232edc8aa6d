"""The admin's webhook pages: registering (errors beside the fields, 422), the secret,
disabling and enabling, rotating the secret."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.webhooks.models import WebhookEndpoint


def endpoints() -> list[WebhookEndpoint]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


@pytest.mark.app_config(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:8080/hook", "Address check: 127.0.0.1 resolves to 127.0.0.1, a loopback"),
    ("http://localhost/hook", "a loopback address"),
    ("http://10.1.2.3/hook", "a private address"),
    ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
    ("http://[::1]/hook", "a loopback address"),
    ("http://[::ffff:192.168.0.1]/hook", "a private address"),
    ("ftp://files.example.org/in", "Scheme check: only http:// and https://"),
    ("https://user:pw@hooks.example.org/in", "may not carry a user name or password"),
    ("https://hooks.example.org:99999/in", "Port check"),
])
def test_registering_a_refused_address_shows_why_beside_the_field(admin_client, url, message):
    response = admin_client.post("/admin/webhooks/new", data={"url": url,
                                                              "events": ["request.created"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html.replace("&#39;", "'")
    assert 'id="url-error"' in html or 'id="url' in html
    assert endpoints() == []


def test_registering_needs_an_address_and_an_event(admin_client):
    response = admin_client.post("/admin/webhooks/new", data={"url": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the address that receives the webhooks" in html
    assert "Choose at least one thing to send webhooks for" in html


@pytest.mark.app_config(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True)
def test_register_see_the_secret_rotate_disable_and_enable(admin_client):
    response = admin_client.post("/admin/webhooks/new", data={
        "url": "http://127.0.0.1:9/hook", "events": ["request.created", "event.changed"],
        "allow_personal_text": "y"})
    assert response.status_code == 303
    [endpoint] = endpoints()
    assert endpoint.events == ["event.changed", "request.created"]
    assert endpoint.allow_personal_text and endpoint.active
    first = endpoint.secret
    assert first.startswith("whsec_") and first.encode() not in endpoint.sealed_secret
    page = admin_client.get(response.location).get_data(as_text=True)
    assert first in page and "Copy its signing secret" in page

    assert admin_client.post(f"/admin/webhooks/{endpoint.id}/secret").status_code == 303
    assert endpoints()[0].secret != first
    assert admin_client.post(f"/admin/webhooks/{endpoint.id}/active").status_code == 303
    assert endpoints()[0].active is False
    assert "Disabled" in admin_client.get("/admin/webhooks").get_data(as_text=True)
    admin_client.post(f"/admin/webhooks/{endpoint.id}/active")
    assert endpoints()[0].active is True


def test_a_delivery_is_retried_only_through_its_own_endpoint(admin_client):
    from accessreq.webhooks.services import create_endpoint

    one, _ = create_endpoint("https://a.example.org/", ["request.created"], False)
    assert admin_client.post(f"/admin/webhooks/{one.id}/deliveries/999/retry").status_code == 404
