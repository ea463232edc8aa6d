"""Demo work for ``flask demo``: requests in every status and problem reports, so the queue, a
request's page and the admin pages show real work the first time.

Built only through the services staff and attendees use (submit, assign, change status, note,
move, the attendee's message and cancelling, problem reports), so every count, history entry,
status link and outbox message is what real use would leave, and whatever those services
record in future comes along. Loaded once, into a database with no requests (and no reports):
a later ``flask demo`` adds nothing. Needs ``demo.load_demo``'s events, catalogue, staff and
teams.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from .arranging.models import Booking, BookingStatus, Provider
from .arranging.outcomes import OutcomeChoice, record_outcomes
from .arranging.services import BookingDetails, create_booking, set_met_by, update_booking
from .auth.models import StaffUser
from .demo import DEMO_STAFF, EVENTS
from .events.models import AccommodationType, Event
from .extensions import db
from .feedback.models import AccessibilityReport
from .feedback.services import resolve_report, submit_report
from .notifications.models import EmailStatus, OutgoingEmail
from .requests.models import (AccessRequest, ContactChannel, HistoryEntry, ReceivedVia,
                              RequestedAccommodation, StatusLink)
from .requests.outcomes import ItemOutcome, NeedsMet, ShortfallReason
from .requests.services import (Submission, add_attendee_message, answer_needs_met,
                                cancel_by_attendee, submit_request)
from .requests.states import RequestStatus
from .routing.models import Team
from .timeutil import utcnow
from .triage import services as triage
from .triage.canned import CannedReplyDetails, save_canned_reply
from .triage.models import CannedReply

ADMIN, COORDINATOR = (email for email, _name, _role in DEMO_STAFF)


@dataclass(frozen=True)
class DemoRequest:
    """One attendee's request and what happened to it, step by step.

    A step is (who, action, *arguments): who is a staff email or ATTENDEE; actions are
    "assign" (to whom), "status" (target, message), "note", "reply", "move" (team, reason),
    "met_by" (accommodation, how it is met without a booking), "message" (attendee) and
    "cancel" (attendee, reason).
    """

    event: str
    needs: dict[str, str]  # accommodation -> details
    contact_name: str
    contact_email: str
    channel: ContactChannel = ContactChannel.EMAIL
    phone: str = ""
    attendee_name: str | None = None
    anything_else: str = ""
    steps: tuple[tuple, ...] = ()
    # A request that reached staff another way: (the staff email who recorded it, how it came).
    recorded: tuple[str, ReceivedVia] | None = None
    # For the event already over: what happened after it ("outcome" (accommodation, outcome,
    # reason, note), "status", and the attendee's "needs_met" (answer, words)).
    after_event: tuple[tuple, ...] = ()


ATTENDEE = "attendee"
LECTURE, ROUNDTABLE, SCREENING, SEMINAR, PAST_TALK = (e[0] for e in EVENTS)
S = RequestStatus

DEMO_REQUESTS = [
    # New, nobody has looked yet (Communications access).
    DemoRequest(LECTURE, {"Sign language interpretation": "BSL"}, "Priya Natarajan",
                "priya.natarajan@example.net"),
    # Late: the seminar is 9 days away, captioning needs 14 days' notice. Taken by the
    # coordinator, who is trying.
    DemoRequest(SEMINAR, {"Human real-time captioning (CART)": ""}, "Tomasz Wróbel",
                "t.wrobel@example.net",
                anything_else="I will join from a laptop; captions in their own window would help.",
                steps=((COORDINATOR, "assign", COORDINATOR),
                       (COORDINATOR, "status", S.IN_REVIEW, ""),
                       (COORDINATOR, "note", "Short notice: asked the captioning agency for "
                        "anyone free that afternoon. They answer by tomorrow noon."))),
    # In review, for someone else, who prefers a phone call (Front of house).
    DemoRequest(ROUNDTABLE, {"Wheelchair-accessible seating and step-free route":
                             "Room for a power chair, with my mother's seat beside it.",
                             "Personal assistant or companion admission": ""},
                "Hannah Ellis", "hannah.ellis@example.net", ContactChannel.PHONE,
                "07700 900123", attendee_name="Margaret Ellis",
                steps=((ADMIN, "assign", ADMIN),
                       (ADMIN, "status", S.IN_REVIEW, ""),
                       (ADMIN, "note", "Row A, space 2 held for the chair; companion ticket "
                        "to add at the desk. Call Hannah to confirm the arrival time."),
                       (ADMIN, "reply", "We are keeping a space for the chair in row A, with "
                        "a seat beside it. We will phone you this week to agree the arrival "
                        "time and the step-free entrance."))),
    # Waiting for the attendee's answer (Publications).
    DemoRequest(SCREENING, {"Braille materials": ""}, "Jonas Berg", "jonas.berg@example.net",
                steps=((ADMIN, "status", S.NEEDS_INFO,
                        "Which braille grade do you read, and would you like the discussion "
                        "questions in braille as well as the programme?"),)),
    # The attendee answered the team's question: back with the team (Communications access).
    DemoRequest(LECTURE, {"Sign language interpretation": "",
                          "Reserved seating": "Near the front, on the interpreter's side."},
                "Amara Osei", "amara.osei@example.net", ContactChannel.VIDEO_RELAY,
                steps=((COORDINATOR, "assign", COORDINATOR),
                       (COORDINATOR, "status", S.NEEDS_INFO,
                        "Which sign language would you like? And which side of the stage "
                        "should the interpreter stand, for the seat you prefer?"),
                       (ATTENDEE, "message", "BSL, please. The left side of the stage is "
                        "best: I will sit in the front row on that side."))),
    # Arranged (Front of house).
    DemoRequest(ROUNDTABLE, {"Assistive listening device or hearing loop": ""},
                "David Cohen", "david.cohen@example.net",
                steps=((ADMIN, "met_by", "Assistive listening device or hearing loop",
                        "The Seminar Room 2 hearing loop, tested the week before"),
                       (ADMIN, "status", S.ARRANGED,
                        "The room's hearing loop covers every seat: switch your hearing aid "
                        "to T. If you prefer a personal receiver, ask at the desk."),)),
    # Partly arranged, by the coordinator (Communications access: captioning decides).
    DemoRequest(LECTURE, {"Human real-time captioning (CART)": "",
                          "Reserved seating": "Where I can see the caption screen."},
                "Li Wei", "li.wei@example.net",
                steps=((COORDINATOR, "assign", COORDINATOR),
                       (COORDINATOR, "status", S.PARTIALLY_ARRANGED,
                        "A captioner is booked: captions will be on the screen left of the "
                        "stage and on the livestream. The front rows are kept for speakers' "
                        "guests, so we reserved seat C4, with a clear view of the caption "
                        "screen. If you would rather sit elsewhere, reply here.",
                        ShortfallReason.VENUE),)),
    # Could not be arranged, with what is offered instead (Publications).
    DemoRequest(SEMINAR, {"Accessible digital materials in advance": "Tagged PDF"},
                "Rosa Martínez", "rosa.martinez@example.net",
                steps=((ADMIN, "status", S.UNABLE,
                        "The speakers are still writing their slides and cannot share them "
                        "before the seminar. We will send you the slides as tagged PDF and a "
                        "transcript within three working days after it. If that does not "
                        "work for you, reply and we will look for another way.",
                        ShortfallReason.NOTICE),)),
    # The talk that is over. Arranged, outcomes recorded, closed, and the attendee said it met
    # their needs (Front of house, as the default team: no rule names a quiet room).
    DemoRequest(PAST_TALK, {"Quiet room or low-sensory space": ""}, "Sam Rivera",
                "sam.rivera@example.net",
                steps=((ADMIN, "met_by", "Quiet room or low-sensory space",
                        "Room 4 kept free as a quiet room all evening"),
                       (ADMIN, "status", S.ARRANGED,
                        "Room 4, next to the Main Hall, is a quiet room for the whole evening. "
                        "Staff at the door will show you the way.")),
                after_event=((ADMIN, "outcome", "Quiet room or low-sensory space",
                              ItemOutcome.DELIVERED, None, "Used for most of the second half"),
                             (ATTENDEE, "needs_met", NeedsMet.YES,
                              "Having the quiet room made the evening possible for me."),
                             (ADMIN, "status", S.CLOSED,
                              "Thank you for telling us. The quiet room is now part of every "
                              "talk in the series, and the event pages say so."))),
    # The talk that is over, waiting for its outcomes: an interpreter pair was booked and
    # confirmed (Communications access).
    DemoRequest(PAST_TALK, {"Sign language interpretation": "BSL"}, "Kwame Asante",
                "kwame.asante@example.net",
                steps=((COORDINATOR, "assign", COORDINATOR),
                       (COORDINATOR, "book", "Sign language interpretation",
                        "Hands Up Interpreting"),
                       (COORDINATOR, "status", S.ARRANGED,
                        "Two BSL interpreters are booked; they will stand to the left of the "
                        "stage. Seats in the first two rows on that side are kept for you."))),
    # The same talk: captions were booked, and the attendee has said they did not work; the
    # team has not recorded outcomes yet (Communications access).
    DemoRequest(PAST_TALK, {"Human real-time captioning (CART)": ""}, "Inês Duarte",
                "ines.duarte@example.net",
                steps=((COORDINATOR, "book", "Human real-time captioning (CART)",
                        "Clear Captions"),
                       (COORDINATOR, "status", S.ARRANGED,
                        "A captioner is booked: live captions will be on the screen beside "
                        "the stage.")),
                after_event=((ATTENDEE, "needs_met", NeedsMet.NO,
                              "The captions stopped after ten minutes and never came back. "
                              "I followed very little of the discussion."),)),
    # Cancelled by the attendee (Communications access).
    DemoRequest(ROUNDTABLE, {"Sign language interpretation": "Irish Sign Language"},
                "Aoife Byrne", "aoife.byrne@example.net",
                steps=((ATTENDEE, "cancel", "I can no longer come that day. Thank you."),)),
    # Routed to the default team, then moved to the team that can act on it.
    DemoRequest(SCREENING, {"Other": "The printed programme in a larger font, and a seat "
                                     "near the screen."},
                "Ben Okafor", "ben.okafor@example.net",
                steps=((ADMIN, "move", "Publications",
                        "The main need is the large-print programme; Publications will agree "
                        "the seat with front of house."),)),
    # Late for large print (28 days; the roundtable is 20 days away). Its confirmation email
    # is the outbox's failed message (see _demo_failed_email).
    DemoRequest(ROUNDTABLE, {"Large print materials": "24 point"}, "Grace Mensah",
                "grace.mensah@example.net"),
    # Came by phone from someone with no email address: recorded by the coordinator, who
    # phones back with news (Front of house).
    DemoRequest(LECTURE, {"Wheelchair-accessible seating and step-free route": ""},
                "Eileen Murphy", "", ContactChannel.PHONE, "01632 960 417",
                anything_else="Phoned the front desk. Comes with her own manual chair.",
                recorded=(COORDINATOR, ReceivedVia.PHONE)),
]
FAILED_EMAIL_TO = "grace.mensah@example.net"

# description, where, name, email, resolution (None: still open)
DEMO_REPORTS = [
    ("My screen reader reads the hint under the details box twice.",
     "The request form, sign language details", "Priya Natarajan",
     "priya.natarajan@example.net", None),
    ("The link in my confirmation email just says 'here', so I could not tell where it goes.",
     "Confirmation email", "", "",
     "The email's link now names the status page. Checked with NVDA and VoiceOver."),
]


def _run_step(access_request: AccessRequest, step: tuple, staff: dict[str, StaffUser],
              teams: dict[str, Team]) -> None:
    who, action, *args = step
    if who == ATTENDEE:
        if action == "message":
            add_attendee_message(access_request, *args)
        elif action == "needs_met":
            answer_needs_met(access_request, *args)
        else:
            cancel_by_attendee(access_request, *args)
        return
    actor = staff[who]
    if action == "assign":
        triage.assign(access_request, actor, staff[args[0]])
    elif action == "status":
        target, message, *reason = args
        triage.change_status(access_request, actor, target, message,
                             shortfall=reason[0] if reason else None)
    elif action == "note":
        triage.add_note(access_request, actor, *args)
    elif action == "met_by":
        [item] = [i for i in access_request.items if i.accommodation_type.name == args[0]]
        set_met_by(item, actor, args[1])
    elif action == "reply":
        triage.reply(access_request, actor, *args)
    elif action == "move":
        triage.move_to_team(access_request, actor, teams[args[0]], args[1])
    elif action == "book":
        _book(access_request, actor, *args)
    elif action == "outcome":
        name, outcome, reason, note = args
        [item] = [i for i in access_request.items if i.accommodation_type.name == name]
        record_outcomes(access_request, actor, {item.id: OutcomeChoice(outcome, reason, note)})
    else:
        raise ValueError(f"unknown demo step {action!r}")


def _book(access_request: AccessRequest, actor: StaffUser, need: str, provider_name: str) -> None:
    """A booking of the provider for this request's accommodation, asked and then confirmed."""
    provider = db.session.scalar(select(Provider).where(Provider.name == provider_name))
    [item] = [i for i in access_request.items if i.accommodation_type.name == need]
    details = BookingDetails(provider=provider, items=[item], notes="Demo booking.",
                             estimated_cost=Decimal("150.00"), actual_cost=Decimal("150.00"))
    booking = create_booking(access_request.event, actor, details)
    update_booking(booking, actor, replace(
        details, cancellation_deadline_at=booking.cancellation_deadline_at),
        BookingStatus.CONFIRMED)


