"""Read-only queries for the staff dashboard: the filtered queue and one request's page.

Each page costs a fixed number of SQL statements however many rows it shows: relationships the
templates use are loaded eagerly, and the status counts come from one grouped query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..arranging.outcomes import needs_outcome_condition
from ..arranging.queries import booking_warning, booking_warning_columns
from ..auth.models import StaffUser
from ..events.models import AccommodationType, Event
from ..extensions import db
from ..notifications.models import OutgoingEmail
from ..pagination import Page, page_count, requested_page
from ..requests import counts as status_counts
from ..requests.notifications import ATTENDEE_TEMPLATES
from ..requests.models import (AccessLogEntry, AccessRequest, HistoryEntry, HistoryKind,
                               RequestedAccommodation)
from ..requests.queries import in_team_keys
from ..requests.states import OPEN_STATUSES, RequestStatus
from ..forms import controls_to_spaces
from ..routing.models import Team

STATUS_OPEN = "open"
STATUS_ALL = "all"
ASSIGNEE_MINE = "mine"
ASSIGNEE_UNASSIGNED = "unassigned"
TEAM_MINE = "mine"
TEAM_ALL = "all"
SORT_DUE = "due"
SORT_NEWEST = "newest"
SEARCH_MAX_LENGTH = 200
_MAX_ID_DIGITS = 9  # keeps ids inside a 32-bit integer on every database
_SPACES = re.compile(r"\s+")


def positive_id(value: str | None) -> int | None:
    """An id from a query string, when it is a positive whole number the database can hold;
    None for anything else (empty, signs, other digits, too many digits)."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS and int(value) > 0:
        return int(value)
    return None


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows, parsed leniently from the query string: bad values fall back."""

    status: str = STATUS_OPEN  # "open", "all" or a RequestStatus value
    event_id: int | None = None
    type_id: int | None = None
    assignee: str = ""  # "" anyone, "mine", "unassigned" or a staff id as text
    team: str = ""  # "" the person's default, "mine" (my teams), "all" (admins) or a team id
    q: str = ""
    sort: str = SORT_DUE
    page: int = 1
    waiting: bool = False  # only requests whose attendee wrote last ("Waiting for us")
    # Only requests of ended events still missing an accommodation's outcome ("Needs outcome").
    needs_outcome: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilters:
        status = (args.get("status") or "").strip()
        if status not in {STATUS_OPEN, STATUS_ALL, *RequestStatus}:
            status = STATUS_OPEN
        assignee = (args.get("assignee") or "").strip()
        if assignee not in (ASSIGNEE_MINE, ASSIGNEE_UNASSIGNED):
            staff_id = positive_id(assignee)
            assignee = str(staff_id) if staff_id else ""
        sort = args.get("sort") if args.get("sort") in (SORT_DUE, SORT_NEWEST) else SORT_DUE
        q = _SPACES.sub(" ", controls_to_spaces(args.get("q") or "")).strip()[:SEARCH_MAX_LENGTH]
        page = requested_page(args.get("page"))
        team = (args.get("team") or "").strip()
        if team not in (TEAM_MINE, TEAM_ALL):
            team_id = positive_id(team)
            team = str(team_id) if team_id else ""
        return cls(status=status, event_id=positive_id(args.get("event")),
                   type_id=positive_id(args.get("type")), assignee=assignee, q=q,
                   sort=sort, page=page, team=team, waiting=_ticked(args.get("waiting")),
                   needs_outcome=_ticked(args.get("outcome")))

    @property
    def statuses(self) -> frozenset[RequestStatus]:
        if self.status == STATUS_OPEN:
            return OPEN_STATUSES
        if self.status == STATUS_ALL:
            return frozenset(RequestStatus)
        return frozenset({RequestStatus(self.status)})

    @property
    def narrowed(self) -> bool:
        """Whether anything other than the status and sort order narrows the list."""
        return bool(self.event_id or self.type_id or self.assignee or self.q or self.waiting
                    or self.needs_outcome)

    def query_args(self, **overrides) -> dict[str, str | int]:
        """The query string for a link to this view (default values left out)."""
        chosen = replace(self, **overrides)
        args = {"status": chosen.status if chosen.status != STATUS_OPEN else None,
                "event": chosen.event_id, "type": chosen.type_id,
                "assignee": chosen.assignee or None, "q": chosen.q or None,
                "sort": chosen.sort if chosen.sort != SORT_DUE else None,
                "team": chosen.team or None, "waiting": "1" if chosen.waiting else None,
                "outcome": "1" if chosen.needs_outcome else None,
                "page": chosen.page if chosen.page > 1 else None}
        return {k: v for k, v in args.items() if v is not None}


@dataclass
class QueuePage(Page[AccessRequest]):
    """A page of the queue (``items``: its requests; ``total``: those matching every filter),
    with the counts and choices the queue's filters show."""

    filters: QueueFilters
    counts: dict[RequestStatus, int]  # per status, matching every filter except the status
    page_size: int
    now: datetime
    any_requests: bool = field(default=True)  # False only when nothing exists at all
    scope: str | int = TEAM_MINE  # what the team switcher chose: "mine", "all" or a team id
    team_open: dict[int, int] = field(default_factory=dict)  # open requests per team key
    # Request id -> the queue's words for its most pressing booking matter (arranging).
    booking_warnings: dict[int, str] = field(default_factory=dict)

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    @property
    def page_numbers(self) -> list[int | None]:
        """Pages to link to: the first, the last and two either side of this one (None: a gap)."""
        near = range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)
        numbers = sorted({1, self.pages, *near})
        shown: list[int | None] = []
        for n in numbers:
            if shown and n - shown[-1] > 1:
                shown.append(None)
            shown.append(n)
        return shown

    def count_for(self, status: str) -> int:
        if status == STATUS_ALL:
            return sum(self.counts.values())
        if status == STATUS_OPEN:
            return sum(self.counts.get(s, 0) for s in OPEN_STATUSES)
        return self.counts.get(RequestStatus(status), 0)


