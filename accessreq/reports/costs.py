"""What the bookings covering the report's requests cost, per event and per accommodation:
what was paid, or else the estimate; nothing for a booking the provider declined, and only a
fee actually paid for one we cancelled. Grouped queries, like the rest of the report."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.sql.expression import ColumnElement

from ..arranging.models import Booking, BookingStatus, booking_item
from ..events.models import AccommodationType, Event
from ..extensions import db
from ..requests.models import AccessRequest, RequestedAccommodation


def _booking_cost():
    """What a booking cost: what was paid, else the estimate; nothing for one the provider
    declined, and only a fee actually paid for one we cancelled."""
    return case(
        (Booking.status == BookingStatus.DECLINED, None),
        (Booking.status == BookingStatus.CANCELLED, Booking.actual_cost),
        else_=func.coalesce(Booking.actual_cost, Booking.estimated_cost))


def _counted_bookings(conditions: Sequence[ColumnElement[bool]]):
    """Bookings covering at least one accommodation of the requests the report counts."""
    covered = (select(booking_item.c.booking_id)
               .join(RequestedAccommodation,
                     RequestedAccommodation.id == booking_item.c.item_id)
               .join(AccessRequest, AccessRequest.id == RequestedAccommodation.request_id)
               .where(*conditions))
    return Booking.id.in_(covered)


def cost_by_event(conditions: Sequence[ColumnElement[bool]]) -> list[tuple[str, Decimal]]:
    cost = func.sum(_booking_cost())
    rows = db.session.execute(
        select(Event.title, Event.starts_at, cost)
        .join(Event, Event.id == Booking.event_id)
        .where(_counted_bookings(conditions))
        .group_by(Event.id, Event.title, Event.starts_at)
        .having(cost.is_not(None))
        .order_by(Event.starts_at, Event.title)).all()
    return [(f"{title} ({starts_at:%d %b %Y})", _money(amount))
            for title, starts_at, amount in rows]


def cost_by_accommodation(conditions: Sequence[ColumnElement[bool]]
                          ) -> list[tuple[str, Decimal]]:
    """Each booking's cost shared equally between the accommodation types it covers."""
    pairs = (select(booking_item.c.booking_id.label("booking_id"),
                    RequestedAccommodation.accommodation_type_id.label("type_id"))
             .join(RequestedAccommodation, RequestedAccommodation.id == booking_item.c.item_id)
             .distinct().subquery())
    shares = (select(pairs.c.booking_id, func.count().label("types"))
              .group_by(pairs.c.booking_id).subquery())
    cost = func.sum(cast(_booking_cost(), Float) / shares.c.types)
    rows = db.session.execute(
        select(AccommodationType.name, cost)
        .select_from(pairs)
        .join(shares, shares.c.booking_id == pairs.c.booking_id)
        .join(Booking, Booking.id == pairs.c.booking_id)
        .join(AccommodationType, AccommodationType.id == pairs.c.type_id)
        .where(_counted_bookings(conditions))
        .group_by(AccommodationType.id, AccommodationType.name)
        .having(cost.is_not(None))
        .order_by(cost.desc(), AccommodationType.name)).all()
    return [(name, _money(amount)) for name, amount in rows]


def _money(amount) -> Decimal:
    return Decimal(str(amount)).quantize(Decimal("0.01"))
