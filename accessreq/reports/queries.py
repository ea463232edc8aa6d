"""The report's numbers from grouped queries: the database counts; Python only adds up the
few grouped rows and names them. Costs are in costs.py.

Only what survives the retention purge is read (status, dates, the facts kept on the request
for the reports, accommodation types, outcomes and their reasons, the attendee's yes/partly/no,
bookings and their costs), so a report reads the same before and after the purge.
A request belongs to the period in which it was received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal

from sqlalchemy import Float, and_, case, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ..auth.models import StaffUser
from ..events.models import AccommodationType, Event
from ..extensions import db
from ..requests.models import AccessRequest, RequestedAccommodation
from ..requests.queries import visible_to
from ..requests.outcomes import ItemOutcome, NeedsMet, OutcomeReason, ShortfallReason
from ..requests.states import OPEN_STATUSES, RequestStatus
from .costs import cost_by_accommodation, cost_by_event
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


class Report:
    """The report for one person and one set of filters. Each part is read when it is first
    asked for, so the page reads them all (a fixed number of statements, whatever the number
    of requests) and a table's download only the statement that table needs."""

    def __init__(self, user: StaffUser, filters: ReportFilters) -> None:
        self.filters = filters
        self.conditions = scope_conditions(user, filters)
        self.buckets = filters.period.buckets()

    @cached_property
    def facts(self) -> list[Facts]:
        return request_facts(self.conditions, self.buckets)

    @cached_property
    def summary(self) -> Summary:
        return summary(self.facts, median_days_to_arranged(self.conditions))

    @cached_property
    def received_over_time(self) -> list[tuple[Bucket, int]]:
        return received_over_time(self.facts, self.buckets)

    @cached_property
    def by_accommodation(self) -> list[tuple[str, int, int]]:
        """Name, requests asking for it, of those arranged."""
        return by_accommodation(self.conditions)

    @cached_property
    def how_they_ended(self) -> list[tuple[str, int]]:
        return how_they_ended(self.facts)

    @cached_property
    def shortfall_reasons(self) -> list[tuple[str, int]]:
        return shortfall_reasons(self.facts)

    @cached_property
    def needs_met(self) -> list[tuple[str, int]]:
        return needs_met(self.facts)

    @cached_property
    def _outcomes(self) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        return outcomes(self.conditions)

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        return self._outcomes[0]

    @property
    def outcome_reasons(self) -> list[tuple[str, int]]:
        return self._outcomes[1]

    @cached_property
    def cost_by_event(self) -> list[tuple[str, Decimal]]:
        return cost_by_event(self.conditions)

    @cached_property
    def cost_by_accommodation(self) -> list[tuple[str, Decimal]]:
        return cost_by_accommodation(self.conditions)

    @property
    def total_cost(self) -> Decimal:
        return sum((amount for _, amount in self.cost_by_event), Decimal(0))


class days_between(FunctionElement):
    """Days (with fractions) from the first timestamp to the second, on either database."""

    type = Float()
    inherit_cache = True


@compiles(days_between)
def _days_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


