"""The report's numbers, each from one grouped query: the database counts, Python only names.

Only what survives the retention purge is read (status, dates, the facts kept on the request
for the reports, accommodation types, outcomes and their reasons, the attendee's yes/partly/no,
bookings and their costs), so a report reads the same before and after the purge.
A request belongs to the period in which it was received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Float, and_, case, cast, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ..arranging.models import Booking, BookingStatus, booking_item
from ..auth.models import StaffUser
from ..events.models import AccommodationType, Event
from ..extensions import db
from ..requests.models import AccessRequest, RequestedAccommodation
from ..requests.outcomes import ItemOutcome, NeedsMet, OutcomeReason, ShortfallReason
from ..requests.states import OPEN_STATUSES, RequestStatus
from .periods import Bucket, Period


@dataclass(frozen=True)
class ReportFilters:
    period: Period
    team_id: int | None = None  # None: every team the person sees
    organisation_id: int | None = None  # the host organisation of the events
    event_id: int | None = None
    type_id: int | None = None


@dataclass
class Summary:
    received: int = 0
    cancelled: int = 0
    still_open: int = 0
    arranged: int = 0  # became "Arranged" at some point
    arranged_by_due: int = 0  # ... on or before its due date
    late: int = 0  # received after its due day
    late_arranged: int = 0
    median_days_to_arranged: float | None = None

    @property
    def going_ahead(self) -> int:
        """The requests the team had to arrange: all but those cancelled."""
        return self.received - self.cancelled

    @property
    def share_arranged_by_due(self) -> float | None:
        return self.arranged_by_due / self.going_ahead if self.going_ahead else None


@dataclass
class Report:
    filters: ReportFilters
    summary: Summary
    received_over_time: list[tuple[Bucket, int]]
    by_accommodation: list[tuple[str, int, int]]  # name, requests, arranged
    how_they_ended: list[tuple[str, int]]
    shortfall_reasons: list[tuple[str, int]]
    outcomes: list[tuple[str, int]]
    outcome_reasons: list[tuple[str, int]]
    needs_met: list[tuple[str, int]]
    cost_by_event: list[tuple[str, Decimal]] = field(default_factory=list)
    cost_by_accommodation: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def total_cost(self) -> Decimal:
        return sum((amount for _, amount in self.cost_by_event), Decimal(0))


class days_between(FunctionElement):
    """Days (with fractions) from the first timestamp to the second, on either database."""

    type = Float()
    inherit_cache = True


@compiles(days_between)
def _days_between_sqlite(element, compiler, **kw):
    start, end = element.clauses
    return f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    start, end = element.clauses
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)})) / 86400.0)")


def scope_conditions(user: StaffUser, filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Which requests the report counts: received in the period, of the teams the person may
    see (admins: all; others: their teams' and those no team holds), narrowed by the filters."""
    period = filters.period
    conditions: list[ColumnElement[bool]] = [
        AccessRequest.created_at >= period.starts_at,
        AccessRequest.created_at < period.ends_before]
    if not user.is_admin:
        conditions.append(or_(AccessRequest.team_id.in_(sorted(user.team_ids)),
                              AccessRequest.team_id.is_(None)))
    if filters.team_id is not None:
        conditions.append(AccessRequest.team_id == filters.team_id)
    if filters.event_id is not None:
        conditions.append(AccessRequest.event_id == filters.event_id)
    # Aliases: the queries below also join events and accommodations, which these conditions
    # must not be correlated with.
    if filters.organisation_id is not None:
        hosted = aliased(Event)
        conditions.append(AccessRequest.event_id.in_(
            select(hosted.id).where(hosted.organisation_id == filters.organisation_id)))
    if filters.type_id is not None:
        asked = aliased(RequestedAccommodation)
        conditions.append(exists().where(asked.request_id == AccessRequest.id,
                                         asked.accommodation_type_id == filters.type_id))
    return conditions


