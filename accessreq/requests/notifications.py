"""The emails a request's lifecycle sends, each queued with a history entry saying so."""

from __future__ import annotations

from flask import current_app

from ..notifications.services import external_url, queue_email
from ..security import hash_token, new_token
from .models import AccessRequest, HistoryEntry, HistoryKind, StatusLink


def issue_status_link(request: AccessRequest) -> str:
    """A new private status URL for ``request``; only its hash is kept."""
    token = new_token()
    request.links.append(StatusLink(token_hash=hash_token(token)))
    return external_url("requests.status", token=token)


def _queue(request: AccessRequest, template: str, to: str, description: str, **context) -> None:
    email = queue_email(template, to, request_id=request.id, req=request, event=request.event,
                        **context)
    request.history.append(HistoryEntry(kind=HistoryKind.EMAIL_QUEUED, email=email,
                                        body=f"{description} to {to}"))


def team_address(request: AccessRequest) -> str:
    """The address of the team holding the request; STAFF_INBOX when no team does."""
    if request.team is not None:
        return request.team.notification_email
    return current_app.config["STAFF_INBOX"]


def _staff_address(request: AccessRequest) -> str:
    """The assignee when there is an active one, else the team's address."""
    if request.assignee is not None and request.assignee.active:
        return request.assignee.email
    return team_address(request)


def _staff_url(request: AccessRequest) -> str:
    return external_url("triage.detail", request_id=request.id)


def request_received(request: AccessRequest, status_url: str) -> None:
    _queue(request, "request_received", request.contact_email, "Confirmation",
           status_url=status_url)


def staff_new_request(request: AccessRequest) -> None:
    _queue(request, "staff_new_request", team_address(request), "New-request notice",
           staff_url=_staff_url(request))


def attendee_update(request: AccessRequest, entry: HistoryEntry) -> None:
    """A status change or a public reply, told to the attendee with a fresh status link."""
    _queue(request, "attendee_update", request.contact_email, "Update", entry=entry,
           status_url=issue_status_link(request))


def staff_attendee_message(request: AccessRequest) -> None:
    _queue(request, "staff_attendee_message", _staff_address(request), "Attendee-message notice",
           staff_url=_staff_url(request))


def staff_attendee_cancelled(request: AccessRequest) -> None:
    _queue(request, "staff_attendee_cancelled", _staff_address(request), "Cancellation notice",
           staff_url=_staff_url(request))


def staff_request_moved(request: AccessRequest, from_team: str) -> None:
    """Tell the team that now holds the request; the reason stays in the history."""
    _queue(request, "staff_request_moved", team_address(request), "Moved-request notice",
           staff_url=_staff_url(request), from_team=from_team)
