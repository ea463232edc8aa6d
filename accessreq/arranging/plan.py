"""The event access plan and its run sheet: everything one event needs at a glance, read in a
fixed number of statements however many requests the event has (two: its requests with their
accommodations, its bookings with what they cover).

Scoped as requests are: staff see the requests their teams hold and those no team holds
(admins: all), and the bookings covering at least one of those."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..auth.models import StaffUser
from ..events.models import Event
from ..extensions import db
from ..requests.models import AccessRequest, RequestedAccommodation
from ..timeutil import format_short, local, utcnow
from .models import LIVE, Booking
from .queries import ItemCoverage, booking_warnings


def event_options() -> tuple:
    """How the plan's pages load the event: with what it provides to everyone, in the same
    statement."""
    return (joinedload(Event.provisions),)


@dataclass(frozen=True)
class RequestPlan:
    request: AccessRequest
    items: list[ItemCoverage]

    @property
    def name(self) -> str:
        """Who comes: the attendee, or the contact when they asked for themselves."""
        return self.request.attendee_name or self.request.contact_name

    @property
    def going_ahead(self) -> bool:
        return (not self.request.status.is_final
                and self.request.purged_at is None)

    @property
    def due_words(self) -> str:
        """The request's due day in the event's time zone: "Thu 7 Jan 2027"."""
        day = self.request.due_day
        return f"{day:%a} {day.day} {day:%b %Y}"

    @property
    def open_items(self) -> list[ItemCoverage]:
        return [entry for entry in self.items if not entry.covered] if self.going_ahead else []

    @property
    def phone_on_the_day(self) -> str:
        """The phone number front of house may call on the day, only when the attendee agreed
        to it; "" otherwise."""
        agreed = self.request.phone_on_the_day and self.request.purged_at is None
        return self.request.contact_phone if agreed else ""

    def needs_on_the_day(self) -> list[str]:
        """What front of house needs to know, per accommodation: its name, and how it is met
        when staff noted it ("seat H3 kept"). Never the attendee's own free text."""
        return [f"{entry.name}: {entry.met_without_booking}" if entry.met_without_booking
                else entry.name for entry in self.items]


@dataclass(frozen=True)
class KindCount:
    """One accommodation across the requests going ahead."""

    name: str
    requested: int = 0
    covered: int = 0
    provided: bool = False  # the event provides it to everyone


    @property
    def open(self) -> int:
        return self.requested - self.covered


@dataclass(frozen=True)
class BookingPlan:
    booking: Booking
    covers: list[str]  # "Sign language interpretation (AR-…)", only of requests shown
    others: int  # accommodations it covers for requests this person does not see
    times: str  # "Arrives 17:30; 18:00 to 20:00 GMT", or "" when none is known
    deadline: str  # "Tue 19 Jan, 18:00 GMT", or "" when not known
    kinds: list[str] = field(default_factory=list)  # what it is for: accommodation names
    # Deadlines in words: free cancellation ending within 48 h, the event near while only asked.
    warnings: list[str] = field(default_factory=list)

    @property
    def alerts(self) -> list[str]:
        """Everything to act on: a decision staff must make, then the deadlines."""
        return (["Needs a decision"] if self.booking.attention else []) + self.warnings


@dataclass(frozen=True)
class EventPlan:
    event: Event
    requests: list[RequestPlan]
    bookings: list[BookingPlan]
    counts: list[KindCount] = field(default_factory=list)

    @property
    def going_ahead(self) -> list[RequestPlan]:
        return [entry for entry in self.requests if entry.going_ahead]

    @property
    def not_going_ahead(self) -> int:
        return len(self.requests) - len(self.going_ahead)

    @property
    def still_open(self) -> list[tuple[RequestPlan, ItemCoverage]]:
        """Accommodations of requests going ahead with neither a confirmed booking nor a
        note, soonest due first."""
        return [(entry, item) for entry in self.requests for item in entry.open_items]

    @property
    def request_ids(self) -> list[int]:
        return [entry.request.id for entry in self.requests]

    def run_sheet(self) -> list[RequestPlan]:
        """The people coming, by name: requests going ahead."""
        return sorted(self.going_ahead, key=lambda entry: (entry.name.casefold(),
                                                           entry.request.id))

    @property
    def warned_bookings(self) -> list[BookingPlan]:
        """Bookings with a deadline to act on or a decision to make, for the plan's top."""
        return [entry for entry in self.bookings if entry.alerts]

    @property
    def live_bookings(self) -> list[BookingPlan]:
        """Providers still expected on the day (asked or confirmed)."""
        return [entry for entry in self.bookings if entry.booking.status in LIVE]


