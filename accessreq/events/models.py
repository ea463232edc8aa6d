"""Events people can ask for access to, and the catalogue of accommodations offered."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import UTCDateTime
from ..extensions import db
from ..timeutil import format_when, utcnow
from .deadlines import AskBy, ask_by

if TYPE_CHECKING:
    from ..routing.models import Organisation

# Under this much notice before an event starts the team cannot promise anything (DOMAIN.md):
# the event page warns the attendee and the staff queue tags the request.
SHORT_NOTICE = timedelta(hours=48)


def short_notice_hours() -> int:
    """SHORT_NOTICE in whole hours, for the words people read ("less than 48 hours")."""
    return SHORT_NOTICE // timedelta(hours=1)


def where_words(venue: str, is_online: bool) -> str:
    """Where an event happens, as people read it: "Main Hall", "Main Hall and online",
    "Online"."""
    if venue and is_online:
        return _("%(venue)s and online", venue=venue)
    # Translators: where an event happens, when it has no venue
    return venue or _("Online")


class RequestsClosed(enum.StrEnum):
    """Why an event is not taking access requests on this site (see Event.requests_closed)."""

    ENDED = "ended"
    STARTED = "started"
    NO_TYPES = "no_types"  # nothing in the catalogue is offered for it
    CLOSED = "closed"  # closed by hand (an admin turned requests off)
    DEADLINE_PASSED = "deadline_passed"  # its closing date for online requests has passed
    CANCELLED = "cancelled"  # the event itself is cancelled

    @property
    def event_started(self) -> bool:
        return self in (RequestsClosed.ENDED, RequestsClosed.STARTED)

    @property
    def event_cancelled(self) -> bool:
        return self is RequestsClosed.CANCELLED

event_accommodations = Table(
    "event_accommodation",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "accommodation_type_id",
        ForeignKey("accommodation_type.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class AccommodationType(db.Model):
    """One entry of the catalogue, e.g. 'Sign language interpretation'."""

    __tablename__ = "accommodation_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Days of notice the team usually needs to arrange it; drives each request's due date.
    lead_time_days: Mapped[int] = mapped_column(default=0)
    # When set, the form shows a details field with this label for this accommodation.
    details_label: Mapped[str | None] = mapped_column(String(200))
    details_hint: Mapped[str | None] = mapped_column(String(300))
    # Inactive types stay on old requests but are no longer offered.
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<AccommodationType {self.id} {self.name!r}>"


class Event(db.Model):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # IANA name; times are shown to people in the event's own timezone.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # Empty for an online-only event.
    venue: Mapped[str] = mapped_column(String(300), default="")
    is_online: Mapped[bool] = mapped_column(default=False)
    # The https link registered attendees join by (online or hybrid events); "" when none.
    # Never on the public pages: it goes in attendees' calendar files and status pages.
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # Anything else about access, in the admin's words; what everyone gets without asking is
    # listed as structured provisions (EventProvision).
    access_provided: Mapped[str] = mapped_column(Text, default="")
    # Last moment requests are taken; None means until the event starts.
    requests_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requests_open: Mapped[bool] = mapped_column(default=True)
    # Set when an admin cancels the event (triage.event_cancelling), with the reason attendees
    # read; a cancelled event takes no requests.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The host; None on events made before organisations existed (routing then uses the
    # default organisation, the first one created).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)

    organisation: Mapped[Organisation | None] = relationship()
    cosponsors: Mapped[list[Organisation]] = relationship(secondary="event_cosponsor",
                                                          order_by="Organisation.name")
    accommodation_types: Mapped[list[AccommodationType]] = relationship(
        secondary=event_accommodations, order_by="AccommodationType.position"
    )
    # What everyone at the event gets without asking, in the admin's order.
    provisions: Mapped[list[EventProvision]] = relationship(
        back_populates="event", order_by="(EventProvision.position, EventProvision.id)",
        cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"

    @property
    def request_deadline(self) -> datetime:
        return self.requests_close_at or self.starts_at

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def accepts_requests(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.requests_open and not self.is_cancelled and now < self.request_deadline

    def requests_closed(self, now: datetime | None = None) -> RequestsClosed | None:
        """Why people cannot ask for access to this event here now; None while they can.
        The one rule behind the event page, the request form and the closed page."""
        now = now or utcnow()
        if self.accepts_requests(now) and self.offered_types:
            return None
        if self.is_cancelled:
            return RequestsClosed.CANCELLED
        if now >= self.starts_at:
            return RequestsClosed.ENDED if self.has_ended(now) else RequestsClosed.STARTED
        if not self.offered_types:
            return RequestsClosed.NO_TYPES
        if not self.requests_open:
            return RequestsClosed.CLOSED
        return RequestsClosed.DEADLINE_PASSED

    def requests_closed_words(self, reason: RequestsClosed) -> str:
        """Why requests cannot be made here, in one sentence: the same words on the event
        page and on the form's closed page."""
        if reason is RequestsClosed.CANCELLED:
            return _("This event is cancelled, so access requests cannot be made for it.")
        if reason is RequestsClosed.ENDED:
            return _("This event has already taken place, so access requests cannot be made for "
                     "it here.")
        if reason is RequestsClosed.STARTED:
            return _("This event has already started, so access requests cannot be made for it "
                     "here.")
        if reason is RequestsClosed.NO_TYPES:
            return _("Access requests for this event cannot be made online.")
        if reason is RequestsClosed.CLOSED:
            return _("The organisers have closed online access requests for this event.")
        return _("Online access requests for this event closed on %(when)s.",
                 when=format_when(self.request_deadline, self.timezone))

    def ask_by_dates(self, now: datetime | None = None) -> list[AskBy]:
        """For each kind of help offered, the last day to ask, with the words attendees read."""
        now = now or utcnow()
        return [ask_by(self, kind, now) for kind in self.offered_types]

    def takes_requests(self, now: datetime | None = None) -> bool:
        """Open for requests and offering at least one accommodation."""
        return self.requests_closed(now) is None

    def starts_at_short_notice(self, now: datetime | None = None) -> bool:
        """Not started yet, but starting within SHORT_NOTICE."""
        return timedelta(0) < self.starts_at - (now or utcnow()) < SHORT_NOTICE

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.ends_at

    @property
    def where(self) -> str:
        return where_words(self.venue, self.is_online)

    @property
    def joining_link(self) -> str:
        """The link to join online, for registered attendees only; "" when there is none."""
        return self.online_url if self.is_online else ""

    @property
    def offered_types(self) -> list[AccommodationType]:
        return [t for t in self.accommodation_types if t.active]

    def provision_for(self, type_id: int) -> EventProvision | None:
        """The provision that gives everyone this catalogue accommodation, if there is one."""
        return next((p for p in self.provisions if p.accommodation_type_id == type_id), None)

    def due_at_for(self, types: list[AccommodationType]) -> datetime:
        """Event start minus the longest lead time among the requested types."""
        longest = max((t.lead_time_days for t in types), default=0)
        return self.starts_at - timedelta(days=longest)


class EventProvision(db.Model):
    """Something everyone at an event gets without asking: a catalogue accommodation (human
    captioning on the screen) or something not in the catalogue ("Hearing loop")."""

    __tablename__ = "event_provision"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # Set when the provision is a catalogue accommodation: a request for it is then told it
    # is already provided, and staff count it as covered.
    accommodation_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("accommodation_type.id", ondelete="SET NULL"), index=True)
    # The catalogue entry's name when there is one (as it was when added), else the admin's.
    name: Mapped[str] = mapped_column(String(120))
    # Where or how, e.g. "Captions on the screen left of the stage"; may be empty.
    how: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="provisions")
    accommodation_type: Mapped[AccommodationType | None] = relationship()

    def __repr__(self) -> str:
        return f"<EventProvision {self.id} {self.name!r} event={self.event_id}>"

    @property
    def words(self) -> str:
        """"Hearing loop: in rows A to F", or the name alone."""
        return f"{self.name}: {self.how}" if self.how else self.name

    @property
    def covered_words(self) -> str:
        """How staff read an accommodation it covers: "Provided for everyone: <how>"."""
        return f"Provided for everyone: {self.how}" if self.how else "Provided for everyone"