# How far ahead of its real date the talk that is over is staged while its requests are made
# (so they are asked for in time), and then moved back with everything about them.
STAGED_AHEAD = timedelta(days=30)


@contextmanager
def _before_it_took_place(event: Event):
    """Demo only: requests for an event that is already over are made through the usual
    services while the event is moved ``STAGED_AHEAD``; afterwards the event, its requests,
    their history, links, emails and bookings move back by the same time, so the story reads
    as it happened (asked for weeks before, not after the event)."""
    event.starts_at += STAGED_AHEAD
    event.ends_at += STAGED_AHEAD
    db.session.commit()
    yield
    back = -STAGED_AHEAD
    event.starts_at += back
    event.ends_at += back
    requests = list(db.session.scalars(select(AccessRequest).where(
        AccessRequest.event_id == event.id)))
    ids = [r.id for r in requests]
    rows = [*requests,
            *db.session.scalars(select(HistoryEntry).where(HistoryEntry.request_id.in_(ids))),
            *db.session.scalars(select(StatusLink).where(StatusLink.request_id.in_(ids))),
            *db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.request_id.in_(ids))),
            *db.session.scalars(select(Booking).where(Booking.event_id == event.id))]
    for row in rows:
        for column in row.__table__.columns:
            value = getattr(row, column.key)
            if isinstance(value, datetime) and column.key not in ("next_attempt_at",):
                setattr(row, column.key, value + back)
    db.session.commit()


