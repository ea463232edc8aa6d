"""The retention purge also deletes the API's stored answers (a day after the call: they hold
the attendee's private status link, sealed) and webhook deliveries that finished over
RETENTION_DAYS ago; what is recent or still being tried stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from accessreq.api.models import IdempotencyKey
from accessreq.extensions import db
from accessreq.webhooks.models import DeliveryState, WebhookDelivery
from accessreq.webhooks.services import create_endpoint
from helpers import bearer


def _body(event) -> dict:
    return {"event_id": event.id, "contact_name": "Perpetua Keyholder",
            "contact_email": "perpetua@example.net", "contact_channel": "email",
            "consent": True, "accommodations": [{"id": event.offered_types[0].id}]}


@pytest.mark.app_config(RETENTION_DAYS=30)
def test_purge_deletes_old_api_answers_and_finished_deliveries(client, runner, make_client,
                                                               make_event, make_request):
    _, token = make_client()
    event = make_event()
    create_endpoint("https://hooks.example.org/in", ["request.created"], False)
    for key in ("old", "recent"):
        response = client.post("/api/v1/requests", json=_body(event),
                               headers=bearer(token, **{"Idempotency-Key": key}))
        assert response.status_code == 201
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert len(deliveries) == 2
    old_answer = db.session.scalar(select(IdempotencyKey).filter_by(key="old"))
    old_answer.created_at -= timedelta(days=1, minutes=1)
    finished, waiting = deliveries
    finished.state, waiting.state = DeliveryState.DEAD, DeliveryState.PENDING
    for delivery in deliveries:
        delivery.created_at -= timedelta(days=31)
    db.session.commit()

    dry = runner.invoke(args=["requests", "purge", "--dry-run"])
    assert "1 API answer(s) kept for retries over a day would be deleted, and 1 webhook " \
           "deliveries sent or failed over 30 days ago." in dry.output
    result = runner.invoke(args=["requests", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 API answer(s) kept for retries over a day, and 1 webhook deliveries" \
        in result.output
    db.session.expire_all()
    assert [k.key for k in db.session.scalars(select(IdempotencyKey))] == ["recent"]
    assert [d.state for d in db.session.scalars(select(WebhookDelivery))] == \
        [DeliveryState.PENDING]  # still being tried: kept
