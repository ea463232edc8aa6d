"""Cancelling an event: one admin action that cancels every request of it still going ahead,
tells each attendee (with the calendar file that takes the event out of their calendar) and
flags the event's live bookings for staff, all in one transaction.

It lives in triage because it joins events, requests (the one status path, ``transition_to``,
and the attendee's emails) and arranging (the bookings); only triage may use all three (see
tests/test_architecture.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..arranging.models import LIVE, Booking
from ..arranging.services import flag_bookings_of_cancelled_event
from ..auth.models import StaffUser
from ..events.models import Event
from ..extensions import db
from ..requests import notifications
from ..requests.models import AccessRequest
from ..requests.services import RequestActionError, transition_to
from ..requests.states import RequestStatus
from ..timeutil import utcnow

REASON_MAX = 2000


@dataclass(frozen=True)
class EventCancelled:
    """What cancelling the event did, for the admin's confirmation message."""

    requests: int  # requests moved to cancelled (each attendee told, by email where they can be)
    bookings: int  # live bookings flagged for staff


def _going_ahead(event: Event):
    """The event's requests that are not final yet (not cancelled, not closed) and whose
    details were not deleted."""
    return (AccessRequest.event_id == event.id,
            AccessRequest.status.not_in([RequestStatus.CANCELLED, RequestStatus.CLOSED]),
            AccessRequest.purged_at.is_(None))


def what_cancelling_does(event: Event) -> EventCancelled:
    """How many requests and live bookings cancelling ``event`` would touch (the confirm page)."""
    requests = db.session.scalar(select(func.count(AccessRequest.id))
                                 .where(*_going_ahead(event))) or 0
    bookings = db.session.scalar(select(func.count(Booking.id)).where(
        Booking.event_id == event.id, Booking.status.in_(LIVE))) or 0
    return EventCancelled(requests=requests, bookings=bookings)


def check_can_cancel(event: Event) -> None:
    if event.is_cancelled:
        raise RequestActionError("This event is already cancelled.")
    if event.has_ended():
        raise RequestActionError("This event has already taken place, so it cannot be "
                                 "cancelled.")


def cancel_event(event: Event, actor: StaffUser, reason: str) -> EventCancelled:
    """Cancel ``event`` for ``reason`` (attendees read it): it takes no more requests; each of
    its requests still going ahead moves to cancelled through ``transition_to``, its history
    saying the event was cancelled, and its attendee gets one email carrying the calendar file
    with METHOD:CANCEL; its live bookings are flagged with the deadline to cancel them free of
    charge. One transaction: if anything fails, nothing is cancelled and no email is queued."""
    reason = " ".join(reason.split())
    if not reason:
        raise RequestActionError("Say why the event is cancelled: attendees read it.")
    check_can_cancel(event)
    now = utcnow()
    message = f"{event.title} is cancelled, so this request is cancelled too. {reason}"
    try:
        event.cancelled_at = now
        event.cancellation_reason = reason[:REASON_MAX]
        requests = list(db.session.scalars(select(AccessRequest).where(*_going_ahead(event))
                                           .order_by(AccessRequest.id)))
        for access_request in requests:
            entry = transition_to(access_request, RequestStatus.CANCELLED, actor=actor,
                                  message=message, at=now)
            access_request.attendee_waiting_since = None
            notifications.attendee_update(access_request, entry)
        flagged = flag_bookings_of_cancelled_event(event)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return EventCancelled(requests=len(requests), bookings=len(flagged))
