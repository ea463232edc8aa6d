"""State changes of a request made by the attendee or the system; each is one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, exists, select
from sqlalchemy.orm.exc import StaleDataError

from ..events.models import AccommodationType, Event
from ..extensions import db
from ..notifications.models import OutgoingEmail
from ..notifications.services import InvalidRecipient, forget_emails
from ..routing.services import route_request
from ..security import hash_token, new_reference
from ..timeutil import utcnow
from . import counts, notifications
from .signals import request_cancelled
from .models import (AccessRequest, ContactChannel, HistoryEntry, HistoryKind, ReceivedVia,
                     RequestedAccommodation, StatusLink, status_may_change)
from .outcomes import NeedsMet, ShortfallReason
from .states import (FINAL_STATUSES, MESSAGE_REQUIRED, SHORTFALL_STATUSES, RequestStatus,
                     can_transition)

if TYPE_CHECKING:
    from ..auth.models import StaffUser


class RequestActionError(Exception):
    """A change that is not allowed now; the message is shown to the person as it is."""


class StaleRequestError(RequestActionError):
    """Someone else changed the request since the form was loaded."""

    def __init__(self) -> None:
        super().__init__(_("This request changed while you were editing it. "
                           "Reload the page to see the latest version, then try again."))


@dataclass
class Submission:
    """What the public form collected, already validated."""

    contact_name: str
    contact_email: str
    contact_channel: ContactChannel
    accommodations: dict[int, str]  # accommodation type id -> optional details
    contact_phone: str = ""
    attendee_name: str | None = None
    anything_else: str = ""
    consented: bool = False
    # False: the attendee asked not to be emailed (staff-recorded requests only).
    email_updates: bool = True
    # The attendee agreed that the people running the event may phone them on the day.
    phone_on_the_day: bool = False
    # The language of the form they filled in; their emails are written in it.
    language: str = "en"


@dataclass
class Recording:
    """Who recorded a request that reached staff another way, and how it came."""

    by: StaffUser
    via: ReceivedVia
    # More words for the history, e.g. "It came from accessibility problem report 4."
    origin: str = ""
    # Run in the same transaction once the request has its id (e.g. to link the report).
    then: Callable[[AccessRequest], None] | None = None

    def history_text(self) -> str:
        text = f"Recorded by {self.by.name} {self.via.phrase}."
        return f"{text} {self.origin}" if self.origin else text


def flush_or_stale() -> None:
    """Write pending changes now, turning a lost optimistic-lock race into a clear refusal."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleRequestError() from None