def _demo_failed_email() -> None:
    """Demo-only adjustment: one message is shown as refused by the mail server, so the admin
    outbox has a failed row to look at and retry (the local mail catcher refuses nothing).
    The error says it is made up."""
    row = db.session.scalar(select(OutgoingEmail).where(
        OutgoingEmail.to_address == FAILED_EMAIL_TO,
        OutgoingEmail.status == EmailStatus.PENDING).order_by(OutgoingEmail.id))
    if row is None:
        return
    row.status = EmailStatus.DEAD
    row.attempts = 1
    row.last_error = (f"Demo data, not a real delivery: 550 5.1.1 <{FAILED_EMAIL_TO}>: "
                      "mailbox unavailable")
    db.session.commit()


# Canned replies as a team might keep them: (title, reply, accommodation, the status it goes
# with); admins change them at /admin/replies.
DEMO_REPLIES = (
    ("Interpreter confirmed",
     "Hello {first_name},\n\nA sign language interpreter is booked for {event} on "
     "{event_date}. They will stand to the left of the stage; the seats in the first two rows "
     "on that side are kept for people who asked.\n\nYour reference is {reference}.\n\n{team}",
     "Sign language interpretation", RequestStatus.ARRANGED),
    ("Need more details about seating",
     "Hello {first_name},\n\nSo that we keep the right space for you at {event}: will you "
     "come with a companion, and do you need space to transfer from your wheelchair to a "
     "seat?\n\n{team}",
     "Wheelchair-accessible seating and step-free route", RequestStatus.NEEDS_INFO),
    ("We are working on it",
     "Hello {first_name},\n\nThank you for your request ({reference}). We are arranging it "
     "now and will write again by the date we gave you.\n\n{team}", None,
     RequestStatus.IN_REVIEW),
)


