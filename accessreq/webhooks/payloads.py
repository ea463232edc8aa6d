"""What a delivery says: ids, reference, statuses, times, team; personal free text (names,
email addresses, messages, needs and their details) only for an endpoint allowed it."""

from __future__ import annotations

import json
from datetime import datetime

from ..events.models import Event
from ..requests.models import AccessRequest, HistoryEntry
from .models import WebhookEvent


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def event_data(event: Event) -> dict:
    return {
        "id": event.id, "title": event.title, "starts_at": _time(event.starts_at),
        "ends_at": _time(event.ends_at), "timezone": event.timezone,
        "is_online": event.is_online, "requests_open": event.requests_open,
        "requests_close_at": _time(event.requests_close_at),
        "cancelled_at": _time(event.cancelled_at),
    }


def request_data(request: AccessRequest, personal: bool) -> dict:
    data = {
        "id": request.id, "reference": request.reference, "status": request.status.value,
        "event": {"id": request.event.id, "title": request.event.title,
                  "starts_at": _time(request.event.starts_at)},
        "team": ({"id": request.team.id, "name": request.team.name} if request.team else None),
        "created_at": _time(request.created_at), "updated_at": _time(request.updated_at),
        "due_at": _time(request.due_at),
    }
    if personal:
        data["contact"] = {"name": request.contact_name, "email": request.contact_email,
                           "attendee_name": request.attendee_name}
        data["anything_else"] = request.anything_else
        data["accommodations"] = [
            {"type": item.accommodation_type.name, "details": item.details}
            for item in request.items]
    return data


def history_data(entry: HistoryEntry, personal: bool) -> dict:
    data = {
        "kind": entry.kind.value, "at": _time(entry.at),
        "from_status": entry.from_status.value if entry.from_status else None,
        "to_status": entry.to_status.value if entry.to_status else None,
        "by_staff": entry.actor_id is not None,
        # A reply sent with a change of status is that change's message, not a separate reply.
        "has_message": bool(entry.body),
    }
    if personal:
        data["message"] = entry.body
    return data


def dumps(event_type: WebhookEvent, occurred_at: datetime, data: dict) -> str:
    """The body as sent and signed: compact, keys in a stable order."""
    return json.dumps({"type": event_type.value, "occurred_at": _time(occurred_at), **data},
                      separators=(",", ":"), sort_keys=True, ensure_ascii=False)
