"""The daily digest: one morning email to each staff member who asked for it, listing their
teams' open requests that are overdue, late or due soon, and the bookings whose free
cancellation ends soon, each with a link to act on it.

The requests are the queue's own: its team scope and open statuses (``queries``), read in one
statement in due order, and their levels from ``AccessRequest.urgency``, the same rule behind
the queue's tags (the queue, too, works the level out per row in Python, because the due day
is counted in each event's own time zone). Bookings use the queue's deadline warning
(``arranging.queries.DEADLINE_WARNING``). Nothing a person wrote and no attendee's name goes
into the email: it lands in a mailbox, so it carries references, events, accommodation names,
due words and links (sign-in needed) only.

Never twice for one day: ``DigestSent`` (staff, day) is unique and is written in the same
transaction as the outbox row, so a second run, or a second process racing the first, finds
the day taken and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..arranging.models import LIVE, Booking, booking_item
from ..arranging.queries import DEADLINE_WARNING, free_cancellation_warning
from ..auth.models import StaffUser
from ..events.models import Event
from ..extensions import db
from ..notifications.models import OutgoingEmail
from ..notifications.rebuild import CannotRebuild, rebuilds
from ..notifications.services import external_url, queue_email
from ..requests.models import AccessRequest, RequestedAccommodation
from ..requests.queries import visible_to
from ..requests.urgency import DUE_SOON_DAYS, Urgency
from ..timeutil import format_date, institution_zone, local, utcnow
from .models import DigestSent
from .queries import TEAM_ALL, TEAM_MINE, QueueFilters, matching_conditions
from .services import record_digest_view

TEMPLATE = "staff_digest"

# The levels the digest lists, in this order, each under its heading. "Event started" is left
# out: once an event has begun nothing more can be arranged for it, and its open requests are
# the queue's after-the-event work ("Needs outcome"), not a morning warning.
SECTIONS: tuple[tuple[str, frozenset[Urgency]], ...] = (
    ("Overdue or starting within 48 hours", frozenset({Urgency.OVERDUE, Urgency.SHORT_NOTICE})),
    ("Late requests: asked for with less notice than needed",
     frozenset({Urgency.AT_RISK})),
    (f"Due within {DUE_SOON_DAYS} days", frozenset({Urgency.DUE_SOON})),
)
LISTED = frozenset().union(*(levels for _, levels in SECTIONS))
# Every request the levels above can pick is due within this window or was asked for after its
# due date (late), so the statement reads no more than these (a day of margin for time zones).
_DUE_WINDOW = timedelta(days=DUE_SOON_DAYS + 2)


class DigestSettingError(ValueError):
    """DIGEST_HOUR cannot be used; the text says what to set."""


# --- what one digest holds ------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRequest:
    """One request in a digest: only what may sit in a mailbox (the id is for the access log)."""
    request_id: int
    reference: str
    event: str
    event_day: str
    kinds: str  # accommodation names, never the attendee's details
    due: str  # the queue's due words: "Overdue by 2 days", "Late request: answer by …"
    url: str


@dataclass(frozen=True)
class DigestBooking:
    """One live booking whose free cancellation ends within DEADLINE_WARNING."""
    provider: str
    kind: str
    status: str
    event: str
    event_day: str
    kinds: str
    deadline: str  # "Free cancellation ends Tue 8 Dec, 14:00 GMT"
    url: str


@dataclass(frozen=True)
class DigestSection:
    title: str
    items: list[DigestRequest]


@dataclass(frozen=True)
class Digest:
    staff: StaffUser
    day: date
    scope_words: str  # whose requests: "every team", "Front of house and requests no team holds"
    sections: list[DigestSection]  # only those with requests
    bookings: list[DigestBooking]

    @property
    def request_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def request_ids(self) -> list[int]:
        return [item.request_id for section in self.sections for item in section.items]

    @property
    def empty(self) -> bool:
        return not self.request_count and not self.bookings

    @property
    def day_words(self) -> str:
        return f"{self.day:%a} {self.day.day} {self.day:%b %Y}"

    @property
    def summary(self) -> str:
        """For the subject and the dry run: "3 requests, 1 booking" or "nothing overdue or due soon"."""
        if self.empty:
            return "nothing overdue or due soon"
        parts = []
        if self.request_count:
            parts.append(_count(self.request_count, "request"))
        if self.bookings:
            parts.append(_count(len(self.bookings), "booking"))
        return ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- the installation's day and hour --------------------------------------------------------


def send_hour() -> int:
    hour = current_app.config["DIGEST_HOUR"]
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        raise DigestSettingError(f"DIGEST_HOUR is {hour!r}: set it to a whole hour from 0 to 23.")
    return hour


def send_time_words() -> str:
    """When digests go, for people: "07:00 (Europe/London)"."""
    return f"{send_hour():02d}:00 ({institution_zone().key})"


def digest_day(now: datetime) -> date:
    """The installation's calendar day at ``now`` (TIMEZONE): one digest each."""
    return now.astimezone(institution_zone()).date()


