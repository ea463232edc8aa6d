"""Demo data: the usual catalogue, a few future events and one already over (with what each
provides to everyone, and the online seminar's joining link), two staff accounts, two providers,
and routing (two organisations, three teams, rules by accommodation). Idempotent.

The staff password is published (README, ``make run``): never load this into a real system;
``flask demo`` refuses when a production SECRET_KEY is set.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .arranging.models import Provider, ProviderKind
from .auth.models import Role, StaffUser
from .events.models import AccommodationType, Event
from .events.provisions import ProvisionDetails, add_provision
from .extensions import db
from .routing.models import Organisation, RoutingRule, Team
from .timeutil import utcnow

DEMO_PASSWORD = "access-demo-2026"
DEMO_STAFF = [
    ("admin@example.org", "Ada Admin", Role.ADMIN),
    ("coordinator@example.org", "Cory Coordinator", Role.COORDINATOR),
]

# name, description, lead time (days), details label, details hint
CATALOGUE = [
    ("Sign language interpretation", "A qualified interpreter at the event.", 14,
     "Which sign language?", "For example BSL, ASL or International Sign."),
    ("Human real-time captioning (CART)",
     "A trained captioner writes what is said as it happens. This is not the same as automated captions.",
     14, None, None),
    ("Assistive listening device or hearing loop", "A personal receiver or induction loop.", 3, None, None),
    ("Wheelchair-accessible seating and step-free route", "A space for a wheelchair, with a route without steps.",
     3, "Anything we should know about the space you need?", "For example, room for a power chair, or a seat for a companion beside you."),
    ("Reserved seating", "A seat kept for you: near the stage, near an exit, or with a companion.", 3,
     "Where would you like to sit?", "For example, near the front to lip-read, or near an exit."),
    ("Large print materials", "Printed programme and handouts in large print.", 28,
     "Which print size?", "For example 18 point or 24 point."),
    ("Braille materials", "Programme and handouts in braille.", 84,
     "Which braille grade?", "For example Grade 1 or Grade 2."),
    ("Accessible digital materials in advance", "Slides and readings sent to you before the event.", 7,
     "Which format works for you?", "For example tagged PDF, Word or plain text."),
    ("Quiet room or low-sensory space", "A calm space to use during the event.", 7, None, None),
    ("Personal assistant or companion admission", "Free admission for a person who assists you.", 3, None, None),
    ("Other", "Something not listed here. Tell us what would help.", 0,
     "What would help?", "Describe what you need, not why."),
]

ONLINE_EXCLUDED = {"Assistive listening device or hearing loop",
                   "Wheelchair-accessible seating and step-free route", "Reserved seating",
                   "Large print materials", "Braille materials", "Quiet room or low-sensory space",
                   "Personal assistant or companion admission"}

# title, days from today, start hour, hours long, venue, online, anything else about access,
# description
EVENTS = [
    ("Public lecture: Cities that listen", 40, 18, 2, "Main Hall, 1 Museum Street", True,
     "Large-print programmes at the door.",
     "How urban design can work with, not against, the people who use it."),
    ("Roundtable: Archives and memory", 20, 14, 3, "Seminar Room 2, 1 Museum Street", False,
     "Seats near the front are kept for people who ask.",
     "Archivists and historians on what gets kept and what gets lost."),
    ("Screening: The Long Walk (with discussion)", 100, 19, 3, "Cinema, 1 Museum Street", False,
     "Audio description on headsets from the desk.",
     "A documentary screening followed by a discussion with the director."),
    ("Online seminar: Data and disability", 9, 16, 2, "", True,
     "Slides are shared in the chat before each talk.",
     "A seminar on collecting data about disability without doing harm."),
    # Already over when the demo is loaded: its requests wait for their outcomes.
    ("Talk: Museums for everyone", -4, 18, 2, "Main Hall, 1 Museum Street", False,
     "A quiet room is open all evening.",
     "A curator and a disabled visitors' panel on who museums are built for."),
]


# What each event provides to everyone: (a catalogue accommodation, or None and a name; where
# or how). The roundtable's hearing loop is the catalogue's, so a request for it says at once
# that it is already there.
PROVISIONS = {
    "Public lecture: Cities that listen": [
        (None, "Step-free route", "Lift and ramps from the Museum Street entrance"),
        (None, "Livestream with automated captions", "On the event page on the day")],
    "Roundtable: Archives and memory": [
        ("Assistive listening device or hearing loop", "",
         "The room's hearing loop covers every seat: switch your hearing aid to T"),
        (None, "Step-free route", "Level access from Museum Street")],
    "Screening: The Long Walk (with discussion)": [
        (None, "Open captions", "On the film itself"),
        (None, "Wheelchair spaces", "Row A, each with a companion seat")],
    "Online seminar: Data and disability": [
        (None, "Automated captions", "In the video platform: turn on CC")],
    "Talk: Museums for everyone": [
        (None, "Hearing loop", "Covers the whole Main Hall")],
}
# The online seminar's joining link: only in attendees' calendar files and status pages.
ONLINE_URLS = {"Online seminar: Data and disability":
               "https://meet.example.org/data-and-disability"}

HOST = "Example Institute"
PARTNER = "City Archives Trust"
COSPONSORED = "Roundtable: Archives and memory"  # hosted by HOST, co-sponsored by PARTNER

# team, notification address, default team of HOST, accommodations its rules send to it
TEAMS = [
    ("Communications access", "communications-access@example.org", False,
     ["Sign language interpretation", "Human real-time captioning (CART)"]),
    ("Front of house", "front-of-house@example.org", True,
     ["Assistive listening device or hearing loop",
      "Wheelchair-accessible seating and step-free route", "Reserved seating",
      "Personal assistant or companion admission"]),
    ("Publications", "publications@example.org", False,
     ["Large print materials", "Braille materials", "Accessible digital materials in advance"]),
]
COORDINATOR_TEAM = "Communications access"


def _routing(catalogue: dict[str, AccommodationType]) -> tuple[Organisation, Organisation]:
    """The two organisations, the host's three teams and one rule per accommodation listed.

    Rules are written only into an empty rule list, so an admin's edits are never duplicated.
    """
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    for name in (HOST, PARTNER):
        if name not in organisations:
            organisations[name] = Organisation(name=name)
            db.session.add(organisations[name])
    host = organisations[HOST]
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    for name, address, is_default, _types in TEAMS:
        if name not in teams:
            teams[name] = Team(organisation=host, name=name, notification_email=address,
                               is_default=is_default)
            db.session.add(teams[name])
    staff = {u.email: u for u in db.session.scalars(select(StaffUser))}
    for email, _name, role in DEMO_STAFF:
        user = staff.get(email)
        wanted = [t for n, t in teams.items() if role == Role.ADMIN or n == COORDINATOR_TEAM]
        for team in wanted:
            if user is not None and user not in team.members:
                team.members.append(user)
    if db.session.scalar(select(db.func.count()).select_from(RoutingRule)) == 0:
        position = 0
        for name, _address, _default, type_names in TEAMS:
            for type_name in type_names:
                position += 1
                db.session.add(RoutingRule(position=position, team=teams[name],
                                           accommodation_type=catalogue[type_name]))
    return host, organisations[PARTNER]


def _catalogue() -> dict[str, AccommodationType]:
    existing = {t.name: t for t in db.session.scalars(select(AccommodationType))}
    for position, (name, description, lead, label, hint) in enumerate(CATALOGUE):
        if name not in existing:
            existing[name] = AccommodationType(
                name=name, description=description, lead_time_days=lead,
                details_label=label, details_hint=hint, position=position,
            )
            db.session.add(existing[name])
    return existing


# Providers the demo team books: name, kind, email, free cancellation hours, terms.
DEMO_PROVIDERS = [
    ("Hands Up Interpreting", ProviderKind.SIGN_LANGUAGE, "bookings@handsup.example", 48,
     "Free until 48 hours before, then the full fee."),
    ("Clear Captions", ProviderKind.CAPTIONING, "hello@clearcaptions.example", 24,
     "Free until 24 hours before; half the fee after."),
]


def _providers() -> int:
    """The demo's providers, unless a provider of that name is there already."""
    names = set(db.session.scalars(select(Provider.name)))
    added = 0
    for name, kind, email, hours, terms in DEMO_PROVIDERS:
        if name not in names:
            db.session.add(Provider(name=name, kind=kind, email=email, cancellation_terms=terms,
                                    free_cancellation_hours=hours))
            added += 1
    return added


