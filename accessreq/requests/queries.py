"""Read-only questions about requests that other pages ask (the staff queue has its own, in
triage/queries.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from .models import AccessRequest


def count_by_event(event_ids: list[int]) -> dict[int, int]:
    """How many requests each of these events has had (events without any are left out)."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(AccessRequest.event_id, func.count(AccessRequest.id))
        .where(AccessRequest.event_id.in_(event_ids)).group_by(AccessRequest.event_id))
    return {event_id: count for event_id, count in rows}
