"""A request for access, what it asks for, and its history."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, event, false, inspect, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..events.deadlines import due_day, late_words, local_day, long_day, tell_by_day
from ..events.models import AccommodationType, Event, EventProvision
from ..extensions import db
from ..i18n.languages import Language, language as language_named
from ..timeutil import utcnow
from .outcomes import ItemOutcome, NeedsMet, OutcomeReason, ShortfallReason
from .states import OPEN_STATUSES, RequestStatus
from .urgency import DUE_SOON_DAYS, DueTag, Urgency, days_left_words

if TYPE_CHECKING:
    from ..auth.models import StaffUser
    from ..notifications.models import OutgoingEmail
    from ..routing.models import Team


class ContactChannel(LabelledEnum):
    """The labels are lazy (the public form and status page show them in the visitor's
    language): ``str()`` one before storing, comparing or putting it into JSON."""

    EMAIL = "email", _l("Email")
    PHONE = "phone", _l("Phone call or text message")
    VIDEO_RELAY = "video_relay", _l("Video relay service")


class ReceivedVia(LabelledEnum):
    """How a request reached us: the public form, or staff recording what came another way."""

    WEB_FORM = "web_form", "Web form"
    PHONE = "phone", "Phone call"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    VIDEO_RELAY = "video_relay", "Video relay call"
    LETTER = "letter", "Letter"
    OTHER = "other", "Other"

    @property
    def phrase(self) -> str:
        """How it came, to follow "Recorded by Ana": "from a phone call"."""
        return _RECEIVED_PHRASES[self]


_RECEIVED_PHRASES = {
    ReceivedVia.WEB_FORM: "through the web form",
    ReceivedVia.PHONE: "from a phone call",
    ReceivedVia.EMAIL: "from an email",
    ReceivedVia.IN_PERSON: "in person",
    ReceivedVia.VIDEO_RELAY: "from a video relay call",
    ReceivedVia.LETTER: "from a letter",
    ReceivedVia.OTHER: "from another channel",
}
# Channels staff may choose when recording a request (the web form records itself).
STAFF_CHANNELS = tuple(c for c in ReceivedVia if c != ReceivedVia.WEB_FORM)


# How long after sending the confirmation page can be reloaded (then: the status page).
CONFIRMATION_SHOWN_FOR = timedelta(hours=1)
# The longest attendee Message-ID kept for threading (a longer one is not threaded on).
MAIL_MESSAGE_ID_MAX = 250

_WAITING_SQL = text("attendee_waiting_since IS NOT NULL")
_OPEN_SQL = text("status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES))))


class AccessRequest(db.Model):
    __tablename__ = "access_request"
    __table_args__ = (
        Index("ix_access_request_status_due_at", "status", "due_at"),
        # The default queue (open requests by due date) reads only the rows it shows, however
        # many finished requests the history holds.
        Index("ix_access_request_open_due_at", "due_at", "id",
              postgresql_where=_OPEN_SQL, sqlite_where=_OPEN_SQL),
        Index("ix_access_request_due_at", "due_at"),
        Index("ix_access_request_created_at", "created_at"),
        # The queue's "Waiting for us" filter (by due date) reads only the requests waiting on
        # staff, a handful however many requests exist.
        Index("ix_access_request_waiting_due_at", "due_at", "id",
              postgresql_where=_WAITING_SQL, sqlite_where=_WAITING_SQL),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Human-friendly, e.g. AR-7KQ3-M2; people quote it on the phone.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus), default=RequestStatus.SUBMITTED
    )
    # Optimistic lock: a save based on an older version is refused.
    version: Mapped[int] = mapped_column(default=1)

    contact_name: Mapped[str] = mapped_column(String(200))
    # Empty when staff recorded the request for someone without an email address.
    contact_email: Mapped[str] = mapped_column(String(254), index=True)
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_channel: Mapped[ContactChannel] = mapped_column(
        str_enum(ContactChannel), default=ContactChannel.EMAIL
    )
    # The attendee agreed that the people running the event may phone them on the day: only
    # then does the run sheet for front of house carry their phone number.
    phone_on_the_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set when the contact asks on behalf of someone else (a parent, an assistant).
    attendee_name: Mapped[str | None] = mapped_column(String(200))
    anything_else: Mapped[str] = mapped_column(Text, default="")
    # How the request reached us; staff record those that came by phone, letter, in person...
    received_via: Mapped[ReceivedVia] = mapped_column(
        str_enum(ReceivedVia), default=ReceivedVia.WEB_FORM, server_default="web_form")
    # False when the attendee asked staff not to email them (or has no email address).
    email_updates: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The language the attendee asked in (a code of i18n.languages.LANGUAGES): every email to
    # them is written in it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)

    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    # The team whose queue holds the request (None: routing found none; every coordinator sees it).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # Event start minus the longest lead time of the requested accommodations.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the attendee writes and nobody in the team has answered or opened the request
    # since (the queue marks it "Attendee replied"); the time of their first unanswered message.
    attendee_waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When personal and access details were deleted under the retention schedule.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After the event, the attendee's answer to "did this meet your needs?", their optional
    # words (deleted by the retention purge) and when they answered (outcomes.py).
    needs_met: Mapped[NeedsMet | None] = mapped_column(str_enum(NeedsMet, 16))
    needs_met_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    needs_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For the reports, which must stay true after the purge (reports/queries.py): whether it
    # was asked for after its due day (``was_late``, fixed when it arrives), when it first
    # became "Arranged", and the main reason it could only be partly arranged or not at all
    # (set with that status, cleared when it goes back to being worked on).
    received_late: Mapped[bool] = mapped_column(default=False, server_default=false())
    first_arranged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shortfall_reason: Mapped[ShortfallReason | None] = mapped_column(
        str_enum(ShortfallReason, 16))

    event: Mapped[Event] = relationship()
    assignee: Mapped[StaffUser | None] = relationship()
    team: Mapped[Team | None] = relationship()
    items: Mapped[list[RequestedAccommodation]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestedAccommodation.id"
    )
    history: Mapped[list[HistoryEntry]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="HistoryEntry.id"
    )
    links: Mapped[list[StatusLink]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<AccessRequest {self.reference} {self.status.value}>"

    @property
    def written_language(self) -> Language:
        """The language the attendee asked in, which their emails are written in."""
        return language_named(self.language)

    @property
    def gets_email(self) -> bool:
        """Whether confirmations and updates are emailed to the attendee."""
        return bool(self.contact_email) and self.email_updates

    @property
    def contact_instead(self) -> str | None:
        """For a request whose attendee gets no email: how staff reach them instead, in plain
        words ("No email updates: contact them by phone on 07700 900 982"); None otherwise."""
        if self.gets_email:
            return None
        phone = self.contact_phone
        if phone and self.contact_channel == ContactChannel.VIDEO_RELAY:
            how = f"video relay on {phone}"
        elif phone:
            how = f"phone or text message on {phone}"
        else:
            how = f"the way they came to us ({self.received_via.label.lower()})"
        return f"No email updates: contact them by {how}."

    @property
    def attendee_actions_closed_reason(self) -> str | None:
        """Why the attendee can no longer message or cancel, in plain words; None while they
        can. The one rule for the status page, its forms and the services behind them."""
        if self.status == RequestStatus.CANCELLED:
            return _("This request is already cancelled. Nothing more needs to be done, so you "
                     "cannot send messages about it. If you need something after all, make a "
                     "new request while the event still takes them.")
        if self.status.is_final:
            return _("This request is finished, so you cannot send messages about it or cancel "
                     "it. If you need anything else, make a new request.")
        if self.event.has_ended():
            return _("This event has ended, so you can no longer send a message or cancel this "
                     "request here. You can still read it on this page until its details are "
                     "deleted. To reach the access team, reply to any email we sent you.")
        return None

    def can_answer_needs_met(self, now: datetime | None = None) -> bool:
        """After the event, the attendee may say whether it met their needs (and change their
        answer) while the request went ahead and its details are kept."""
        return (self.event.has_ended(now) and self.status != RequestStatus.CANCELLED
                and self.purged_at is None)

    @property
    def can_cancel(self) -> bool:
        return self.attendee_actions_closed_reason is None

    @property
    def can_add_message(self) -> bool:
        return self.attendee_actions_closed_reason is None

    def shows_confirmation(self, now: datetime | None = None) -> bool:
        """Whether "Request sent" may still be shown: only just after sending, while nothing
        has happened to the request yet."""
        fresh = (now or utcnow()) - self.created_at < CONFIRMATION_SHOWN_FOR
        return fresh and self.status == RequestStatus.SUBMITTED

    @property
    def due_day(self) -> date:
        """The last day to ask for all of it, in the event's timezone: the day the attendee
        was told on the event page and the form (events/deadlines.py)."""
        return local_day(self.due_at, self.event.timezone)

    def days_left(self, now: datetime | None = None) -> int:
        """Days from today to the due day in the event's timezone (negative once passed)."""
        return (self.due_day - local_day(now or utcnow(), self.event.timezone)).days

    @property
    def asked_on(self) -> date:
        return local_day(self.created_at, self.event.timezone)

    @property
    def was_late(self) -> bool:
        """Asked for after the end of its due day: less notice than the requested
        accommodations usually need. Accepted all the same, and flagged."""
        return self.asked_on > self.due_day

    @property
    def late_kinds(self) -> list[AccommodationType]:
        """The accommodations asked for after their own due day."""
        tz = self.event.timezone
        return [item.accommodation_type for item in self.items
                if self.asked_on > due_day(self.event.starts_at,
                                           item.accommodation_type.lead_time_days, tz)]

    @property
    def late_note(self) -> str | None:
        """The kind, plain note a late request shows its attendee (confirmation and status
        page, while it is open); None when it was asked for in time."""
        if not self.was_late:
            return None
        kinds = late_words(self.late_kinds)
        # When they hear back (events/deadlines.tell_by_day), in whole sentences: word order
        # differs between languages.
        tell_by = tell_by_day(self.asked_on,
                              local_day(self.event.starts_at, self.event.timezone))
        if tell_by and kinds:
            return _("This is less notice than we usually need for %(kinds)s, but we will try. "
                     "We will tell you by %(day)s what we can arrange.",
                     kinds=kinds, day=long_day(tell_by))
        if tell_by:
            return _("This is less notice than we usually need, but we will try. We will tell "
                     "you by %(day)s what we can arrange.", day=long_day(tell_by))
        if kinds:
            return _("This is less notice than we usually need for %(kinds)s, but we will try. "
                     "We will tell you before the event starts what we can arrange.",
                     kinds=kinds)
        return _("This is less notice than we usually need, but we will try. We will tell you "
                 "before the event starts what we can arrange.")

    @property
    def joining_link(self) -> str:
        """The event's online joining link for this request's attendee: "" once the request is
        cancelled (or its details deleted), or when the event has none."""
        if self.status == RequestStatus.CANCELLED or self.purged_at is not None:
            return ""
        return self.event.joining_link

    @property
    def already_provided(self) -> list[tuple[RequestedAccommodation, EventProvision]]:
        """Each accommodation asked for that the event already provides to everyone, with the
        provision: the attendee is told at once (the request still reaches staff)."""
        pairs = [(item, self.event.provision_for(item.accommodation_type_id))
                 for item in self.items]
        return [(item, provision) for item, provision in pairs if provision is not None]

    def urgency(self, now: datetime | None = None) -> Urgency | None:
        """The level of the tag staff see beside the due date (None: on track, or no longer
        open). ``due_tag`` gives the words for every open request."""
        now = now or utcnow()
        if not self.status.is_open:
            return None
        if now >= self.event.starts_at:
            return Urgency.EVENT_STARTED
        if self.event.starts_at_short_notice(now):
            return Urgency.SHORT_NOTICE
        if self.was_late:
            return Urgency.AT_RISK
        days_left = self.days_left(now)
        if days_left < 0:
            return Urgency.OVERDUE
        if days_left <= DUE_SOON_DAYS:
            return Urgency.DUE_SOON
        return None

    def due_tag(self, now: datetime | None = None) -> DueTag | None:
        """The due date in words for staff, for every open request (None once it is not
        open), with the same due day the attendee was told."""
        now = now or utcnow()
        level = self.urgency(now)
        if not self.status.is_open:
            return None
        if level in (Urgency.EVENT_STARTED, Urgency.SHORT_NOTICE):
            return DueTag(level, level.label)
        if level is Urgency.AT_RISK:
            tell_by = tell_by_day(self.asked_on,
                                  local_day(self.event.starts_at, self.event.timezone))
            answer = (f"answer by {tell_by:%a} {tell_by.day} {tell_by:%b %Y}" if tell_by
                      else "answer before the event")
            short = (f"Late: answer by {tell_by.day} {tell_by:%b}" if tell_by
                     else "Late: answer before the event")
            return DueTag(level, f"{level.label}: {answer}", short)
        return DueTag(level, days_left_words(self.days_left(now)))

    @property
    def public_history(self) -> list[HistoryEntry]:
        return [h for h in self.history if h.is_public]