def scope_conditions(user: StaffUser, filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Which requests the report counts: received in the period, of the teams the person may
    see (admins: all; others: their teams' and those no team holds), narrowed by the filters."""
    period = filters.period
    conditions: list[ColumnElement[bool]] = [
        AccessRequest.created_at >= period.starts_at,
        AccessRequest.created_at < period.ends_before]
    conditions += visible_to(user)
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


@dataclass(frozen=True)
class Facts:
    """How many requests share one combination of what the report counts (a row of the
    grouped scan): the bucket they were received in, how they stand, the main reason they were
    not fully arranged, the attendee's answer, and whether they came late, were ever arranged,
    and were arranged by their due date."""

    bucket: int
    ending: str
    shortfall: ShortfallReason | None
    needs_met: NeedsMet | None
    late: bool
    arranged: bool
    by_due: bool
    count: int


def request_facts(conditions: Sequence[ColumnElement[bool]],
                  buckets: list[Bucket]) -> list[Facts]:
    """One scan of the requests, grouped by everything the summary, the "received" chart, the
    "how they stand" chart, the reasons and the answers count: a few dozen rows, however many
    requests. The buckets are worked out in the report's time zone and handed to the database
    as one CASE, so it works the same on every database."""
    status, arranged_at = AccessRequest.status, AccessRequest.first_arranged_at
    bucket = case(*[(AccessRequest.created_at >= b.starts_at, position)
                    for position, b in reversed(list(enumerate(buckets)))], else_=0)
    ending = case(
        (status == RequestStatus.CANCELLED, "cancelled"),
        (status == RequestStatus.PARTIALLY_ARRANGED, "partly"),
        (status == RequestStatus.UNABLE, "unable"),
        (and_(arranged_at.is_not(None), arranged_at <= AccessRequest.due_at), "arranged_in_time"),
        (arranged_at.is_not(None), "arranged_late"),
        (status.in_(sorted(OPEN_STATUSES)), "open"),
        else_="closed_other")
    arranged = case((arranged_at.is_not(None), 1), else_=0)
    by_due = case((arranged_at <= AccessRequest.due_at, 1), else_=0)
    keys = (bucket.label("bucket"), ending.label("ending"),
            AccessRequest.shortfall_reason.label("shortfall"),
            AccessRequest.needs_met.label("needs_met"), AccessRequest.received_late.label("late"),
            arranged.label("arranged"), by_due.label("by_due"))
    rows = db.session.execute(select(*keys, func.count()).where(*conditions)
                              .group_by(*(key.name for key in keys))).all()
    return [Facts(int(b), e, s, n, bool(late), bool(a), bool(d), int(count))
            for b, e, s, n, late, a, d, count in rows]


def summary(facts: list[Facts], median_days: float | None) -> Summary:
    total = lambda keep: sum(f.count for f in facts if keep(f))  # noqa: E731
    return Summary(
        received=total(lambda f: True),
        cancelled=total(lambda f: f.ending == "cancelled"),
        still_open=total(lambda f: f.ending == "open"),
        arranged=total(lambda f: f.arranged),
        arranged_by_due=total(lambda f: f.by_due),
        late=total(lambda f: f.late),
        late_arranged=total(lambda f: f.late and f.arranged),
        median_days_to_arranged=median_days)


def received_over_time(facts: list[Facts], buckets: list[Bucket]) -> list[tuple[Bucket, int]]:
    return [(bucket, sum(f.count for f in facts if f.bucket == position))
            for position, bucket in enumerate(buckets)]


def how_they_ended(facts: list[Facts]) -> list[tuple[str, int]]:
    return [(label, sum(f.count for f in facts if f.ending == key)) for key, label in ENDINGS]


def shortfall_reasons(facts: list[Facts]) -> list[tuple[str, int]]:
    """Why requests ended partly arranged or not at all (the main reason staff chose)."""
    counted = [f for f in facts if f.shortfall is not None or f.ending in ("partly", "unable")]
    rows = [(reason.label, n) for reason in ShortfallReason
            if (n := sum(f.count for f in counted if f.shortfall == reason))]
    unknown = sum(f.count for f in counted if f.shortfall is None)
    if unknown:
        rows.append(("Not recorded (set before reasons were asked for)", unknown))
    return rows


def needs_met(facts: list[Facts]) -> list[tuple[str, int]]:
    """The attendees' answers to "did what we arranged meet your needs?"."""
    return [(answer.label, n) for answer in NeedsMet
            if (n := sum(f.count for f in facts if f.needs_met == answer))]


# The median is worked out from the days to arranged counted per tenth of a day: exact to the
# tenth the report shows, and a grouped count (no sort of every request) on any database.
TENTHS = 10


def median_days_to_arranged(conditions: Sequence[ColumnElement[bool]]) -> float | None:
    tenths = func.round(days_between(AccessRequest.created_at, AccessRequest.first_arranged_at)
                        * TENTHS).label("tenths")
    rows = sorted(db.session.execute(
        select(tenths, func.count())
        .where(*conditions, AccessRequest.first_arranged_at.is_not(None))
        .group_by("tenths")).all())
    total = sum(count for _, count in rows)
    if not total:
        return None
    middle = ((total + 1) // 2, (total + 2) // 2)  # 1-based: one position, or the two
    values, seen = [], 0
    for value, count in rows:
        seen += count
        values += [float(value)] * sum(1 for m in middle if seen - count < m <= seen)
    return sum(values) / len(values) / TENTHS


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


def _count_if(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


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


def build(user: StaffUser, filters: ReportFilters) -> Report:
    return Report(user, filters)
