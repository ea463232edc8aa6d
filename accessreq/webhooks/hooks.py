"""Queue deliveries in the same transaction as the change that causes them.

A session ``after_flush`` listener looks at the history rows and events just written and
inserts a ``webhook_delivery`` row for each active endpoint subscribed, on the flush's own
connection: a change that rolls back takes its deliveries with it, and every path (the public
form, the staff dashboard, email in, an API) is covered without each service knowing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import event as sa_event, insert, select
from sqlalchemy.orm import Session

from ..events.models import Event
from ..requests.models import HistoryEntry, HistoryKind
from ..requests.states import RequestStatus
from ..timeutil import utcnow
from . import payloads
from .models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent


def _request_event(entry: HistoryEntry) -> WebhookEvent | None:
    if entry.kind == HistoryKind.SUBMITTED:
        return WebhookEvent.REQUEST_CREATED
    if entry.kind == HistoryKind.STATUS_CHANGED:
        if entry.to_status == RequestStatus.CANCELLED:
            return WebhookEvent.REQUEST_CANCELLED
        return WebhookEvent.REQUEST_STATUS_CHANGED
    if entry.kind == HistoryKind.STAFF_REPLY:
        return WebhookEvent.REQUEST_REPLIED
    return None


def _changes(session: Session) -> list[tuple[WebhookEvent, object]]:
    found: list[tuple[WebhookEvent, object]] = []
    for obj in session.new:
        if isinstance(obj, HistoryEntry):
            kind = _request_event(obj)
            if kind is not None:
                found.append((kind, obj))
        elif isinstance(obj, Event):
            found.append((WebhookEvent.EVENT_CHANGED, obj))
    for obj in session.dirty:
        if isinstance(obj, Event) and session.is_modified(obj, include_collections=False):
            found.append((WebhookEvent.EVENT_CHANGED, obj))
    return found


def _payload(kind: WebhookEvent, obj, personal: bool, at: datetime) -> str:
    if isinstance(obj, Event):
        return payloads.dumps(kind, at, {"event": payloads.event_data(obj)})
    entry: HistoryEntry = obj
    return payloads.dumps(kind, entry.at or at, {
        "request": payloads.request_data(entry.request, personal),
        "change": payloads.history_data(entry, personal)})


def queue_deliveries(session: Session, _flush_context) -> None:
    changes = _changes(session)
    if not changes:
        return
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events, WebhookEndpoint.allow_personal_text)
        .where(WebhookEndpoint.active)).all()
    if not endpoints:
        return
    now = utcnow()
    rows = []
    for kind, obj in sorted(changes, key=lambda c: (c[1].__class__.__name__, c[1].id)):
        rendered: dict[bool, str] = {}
        for endpoint_id, events, personal in endpoints:
            if kind.value not in (events or []):
                continue
            if personal not in rendered:
                rendered[personal] = _payload(kind, obj, personal, now)
            rows.append({"uid": str(uuid.uuid4()), "endpoint_id": endpoint_id,
                         "event_type": kind.value, "payload": rendered[personal],
                         "state": DeliveryState.PENDING, "attempts": 0,
                         "next_attempt_at": now, "created_at": now, "last_response": "",
                         "last_error": ""})
    if rows:
        session.connection().execute(insert(WebhookDelivery.__table__), rows)


def register(session_target) -> None:
    """Listen on ``session_target`` (the app's scoped session), once per process."""
    if not sa_event.contains(session_target, "after_flush", queue_deliveries):
        sa_event.listen(session_target, "after_flush", queue_deliveries)
