"""Read-only look-ups of events for the public pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from ..extensions import db
from ..pagination import Page, page_count
from ..timeutil import utcnow
from .models import Event

EVENTS_PER_PAGE = 20


def _open_for_requests(now: datetime) -> Select:
    """Events that have not started and still take requests (the same rule as
    ``Event.accepts_requests``, written for the database)."""
    deadline = func.coalesce(Event.requests_close_at, Event.starts_at)
    return select(Event).where(
        Event.requests_open.is_(True), Event.cancelled_at.is_(None), Event.starts_at > now,
        deadline > now
    )


def upcoming_events(page: int = 1, per_page: int = EVENTS_PER_PAGE,
                    now: datetime | None = None) -> Page[Event]:
    """Events people can still ask for access to, soonest first.

    ``page`` is 1-based; a page that does not exist has no items (the view redirects, see
    accessreq/pagination.py).
    """
    now = now or utcnow()
    query = _open_for_requests(now)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = page_count(total, per_page)
    items = list(db.session.scalars(  # with what each provides to everyone (one more statement)
        query.options(selectinload(Event.provisions)).order_by(Event.starts_at, Event.id).limit(per_page).offset((page - 1) * per_page)
    )) if 1 <= page <= pages else []
    return Page(items=items, total=total, page=page, pages=pages)


def events_staff_can_record(now: datetime | None = None) -> list[Event]:
    """Events staff may record a request for, soonest first: every event that has not ended and
    offers something, including those closed to the public form (a late request that came by
    phone or letter is still recorded and worked in good faith), but not a cancelled one."""
    now = now or utcnow()
    events = db.session.scalars(
        select(Event).where(Event.ends_at > now, Event.cancelled_at.is_(None))
        .order_by(Event.starts_at, Event.id))
    return [e for e in events if e.offered_types]