def _search_condition(q: str):
    """Case-insensitive partial match on reference, contact name or contact email.

    References are compared without dashes and spaces, so "ar 7kq3m2" finds AR-7KQ3-M2.
    """
    conditions = [AccessRequest.contact_name.icontains(q, autoescape=True),
                  AccessRequest.contact_email.icontains(q, autoescape=True)]
    compact = re.sub(r"[\s\-]+", "", q).upper()
    if compact:
        conditions.append(func.replace(AccessRequest.reference, "-", "", type_=String)
                          .contains(compact, autoescape=True))
    return or_(*conditions)


def _ticked(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "y", "yes", "on", "true")


def _conditions(filters: QueueFilters, user: StaffUser, now: datetime) -> list:
    """Every filter except the status one (the status counts are computed across statuses)."""
    conditions = []
    if filters.event_id:
        conditions.append(AccessRequest.event_id == filters.event_id)
    if filters.type_id:
        conditions.append(exists().where(
            and_(RequestedAccommodation.request_id == AccessRequest.id,
                 RequestedAccommodation.accommodation_type_id == filters.type_id)))
    if filters.assignee == ASSIGNEE_MINE:
        conditions.append(AccessRequest.assignee_id == user.id)
    elif filters.assignee == ASSIGNEE_UNASSIGNED:
        conditions.append(AccessRequest.assignee_id.is_(None))
    elif filters.assignee:
        conditions.append(AccessRequest.assignee_id == int(filters.assignee))
    if filters.q:
        conditions.append(_search_condition(filters.q))
    if filters.waiting:
        conditions.append(AccessRequest.attendee_waiting_since.is_not(None))
    if filters.needs_outcome:
        conditions.append(needs_outcome_condition(now))
    return conditions


def team_scope(filters: QueueFilters, user: StaffUser) -> str | int:
    """Which requests the team switcher shows: "all" (admins only), one of the person's teams,
    or "mine": their teams' requests and those no team holds. Anything else falls back."""
    if filters.team == TEAM_ALL and user.is_admin:
        return TEAM_ALL
    if filters.team.isdigit() and int(filters.team) in user.team_ids:
        return int(filters.team)
    if not filters.team and user.is_admin and not user.teams:
        return TEAM_ALL  # an admin outside every team starts from the whole picture
    return TEAM_MINE


