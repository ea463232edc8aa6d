"""Changing providers and bookings: one function for each change. Every change to a booking
is told in the history of each request it covers (staff only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..auth.models import StaffUser
from ..events.models import Event
from ..extensions import db
from ..requests.models import AccessRequest, HistoryEntry, HistoryKind, RequestedAccommodation
from ..requests.signals import request_cancelled
from ..timeutil import format_short, utcnow
from .models import (BOOKING_MOVES, LIVE, Booking, BookingStatus, Provider, ProviderKind,
                     booking_item)


class ProviderError(Exception):
    """A provider cannot be saved as given; the message is for the person, beside the name."""


@dataclass(frozen=True)
class ProviderDetails:
    name: str
    kind: ProviderKind
    email: str = ""
    phone: str = ""
    cancellation_terms: str = ""
    free_cancellation_hours: int | None = None
    notes: str = ""
    active: bool = True


def save_provider(provider: Provider | None, details: ProviderDetails) -> Provider:
    """Create (``provider`` None) or update a provider; commits. Two providers of one kind may
    not share a name (case aside): a list with two "Signs Ltd" interpreters invites the wrong
    booking."""
    same = [func.lower(Provider.name) == details.name.lower(), Provider.kind == details.kind]
    if provider is not None:
        same.append(Provider.id != provider.id)
    taken = db.session.scalar(select(Provider.id).where(*same).limit(1))
    if taken is not None:
        raise ProviderError(f"There is already a {details.kind.label.lower()} provider called "
                            f"{details.name}: edit that one, or tell them apart in the name")
    if provider is None:
        provider = Provider()
        db.session.add(provider)
    for key, value in vars(details).items():
        setattr(provider, key, value)
    db.session.commit()
    return provider


# --- bookings ------------------------------------------------------------------------------------


class BookingError(Exception):
    """A booking cannot be saved as given; the message is for the person."""


@dataclass(frozen=True)
class BookingDetails:
    provider: Provider
    items: list[RequestedAccommodation]
    provider_reference: str = ""
    arrival_at: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    estimated_cost: Decimal | None = None
    actual_cost: Decimal | None = None
    cancellation_deadline_at: datetime | None = None  # None: worked out from the provider
    notes: str = ""


def default_deadline(provider: Provider, event: Event) -> datetime | None:
    """The last moment cancelling is free: the provider's free-cancellation hours before the
    event's start (None when their terms are not known)."""
    if provider.free_cancellation_hours is None:
        return None
    return event.starts_at - timedelta(hours=provider.free_cancellation_hours)


def _item_names(items) -> str:
    names = sorted({item.accommodation_type.name for item in items})
    return ", ".join(names) if names else "nothing"


def _tell_requests(items, actor: StaffUser, text_for) -> None:
    """One staff-only history entry on each request whose items are in ``items``:
    ``text_for(that request's items)``."""
    by_request: dict[int, list] = {}
    for item in items:
        by_request.setdefault(item.request_id, []).append(item)
    now = utcnow()
    for request_id, its_items in by_request.items():
        db.session.add(HistoryEntry(request_id=request_id, kind=HistoryKind.BOOKING, at=now,
                                    actor=actor, body=text_for(its_items)[:4000]))


def _check(event: Event, details: BookingDetails) -> None:
    if not details.items:
        raise BookingError("Choose at least one requested accommodation the booking covers")
    if any(item.request.event_id != event.id for item in details.items):
        raise BookingError("A booking covers accommodations for its own event only")
    if details.starts_at and details.ends_at and details.ends_at <= details.starts_at:
        raise BookingError("The end time must be after the start time")


def create_booking(event: Event, actor: StaffUser, details: BookingDetails) -> Booking:
    """Ask a provider for one event, for the chosen accommodations (of one or more requests);
    each request's history says so. Commits."""
    _check(event, details)
    booking = Booking(event=event, status=BookingStatus.ASKED)
    _apply(booking, event, details)
    db.session.add(booking)
    db.session.flush()
    _tell_requests(details.items, actor, lambda items: (
        f"Booking {booking.id}: {details.provider.name} asked for {_item_names(items)}."))
    db.session.commit()
    return booking


def _apply(booking: Booking, event: Event, details: BookingDetails) -> None:
    booking.provider = details.provider
    booking.items = list(details.items)
    booking.provider_reference = details.provider_reference
    booking.arrival_at, booking.starts_at, booking.ends_at = (
        details.arrival_at, details.starts_at, details.ends_at)
    booking.estimated_cost, booking.actual_cost = details.estimated_cost, details.actual_cost
    booking.cancellation_deadline_at = (details.cancellation_deadline_at
                                        or default_deadline(details.provider, event))
    booking.notes = details.notes