class StatusSetOutsideTransition(RuntimeError):
    """Code assigned a request's status directly instead of calling
    ``requests.services.transition_to``, which checks the move and records it."""


# Set only while requests.services.transition_to moves a request: the one guarded path.
_transition_running: ContextVar[bool] = ContextVar("transition_running", default=False)


@contextmanager
def status_may_change() -> Iterator[None]:
    """Lets ``AccessRequest.status`` be assigned. Only ``requests.services.transition_to`` opens
    it (tests/test_status_guard.py checks that no other code does)."""
    token = _transition_running.set(True)
    try:
        yield
    finally:
        _transition_running.reset(token)


@event.listens_for(AccessRequest.status, "set")
def _refuse_status_outside_transition(target, value, _oldvalue, _initiator):
    if _transition_running.get():
        return
    # The one other legitimate place: a new request, not yet saved, starts as submitted.
    if not inspect(target).has_identity and value == RequestStatus.SUBMITTED:
        return
    raise StatusSetOutsideTransition(
        f"Request {target.reference}: a status changes only through "
        "requests.services.transition_to")


class RequestedAccommodation(db.Model):
    __tablename__ = "requested_accommodation"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    accommodation_type_id: Mapped[int] = mapped_column(
        ForeignKey("accommodation_type.id"), index=True
    )
    # The per-type answer, e.g. "BSL" for sign language; optional.
    details: Mapped[str] = mapped_column(Text, default="")
    # Staff's words for how it is met without a booking ("seat A12 kept", "hall loop tested");
    # with a confirmed booking, what lets "Arranged" be set.
    met_by: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # After the event: what happened (None: not recorded yet), why when it was not (fully)
    # delivered, staff's words (deleted by the retention purge), who recorded it and when.
    outcome: Mapped[ItemOutcome | None] = mapped_column(str_enum(ItemOutcome, 16))
    outcome_reason: Mapped[OutcomeReason | None] = mapped_column(str_enum(OutcomeReason, 32))
    outcome_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))

    request: Mapped[AccessRequest] = relationship(back_populates="items")
    accommodation_type: Mapped[AccommodationType] = relationship()
    outcome_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<RequestedAccommodation {self.request_id}:{self.accommodation_type_id}>"


