"""The emails a request's lifecycle sends, each queued with a history entry saying so."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..notifications.addresses import reply_address
from ..notifications.models import OutgoingEmail
from ..notifications.rebuild import CannotRebuild, rebuilds
from ..notifications.sealing import open_words, seal_words
from ..notifications.services import external_url, queue_email
from ..security import hash_token, new_token
from .calendar import calendar_file
from .models import MAIL_MESSAGE_ID_MAX, AccessRequest, HistoryEntry, HistoryKind, StatusLink
from .states import RequestStatus


def issue_status_link(access_request: AccessRequest) -> str:
    """A new private status URL for ``access_request``; only its hash is kept."""
    token = new_token()
    access_request.links.append(StatusLink(token_hash=hash_token(token)))
    return external_url("requests.status", token=token)


# The emails that go to the attendee: they form one conversation, and a reply to one of them
# (by its Message-ID) is the attendee's (inbound matching uses this too).
ATTENDEE_TEMPLATES = frozenset({"request_received", "attendee_update", "attendee_follow_up"})
# How many earlier Message-IDs a References header carries at most (the first and the latest).
_MAX_REFERENCES = 10
# A Message-ID we may repeat in our headers: one "<left@right>", no spaces or brackets inside.
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


def threadable_message_id(value: str | None) -> str | None:
    """``value`` when it is a well-formed Message-ID short enough to thread on, else None
    (a malformed one would break the headers it is repeated in)."""
    value = (value or "").strip()
    if len(value) <= MAIL_MESSAGE_ID_MAX and _MESSAGE_ID.fullmatch(value):
        return value
    return None


def thread_references(access_request: AccessRequest) -> tuple[str, ...]:
    """The Message-IDs of the conversation with the attendee about ``access_request``, oldest
    first: our earlier emails to them and the emails they sent us that landed on it as their
    messages (so the latest, our In-Reply-To, may be the attendee's own). The first one and
    the latest, at most ``_MAX_REFERENCES`` in all. One statement: the history holds both, in
    the order they happened (every email to the attendee is queued with a history entry)."""
    ids = list(db.session.scalars(
        select(func.coalesce(OutgoingEmail.message_id, HistoryEntry.mail_message_id))
        .select_from(HistoryEntry)
        .outerjoin(OutgoingEmail, and_(HistoryEntry.email_id == OutgoingEmail.id,
                                       OutgoingEmail.template.in_(ATTENDEE_TEMPLATES)))
        .where(HistoryEntry.request_id == access_request.id,
               or_(OutgoingEmail.id.is_not(None), HistoryEntry.mail_message_id.is_not(None)))
        .order_by(HistoryEntry.id)))
    ids = list(dict.fromkeys(ids))  # an email named by two entries counts once
    if len(ids) > _MAX_REFERENCES:
        ids = ids[:1] + ids[-(_MAX_REFERENCES - 1):]
    return tuple(ids)


def _queue(access_request: AccessRequest, template: str, to: str, description: str, *,
           recipe: dict | None = None, **context) -> OutgoingEmail:
    """Queue one email about ``access_request``; its recipe is the request's id plus ``recipe``.
    An email to the attendee gets the request's reply address and threading headers."""
    threading = {}
    if template in ATTENDEE_TEMPLATES:
        # Written in the attendee's language (staff are written to in English).
        threading = {"reply_to": reply_address(access_request.id),
                     "references": thread_references(access_request),
                     "language": access_request.language}
    email = queue_email(template, to, request_id=access_request.id, access_request=access_request,
                        event=access_request.event,
                        recipe={"request_id": access_request.id, **(recipe or {})},
                        **threading, **context)
    access_request.history.append(HistoryEntry(kind=HistoryKind.EMAIL_QUEUED, email=email,
                                        body=f"{description} to {to}"))
    return email


def team_address(access_request: AccessRequest) -> str:
    """The address of the team holding the request; STAFF_INBOX when no team does."""
    if access_request.team is not None:
        return access_request.team.notification_email
    return current_app.config["STAFF_INBOX"]


def _staff_address(access_request: AccessRequest) -> str:
    """The assignee when there is an active one, else the team's address."""
    if access_request.assignee is not None and access_request.assignee.active:
        return access_request.assignee.email
    return team_address(access_request)


def _staff_url(access_request: AccessRequest) -> str:
    return external_url("triage.detail", request_id=access_request.id)


def _not_emailed(access_request: AccessRequest, description: str) -> None:
    """Say in the history that the attendee was not emailed and how to reach them instead."""
    access_request.history.append(HistoryEntry(
        kind=HistoryKind.EMAIL_SKIPPED,
        body=f"{description} not emailed. {access_request.contact_instead}"))


# A status change to one of these sends the calendar file again (cancelled: METHOD:CANCEL).
CALENDAR_STATUSES = frozenset({RequestStatus.ARRANGED, RequestStatus.PARTIALLY_ARRANGED,
                               RequestStatus.CANCELLED})


def _with_calendar(access_request: AccessRequest) -> dict:
    """The calendar file as the email's attachment, and its name and method for the text."""
    file = calendar_file(access_request)
    return {"attachments": (file.attachment(),), "calendar_file": file}


def request_received(access_request: AccessRequest, status_url: str) -> OutgoingEmail | None:
    """The confirmation with the status link; None (and a history line) when the attendee
    gets no email."""
    if not access_request.gets_email:
        _not_emailed(access_request, "Confirmation")
        return None
    return _queue(access_request, "request_received", access_request.contact_email, "Confirmation",
                  status_url=status_url, **_with_calendar(access_request))


def staff_new_request(access_request: AccessRequest) -> OutgoingEmail:
    return _queue(access_request, "staff_new_request", team_address(access_request),
                  "New-request notice",
                  staff_url=_staff_url(access_request))


def attendee_update(access_request: AccessRequest, entry: HistoryEntry) -> OutgoingEmail | None:
    """A status change or a public reply, told to the attendee with a fresh status link;
    None (and a history line saying how to reach them) when the attendee gets no email."""
    if not access_request.gets_email:
        _not_emailed(access_request, "Update")
        return None
    if entry.id is None:
        db.session.flush()  # the recipe names the entry by id
    calendar = {}
    if entry.kind == HistoryKind.STATUS_CHANGED and entry.to_status in CALENDAR_STATUSES:
        calendar = _with_calendar(access_request)
    return _queue(access_request, "attendee_update", access_request.contact_email, "Update",
                  entry=entry,
                  status_url=issue_status_link(access_request), recipe={"entry_id": entry.id},
                  **calendar)


def attendee_follow_up(access_request: AccessRequest, entry: HistoryEntry, subject: str,
                       label: str) -> OutgoingEmail | None:
    """After the event, the team's follow-up (``entry``: its words; ``subject`` as staff left
    it; ``label``: which wording, for the history line); None (and a history line) when the
    attendee gets no email."""
    if not access_request.gets_email:
        _not_emailed(access_request, f"Follow-up ({label})")
        return None
    if entry.id is None:
        db.session.flush()  # the recipe names the entry by id
    return _queue(access_request, "attendee_follow_up", access_request.contact_email,
                  f"Follow-up ({label})", entry=entry, subject_line=subject,
                  status_url=issue_status_link(access_request),
                  recipe={"entry_id": entry.id,
                          "words": seal_words({"subject": subject, "label": label})})


def staff_attendee_message(access_request: AccessRequest) -> OutgoingEmail:
    return _queue(access_request, "staff_attendee_message", _staff_address(access_request),
                  "Attendee-message notice", staff_url=_staff_url(access_request))


def staff_attendee_cancelled(access_request: AccessRequest) -> OutgoingEmail:
    return _queue(access_request, "staff_attendee_cancelled", _staff_address(access_request),
                  "Cancellation notice", staff_url=_staff_url(access_request))


def staff_request_moved(access_request: AccessRequest, from_team: str) -> OutgoingEmail:
    """Tell the team that now holds the request; the reason stays in the history."""
    return _queue(access_request, "staff_request_moved", team_address(access_request),
                  "Moved-request notice",
                  staff_url=_staff_url(access_request), from_team=from_team,
                  recipe={"from_team": from_team})


# Building each message again from its recipe (see notifications/rebuild.py). Attendee emails
# get a new status link, as the original did; the request must still hold its details.

def _request_from(recipe: dict) -> AccessRequest:
    access_request = db.session.get(AccessRequest, recipe.get("request_id"))
    if access_request is None:
        raise CannotRebuild("The request this message was about no longer exists.")
    if access_request.purged_at is not None:
        raise CannotRebuild(f"The details of request {access_request.reference} were deleted by "
                            "the retention purge, so this message cannot be built again.")
    return access_request


@rebuilds("request_received")
def _rebuild_request_received(recipe: dict, actor) -> OutgoingEmail:
    access_request = _request_from(recipe)
    return request_received(access_request, issue_status_link(access_request))


@rebuilds("staff_new_request")
def _rebuild_staff_new_request(recipe: dict, actor) -> OutgoingEmail:
    return staff_new_request(_request_from(recipe))


@rebuilds("attendee_update")
def _rebuild_attendee_update(recipe: dict, actor) -> OutgoingEmail:
    access_request = _request_from(recipe)
    entry = db.session.get(HistoryEntry, recipe.get("entry_id"))
    if entry is None or entry.request_id != access_request.id:
        raise CannotRebuild("The update this message told the attendee about no longer exists.")
    return attendee_update(access_request, entry)


@rebuilds("attendee_follow_up")
def _rebuild_attendee_follow_up(recipe: dict, actor) -> OutgoingEmail:
    access_request = _request_from(recipe)
    entry = db.session.get(HistoryEntry, recipe.get("entry_id"))
    if entry is None or entry.request_id != access_request.id or not entry.body:
        raise CannotRebuild("The follow-up this message carried no longer exists.")
    words = open_words(str(recipe.get("words", "")))
    return attendee_follow_up(access_request, entry, words["subject"], words["label"])


@rebuilds("staff_attendee_message")
def _rebuild_staff_attendee_message(recipe: dict, actor) -> OutgoingEmail:
    return staff_attendee_message(_request_from(recipe))


@rebuilds("staff_attendee_cancelled")
def _rebuild_staff_attendee_cancelled(recipe: dict, actor) -> OutgoingEmail:
    return staff_attendee_cancelled(_request_from(recipe))


@rebuilds("staff_request_moved")
def _rebuild_staff_request_moved(recipe: dict, actor) -> OutgoingEmail:
    return staff_request_moved(_request_from(recipe), str(recipe.get("from_team", "")))