def commit_or_stale() -> None:
    """Commit, turning a lost optimistic-lock race into a clear refusal."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleRequestError() from None


def _unused_reference() -> str:
    # The unique constraint is the guarantee; checking first just avoids a failed insert.
    while True:
        reference = new_reference()
        if not db.session.scalar(select(exists().where(AccessRequest.reference == reference))):
            return reference


def submit_request(event: Event, submission: Submission,
                   recording: Recording | None = None, *,
                   also: Callable[[AccessRequest, str], None] | None = None
                   ) -> tuple[AccessRequest, str]:
    """Record a new request, queue the confirmation and the staff notice.

    ``recording`` is given when staff record a request that came by phone, letter, in person...:
    the event may then be closed to the public form (not yet ended), the history names the
    staff member and the channel, and without an email address (or when the attendee wants
    none) no confirmation is emailed.

    ``also(request, status_url)`` runs in the same transaction, just before it commits: the
    API keeps its answer to an Idempotency-Key with the request it answers for, so the two are
    written together or not at all.

    Returns the request and its private status URL (shown once, on the confirmation page).
    """
    if recording is None and not event.accepts_requests():
        raise RequestActionError(_("This event is no longer taking requests."))
    if recording is not None and event.is_cancelled:
        raise RequestActionError("This event is cancelled, so no request can be recorded for it.")
    if recording is not None and event.has_ended():
        raise RequestActionError("This event has ended, so no request can be recorded for it.")
    if recording is None and not submission.contact_email:
        raise RequestActionError(_("An email address is needed to send the reference."))
    if not submission.consented:
        raise RequestActionError(_("Consent is needed to store the request."))
    offered = {t.id: t for t in event.offered_types}
    chosen: list[AccommodationType] = [offered[i] for i in submission.accommodations if i in offered]
    if not chosen or len(chosen) != len(submission.accommodations):
        raise RequestActionError(
            _("Choose at least one of the accommodations offered for this event."))
    now = utcnow()
    access_request = AccessRequest(
        reference=_unused_reference(),
        event=event,
        status=RequestStatus.SUBMITTED,
        contact_name=submission.contact_name,
        contact_email=submission.contact_email,
        contact_phone=submission.contact_phone,
        contact_channel=submission.contact_channel,
        language=submission.language,
        phone_on_the_day=submission.phone_on_the_day and bool(submission.contact_phone),
        attendee_name=submission.attendee_name or None,
        anything_else=submission.anything_else,
        received_via=recording.via if recording else ReceivedVia.WEB_FORM,
        email_updates=submission.email_updates and bool(submission.contact_email),
        consented_at=now,
        due_at=event.due_at_for(chosen),
        created_at=now,
        updated_at=now,
    )
    access_request.items = [
        RequestedAccommodation(accommodation_type=t, details=submission.accommodations[t.id])
        for t in chosen
    ]
    access_request.received_late = access_request.was_late  # fixed now, for the reports
    access_request.history.append(HistoryEntry(
        kind=HistoryKind.SUBMITTED, at=now, to_status=RequestStatus.SUBMITTED,
        actor=recording.by if recording else None,
        body=recording.history_text() if recording else ""))
    route = route_request(event, chosen)
    access_request.team = route.team
    access_request.history.append(HistoryEntry(kind=HistoryKind.ROUTED, at=now,
                                        body=route.description))
    db.session.add(access_request)
    try:
        db.session.flush()  # the emails link to the request's id
        counts.bump(RequestStatus.SUBMITTED, +1, access_request.team_id)
        status_url = notifications.issue_status_link(access_request)
        notifications.request_received(access_request, status_url)
        notifications.staff_new_request(access_request)
        if recording is not None and recording.then is not None:
            recording.then(access_request)
        if also is not None:
            also(access_request, status_url)
    except InvalidRecipient:
        db.session.rollback()
        raise RequestActionError(_("We cannot send email to that address. Check it, or use "
                                   "another address.")) from None
    db.session.commit()
    return access_request, status_url


def find_by_token(token: str) -> AccessRequest | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(AccessRequest).join(StatusLink).where(StatusLink.token_hash == hash_token(token))
    )


def transition_to(access_request: AccessRequest, target: RequestStatus, *, actor=None,
                  message: str = "", at: datetime | None = None,
                  shortfall: ShortfallReason | None = None) -> HistoryEntry:
    """Move ``access_request`` to ``target``: the only way a status changes (attendee, staff,
    and any later channel). Checks the move against the state table (states.py) and that a
    message the attendee must read is there, records the history entry, keeps the per-status
    counts, and writes it all now, so a lost race is refused before any email is rendered.

    ``shortfall`` is the main reason for a move to "Partially arranged" or "Unable to arrange"
    (staff's composer requires it; the reports count it).

    Returns the history entry (the emails link to it); callers add notifications and commit.
    A new request starts as submitted in ``submit_request``; nothing else sets a status (the
    model refuses it, see ``status_may_change``).
    """
    if not can_transition(access_request.status, target):
        raise RequestActionError(
            f"A request that is “{access_request.status.label}” cannot be moved to "
            f"“{target.label}”."
        )
    message = message.strip()
    if target in MESSAGE_REQUIRED and not message:
        raise RequestActionError(
            f"Write a message to the attendee when moving a request to “{target.label}”: "
            "say what is needed, or what cannot be done and what you can offer instead."
        )
    at = at or utcnow()
    entry = HistoryEntry(kind=HistoryKind.STATUS_CHANGED, at=at, actor=actor,
                         from_status=access_request.status, to_status=target, body=message)
    access_request.history.append(entry)  # loads the collection before the row is dirty
    with status_may_change():
        access_request.status = target
    access_request.updated_at = at
    _keep_report_facts(access_request, target, at, shortfall)
    flush_or_stale()  # lose a race here, before emails are rendered
    counts.move(entry.from_status, target, access_request.team_id)
    return entry


def _keep_report_facts(access_request: AccessRequest, target: RequestStatus, at: datetime,
                       shortfall: ShortfallReason | None) -> None:
    """What the reports need from a move, on the request itself (it survives the purge)."""
    if target == RequestStatus.ARRANGED and access_request.first_arranged_at is None:
        access_request.first_arranged_at = at
    if target in SHORTFALL_STATUSES:
        access_request.shortfall_reason = shortfall
    elif target not in FINAL_STATUSES:  # worked on again, or arranged after all
        access_request.shortfall_reason = None


def cancel_by_attendee(access_request: AccessRequest, reason: str = "") -> None:
    if not access_request.can_cancel:
        raise RequestActionError(access_request.attendee_actions_closed_reason)
    entry = transition_to(access_request, RequestStatus.CANCELLED, message=reason)
    request_cancelled.send(access_request)  # bookings covering it are flagged (arranging)
    notifications.attendee_update(access_request, entry)
    notifications.staff_attendee_cancelled(access_request)
    commit_or_stale()


def add_attendee_message(access_request: AccessRequest, body: str, *,
                         inbound_id: int | None = None, mail_message_id: str = "",
                         commit: bool = True) -> None:
    """The attendee adds details (on the status page, or by email: ``inbound_id`` names the
    stored email and ``mail_message_id`` is its Message-ID, which our next email to the
    attendee answers); a request waiting on them goes back to the team. ``commit=False``: the
    caller commits (the stored email and the message in one transaction)."""
    if not access_request.can_add_message:
        raise RequestActionError(access_request.attendee_actions_closed_reason)
    body = body.strip()
    if not body:
        raise RequestActionError(_("Write your message."))
    access_request.history.append(HistoryEntry(
        kind=HistoryKind.ATTENDEE_MESSAGE, body=body, inbound_id=inbound_id,
        mail_message_id=notifications.threadable_message_id(mail_message_id)))
    access_request.attendee_waiting_since = access_request.attendee_waiting_since or utcnow()
    if access_request.status == RequestStatus.NEEDS_INFO:
        transition_to(access_request, RequestStatus.IN_REVIEW)
    notifications.staff_attendee_message(access_request)
    if commit:
        commit_or_stale()
    else:
        flush_or_stale()


def answer_needs_met(access_request: AccessRequest, answer: NeedsMet, comment: str = "") -> None:
    """After the event, the attendee says whether what was arranged met their needs; a later
    answer replaces the earlier one and both stay in the history, which staff read."""
    if not access_request.can_answer_needs_met():
        raise RequestActionError(_("This request can no longer take an answer."))
    comment = comment.strip()
    now = utcnow()
    with force_locale("en"):  # stored: the history keeps the answer in English
        answer_words = answer.label
    access_request.history.append(HistoryEntry(
        kind=HistoryKind.NEEDS_MET, at=now,
        body=f"{answer_words}." + (f"\n{comment}" if comment else "")))
    access_request.needs_met, access_request.needs_met_comment = answer, comment
    access_request.needs_met_at = now
    if answer != NeedsMet.YES:  # the queue shows "Attendee replied" until someone looks
        access_request.attendee_waiting_since = access_request.attendee_waiting_since or now
    commit_or_stale()


def expired_conditions(now: datetime):
    """The conditions (on AccessRequest joined to Event) of the requests a purge at ``now``
    deletes: those whose event ended over RETENTION_DAYS ago and not yet purged. The purge and
    its dry run both use this, so they cannot disagree."""
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    return (Event.ends_at < cutoff, AccessRequest.purged_at.is_(None))


def purge_expired(now: datetime | None = None, batch_size: int = 200) -> int:
    """Delete personal and access details of requests whose event ended over RETENTION_DAYS ago.

    The reference, status, dates and accommodation types stay for reporting. Returns how many
    requests were purged.
    """
    now = now or utcnow()
    purged = 0
    while True:
        batch = list(db.session.scalars(
            select(AccessRequest).join(Event).where(*expired_conditions(now)).limit(batch_size)))
        if not batch:
            return purged
        ids = [r.id for r in batch]
        for access_request in batch:
            access_request.contact_name = "Deleted"
            access_request.contact_email = (
                "deleted@deleted.invalid" if access_request.contact_email else "")
            access_request.contact_phone = ""
            access_request.attendee_name = None
            access_request.anything_else = ""
            access_request.needs_met_comment = ""
            access_request.purged_at = now
            for item in access_request.items:
                item.details = item.met_by = item.outcome_note = ""
            for entry in access_request.history:
                entry.body = ""
                entry.mail_message_id = None
            access_request.history.append(HistoryEntry(kind=HistoryKind.PURGED, at=now,
                                                body="Personal and access details deleted"))
        db.session.execute(delete(StatusLink).where(StatusLink.request_id.in_(ids)))
        # Every email about the request: bodies, recipient, subject and any SMTP error
        # (a refusal quotes the address). All attendee mail carries the request's id.
        forget_emails(OutgoingEmail.request_id.in_(ids))
        db.session.commit()
        purged += len(batch)
