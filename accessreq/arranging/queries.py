"""Reading providers and bookings: the searchable, paged provider list, the choices for a
booking, and what covers each requested accommodation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import StaffUser
from ..events.models import Event, EventProvision
from ..extensions import db
from ..forms import like_pattern
from ..pagination import page_count
from ..requests.models import AccessRequest, RequestedAccommodation
from ..requests.states import FINAL_STATUSES
from ..timeutil import format_short
from .models import LIVE, Booking, BookingStatus, Provider, ProviderKind, booking_item

PER_PAGE = 25
SEARCH_MAX_LENGTH = 100


@dataclass(frozen=True)
class ProviderFilters:
    q: str = ""
    kind: ProviderKind | None = None
    inactive_too: bool = False

    @property
    def narrowed(self) -> bool:
        return bool(self.q) or self.kind is not None

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for the pager's links."""
        args = {}
        if self.q:
            args["q"] = self.q
        if self.kind is not None:
            args["kind"] = self.kind.value
        if self.inactive_too:
            args["inactive"] = "y"
        return args


@dataclass(frozen=True)
class ProviderPage:
    providers: list[Provider]
    total: int
    page: int
    pages: int


def provider_page(filters: ProviderFilters, page: int) -> ProviderPage:
    """Providers by name, active ones only unless asked; ``q`` searches name, email and
    phone."""
    conditions = []
    if not filters.inactive_too:
        conditions.append(Provider.active.is_(True))
    if filters.kind is not None:
        conditions.append(Provider.kind == filters.kind)
    if filters.q:
        pattern = like_pattern(filters.q)
        conditions.append(or_(*(func.lower(column).like(pattern, escape="\\")
                                for column in (Provider.name, Provider.email, Provider.phone))))
    total = db.session.scalar(select(func.count(Provider.id)).where(*conditions)) or 0
    pages = page_count(total, PER_PAGE)
    shown = min(max(page, 1), pages)
    providers = list(db.session.scalars(
        select(Provider).where(*conditions).order_by(func.lower(Provider.name), Provider.id)
        .limit(PER_PAGE).offset((shown - 1) * PER_PAGE)))
    return ProviderPage(providers=providers, total=total, page=page, pages=pages)


# --- bookings and what they cover ---------------------------------------------------------------


@dataclass(frozen=True)
class ItemCoverage:
    """One requested accommodation and how it is met: bookings covering it, staff's note, or
    the event providing it to everyone."""

    item: RequestedAccommodation
    bookings: list[Booking]
    provided: EventProvision | None = None

    @property
    def name(self) -> str:
        return self.item.accommodation_type.name

    @property
    def covered(self) -> bool:
        return (bool(self.item.met_by) or self.provided is not None
                or any(b.covers for b in self.bookings))

    @property
    def met_without_booking(self) -> str:
        """Staff's note of how it is met, else "Provided for everyone: <how>", else ""."""
        if self.item.met_by:
            return self.item.met_by
        return self.provided.covered_words if self.provided is not None else ""


def coverage(access_request: AccessRequest) -> list[ItemCoverage]:
    """Each of the request's accommodations with the bookings that include it (one query) and
    whether the event provides it to everyone (its provisions: one more)."""
    item_ids = [item.id for item in access_request.items]
    found: dict[int, list[Booking]] = {item_id: [] for item_id in item_ids}
    if item_ids:
        rows = db.session.execute(
            select(booking_item.c.item_id, Booking).join(
                Booking, Booking.id == booking_item.c.booking_id)
            .where(booking_item.c.item_id.in_(item_ids))
            .options(joinedload(Booking.provider)).order_by(Booking.id))
        for item_id, booking in rows:
            found[item_id].append(booking)
    event = access_request.event
    return [ItemCoverage(item, found[item.id], event.provision_for(item.accommodation_type_id))
            for item in access_request.items]


def uncovered(access_request: AccessRequest) -> list[RequestedAccommodation]:
    """The request's accommodations with neither a confirmed (or delivered) booking nor a note
    saying how they are met, that the event does not provide to everyone."""
    return [entry.item for entry in coverage(access_request) if not entry.covered]


def bookable_items(event: Event, staff: StaffUser) -> list[RequestedAccommodation]:
    """What a booking for ``event`` may cover: the accommodations of the event's requests this
    person can see that are still going ahead, by accommodation then request."""
    items = db.session.scalars(
        select(RequestedAccommodation).join(AccessRequest)
        .where(AccessRequest.event_id == event.id,
               AccessRequest.status.not_in(FINAL_STATUSES),
               AccessRequest.purged_at.is_(None))
        .options(joinedload(RequestedAccommodation.request),
                 joinedload(RequestedAccommodation.accommodation_type))
        .order_by(RequestedAccommodation.accommodation_type_id, AccessRequest.id))
    return [item for item in items if staff.can_see(item.request)]


