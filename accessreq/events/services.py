"""Admin changes to events and the accommodation catalogue, and the look-ups their pages need.

Admins enter times as local wall-clock times in the event's timezone; they are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app
from sqlalchemy import case, func, inspect, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow
from .models import AccommodationType, Event

ADMIN_EVENTS_PER_PAGE = 25


# --- local time ----------------------------------------------------------------------------


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward (e.g. 01:30 on the spring change)."""


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA names people choose from: 'Area/City' ones plus UTC, sorted (by region)."""
    names = (n for n in available_timezones()
             if "/" in n and not n.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return (*sorted(names), "UTC")


def timezone_label(name: str) -> str:
    """How a zone reads in the suggestions: "Los Angeles, America" for America/Los_Angeles
    (so typing the city with a space finds it)."""
    *region, city = name.replace("_", " ").split("/")
    return f"{city}, {' / '.join(region)}" if region else city


def find_timezone(typed: str) -> str | None:
    """The zone someone typed: its IANA name in any case ("europe/london"), or a city that
    names exactly one zone ("London", "los angeles"); None if it is not a real zone."""
    key = "_".join(typed.split()).lower()
    names = timezone_names()
    exact = [n for n in names if n.lower() == key]
    cities = [n for n in names if n.rsplit("/", 1)[-1].lower() == key]
    found = exact or cities
    return found[0] if len(found) == 1 else None


def common_timezones(limit: int = 6) -> list[str]:
    """The zones offered first: the institution's own (the TIMEZONE setting), then those its
    events use, most used first."""
    used = db.session.scalars(select(Event.timezone).group_by(Event.timezone)
                              .order_by(func.count().desc(), Event.timezone))
    known = set(timezone_names())
    home = current_app.config["TIMEZONE"]
    common = [home]
    common += [n for n in used if n in known and n != home]
    return common[:limit]


def local_to_utc(day: date, clock: time, tz_name: str) -> datetime:
    """The UTC moment of a local date and time; refuses a time that does not exist there.

    An hour repeated when the clocks go back resolves to its first occurrence.
    """
    zone = ZoneInfo(tz_name)
    moment = datetime.combine(day, clock).replace(tzinfo=zone)
    as_utc = moment.astimezone(UTC)
    back = as_utc.astimezone(zone)
    if (back.date(), back.time()) != (day, clock.replace(tzinfo=None)):
        raise NonexistentLocalTime(f"{clock:%H:%M} does not exist on that day in {tz_name}, "
                                   "because the clocks go forward")
    return as_utc


def utc_to_local(moment: datetime | None, tz_name: str) -> tuple[date | None, time | None]:
    if moment is None:
        return None, None
    local = moment.astimezone(ZoneInfo(tz_name))
    return local.date(), local.time().replace(second=0, microsecond=0)


# --- events -----------------------------------------------------------------------------------


@dataclass
class EventDetails:
    """What the admin event form collected, already validated and in UTC."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    description: str = ""
    venue: str = ""
    is_online: bool = False
    online_url: str = ""
    access_provided: str = ""
    requests_close_at: datetime | None = None
    requests_open: bool = True
    type_ids: list[int] = field(default_factory=list)
    organisation_id: int | None = None
    cosponsor_ids: list[int] = field(default_factory=list)


def _organisation_model():
    """The organisation class (it belongs to routing). Routing builds on events, so events reach
    it through the event's own relationship instead of importing routing (see
    tests/test_architecture.py)."""
    return inspect(Event).relationships["organisation"].mapper.class_


def organisation_choices() -> list[tuple[int, str]]:
    Organisation = _organisation_model()
    return [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).order_by(Organisation.name, Organisation.id))]


def active_types() -> list[AccommodationType]:
    return list(db.session.scalars(
        select(AccommodationType).where(AccommodationType.active.is_(True))
        .order_by(AccommodationType.position, AccommodationType.name)))


def save_event(event: Event | None, details: EventDetails) -> Event:
    """Create (``event`` None) or update an event.

    Offered accommodations are chosen among active types; inactive ones already attached stay,
    as they are hidden from the form anyway and old requests may have used them.
    """
    if event is None:
        event = Event()
        db.session.add(event)
    event.title = details.title.strip()
    event.description = details.description.strip()
    event.starts_at = details.starts_at
    event.ends_at = details.ends_at
    event.timezone = details.timezone
    event.venue = details.venue.strip()
    event.is_online = details.is_online
    event.online_url = details.online_url.strip() if details.is_online else ""
    event.access_provided = details.access_provided.strip()
    event.requests_close_at = details.requests_close_at
    event.requests_open = details.requests_open
    chosen = set(details.type_ids)
    kept_inactive = [t for t in event.accommodation_types if not t.active]
    event.accommodation_types = kept_inactive + [t for t in active_types() if t.id in chosen]
    organisations = {o.id: o for o in db.session.scalars(select(_organisation_model()))}
    event.organisation = organisations.get(details.organisation_id)
    event.cosponsors = [organisations[i] for i in details.cosponsor_ids
                        if i in organisations and i != details.organisation_id]
    db.session.commit()
    return event


def set_requests_open(event: Event, is_open: bool) -> None:
    event.requests_open = is_open
    db.session.commit()


def admin_events_page(page: int, per_page: int = ADMIN_EVENTS_PER_PAGE, now: datetime | None = None):
    """All events, upcoming soonest first, then past ones most recent first."""
    now = now or utcnow()
    is_past = case((Event.ends_at <= now, 1), else_=0)
    upcoming_start = case((Event.ends_at > now, Event.starts_at), else_=None)
    query = select(Event).order_by(is_past, upcoming_start, Event.starts_at.desc(), Event.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# --- the catalogue ----------------------------------------------------------------------------


class DuplicateTypeName(ValueError):
    """Another catalogue entry already has this name."""


@dataclass
class TypeDetails:
    name: str
    lead_time_days: int
    description: str = ""
    details_label: str = ""
    details_hint: str = ""
    active: bool = True
    position: int | None = None


def catalogue() -> list[AccommodationType]:
    return list(db.session.scalars(
        select(AccommodationType).order_by(AccommodationType.position, AccommodationType.name)))


def save_type(kind: AccommodationType | None, details: TypeDetails) -> AccommodationType:
    """Create or update a catalogue entry. Entries are never deleted, only made inactive."""
    name = details.name.strip()
    clash = select(AccommodationType.id).where(func.lower(AccommodationType.name) == name.lower())
    if kind is not None:
        clash = clash.where(AccommodationType.id != kind.id)
    if db.session.scalar(clash) is not None:
        raise DuplicateTypeName(name)
    position = details.position
    if position is None:
        position = kind.position if kind is not None else (
            db.session.scalar(select(func.max(AccommodationType.position))) or 0) + 1
    if kind is None:
        kind = AccommodationType()
        db.session.add(kind)
    kind.name = name
    kind.description = details.description.strip()
    kind.lead_time_days = details.lead_time_days
    kind.details_label = details.details_label.strip() or None
    kind.details_hint = details.details_hint.strip() or None
    kind.active = details.active
    kind.position = position
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateTypeName(name) from None
    return kind