class StatusLink(db.Model):
    """A private link to a request's status page; every attendee email carries a fresh one.

    Only the SHA-256 of the token is stored, so a database copy cannot open any request.
    """

    __tablename__ = "status_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[AccessRequest] = relationship(back_populates="links")

    def __repr__(self) -> str:
        return f"<StatusLink {self.id} for {self.request_id}>"


class HistoryKind(enum.StrEnum):
    SUBMITTED = "submitted"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    STAFF_REPLY = "staff_reply"  # public, emailed to the attendee
    ATTENDEE_MESSAGE = "attendee_message"
    NOTE = "note"  # internal, never shown or emailed to the attendee
    EMAIL_QUEUED = "email_queued"
    EMAIL_SKIPPED = "email_skipped"  # internal: the attendee gets no email; staff tell them
    PURGED = "purged"
    ROUTED = "routed"  # internal: which team got the request, or moved it, and why
    # Internal, from email that came in (accessreq/inbound): the attendee's address bounced; an
    # automatic reply (out of office) came; an email came when the request could no longer
    # take messages (kept, not acted on).
    EMAIL_BOUNCED = "email_bounced"
    AUTO_REPLY = "auto_reply"
    EMAIL_NOT_ACTIONED = "email_not_actioned"
    # Internal: staff corrected the attendee's email address after a bounce (old -> new).
    EMAIL_CORRECTED = "email_corrected"
    # Internal: staff attached an email from the inbox that is not the attendee's own message
    # (from another address, or the request could no longer take messages).
    EMAIL_ATTACHED = "email_attached"
    # Internal: a booking covering the request's accommodations changed, or staff noted how an
    # accommodation is met without one (accessreq/arranging).
    BOOKING = "booking"
    # Internal: staff recorded what happened to the accommodations after the event.
    OUTCOME = "outcome"
    # Public and emailed: after the event, a follow-up for what was not delivered (an apology,
    # a captioned recording, a transcript), from a wording staff can edit.
    FOLLOW_UP = "follow_up"
    # The attendee answered "did this meet your needs?" on their status page.
    NEEDS_MET = "needs_met"