def _demo_canned_replies(types: dict[str, AccommodationType], admin: StaffUser) -> None:
    """The demo's canned replies, into a database that has none (their types must exist)."""
    if db.session.scalar(select(func.count()).select_from(CannedReply)):
        return
    for title, body, type_name, status in DEMO_REPLIES:
        if type_name is not None and type_name not in types:
            continue
        save_canned_reply(None, admin, CannedReplyDetails(
            title=title, body=body, status=status,
            accommodation_type=types.get(type_name) if type_name else None))


@dataclass
class DemoWork:
    """What ``load_demo_work`` added, and the private status link of a request waiting for
    its attendee's answer (to see the attendee's side), when it added one."""

    requests: int = 0
    reports: int = 0
    waiting_link: str | None = None


def _demo_bookings(events: dict[str, Event], coordinator: StaffUser) -> None:
    """One interpreter booking shared by the lecture's two sign language requests, and a
    captioning booking for the seminar whose free cancellation ends tomorrow."""
    providers = {p.name: p for p in db.session.scalars(select(Provider))}
    plans = ((LECTURE, "Sign language interpretation", "Hands Up Interpreting", None,
              Decimal("480.00")),
             (SEMINAR, "Human real-time captioning (CART)", "Clear Captions",
              utcnow() + timedelta(hours=30), Decimal("295.00")))
    for title, need, provider_name, deadline, cost in plans:
        event, provider = events.get(title), providers.get(provider_name)
        if event is None or provider is None:
            continue
        items = db.session.scalars(
            select(RequestedAccommodation).join(AccessRequest).join(AccommodationType)
            .where(AccessRequest.event_id == event.id, AccommodationType.name == need,
                   AccessRequest.status != RequestStatus.CANCELLED)
            .order_by(RequestedAccommodation.id)).all()
        if items:
            create_booking(event, coordinator, BookingDetails(
                provider=provider, items=list(items), cancellation_deadline_at=deadline,
                estimated_cost=cost, notes="Demo booking."))


