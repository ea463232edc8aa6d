"""Providers (the agencies and freelancers an access team books) and bookings: one provider
for one event, covering requested accommodations of one or more requests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (Boolean, Column, ForeignKey, Integer, Numeric, String, Table, Text,
                        true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..extensions import db
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..events.models import Event
    from ..requests.models import RequestedAccommodation


class ProviderKind(LabelledEnum):
    SIGN_LANGUAGE = "sign_language", "Sign language interpreting"
    CAPTIONING = "captioning", "CART / live captioning"
    AUDIO_DESCRIPTION = "audio_description", "Audio description"
    PRINT_BRAILLE = "print_braille", "Print and braille"
    EQUIPMENT = "equipment", "Equipment hire"
    OTHER = "other", "Other"


class Provider(db.Model):
    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProviderKind] = mapped_column(str_enum(ProviderKind, 32), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The usual cancellation terms in the provider's words ("free until 48 h before; half the
    # fee after"), and the hours before an event's start until which cancelling is free (None:
    # not known), from which a booking's cancellation deadline is computed.
    cancellation_terms: Mapped[str] = mapped_column(String(300), default="")
    free_cancellation_hours: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    # An inactive provider stays on the bookings it had but is not offered for new ones.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Provider {self.id} {self.name!r}>"


class BookingStatus(LabelledEnum):
    ASKED = "asked", "Asked"
    CONFIRMED = "confirmed", "Confirmed"
    DELIVERED = "delivered", "Delivered"
    DECLINED = "declined", "Declined by the provider"
    CANCELLED = "cancelled", "Cancelled by us"


# Where a booking may go from each status; a declined or cancelled booking is kept as a record.
BOOKING_MOVES: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.ASKED: frozenset({BookingStatus.CONFIRMED, BookingStatus.DECLINED,
                                    BookingStatus.CANCELLED}),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.DELIVERED, BookingStatus.CANCELLED}),
    BookingStatus.DELIVERED: frozenset(),
    BookingStatus.DECLINED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
}
# A booking in one of these covers its accommodations ("Arranged" may be set).
COVERING = frozenset({BookingStatus.CONFIRMED, BookingStatus.DELIVERED})
# Still going ahead: an attendee's cancellation of a covered accommodation flags it.
LIVE = frozenset({BookingStatus.ASKED, BookingStatus.CONFIRMED})

booking_item = Table(
    "booking_item", db.metadata,
    Column("booking_id", ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("requested_accommodation.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)


class Booking(db.Model):
    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, 16),
                                                  default=BookingStatus.ASKED)
    # The provider's own reference for the job, to quote when writing to them.
    provider_reference: Mapped[str] = mapped_column(String(100), default="")
    arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimated_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    actual_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # Until when cancelling costs nothing: worked out from the provider's free-cancellation
    # hours and the event's start when the booking is made; staff may change it.
    cancellation_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Why staff must look at it now ("AR-… was cancelled: cancel before … to avoid the fee"),
    # set when an attendee cancels a request it covers; cleared when staff save the booking.
    attention: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    provider: Mapped[Provider] = relationship()
    event: Mapped[Event] = relationship()
    items: Mapped[list[RequestedAccommodation]] = relationship(
        secondary=booking_item, order_by="RequestedAccommodation.id")

    @property
    def covers(self) -> bool:
        return self.status in COVERING

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.status.value}>"