PUBLIC_KINDS = frozenset(
    {HistoryKind.SUBMITTED, HistoryKind.STATUS_CHANGED, HistoryKind.STAFF_REPLY,
     HistoryKind.ATTENDEE_MESSAGE, HistoryKind.FOLLOW_UP, HistoryKind.NEEDS_MET}
)


class HistoryEntry(db.Model):
    """One thing that happened to a request; nothing is edited or deleted in place."""

    __tablename__ = "history_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[HistoryKind] = mapped_column(str_enum(HistoryKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when the attendee or the system acted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    from_status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus))
    to_status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus))
    # For ASSIGNED: who the request was given to (None: unassigned).
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # Message text: public for replies and status changes, internal for notes.
    body: Mapped[str] = mapped_column(Text, default="")
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_email.id", ondelete="SET NULL")
    )
    # The email this entry came from (an attendee's reply by email, a bounce...): staff open
    # the full original from it.
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="SET NULL"), index=True
    )
    # For an attendee message that came by email: that email's Message-ID, so our next email
    # to the attendee threads under it (In-Reply-To). Kept here because this package does not
    # read the inbound package's tables; cleared by the retention purge.
    mail_message_id: Mapped[str | None] = mapped_column(String(MAIL_MESSAGE_ID_MAX))

    request: Mapped[AccessRequest] = relationship(back_populates="history")
    actor: Mapped[StaffUser | None] = relationship(foreign_keys=[actor_id])
    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id])
    email: Mapped[OutgoingEmail | None] = relationship()

    def __repr__(self) -> str:
        return f"<HistoryEntry {self.request_id} {self.kind.value}>"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_KINDS

    @property
    def actor_label(self) -> str:
        if self.actor is not None:
            return self.actor.name
        if self.kind in (HistoryKind.SUBMITTED, HistoryKind.ATTENDEE_MESSAGE,
                         HistoryKind.NEEDS_MET):
            return "Attendee"
        if self.cancelled_by_attendee:
            return "Attendee"
        return "System"

    @property
    def cancelled_by_attendee(self) -> bool:
        """The attendee cancelled the request themselves (no staff member made this change)."""
        return (self.kind == HistoryKind.STATUS_CHANGED
                and self.to_status == RequestStatus.CANCELLED and self.actor_id is None)

    @property
    def routing(self) -> RoutingNote | None:
        """For a ROUTED entry: where the request went, and the lines that explain it."""
        if self.kind != HistoryKind.ROUTED:
            return None
        headline, *details = (self.body or "").split("\n")
        return RoutingNote(headline=headline, details=tuple(details))


