"""The admin's webhook pages in their states (issue 14)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from accessreq.extensions import db
from accessreq.timeutil import utcnow
from accessreq.webhooks.models import DeliveryState, WebhookDelivery
from accessreq.webhooks.services import create_endpoint, set_active

from .helpers import State, World

ADMIN = {"login_as": "admin"}


def endpoints(w: World):
    """Two endpoints, one disabled; the first has a sent, a waiting and a failed delivery."""
    w.staff("admin")
    platform, _ = create_endpoint("https://tickets.example.org/hooks/accessreq",
                                  ["request.created", "request.status_changed",
                                   "request.cancelled"], False)
    crm, _ = create_endpoint("https://crm.example.org/in/webhooks/access-requests-and-events",
                             ["event.changed", "request.replied"], True)
    set_active(crm, False)
    now = utcnow()
    rows = [
        dict(state=DeliveryState.SENT, attempts=1, last_status_code=200, last_response="ok",
             sent_at=now - timedelta(minutes=30), last_attempt_at=now - timedelta(minutes=30)),
        dict(state=DeliveryState.PENDING, attempts=2, last_status_code=503,
             last_response="Service Unavailable", last_error="The receiver answered 503 "
             "Service Unavailable.", next_attempt_at=now + timedelta(minutes=2)),
        dict(state=DeliveryState.DEAD, attempts=8, last_error="Connection: "
             "ConnectionRefusedError: [Errno 111] Connection refused"),
    ]
    for row in rows:
        db.session.add(WebhookDelivery(uid=str(uuid.uuid4()), endpoint=platform,
                                       event_type="request.status_changed", payload="{}",
                                       **row))
    db.session.commit()
    return platform


def _new_with_errors(w: World, page, _data) -> None:
    w.goto(page, w.path("webhooks_admin.new"))
    page.fill("main form input[name=url]", "ftp://files.example.org/in")
    w.submit(page)


def _goto(endpoint: str):
    return lambda w, page, _data: w.goto(page, w.path(endpoint))


def _show(w: World, page, endpoint) -> None:
    w.goto(page, w.path("webhooks_admin.show", endpoint_id=endpoint.id))


WEBHOOK_STATES = [
    State("admin-webhooks-empty", ("webhooks_admin.index",), **ADMIN,
          open=_goto("webhooks_admin.index")),
    State("admin-webhooks", ("webhooks_admin.index",), **ADMIN, build=endpoints,
          open=_goto("webhooks_admin.index")),
    State("admin-webhook-new", ("webhooks_admin.new",), **ADMIN,
          open=_goto("webhooks_admin.new")),
    State("admin-webhook-new-error", ("webhooks_admin.new",), **ADMIN, form_error=True,
          open=_new_with_errors),
    State("admin-webhook", ("webhooks_admin.show",), **ADMIN, build=endpoints, open=_show),
]
