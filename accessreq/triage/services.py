"""State changes staff make to a request; each checks, records history, notifies and commits."""

from __future__ import annotations

from ..auth.models import StaffUser
from ..extensions import db
from ..requests import notifications
from ..requests.models import AccessLogEntry, AccessRequest, HistoryEntry, HistoryKind
from ..requests.services import (RequestActionError, StaleRequestError, commit_or_stale,
                                 set_status)
from ..requests.states import MESSAGE_REQUIRED, RequestStatus
from ..timeutil import utcnow


def _check_version(request: AccessRequest, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != request.version:
        raise StaleRequestError()


def record_view(request: AccessRequest, staff: StaffUser) -> None:
    """Log that ``staff`` saw this request's details."""
    db.session.add(AccessLogEntry(staff_id=staff.id, request_id=request.id, action="view"))
    db.session.commit()


def assign(request: AccessRequest, actor: StaffUser, assignee: StaffUser | None,
           expected_version: int | None = None) -> None:
    _check_version(request, expected_version)
    if assignee is not None and not assignee.active:
        raise RequestActionError("That account is deactivated; choose someone else.")
    if assignee == request.assignee:
        raise RequestActionError("The request is already assigned that way.")
    now = utcnow()
    request.assignee = assignee
    request.updated_at = now
    request.history.append(HistoryEntry(kind=HistoryKind.ASSIGNED, at=now, actor=actor,
                                        assignee=assignee))
    commit_or_stale()


def change_status(request: AccessRequest, actor: StaffUser, target: RequestStatus,
                  message: str = "", expected_version: int | None = None) -> None:
    """Move the request on and tell the attendee, with the message staff wrote."""
    _check_version(request, expected_version)
    message = message.strip()
    if target in MESSAGE_REQUIRED and not message:
        raise RequestActionError(
            f"Write a message to the attendee when moving a request to “{target.label}”: "
            "say what is needed, or what cannot be done and what you can offer instead."
        )
    entry = set_status(request, target, actor=actor, body=message)
    notifications.attendee_update(request, entry)
    commit_or_stale()


def reply(request: AccessRequest, actor: StaffUser, body: str) -> None:
    """A public message to the attendee, emailed and shown on their status page."""
    if request.purged_at is not None:
        raise RequestActionError("This request's details were deleted; it cannot be replied to.")
    entry = HistoryEntry(kind=HistoryKind.STAFF_REPLY, actor=actor, body=body.strip())
    request.history.append(entry)
    notifications.attendee_update(request, entry)
    db.session.commit()


def add_note(request: AccessRequest, actor: StaffUser, body: str) -> None:
    """An internal note: never shown or emailed to the attendee."""
    request.history.append(HistoryEntry(kind=HistoryKind.NOTE, actor=actor, body=body.strip()))
    db.session.commit()