@dataclass(frozen=True)
class RoutingNote:
    """A routing history entry, split for display: ``headline`` ("Moved from A to B") and the
    ``details`` under it ("Reason: …", who was unassigned). Stored as lines of one text body."""

    headline: str
    details: tuple[str, ...] = ()


class StatusCount(db.Model):
    """How many requests each team has in each status, kept by the services in the same
    transaction as every change, so the queue's counts cost one tiny read at any size."""

    __tablename__ = "request_status_count"

    # The team's id, or 0 for requests no team holds (0 rather than NULL: it is in the key).
    team_key: Mapped[int] = mapped_column(primary_key=True, default=0)
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<StatusCount {self.team_key}:{self.status.value}={self.count}>"


class AccessLogEntry(db.Model):
    """Who looked at a request's health data, and when (GDPR Art. 9 accountability)."""

    __tablename__ = "access_log"
    __table_args__ = (
        # "Has this person seen this request in the last ten minutes?" (one view per person per
        # request per ten minutes), and the admin log filtered by staff member.
        Index("ix_access_log_staff_id_request_id_action_at", "staff_id", "request_id", "action",
              "at"),
        # The admin log, newest first.
        Index("ix_access_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when an API client read the request (``client_name`` says which).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32), default="view")
    # The API client's name, kept as text so the log outlives the client (accessreq/api).
    client_name: Mapped[str | None] = mapped_column(String(100))

    staff: Mapped[StaffUser | None] = relationship()
    access_request: Mapped[AccessRequest] = relationship()

    def __repr__(self) -> str:
        return f"<AccessLogEntry {self.staff_id} {self.request_id} {self.action}>"
