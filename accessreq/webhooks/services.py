"""Admins' changes to webhook endpoints; each function commits its own transaction."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..timeutil import utcnow
from .models import DeliveryState, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_endpoint(url: str, events: list[str], allow_personal_text: bool) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint (the URL already checked by the form); return it and its secret."""
    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, events=sorted(events),
                               allow_personal_text=allow_personal_text, active=True)
    endpoint.secret = secret
    db.session.add(endpoint)
    db.session.commit()
    return endpoint, secret


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret signs every delivery from now on, retries of older ones included."""
    secret = new_secret()
    endpoint.secret = secret
    endpoint.secret_rotated_at = utcnow()
    db.session.commit()
    return secret


def set_active(endpoint: WebhookEndpoint, active: bool) -> None:
    endpoint.active = active
    db.session.commit()


def retry_delivery(delivery: WebhookDelivery) -> bool:
    """Queue a dead delivery again with a fresh count of attempts; False if it is not dead."""
    if delivery.state != DeliveryState.DEAD:
        return False
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.claim_token = None
    delivery.claimed_at = None
    db.session.commit()
    return True


def _finished_long_ago(now: datetime):
    days = current_app.config["RETENTION_DAYS"]
    return (WebhookDelivery.state.in_([DeliveryState.SENT, DeliveryState.DEAD])
            & (WebhookDelivery.created_at < now - timedelta(days=days)))


def deliveries_due(now: datetime) -> int:
    return db.session.scalar(select(func.count(WebhookDelivery.id))
                             .where(_finished_long_ago(now)))


def purge_deliveries(now: datetime) -> int:
    """Delete deliveries sent or failed over RETENTION_DAYS ago: what admins look back on is
    recent, and a failed one may still carry personal text."""
    deleted = db.session.execute(delete(WebhookDelivery).where(_finished_long_ago(now))).rowcount
    db.session.commit()
    return deleted


def endpoints() -> list[tuple[WebhookEndpoint, int]]:
    """Every endpoint, newest first, with how many of its deliveries are dead."""
    dead = (select(func.count(WebhookDelivery.id))
            .where(WebhookDelivery.endpoint_id == WebhookEndpoint.id,
                   WebhookDelivery.state == DeliveryState.DEAD)
            .correlate(WebhookEndpoint).scalar_subquery())
    return list(db.session.execute(
        select(WebhookEndpoint, dead).order_by(WebhookEndpoint.id.desc())).all())


def recent_deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).limit(RECENT_DELIVERIES)))
