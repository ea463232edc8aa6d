"""The emails a request's lifecycle sends, each queued with a history entry saying so."""

from __future__ import annotations

from flask import current_app

from ..extensions import db
from ..notifications.models import OutgoingEmail
from ..notifications.rebuild import CannotRebuild, rebuilds
from ..notifications.services import external_url, queue_email
from ..security import hash_token, new_token
from .models import AccessRequest, HistoryEntry, HistoryKind, StatusLink


def issue_status_link(request: AccessRequest) -> str:
    """A new private status URL for ``request``; only its hash is kept."""
    token = new_token()
    request.links.append(StatusLink(token_hash=hash_token(token)))
    return external_url("requests.status", token=token)


def _queue(request: AccessRequest, template: str, to: str, description: str, *,
           recipe: dict | None = None, **context) -> OutgoingEmail:
    """Queue one email about ``request``; its recipe is the request's id plus ``recipe``."""
    email = queue_email(template, to, request_id=request.id, req=request, event=request.event,
                        recipe={"request_id": request.id, **(recipe or {})}, **context)
    request.history.append(HistoryEntry(kind=HistoryKind.EMAIL_QUEUED, email=email,
                                        body=f"{description} to {to}"))
    return email


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


def request_received(request: AccessRequest, status_url: str) -> OutgoingEmail:
    return _queue(request, "request_received", request.contact_email, "Confirmation",
                  status_url=status_url)


def staff_new_request(request: AccessRequest) -> OutgoingEmail:
    return _queue(request, "staff_new_request", team_address(request), "New-request notice",
                  staff_url=_staff_url(request))


def attendee_update(request: AccessRequest, entry: HistoryEntry) -> OutgoingEmail:
    """A status change or a public reply, told to the attendee with a fresh status link."""
    if entry.id is None:
        db.session.flush()  # the recipe names the entry by id
    return _queue(request, "attendee_update", request.contact_email, "Update", entry=entry,
                  status_url=issue_status_link(request), recipe={"entry_id": entry.id})


def staff_attendee_message(request: AccessRequest) -> OutgoingEmail:
    return _queue(request, "staff_attendee_message", _staff_address(request),
                  "Attendee-message notice", staff_url=_staff_url(request))


def staff_attendee_cancelled(request: AccessRequest) -> OutgoingEmail:
    return _queue(request, "staff_attendee_cancelled", _staff_address(request),
                  "Cancellation notice", staff_url=_staff_url(request))


def staff_request_moved(request: AccessRequest, from_team: str) -> OutgoingEmail:
    """Tell the team that now holds the request; the reason stays in the history."""
    return _queue(request, "staff_request_moved", team_address(request), "Moved-request notice",
                  staff_url=_staff_url(request), from_team=from_team,
                  recipe={"from_team": from_team})


# Building each message again from its recipe (see notifications/rebuild.py). Attendee emails
# get a new status link, as the original did; the request must still hold its details.

def _request_from(recipe: dict) -> AccessRequest:
    request = db.session.get(AccessRequest, recipe.get("request_id"))
    if request is None:
        raise CannotRebuild("The request this message was about no longer exists.")
    if request.purged_at is not None:
        raise CannotRebuild(f"The details of request {request.reference} were deleted by the "
                            "retention purge, so this message cannot be built again.")
    return request


@rebuilds("request_received")
def _rebuild_request_received(recipe: dict, actor) -> OutgoingEmail:
    request = _request_from(recipe)
    return request_received(request, issue_status_link(request))


@rebuilds("staff_new_request")
def _rebuild_staff_new_request(recipe: dict, actor) -> OutgoingEmail:
    return staff_new_request(_request_from(recipe))


@rebuilds("attendee_update")
def _rebuild_attendee_update(recipe: dict, actor) -> OutgoingEmail:
    request = _request_from(recipe)
    entry = db.session.get(HistoryEntry, recipe.get("entry_id"))
    if entry is None or entry.request_id != request.id:
        raise CannotRebuild("The update this message told the attendee about no longer exists.")
    return attendee_update(request, entry)


@rebuilds("staff_attendee_message")
def _rebuild_staff_attendee_message(recipe: dict, actor) -> OutgoingEmail:
    return staff_attendee_message(_request_from(recipe))


@rebuilds("staff_attendee_cancelled")
def _rebuild_staff_attendee_cancelled(recipe: dict, actor) -> OutgoingEmail:
    return staff_attendee_cancelled(_request_from(recipe))


@rebuilds("staff_request_moved")
def _rebuild_staff_request_moved(recipe: dict, actor) -> OutgoingEmail:
    return staff_request_moved(_request_from(recipe), str(recipe.get("from_team", "")))
