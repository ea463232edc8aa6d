"""Writing to a provider from a booking: asking them to book, confirming, cancelling.

The wording comes from the admins' email wording (notifications/wording.py), filled in for the
booking; staff may change it before sending. The attendees' names and contact details, and what
they wrote about the booked accommodations, go only when staff tick them, and are built here
from the booking's items, never typed. Sending queues one email and tells every request the
booking covers, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..auth.models import StaffUser
from ..columns import LabelledEnum
from ..events.models import Event
from ..extensions import db
from ..notifications.addresses import reply_base_address
from ..notifications.models import OutgoingEmail, WordingKey
from ..notifications.rebuild import CannotRebuild, rebuilds
from ..notifications.sealing import open_words, seal_words
from ..notifications.services import (DELETED_ADDRESS, external_url, forget_emails,
                                      queue_email)
from ..notifications.wording import Wording, render_wording, team_signature
from ..requests.models import AccessRequest, HistoryEntry, HistoryKind
from ..timeutil import format_long_day, local, utcnow
from .models import Booking, BookingStatus

TEMPLATE = "provider_message"
SUBJECT_MAX = 200


class ProviderEmailKind(LabelledEnum):
    ASK = "ask", "Ask them to book"
    CONFIRM = "confirm", "Confirm the booking"
    CANCEL = "cancel", "Cancel the booking"

    @property
    def wording_key(self) -> WordingKey:
        return _WORDING[self]

    @property
    def doing(self) -> str:
        """For the history: "Emailed Hands Up: asking for a booking"."""
        return _DOING[self]


_WORDING = {ProviderEmailKind.ASK: WordingKey.PROVIDER_ASK,
            ProviderEmailKind.CONFIRM: WordingKey.PROVIDER_CONFIRM,
            ProviderEmailKind.CANCEL: WordingKey.PROVIDER_CANCEL}
_DOING = {ProviderEmailKind.ASK: "asking for a booking",
          ProviderEmailKind.CONFIRM: "confirming the booking",
          ProviderEmailKind.CANCEL: "cancelling the booking"}
# The email most likely wanted first, for a booking in each status.
_FIRST = {BookingStatus.ASKED: ProviderEmailKind.ASK,
          BookingStatus.CONFIRMED: ProviderEmailKind.CONFIRM,
          BookingStatus.DELIVERED: ProviderEmailKind.CONFIRM,
          BookingStatus.DECLINED: ProviderEmailKind.ASK,
          BookingStatus.CANCELLED: ProviderEmailKind.CANCEL}


def kinds_for(booking: Booking) -> list[ProviderEmailKind]:
    """The three emails, the sensible one for the booking's status first."""
    first = _FIRST[booking.status]
    return [first, *(kind for kind in ProviderEmailKind if kind != first)]