def load_demo(today: datetime | None = None) -> dict[str, int]:
    """Add what is missing; running it again changes nothing. Returns counts added."""
    added = {"catalogue": 0, "events": 0, "staff": 0, "providers": 0}
    before = db.session.scalar(select(db.func.count()).select_from(AccommodationType))
    catalogue = _catalogue()
    added["catalogue"] = len(catalogue) - before
    emails = set(db.session.scalars(select(StaffUser.email)))
    for email, name, role in DEMO_STAFF:
        if email not in emails:
            user = StaffUser(email=email, name=name, role=role)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            added["staff"] += 1
    db.session.flush()
    host, partner = _routing(catalogue)
    now = today or utcnow()
    today = now.date()
    zone = ZoneInfo("Europe/London")
    # Only upcoming events count, so a demo database loaded months ago gets fresh events; the
    # event already over is added once.
    titles = set(db.session.scalars(select(Event.title).where(Event.starts_at > now)))
    every_title = set(db.session.scalars(select(Event.title)))
    for title, days, hour, hours, venue, online, provided, description in EVENTS:
        if title in (every_title if days < 0 else titles):
            continue
        starts = datetime.combine(today + timedelta(days=days), time(hour), zone)
        types = [t for n, t in catalogue.items() if not (not venue and n in ONLINE_EXCLUDED)]
        event = Event(
            title=title, description=description, starts_at=starts,
            ends_at=starts + timedelta(hours=hours), timezone="Europe/London", venue=venue,
            is_online=online, access_provided=provided, accommodation_types=types,
            organisation=host, cosponsors=[partner] if title == COSPONSORED else [],
            online_url=ONLINE_URLS.get(title))
        db.session.add(event)
        db.session.flush()
        for kind_name, name, how in PROVISIONS.get(title, []):
            add_provision(event, ProvisionDetails(
                accommodation_type=catalogue.get(kind_name) if kind_name else None,
                name=name, how=how))
        added["events"] += 1
    added["providers"] = _providers()
    db.session.commit()
    return added