def _team_keys(scope: str | int, user: StaffUser) -> set[int] | None:
    """The count keys (team ids, 0 for no team) a scope covers; None for every team."""
    if scope == TEAM_ALL:
        return None
    if scope == TEAM_MINE:
        return user.team_ids | {status_counts.NO_TEAM}
    return {scope}


def queue_page(filters: QueueFilters, user: StaffUser, now: datetime,
               page_size: int | None = None) -> QueuePage:
    """One page of the queue, the total, and the counts per status and per team, in two
    statements. Only requests of the person's teams (all, for admins) are ever read.

    ``page_size`` defaults to the QUEUE_PAGE_SIZE setting; a page that does not exist has no rows
    (the view redirects, see accessreq/pagination.py).
    """
    if page_size is None:
        page_size = current_app.config.get("QUEUE_PAGE_SIZE", 25)
    conditions = _conditions(filters, user, now)
    scope = team_scope(filters, user)
    shown_keys = _team_keys(scope, user)
    # One counting read covers the chosen scope and every team in the person's switcher.
    counted_keys = None if shown_keys is None else shown_keys | user.team_ids
    if conditions:
        key = status_counts.team_key_column()
        by_team = {(k, RequestStatus(status)): n for k, status, n in db.session.execute(
            select(key, AccessRequest.status, func.count())
            .where(*conditions, *in_team_keys(counted_keys)).group_by(key, AccessRequest.status))}
    else:  # the usual view: counts kept by the services, one tiny read at any size
        by_team = status_counts.by_team(counted_keys)
    counts: dict[RequestStatus, int] = {}
    team_open: dict[int, int] = {}
    for (k, status), n in by_team.items():
        if shown_keys is None or k in shown_keys:
            counts[status] = counts.get(status, 0) + n
        if status in OPEN_STATUSES:
            team_open[k] = team_open.get(k, 0) + n
    counts = {s: n for s, n in counts.items() if n}
    total = sum(counts.get(s, 0) for s in filters.statuses)
    page_size = max(1, int(page_size))
    pages = page_count(total, page_size)
    page = filters.page
    rows: list[AccessRequest] = []
    warnings: dict[int, str] = {}
    if total and 1 <= page <= pages:
        found = db.session.execute(
            select(AccessRequest, *booking_warning_columns(now))
            .where(*conditions, *in_team_keys(shown_keys),
                   AccessRequest.status.in_(sorted(filters.statuses)))
            .options(joinedload(AccessRequest.event), joinedload(AccessRequest.assignee),
                     joinedload(AccessRequest.team),
                     joinedload(AccessRequest.items)
                     .joinedload(RequestedAccommodation.accommodation_type))
            .order_by(*queue_order(filters)).limit(page_size).offset((page - 1) * page_size)
        ).unique().all()
        rows = [row[0] for row in found]
        warnings = {request.id: warning for request, flagged, deadline, asked in found
                    if (warning := booking_warning(request, flagged, deadline, asked, now))}
    any_requests = bool(counts) or filters.narrowed
    return QueuePage(filters=filters, items=rows, total=total, counts=counts, page=page,
                     pages=pages, page_size=page_size, now=now, any_requests=any_requests,
                     scope=scope, team_open=team_open, booking_warnings=warnings)


def queue_order(filters: QueueFilters) -> tuple:
    """The queue's order for ``filters``: by due date (soonest first) or newest first, the id
    breaking ties so pages (and exports of them) never repeat or skip a row."""
    if filters.sort == SORT_DUE:
        return AccessRequest.due_at.asc(), AccessRequest.id.asc()
    return AccessRequest.created_at.desc(), AccessRequest.id.desc()


def matching_conditions(filters: QueueFilters, user: StaffUser, now: datetime) -> list:
    """Every condition of ``filters`` for ``user``, the team scope and status included: the
    requests the queue would list (for counting a saved view's matches)."""
    keys = _team_keys(team_scope(filters, user), user)
    return [*_conditions(filters, user, now), *in_team_keys(keys),
            AccessRequest.status.in_(sorted(filters.statuses))]