class ProviderEmailError(Exception):
    """The email cannot be sent as given; ``field`` says where ("subject", "body", or "" for
    the page)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- what the wording is filled with -----------------------------------------------------------


def _going_ahead(booking: Booking) -> list[AccessRequest]:
    """The requests the booking covers that are still going ahead, in the order of its items
    (a cancelled, closed or purged request's attendee is not counted or shared)."""
    requests: dict[int, AccessRequest] = {}
    for item in booking.items:
        request = item.request
        if not request.status.is_final and request.purged_at is None:
            requests.setdefault(request.id, request)
    return list(requests.values())


def _team(booking: Booking) -> str:
    teams = {item.request.team.name for item in booking.items if item.request.team is not None}
    return team_signature(teams.pop() if len(teams) == 1 else None)


def _clock(value) -> str:
    return f"{value:%H:%M}"


def wording_values(booking: Booking) -> dict[str, str]:
    """The placeholders of the provider emails, for ``booking``: event, times, provider, what
    is booked (accommodation names only) and for how many; nothing about an attendee."""
    event = booking.event
    zone = event.timezone
    starts, ends = local(event.starts_at, zone), local(event.ends_at, zone)
    count = len(_going_ahead(booking))
    times = []
    if booking.arrival_at is not None:
        times.append(f"arrival {_clock(local(booking.arrival_at, zone))}")
    if booking.starts_at is not None and booking.ends_at is not None:
        times.append(f"{_clock(local(booking.starts_at, zone))} to "
                     f"{_clock(local(booking.ends_at, zone))}")
    elif booking.starts_at is not None:
        times.append(f"from {_clock(local(booking.starts_at, zone))}")
    elif booking.ends_at is not None:
        times.append(f"until {_clock(local(booking.ends_at, zone))}")
    return {
        "event": event.title,
        "event_date": format_long_day(event.starts_at, event.timezone),
        "event_time": f"{_clock(starts)} to {_clock(ends)} {starts.tzname()}",
        "venue": event.where,
        "provider": booking.provider.name,
        "provider_reference": booking.provider_reference or "none yet",
        "booking_times": (", ".join(times) + f" {starts.tzname()}") if times else "to be agreed",
        "needs": ", ".join(sorted({item.accommodation_type.name for item in booking.items})),
        "count": f"{count} attendee{'' if count == 1 else 's'}",
        "team": _team(booking),
    }


def prefilled(booking: Booking, kind: ProviderEmailKind) -> Wording:
    """The subject and message the form starts with: the current wording, filled in."""
    return render_wording(kind.wording_key, wording_values(booking))


# --- what only a tick adds ---------------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeLines:
    """One attendee in the block a tick adds: a heading and (label, value) lines."""
    heading: str
    lines: tuple[tuple[str, str], ...]


def attendee_block(booking: Booking, contacts: bool, needs: bool) -> list[AttendeeLines]:
    """What the ticks add, built from the booking's items: for each attendee still coming,
    their name and contact details (``contacts``) and what they wrote in the details of the
    accommodations this booking covers (``needs``; never "anything else"). Empty when neither
    is ticked."""
    if not (contacts or needs):
        return []
    block = []
    for number, request in enumerate(_going_ahead(booking), start=1):
        lines: list[tuple[str, str]] = []
        if contacts:
            heading = request.attendee_name or request.contact_name
            if request.attendee_name:
                lines.append(("Contact", request.contact_name))
            if request.contact_email:
                lines.append(("Email", request.contact_email))
            if request.contact_phone:
                lines.append(("Phone", request.contact_phone))
            lines.append(("Prefers", request.contact_channel.label))
        else:
            heading = f"Attendee {number}"
        if needs:
            for item in booking.items:
                if item.request_id == request.id:
                    lines.append((item.accommodation_type.name,
                                  " ".join(item.details.split()) or "Nothing written"))
        block.append(AttendeeLines(heading, tuple(lines)))
    return block


def _paragraphs(text: str) -> list[list[str]]:
    """The message as paragraphs of lines, for the HTML part (blank lines part paragraphs)."""
    paragraphs, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


# --- sending -------------------------------------------------------------------------------------


def _opened(recipe: dict) -> tuple[str, str]:
    words = open_words(recipe["words"])
    return words["subject"], words["body"]


def _what_went(kind: ProviderEmailKind, contacts: bool, needs: bool) -> str:
    shared = [words for ticked, words in (
        (contacts, "the attendees' names and contact details"),
        (needs, "what the attendees wrote about their needs")) if ticked]
    return kind.doing + (f", with {' and '.join(shared)}" if shared else "")


def _queue(booking: Booking, actor: StaffUser | None, kind: ProviderEmailKind, subject: str,
           body: str, contacts: bool, needs: bool) -> OutgoingEmail:
    subject = " ".join(subject.split())
    body = body.replace("\r\n", "\n").strip()
    if not booking.provider.email:
        raise ProviderEmailError("", f"{booking.provider.name} has no email address.")
    if not subject:
        raise ProviderEmailError("subject", "Enter the subject")
    if len(subject) > SUBJECT_MAX:
        raise ProviderEmailError("subject",
                                 f"The subject must be {SUBJECT_MAX} characters or fewer")
    if not body:
        raise ProviderEmailError("body", "Enter the message")
    reply_to = reply_base_address()
    email = queue_email(
        TEMPLATE, booking.provider.email,
        recipe={"booking_id": booking.id, "kind": kind.value, "contacts": contacts,
                "needs": needs, "words": seal_words({"subject": subject, "body": body})},
        reply_to=reply_to if "@" in reply_to else None,
        subject_line=subject, paragraphs=_paragraphs(body), message_body=body,
        attendees=attendee_block(booking, contacts, needs), shares_contacts=contacts,
        event=booking.event, event_url=external_url("events.detail", event_id=booking.event_id))
    went = f"Emailed {booking.provider.name} ({booking.provider.email}): " \
           f"{_what_went(kind, contacts, needs)}."
    now = utcnow()
    for request_id in sorted({item.request_id for item in booking.items}):
        db.session.add(HistoryEntry(request_id=request_id, kind=HistoryKind.BOOKING, at=now,
                                    actor=actor, body=f"Booking {booking.id}: {went}"[:4000]))
    return email


def email_provider(booking: Booking, actor: StaffUser, kind: ProviderEmailKind, subject: str,
                   body: str, *, contacts: bool = False, needs: bool = False) -> OutgoingEmail:
    """Queue one email to the booking's provider (``kind``: asking, confirming, cancelling)
    with staff's subject and message, plus, only when ticked, the attendees' names and
    contact details (``contacts``) and what they wrote about the booked accommodations
    (``needs``). Every request the booking covers gets a staff-only history entry saying so.
    Raises ``ProviderEmailError`` (nothing queued); commits."""
    email = _queue(booking, actor, kind, subject, body, contacts, needs)
    db.session.commit()
    return email


@rebuilds(TEMPLATE)
def _rebuild_provider_message(recipe: dict, actor) -> OutgoingEmail:
    booking = db.session.get(Booking, recipe.get("booking_id"))
    if booking is None:
        raise CannotRebuild("The booking this message was about no longer exists.")
    try:
        kind = ProviderEmailKind(recipe.get("kind"))
        subject, body = _opened(recipe)
    except (ValueError, KeyError, TypeError):
        raise CannotRebuild("This message's wording cannot be read any more.") from None
    contacts, needs = bool(recipe.get("contacts")), bool(recipe.get("needs"))
    if (contacts or needs) and any(item.request.purged_at is not None
                                   for item in booking.items):
        raise CannotRebuild("The attendees' details in this message were deleted by the "
                            "retention purge, so it cannot be built again.")
    try:
        return _queue(booking, actor, kind, subject, body, contacts, needs)
    except ProviderEmailError as error:
        raise CannotRebuild(str(error)) from None


# --- the retention purge -----------------------------------------------------------------------


def _expired_provider_emails(now: datetime):
    """Emails to providers about bookings for events that ended over RETENTION_DAYS ago, not
    yet forgotten. They are on no single request, so the requests' purge does not reach them;
    they may carry attendees' names, contacts and words (when staff ticked them)."""
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    bookings = select(Booking.id).join(Event).where(Event.ends_at < cutoff)
    return (OutgoingEmail.template == TEMPLATE,
            OutgoingEmail.recipe["booking_id"].as_integer().in_(bookings),
            OutgoingEmail.to_address != DELETED_ADDRESS)


def provider_emails_due(now: datetime) -> int:
    return db.session.scalar(select(func.count(OutgoingEmail.id))
                             .where(*_expired_provider_emails(now))) or 0


def forget_provider_emails(now: datetime) -> int:
    """The retention purge's part for emails to providers; commits. Returns how many."""
    forgotten = forget_emails(*_expired_provider_emails(now))
    db.session.commit()
    return forgotten