def is_time(now: datetime) -> bool:
    """Whether it is DIGEST_HOUR or later, on the installation's clock."""
    return now.astimezone(institution_zone()).hour >= send_hour()


def when_words() -> str:
    """ "each morning at 07:00 (Europe/London)", for the settings page; the page still works
    when the installation's settings are wrong (the command says what to fix)."""
    try:
        return f"each morning at {send_time_words()}"
    except DigestSettingError:
        return "each morning, once an admin has set the hour it goes"


def describe(staff: StaffUser) -> str:
    """What the digest holds and when it goes, for the settings page's tick box."""
    whose = "every team’s" if staff.is_admin else "your teams’"
    return (f"One email {when_words()} to your address above, listing "
            f"{whose} open requests that are overdue, late or due within {DUE_SOON_DAYS} days, "
            f"and bookings whose free cancellation ends within {_warning_hours()} hours, each "
            "with a link to the dashboard. It never holds attendees’ names or what they wrote. "
            "On a day with nothing to list, it says so in one line.")


def _warning_hours() -> int:
    return int(DEADLINE_WARNING / timedelta(hours=1))


# --- reading -------------------------------------------------------------------------------


def subscribers() -> list[StaffUser]:
    """Active staff who asked for the digest, with their teams."""
    return list(db.session.scalars(
        select(StaffUser).where(StaffUser.active.is_(True), StaffUser.daily_digest.is_(True))
        .options(selectinload(StaffUser.teams)).order_by(StaffUser.name, StaffUser.id)))


def _scope(staff: StaffUser) -> str:
    """Admins read every team; others their teams and the requests no team holds (the queue's
    "my teams")."""
    return TEAM_ALL if staff.is_admin else TEAM_MINE


def _scope_words(staff: StaffUser) -> str:
    if staff.is_admin:
        return "every team"
    names = [team.name for team in staff.teams]
    if not names:
        return "requests no team holds"
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed}, and requests no team holds"


def _kinds(items: Iterable[RequestedAccommodation]) -> str:
    return ", ".join(dict.fromkeys(item.accommodation_type.name for item in items))


def pressing_requests(staff: StaffUser, now: datetime) -> list[tuple[Urgency, AccessRequest]]:
    """The open requests in ``staff``'s scope whose level the digest lists, in due order (one
    statement for the requests, one for their accommodations)."""
    conditions = matching_conditions(QueueFilters(team=_scope(staff)), staff, now)
    found = db.session.scalars(
        select(AccessRequest).join(AccessRequest.event)
        .where(*conditions, Event.starts_at > now,
               or_(AccessRequest.due_at <= now + _DUE_WINDOW,
                   AccessRequest.created_at > AccessRequest.due_at))
        .options(contains_eager(AccessRequest.event),
                 selectinload(AccessRequest.items)
                 .joinedload(RequestedAccommodation.accommodation_type))
        .order_by(AccessRequest.due_at, AccessRequest.id))
    return [(level, request) for request in found
            if (level := request.urgency(now)) in LISTED]


def bookings_near_deadline(staff: StaffUser, now: datetime) -> list[Booking]:
    """Live bookings whose free cancellation ends within DEADLINE_WARNING, covering a request
    in ``staff``'s scope (admins: all), soonest first."""
    conditions = [Booking.status.in_(LIVE), Booking.cancellation_deadline_at > now,
                  Booking.cancellation_deadline_at <= now + DEADLINE_WARNING]
    in_scope = visible_to(staff)
    if in_scope:
        conditions.append(Booking.id.in_(
            select(booking_item.c.booking_id)
            .join(RequestedAccommodation, RequestedAccommodation.id == booking_item.c.item_id)
            .join(AccessRequest, AccessRequest.id == RequestedAccommodation.request_id)
            .where(*in_scope)))
    return list(db.session.scalars(
        select(Booking).where(*conditions)
        .options(joinedload(Booking.provider), joinedload(Booking.event),
                 selectinload(Booking.items)
                 .joinedload(RequestedAccommodation.accommodation_type))
        .order_by(Booking.cancellation_deadline_at, Booking.id)))