RECENT_EVENT_DAYS = 90


def filter_options(now: datetime, selected_event_id: int | None = None
                   ) -> tuple[list[Event], list[AccommodationType], list[StaffUser]]:
    """Events (upcoming and from the last RECENT_EVENT_DAYS days, latest first, plus the one
    selected), accommodation types and active staff for the filter selects.

    Years of past events would make the select slow to render and hard to use.
    """
    recent = Event.ends_at >= now - timedelta(days=RECENT_EVENT_DAYS)
    if selected_event_id:
        recent = or_(recent, Event.id == selected_event_id)
    events = list(db.session.scalars(
        select(Event).where(recent).order_by(Event.starts_at.desc(), Event.id)))
    types = list(db.session.scalars(
        select(AccommodationType).order_by(AccommodationType.name, AccommodationType.id)))
    return events, types, active_staff()


def active_staff() -> list[StaffUser]:
    return list(db.session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True))
        .order_by(StaffUser.name, StaffUser.id)))


def all_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).options(joinedload(Team.organisation))
                                   .order_by(Team.name, Team.id)))


def request_for_page(request_id: int) -> AccessRequest | None:
    """A request with everything its staff page shows, loaded in a fixed number of statements."""
    return db.session.scalar(
        select(AccessRequest).where(AccessRequest.id == request_id)
        .options(joinedload(AccessRequest.event), joinedload(AccessRequest.assignee),
                 joinedload(AccessRequest.team), selectinload(AccessRequest.items)
                 .joinedload(RequestedAccommodation.accommodation_type),
                 selectinload(AccessRequest.history).options(
                     joinedload(HistoryEntry.actor), joinedload(HistoryEntry.assignee),
                     joinedload(HistoryEntry.email)))
        .execution_options(populate_existing=True)
    )


def recent_views(request_id: int, limit: int = 20) -> list[AccessLogEntry]:
    """Who opened this request's page, newest first (sightings in the queue are logged too, but
    listing them here would crowd out who actually read it). An API client reading it one by one
    (action "api_view", accessreq/api) is named too."""
    return list(db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.request_id == request_id,
                                     AccessLogEntry.action.in_(("view", "api_view")))
        .options(joinedload(AccessLogEntry.staff))
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc()).limit(limit)))


@dataclass(frozen=True)
class BounceWarning:
    """The request's latest email to the attendee bounced: to what address, when, and what the
    mail server said (from the bounce's staff-only history line)."""
    email: OutgoingEmail
    address: str
    bounced_at: datetime
    server_said: str


_BOUNCED_PREFIX = "The attendee's address bounced: "


def latest_attendee_email(access_request: AccessRequest) -> OutgoingEmail | None:
    """The newest email to the attendee about ``access_request`` (confirmation or update)."""
    return db.session.scalar(
        select(OutgoingEmail).where(OutgoingEmail.request_id == access_request.id,
                                    OutgoingEmail.template.in_(ATTENDEE_TEMPLATES))
        .order_by(OutgoingEmail.id.desc()).limit(1))


def bounce_warning(access_request: AccessRequest) -> BounceWarning | None:
    """A warning for the top of the request page while the latest email to the attendee has
    bounced; None once a later one went out (after a correction) or nothing bounced."""
    if access_request.purged_at is not None:
        return None
    email = latest_attendee_email(access_request)
    if email is None or email.bounced_at is None:
        return None
    said = ""
    for entry in reversed(access_request.history):
        if entry.kind == HistoryKind.EMAIL_BOUNCED and entry.email_id == email.id:
            said = (entry.body or "").removeprefix(_BOUNCED_PREFIX)
            # The report starts with the address that failed; the page says it already.
            said = said.removeprefix(email.to_address).strip()
            # Then "(status 5.1.1)": the server's own words after it say the same, in words.
            said = re.sub(r"^\(status [^)]*\)\s+(?=\S)", "", said)
            break
    return BounceWarning(email=email, address=email.to_address, bounced_at=email.bounced_at,
                         server_said=said)