def can_see_booking(staff: StaffUser, booking: Booking) -> bool:
    """Staff see a booking when they may see one of the requests it covers (admins: all)."""
    return staff.is_admin or any(staff.can_see(item.request) for item in booking.items)


def visible_booking(staff: StaffUser, booking_id: int) -> Booking | None:
    """The booking, with what it covers and their requests loaded at once (not one statement
    per request), if ``staff`` may see it; else None."""
    booking = db.session.get(Booking, booking_id, options=[
        selectinload(Booking.items).joinedload(RequestedAccommodation.request),
        selectinload(Booking.items).joinedload(RequestedAccommodation.accommodation_type)])
    return booking if booking is not None and can_see_booking(staff, booking) else None


def provider_choices(current: Provider | None = None) -> list[Provider]:
    """Providers offered for a booking: the active ones, and the booking's own even if it is
    no longer offered."""
    providers = list(db.session.scalars(select(Provider).where(Provider.active.is_(True))
                                        .order_by(func.lower(Provider.name))))
    if current is not None and current not in providers:
        providers.append(current)
    return providers


# --- warnings for the queue ----------------------------------------------------------------------

# How soon a booking's free cancellation ending, or an event with a booking still only asked,
# is worth a warning in the queue.
DEADLINE_WARNING = timedelta(hours=48)
ASKED_WARNING = timedelta(days=7)


def _bookings_of_request():
    """Bookings covering any accommodation of the outer query's AccessRequest (correlated)."""
    return (select(Booking.id)
            .join(booking_item, booking_item.c.booking_id == Booking.id)
            .join(RequestedAccommodation, RequestedAccommodation.id == booking_item.c.item_id)
            .where(RequestedAccommodation.request_id == AccessRequest.id,
                   Booking.status.in_(LIVE)))


def booking_warning_columns(now: datetime) -> tuple:
    """Three columns the queue's row query selects beside each request, so the warnings cost
    no statement of their own: a live booking needs a decision (flagged); the earliest free
    cancellation deadline still ahead; a booking is still only asked."""
    mine = _bookings_of_request()
    flagged = mine.where(Booking.attention != "").exists()
    asked = mine.where(Booking.status == BookingStatus.ASKED).exists()
    deadline = (select(func.min(Booking.cancellation_deadline_at))
                .join(booking_item, booking_item.c.booking_id == Booking.id)
                .join(RequestedAccommodation,
                      RequestedAccommodation.id == booking_item.c.item_id)
                .where(RequestedAccommodation.request_id == AccessRequest.id,
                       Booking.status.in_(LIVE), Booking.cancellation_deadline_at > now)
                .scalar_subquery())
    return flagged.label("booking_flagged"), deadline.label("booking_deadline"), \
        asked.label("booking_asked")


def free_cancellation_warning(deadline: datetime | None, now: datetime,
                              tz_name: str) -> str | None:
    """Words when a live booking's free cancellation ends within DEADLINE_WARNING."""
    if deadline is not None and now < deadline and deadline - now <= DEADLINE_WARNING:
        return f"Free cancellation ends {format_short(deadline, tz_name)}"
    return None


def still_asked_warning(event: Event, now: datetime) -> str | None:
    """Words when the event is near (ASKED_WARNING) and a booking is still only asked."""
    if now < event.starts_at and event.starts_at - now <= ASKED_WARNING:
        return "Booking still only asked"
    return None


def booking_warning(access_request: AccessRequest, flagged: bool, deadline: datetime | None,
                    asked: bool, now: datetime) -> str | None:
    """The queue's words for the most pressing booking matter of a request, if any."""
    if access_request.status.is_final and not flagged:
        return None
    if flagged:
        return "Booking needs a decision"
    return (free_cancellation_warning(deadline, now, access_request.event.timezone)
            or (still_asked_warning(access_request.event, now) if asked else None))


def booking_warnings(booking: Booking, now: datetime) -> list[str]:
    """The plan's deadline words for one booking: its free cancellation ending soon while it
    is still going ahead, or the event near while it is only asked."""
    if booking.status not in LIVE:
        return []
    found = [free_cancellation_warning(booking.cancellation_deadline_at, now,
                                       booking.event.timezone)]
    if booking.status == BookingStatus.ASKED:
        found.append(still_asked_warning(booking.event, now))
    return [words for words in found if words]