def compose(staff: StaffUser, now: datetime, day: date | None = None) -> Digest:
    """What ``staff``'s digest says at ``now``."""
    listed = pressing_requests(staff, now)
    sections = []
    for title, levels in SECTIONS:
        items = [DigestRequest(
            request_id=request.id, reference=request.reference, event=request.event.title,
            event_day=format_date(request.event.starts_at, request.event.timezone),
            kinds=_kinds(request.items), due=request.due_tag(now).label,
            url=external_url("triage.detail", request_id=request.id))
            for level, request in listed if level in levels]
        if items:
            sections.append(DigestSection(title, items))
    bookings = [DigestBooking(
        provider=booking.provider.name, kind=booking.provider.kind.label,
        status=booking.status.label, event=booking.event.title,
        event_day=format_date(booking.event.starts_at, booking.event.timezone),
        kinds=_kinds(booking.items),
        deadline=free_cancellation_warning(booking.cancellation_deadline_at, now,
                                           booking.event.timezone) or "",
        url=external_url("bookings.edit", booking_id=booking.id))
        for booking in bookings_near_deadline(staff, now)]
    return Digest(staff=staff, day=day or digest_day(now), scope_words=_scope_words(staff),
                  sections=sections, bookings=bookings)


# --- sending ---------------------------------------------------------------------------------


def queue_digest(digest: Digest) -> OutgoingEmail:
    """Put ``digest`` in the outbox, and in the access log that its person was sent the
    requests it lists (health data: who saw what is kept), in the caller's transaction."""
    record_digest_view(digest.request_ids, digest.staff.id)
    return queue_email(
        TEMPLATE, digest.staff.email,
        recipe={"staff_id": digest.staff.id, "day": digest.day.isoformat()},
        digest=digest, due_soon_days=DUE_SOON_DAYS,
        warning_hours=_warning_hours(),
        queue_url=external_url("triage.queue"), settings_url=external_url("account.settings"))


def send_digest(staff: StaffUser, day: date, now: datetime) -> bool:
    """Queue ``staff``'s digest for ``day`` and record the day, in one transaction; False (and
    nothing written) when the day was already recorded, by an earlier run or by another
    process that got there first: the unique (staff, day) decides."""
    marker = DigestSent(staff_id=staff.id, day=day)
    db.session.add(marker)
    try:
        db.session.flush()  # claim the day before composing anything
        email = queue_digest(compose(staff, now, day))
        db.session.flush()
        marker.email_id = email.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


@dataclass
class DigestRun:
    """What ``send_digests`` did (or, in a dry run, would do)."""
    day: date
    too_early: bool = False
    sent: int = 0
    already_sent: int = 0  # had this day's digest already
    would_send: list[Digest] = field(default_factory=list)  # a dry run's digests


def send_digests(now: datetime | None = None, *, at_once: bool = False, dry_run: bool = False,
                 progress: Callable[[Iterable[StaffUser]], Iterable[StaffUser]] | None = None
                 ) -> DigestRun:
    """Each opted-in active staff member's digest for today, once. Before DIGEST_HOUR nothing
    is sent unless ``at_once``. Each person is their own transaction, so one refused (the day
    already taken) does not stop the rest. ``progress`` wraps the list of people (a bar)."""
    now = now or utcnow()
    run = DigestRun(day=digest_day(now))
    if not at_once and not is_time(now):
        run.too_early = True
        return run
    people = subscribers()
    done = set(db.session.scalars(select(DigestSent.staff_id).where(DigestSent.day == run.day)))
    for person in (progress(people) if progress else people):
        if person.id in done:
            run.already_sent += 1
        elif dry_run:
            run.would_send.append(compose(person, now, run.day))
        elif send_digest(person, run.day, now):
            run.sent += 1
        else:
            run.already_sent += 1
    return run


def local_now_words(now: datetime) -> str:
    """The installation's clock at ``now``, for the command's "not yet" line: "06:05"."""
    return f"{local(now, institution_zone().key):%H:%M}"


@rebuilds(TEMPLATE)
def _rebuild_digest(recipe: dict, actor) -> OutgoingEmail:
    """Send again: today's digest, built afresh (the day is not recorded again)."""
    staff = db.session.get(StaffUser, recipe.get("staff_id"))
    if staff is None or not staff.active:
        raise CannotRebuild("The staff account this digest was for no longer exists or is "
                            "deactivated.")
    if not staff.daily_digest:
        raise CannotRebuild(f"{staff.name} no longer asks for the daily digest.")
    return queue_digest(compose(staff, utcnow()))