def _count_if(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def summary(conditions: Sequence[ColumnElement[bool]]) -> Summary:
    arranged = AccessRequest.first_arranged_at.is_not(None)
    row = db.session.execute(select(
        func.count(AccessRequest.id),
        _count_if(AccessRequest.status == RequestStatus.CANCELLED),
        _count_if(AccessRequest.status.in_(sorted(OPEN_STATUSES))),
        _count_if(arranged),
        _count_if(and_(arranged, AccessRequest.first_arranged_at <= AccessRequest.due_at)),
        _count_if(AccessRequest.received_late),
        _count_if(and_(arranged, AccessRequest.received_late)),
    ).where(*conditions)).one()
    result = Summary(*(int(n) for n in row))
    result.median_days_to_arranged = _median_days_to_arranged(conditions)
    return result


def _median_days_to_arranged(conditions: Sequence[ColumnElement[bool]]) -> float | None:
    """The median, by the database: each arranged request's days ranked with a window
    function, and the middle one (or the mean of the middle two) kept."""
    days = days_between(AccessRequest.created_at, AccessRequest.first_arranged_at)
    ranked = select(
        days.label("days"),
        func.row_number().over(order_by=days).label("position"),
        func.count().over().label("total"),
    ).where(*conditions, AccessRequest.first_arranged_at.is_not(None)).subquery()
    middle = db.session.scalar(select(func.avg(ranked.c.days)).where(
        ranked.c.position.in_([(ranked.c.total + 1) / 2, (ranked.c.total + 2) / 2])))
    return None if middle is None else float(middle)


def received_over_time(conditions: Sequence[ColumnElement[bool]],
                       buckets: list[Bucket]) -> list[tuple[Bucket, int]]:
    """How many requests came in each bucket; the buckets are worked out in the report's time
    zone and handed to the database as one CASE, so it works the same on every database."""
    index = case(*[(AccessRequest.created_at >= bucket.starts_at, position)
                   for position, bucket in reversed(list(enumerate(buckets)))], else_=0)
    counts = dict(db.session.execute(
        select(index.label("bucket"), func.count()).where(*conditions).group_by("bucket")).all())
    return [(bucket, int(counts.get(position, 0))) for position, bucket in enumerate(buckets)]


def by_accommodation(conditions: Sequence[ColumnElement[bool]]) -> list[tuple[str, int, int]]:
    """Per accommodation type: requests asking for it, and how many of those were arranged."""
    rows = db.session.execute(
        select(AccommodationType.name, func.count(RequestedAccommodation.id),
               _count_if(AccessRequest.first_arranged_at.is_not(None)))
        .join(RequestedAccommodation,
              RequestedAccommodation.request_id == AccessRequest.id)
        .join(AccommodationType,
              AccommodationType.id == RequestedAccommodation.accommodation_type_id)
        .where(*conditions)
        .group_by(AccommodationType.id, AccommodationType.name)
        .order_by(func.count(RequestedAccommodation.id).desc(), AccommodationType.name)).all()
    return [(name, int(asked), int(arranged)) for name, asked, arranged in rows]


# How a request stands, in the order the report lists them.
ENDINGS = (
    ("arranged_in_time", "Arranged by the due date"),
    ("arranged_late", "Arranged after the due date"),
    ("partly", "Partially arranged"),
    ("unable", "Unable to arrange"),
    ("open", "Still being worked on"),
    ("closed_other", "Closed without being arranged"),
    ("cancelled", "Cancelled"),
)


def how_they_ended(conditions: Sequence[ColumnElement[bool]]) -> list[tuple[str, int]]:
    status = AccessRequest.status
    arranged_at = AccessRequest.first_arranged_at
    ending = case(
        (status == RequestStatus.CANCELLED, "cancelled"),
        (status == RequestStatus.PARTIALLY_ARRANGED, "partly"),
        (status == RequestStatus.UNABLE, "unable"),
        (and_(arranged_at.is_not(None), arranged_at <= AccessRequest.due_at), "arranged_in_time"),
        (arranged_at.is_not(None), "arranged_late"),
        (status.in_(sorted(OPEN_STATUSES)), "open"),
        else_="closed_other")
    counts = dict(db.session.execute(
        select(ending.label("ending"), func.count()).where(*conditions)
        .group_by("ending")).all())
    return [(label, int(counts.get(key, 0))) for key, label in ENDINGS]


def shortfall_reasons(conditions: Sequence[ColumnElement[bool]]) -> list[tuple[str, int]]:
    """Why requests ended partly arranged or not at all (the main reason staff chose)."""
    counts = dict(db.session.execute(
        select(AccessRequest.shortfall_reason, func.count())
        .where(*conditions, or_(AccessRequest.shortfall_reason.is_not(None),
                                AccessRequest.status.in_([RequestStatus.PARTIALLY_ARRANGED,
                                                          RequestStatus.UNABLE])))
        .group_by(AccessRequest.shortfall_reason)).all())
    rows = [(reason.label, int(counts[reason])) for reason in ShortfallReason if reason in counts]
    if counts.get(None):
        rows.append(("Not recorded (set before reasons were asked for)", int(counts[None])))
    return rows


def outcomes(conditions: Sequence[ColumnElement[bool]]
             ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """After the events: each accommodation's recorded outcome, and the reasons given where
    it was not (fully) delivered; one grouped query for both."""
    rows = db.session.execute(
        select(RequestedAccommodation.outcome, RequestedAccommodation.outcome_reason,
               func.count())
        .join(AccessRequest, AccessRequest.id == RequestedAccommodation.request_id)
        .where(*conditions, RequestedAccommodation.outcome.is_not(None))
        .group_by(RequestedAccommodation.outcome, RequestedAccommodation.outcome_reason)).all()
    per_outcome: dict[ItemOutcome, int] = {}
    per_reason: dict[OutcomeReason, int] = {}
    for outcome, reason, count in rows:
        per_outcome[outcome] = per_outcome.get(outcome, 0) + int(count)
        if reason is not None and outcome.needs_reason:
            per_reason[reason] = per_reason.get(reason, 0) + int(count)
    return ([(o.label, per_outcome[o]) for o in ItemOutcome if o in per_outcome],
            [(r.label, per_reason[r]) for r in OutcomeReason if r in per_reason])


def needs_met(conditions: Sequence[ColumnElement[bool]]) -> list[tuple[str, int]]:
    """The attendees' answers to "did what we arranged meet your needs?"."""
    counts = dict(db.session.execute(
        select(AccessRequest.needs_met, func.count())
        .where(*conditions, AccessRequest.needs_met.is_not(None))
        .group_by(AccessRequest.needs_met)).all())
    return [(answer.label, int(counts[answer])) for answer in NeedsMet if answer in counts]


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


def build(user: StaffUser, filters: ReportFilters) -> Report:
    """The whole report: a fixed number of statements, whatever the number of requests."""
    conditions = scope_conditions(user, filters)
    item_outcomes, outcome_reasons = outcomes(conditions)
    return Report(
        filters=filters,
        summary=summary(conditions),
        received_over_time=received_over_time(conditions, filters.period.buckets()),
        by_accommodation=by_accommodation(conditions),
        how_they_ended=how_they_ended(conditions),
        shortfall_reasons=shortfall_reasons(conditions),
        outcomes=item_outcomes,
        outcome_reasons=outcome_reasons,
        needs_met=needs_met(conditions),
        cost_by_event=cost_by_event(conditions),
        cost_by_accommodation=cost_by_accommodation(conditions),
    )