def load_demo_work() -> DemoWork:
    """Add the demo requests and problem reports, once: only into a database that has none.
    Needs load_demo's events, catalogue, staff and teams."""
    added = DemoWork()
    staff = {u.email: u for u in db.session.scalars(select(StaffUser))}
    if not db.session.scalar(select(func.count()).select_from(AccessRequest)):
        now = utcnow()
        events = {e.title: e for e in db.session.scalars(
            select(Event).where(Event.starts_at > now).order_by(Event.starts_at))}
        past = db.session.scalar(select(Event).where(Event.title == PAST_TALK,
                                                     Event.ends_at <= now))
        types = {t.name: t for t in db.session.scalars(select(AccommodationType))}
        teams = {t.name: t for t in db.session.scalars(select(Team))}
        stories = [story for story in DEMO_REQUESTS if story.event != PAST_TALK]
        added.requests += _tell(stories, events, types, staff, teams, added)
        if past is not None:
            talk = [story for story in DEMO_REQUESTS if story.event == PAST_TALK]
            with _before_it_took_place(past):
                made = _tell(talk, {PAST_TALK: past}, types, staff, teams, added)
            added.requests += made
            for story in talk:
                access_request = db.session.scalar(select(AccessRequest).where(
                    AccessRequest.event_id == past.id,
                    AccessRequest.contact_email == story.contact_email))
                for step in story.after_event:
                    _run_step(access_request, step, staff, teams)
        _demo_bookings(events, staff[COORDINATOR])
        _demo_failed_email()
    if ADMIN in staff:
        _demo_canned_replies({t.name: t for t in db.session.scalars(select(AccommodationType))},
                             staff[ADMIN])
    if not db.session.scalar(select(func.count()).select_from(AccessibilityReport)):
        for description, where, name, email, resolution in DEMO_REPORTS:
            report = submit_report(description, where=where, name=name, email=email)
            if resolution:
                resolve_report(report, staff[ADMIN], resolution)
            added.reports += 1
    return added


def _tell(stories, events: dict[str, Event], types: dict[str, AccommodationType],
          staff: dict[str, StaffUser], teams: dict[str, Team], added: DemoWork) -> int:
    """Make each story's request through the services and run its steps; returns how many."""
    made = 0
    for story in stories:
        event = events.get(story.event)
        chosen = {types[n].id: d for n, d in story.needs.items() if n in types}
        if event is None or len(chosen) != len(story.needs):
            continue  # an admin changed the demo's events or catalogue: skip, do not guess
        submission = Submission(
            contact_name=story.contact_name, contact_email=story.contact_email,
            contact_channel=story.channel, contact_phone=story.phone,
            attendee_name=story.attendee_name, anything_else=story.anything_else,
            accommodations=chosen, consented=True,
            email_updates=bool(story.contact_email))
        if story.recorded:
            recorder, via = story.recorded
            access_request, link = triage.record_request(event, submission, staff[recorder], via)
        else:
            access_request, link = submit_request(event, submission)
        for step in story.steps:
            _run_step(access_request, step, staff, teams)
        made += 1
        if access_request.status == RequestStatus.NEEDS_INFO:
            added.waiting_link = added.waiting_link or link
    return made
