"""Deliver webhooks: claim due rows, POST each signed, record the outcome.

The same claim as the email outbox (notifications/sender.py): ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a conditional UPDATE on SQLite, so a row is claimed by one sender at a time; a row
held by a sender that died goes back in the queue after ``OUTBOX_CLAIM_TIMEOUT_SECONDS``.
Delivery is at least once: the ``Accessreq-Webhook-Id`` header lets a receiver drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import case, update

from ..extensions import db
from ..notifications.sender import SendResult, claim_rows  # the outbox's counts and claim
from ..timeutil import utcnow
from .models import RESPONSE_EXCERPT_MAX, DeliveryState, WebhookDelivery, WebhookEndpoint
from .targets import TargetRefused, check_url

MAX_BACKOFF_SECONDS = 6 * 3600
INTERRUPTED = "The sender stopped before finishing this delivery; it was queued again."
DISABLED = "The endpoint is disabled; the delivery was not sent."
USER_AGENT = "accessreq-webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Accessreq-Signature header: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _due(now: datetime):
    return (WebhookDelivery.state == DeliveryState.PENDING) & (WebhookDelivery.next_attempt_at <= now)


def _requeue_stale_claims(now: datetime) -> None:
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    give_up = WebhookDelivery.attempts + 1 >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.state == DeliveryState.SENDING, WebhookDelivery.claimed_at < stale)
        .values(state=case((give_up, DeliveryState.DEAD.value),
                           else_=DeliveryState.PENDING.value),
                attempts=WebhookDelivery.attempts + 1, next_attempt_at=now, claim_token=None,
                claimed_at=None, last_error=INTERRUPTED)
        .execution_options(synchronize_session=False))


def claim_due_deliveries(limit: int = 50, now: datetime | None = None) -> list[WebhookDelivery]:
    """Mark up to ``limit`` due rows as this sender's and return them (committed)."""
    now = now or utcnow()
    _requeue_stale_claims(now)
    return claim_rows(WebhookDelivery, _due(now), limit, now, state=DeliveryState.SENDING)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address the guard checked, not to a fresh lookup of the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def _tls_context() -> ssl.SSLContext:
    """The system's trusted authorities, the certificate and name always checked."""
    return ssl.create_default_context()


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=_tls_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    response: str = ""
    error: str = ""


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Outcome:
    """One try: check the target, POST the signed body, never follow a redirect."""
    try:
        host, port, addresses = check_url(endpoint.url)
    except TargetRefused as error:
        return Outcome(False, error=str(error))
    parts = urlsplit(endpoint.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = delivery.payload.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "Accessreq-Webhook-Id": delivery.uid, "Accessreq-Event": delivery.event_type,
        "Accessreq-Signature": sign(endpoint.secret, timestamp, body),
    }
    cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = cls(host, port, addresses[0], current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_MAX * 4).decode("utf-8", "replace")
        excerpt = excerpt[:RESPONSE_EXCERPT_MAX]
    except (OSError, http.client.HTTPException) as error:
        return Outcome(False, error=f"Connection: {type(error).__name__}: {error}"[:2000])
    finally:
        connection.close()
    code = response.status
    if 200 <= code < 300:
        return Outcome(True, code, excerpt)
    if 300 <= code < 400:
        where = response.getheader("Location") or "no Location"
        return Outcome(False, code, excerpt,
                       f"Redirect refused: the receiver answered {code} ({where[:300]}); "
                       "webhooks never follow redirects, register the final address.")
    return Outcome(False, code, excerpt, f"The receiver answered {code} {response.reason}.")


def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> DeliveryState:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_response = outcome.response
    delivery.last_error = outcome.error
    delivery.claim_token = None
    delivery.claimed_at = None
    if outcome.ok:
        delivery.state = DeliveryState.SENT
        delivery.sent_at = now
        if delivery.endpoint.allow_personal_text:
            # Personal details leave with the delivery, as sent emails lose their bodies.
            delivery.payload = ""
    elif delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.state = DeliveryState.DEAD
    else:
        backoff = current_app.config["WEBHOOK_BACKOFF_SECONDS"] * 2 ** (delivery.attempts - 1)
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = now + timedelta(seconds=min(backoff, MAX_BACKOFF_SECONDS))
    return delivery.state


def deliver(rows: list[WebhookDelivery], now: datetime | None = None) -> SendResult:
    """Send claimed rows one by one, committing after each so none is sent twice by us.

    ``now`` is when failures are scheduled from (tests move it; normally the current time).
    """
    result = SendResult()
    for delivery in rows:
        endpoint = delivery.endpoint
        if not endpoint.active:
            outcome = Outcome(False, error=DISABLED)
            delivery.attempts = current_app.config["WEBHOOK_MAX_ATTEMPTS"] - 1
        else:
            outcome = post(endpoint, delivery)
        state = _record(delivery, outcome, now or utcnow())
        db.session.commit()
        result.sent += state == DeliveryState.SENT
        result.dead += state == DeliveryState.DEAD
        result.retrying += state == DeliveryState.PENDING
    return result


def send_due_deliveries(batch_size: int = 50, now: datetime | None = None) -> SendResult:
    """Claim and deliver batches until nothing is due."""
    total = SendResult()
    while rows := claim_due_deliveries(batch_size, now):
        total.add(deliver(rows, now))
    return total