def _visible(staff: StaffUser) -> list:
    if staff.is_admin:
        return []
    return [or_(AccessRequest.team_id.is_(None),
                AccessRequest.team_id.in_(sorted(staff.team_ids)))]


def clock(value: datetime | None, tz_name: str) -> str:
    return f"{local(value, tz_name):%H:%M}" if value else ""


def booking_times(booking: Booking, tz_name: str) -> str:
    """The booking's times on the day in the event's time zone, in words."""
    parts = []
    if booking.arrival_at:
        parts.append(f"Arrives {clock(booking.arrival_at, tz_name)}")
    if booking.starts_at and booking.ends_at:
        parts.append(f"{clock(booking.starts_at, tz_name)} to {clock(booking.ends_at, tz_name)}")
    elif booking.starts_at:
        parts.append(f"From {clock(booking.starts_at, tz_name)}")
    elif booking.ends_at:
        parts.append(f"Until {clock(booking.ends_at, tz_name)}")
    if not parts:
        return ""
    moment = booking.arrival_at or booking.starts_at or booking.ends_at
    return f"{'; '.join(parts)} {local(moment, tz_name):%Z}"


def event_plan(event: Event, staff: StaffUser, now: datetime | None = None) -> EventPlan:
    """The plan of ``event`` as ``staff`` may see it: two statements at any size (the event's
    provisions are loaded with the event, see ``event_options``)."""
    now = now or utcnow()
    requests = list(db.session.scalars(
        select(AccessRequest).where(AccessRequest.event_id == event.id, *_visible(staff))
        .options(joinedload(AccessRequest.items)
                 .joinedload(RequestedAccommodation.accommodation_type))
        .order_by(AccessRequest.due_at, AccessRequest.id)).unique())
    bookings = list(db.session.scalars(
        select(Booking).where(Booking.event_id == event.id)
        .options(joinedload(Booking.provider),
                 joinedload(Booking.items).joinedload(RequestedAccommodation.request),
                 joinedload(Booking.items).joinedload(RequestedAccommodation.accommodation_type))
        .order_by(Booking.id)).unique())
    shown_ids = {r.id for r in requests}
    bookings = [b for b in bookings if staff.is_admin
                or any(item.request_id in shown_ids for item in b.items)]
    covering: dict[int, list[Booking]] = {}
    for booking in bookings:
        for item in booking.items:
            covering.setdefault(item.id, []).append(booking)
    plans = [RequestPlan(r, [ItemCoverage(item, covering.get(item.id, []),
                                          event.provision_for(item.accommodation_type_id))
                             for item in r.items])
             for r in requests]
    return EventPlan(event=event, requests=plans,
                     bookings=[_booking_plan(b, shown_ids, event.timezone, now)
                               for b in bookings],
                     counts=_counts(plans))


def _booking_plan(booking: Booking, shown_ids: set[int], tz_name: str,
                  now: datetime) -> BookingPlan:
    shown = [item for item in booking.items if item.request_id in shown_ids]
    when = booking.cancellation_deadline_at
    return BookingPlan(
        booking=booking,
        covers=[f"{item.accommodation_type.name} ({item.request.reference})" for item in shown],
        others=len(booking.items) - len(shown), times=booking_times(booking, tz_name),
        deadline=format_short(when, tz_name) if when else "",
        kinds=sorted({item.accommodation_type.name for item in booking.items}),
        warnings=booking_warnings(booking, now))


def _counts(plans: list[RequestPlan]) -> list[KindCount]:
    """Requested, covered and open per accommodation, over the requests going ahead, in the
    catalogue's order."""
    found: dict[int, tuple[int, str, int, int, bool]] = {}
    for entry in plans:
        if not entry.going_ahead:
            continue
        for item in entry.items:
            kind = item.item.accommodation_type
            position, name, requested, covered, provided = found.get(
                kind.id, (kind.position, kind.name, 0, 0, item.provided is not None))
            found[kind.id] = (position, name, requested + 1, covered + int(item.covered),
                              provided)
    return [KindCount(name, requested, covered, provided)
            for _position, name, requested, covered, provided in sorted(found.values())]


# --- the run sheet as a CSV file ------------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such a cell
# gets a leading apostrophe, which spreadsheets show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RUN_SHEET_COLUMNS = ("Name", "What they need on the day", "Phone on the day (if they agreed)")


def safe_cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def run_sheet_csv(plan: EventPlan) -> str:
    """The run sheet for front of house: each person coming and what they need on the day,
    and nothing more (no free-text details; a phone number only where the attendee agreed to
    be phoned on the day)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RUN_SHEET_COLUMNS)
    for entry in plan.run_sheet():
        writer.writerow([safe_cell(entry.name), safe_cell("; ".join(entry.needs_on_the_day())),
                         safe_cell(entry.phone_on_the_day)])
    return out.getvalue()