def update_booking(booking: Booking, actor: StaffUser, details: BookingDetails,
                   status: BookingStatus) -> Booking:
    """Save a booking's changes and its move to ``status`` (if any): the requests it covers,
    covered before or now, hear what changed. Saving it is looking at it: a flag is cleared.
    Commits."""
    if status != booking.status and status not in BOOKING_MOVES[booking.status]:
        raise BookingError(f"A booking that is “{booking.status.label}” cannot become "
                           f"“{status.label}”")
    _check(booking.event, details)
    before, old_status = list(booking.items), booking.status
    _apply(booking, booking.event, details)
    booking.status = status
    booking.attention = ""
    added = [item for item in details.items if item not in before]
    removed = [item for item in before if item not in details.items]
    name = details.provider.name
    if added:
        _tell_requests(added, actor, lambda items: (
            f"Booking {booking.id} with {name} ({status.label.lower()}) now covers "
            f"{_item_names(items)}."))
    if removed:
        _tell_requests(removed, actor, lambda items: (
            f"Booking {booking.id} with {name} no longer covers {_item_names(items)}."))
    if status != old_status:
        kept = [item for item in details.items if item not in added]
        _tell_requests(kept, actor, lambda items: (
            f"Booking {booking.id} with {name} for {_item_names(items)}: "
            f"{old_status.label.lower()} → {status.label.lower()}."))
    db.session.commit()
    return booking


def set_met_by(item: RequestedAccommodation, actor: StaffUser, text: str) -> None:
    """Record (or, with "", take back) how an accommodation is met without a booking; the
    request's history says so. Commits."""
    text = " ".join(text.split())[:300]
    if text == item.met_by:
        return
    item.met_by = text
    name = item.accommodation_type.name
    _tell_requests([item], actor, lambda _items: (
        f"{name}: met without a booking — {text}" if text else
        f"{name}: no longer noted as met without a booking."))
    db.session.commit()


def flag_bookings_of_cancelled(access_request: AccessRequest) -> None:
    """The attendee cancelled: every booking still going ahead that covers their
    accommodations is flagged, with the deadline to cancel it free of charge or the other
    requests that still need it, and the request's history says the same (staff only). In
    the cancellation's transaction; no commit."""
    item_ids = [item.id for item in access_request.items]
    if not item_ids:
        return
    bookings = db.session.scalars(
        select(Booking).join(booking_item).where(booking_item.c.item_id.in_(item_ids),
                                                 Booking.status.in_(LIVE))
        .order_by(Booking.id).distinct()).all()
    for booking in bookings:
        others = {item.request.reference for item in booking.items
                  if item.request_id != access_request.id
                  and not item.request.status.is_final}
        words = attention_words(access_request.reference, booking, others)
        booking.attention = (f"{booking.attention} {words}" if booking.attention
                             else words)[-500:]
        db.session.add(HistoryEntry(request_id=access_request.id, kind=HistoryKind.BOOKING,
                                    at=utcnow(), body=f"Booking {booking.id}: {words}"))


def flag_bookings_of_cancelled_event(event: Event) -> list[Booking]:
    """The event is cancelled: every booking of it still going ahead is flagged for staff with
    the deadline to cancel it free of charge. In the cancellation's transaction; no commit.
    Returns the bookings flagged."""
    bookings = list(db.session.scalars(
        select(Booking).where(Booking.event_id == event.id, Booking.status.in_(LIVE))
        .order_by(Booking.id)))
    for booking in bookings:
        words = f"Event cancelled — cancel with {booking.provider.name}{_deadline_words(booking)}"
        booking.attention = (f"{booking.attention} {words}" if booking.attention
                             else words)[-500:]
    return bookings


def _deadline_words(booking: Booking) -> str:
    """" before <deadline> to avoid the fee." or what to do when that is not known or past."""
    when = booking.cancellation_deadline_at
    zone = booking.event.timezone
    if when is None:
        return " (their cancellation terms are not known: check them)."
    if when > utcnow():
        return f" before {format_short(when, zone)} to avoid the fee."
    return f"; the free cancellation deadline ({format_short(when, zone)}) has passed."


def attention_words(reference: str, booking: Booking, others: set[str]) -> str:
    if others:
        keep = (f"Keep it if the other requests still need it ({', '.join(sorted(others))}); "
                f"otherwise cancel")
    else:
        keep = "No other request needs it: cancel it"
    return (f"{reference} was cancelled by the attendee. {keep} with "
            f"{booking.provider.name}{_deadline_words(booking)}")


def connect_signals() -> None:
    """Hear of cancellations (requests may not import this package); safe to call again."""
    request_cancelled.connect(_on_cancelled, weak=False)


def _on_cancelled(access_request: AccessRequest, **_extra) -> None:
    flag_bookings_of_cancelled(access_request)
