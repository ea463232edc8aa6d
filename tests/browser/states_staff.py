"""Staff and admin pages in their states, the invitation page, and the error pages."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

import accessreq.auth.sessions as sessions
from accessreq.auth.models import Role, StaffUser
from accessreq.extensions import db
from accessreq.notifications.catcher import start_catcher
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.requests.services import add_attendee_message
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, Team
from accessreq.security import hash_token
from accessreq.timeutil import utcnow
from accessreq.triage.queries import QueueFilters
from accessreq.triage.saved_queue import save_view
from accessreq.triage.services import add_note, assign, change_status, reply

from helpers import cover_everything

from .helpers import SERVER_ERROR_ENDPOINT, SERVER_ERROR_PATH, State, World, free_port
from .states_public import (EVENT_TITLE, PROVIDED_TITLE, catalogue, closed_event, open_event,
                            provided_event)

INVITE_TOKEN = "browser-test-invitation-token-0123456789abcdef"


def full_queue(w: World) -> list:
    """Requests for two events in many statuses, some assigned, one late."""
    events = [open_event(w),
              w.make_event(title="Roundtable: Archives and memory", days_ahead=9, types=catalogue(w)),
              w.make_event(title="Screening: The Long Walk", days_ahead=2, types=catalogue(w))]
    kinds = catalogue(w)
    me, other = w.staff("coordinator"), w.staff("coordinator", "Bea Coordinator")
    people = ["Sam Attendee", "Noor Haddad", "Jo Okafor", "Li Wei", "María José Núñez",
              "Aroha Ngata", "Kwame Mensah", "Ines Duarte"]
    requests = []
    for n, person in enumerate(people):
        request, _url = w.make_request(event=events[n % 3], types=kinds[: 1 + n % 3],
                                       contact_name=person,
                                       contact_email=f"person{n}@example.net")
        requests.append(request)
    assign(requests[0], me, me)
    assign(requests[1], me, other)
    change_status(requests[2], me, RequestStatus.NEEDS_INFO, "Which sign language do you use?")
    change_status(requests[3], me, RequestStatus.IN_REVIEW)
    cover_everything(requests[4])
    change_status(requests[4], me, RequestStatus.ARRANGED, "All booked.")
    return requests


ATTENDEES = ["Sam Attendee", "Noor Haddad", "Jo Okafor", "Li Wei", "María José Núñez",
             "Aroha Ngata", "Kwame Mensah", "Ines Duarte", "Tomasz Wiśniewski", "Priya Raman",
             "Ada Lovelace-Byron", "Femi Adeyemi"]
MANY_EVENTS = [("Public lecture: Cities that listen", 40), ("Roundtable: Archives and memory", 12),
               ("Screening: The Long Walk", 2)]


def many_requests(w: World) -> dict:
    """24 requests held by a team the coordinator is in, for three events, asking for one to
    three things; every fifth has an unanswered message from its attendee."""
    if "many" in w._data:
        return w._data["many"]
    centre = Organisation(name="Museum Centre")
    team = Team(organisation=centre, name="Communications access",
                notification_email="comms@example.org", is_default=True)
    db.session.add_all([centre, team])
    team.members = [w.staff("coordinator")]
    db.session.commit()
    kinds = catalogue(w)
    events = [w.make_event(title=title, days_ahead=days, types=kinds, organisation=centre)
              for title, days in MANY_EVENTS]
    requests = []
    for n in range(24):
        person = ATTENDEES[n % len(ATTENDEES)]
        request, _url = w.make_request(event=events[n % 3], types=kinds[: 1 + n % 3],
                                       contact_name=person, contact_email=f"person{n}@example.net")
        requests.append(request)
    waiting = requests[1::5]
    for request in waiting:
        add_attendee_message(request, "My interpreter's name is Alex; they know the venue.")
    w._data["many"] = dict(team=team, requests=requests, waiting=waiting)
    return w._data["many"]


def no_team_queue(w: World) -> list:
    """A coordinator in no team, an admin to ask, and requests no team holds (no routing is set
    up), which every coordinator sees."""
    w.staff("admin")
    event = open_event(w)
    return [w.make_request(event=event, types=catalogue(w)[:n], contact_name=person)[0]
            for n, person in ((1, "Robin Example"), (2, "Noor Haddad"))]


def _waiting_for_us(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue"))
    with page.expect_navigation():
        page.get_by_role("link", name="Waiting for us").click()
    assert "waiting=1" in page.url


def _filters_open(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue", q="Noor"))
    open_filters(page)


def request_with_history(w: World):
    request, _url = w.make_request(event=open_event(w), types=catalogue(w)[:2],
                                   details={catalogue(w)[0].id: "BSL"},
                                   anything_else="I lip-read too; a seat near the front helps.")
    me = w.staff("coordinator")
    assign(request, me, me)
    change_status(request, me, RequestStatus.NEEDS_INFO, "Do you need the interpreter for the Q&A too?")
    add_attendee_message(request, "Yes please, for the whole evening.")
    add_note(request, me, "Asked the agency for two interpreters (over 2 hours).")
    reply(request, me, "Thank you, we are booking two interpreters.")
    return request


MAIL_CORPUS = Path(__file__).resolve().parent.parent / "data" / "mail"


def request_with_email_in(w: World):
    """A request whose history has what email in adds: a reply by email, an out-of-office
    reply and a bounce (staff only), the bounced email's status."""
    from accessreq.inbound.services import store_message

    request, _url = w.make_request(event=open_event(w), types=catalogue(w)[:1],
                                   contact_email="sam@example.net")
    me = w.staff("coordinator")
    change_status(request, me, RequestStatus.NEEDS_INFO, "Which sign language do you use?")
    ours = db.session.scalars(select(OutgoingEmail.message_id).where(
        OutgoingEmail.request_id == request.id, OutgoingEmail.to_address == "sam@example.net")
        .order_by(OutgoingEmail.id.desc())).first()
    for name in ("gmail_reply_en.eml", "out_of_office.eml", "dsn_bounce.eml"):
        raw = (MAIL_CORPUS / name).read_text().replace("{{OUR_MESSAGE_ID}}", ours)
        raw = raw.replace("{{REFERENCE}}", request.reference).replace("{{CONTACT}}",
                                                                      "sam@example.net")
        store_message(raw.encode(), source="pipe")
    return request


INBOX_MAIL = [
    ("Robin Stranger", "robin@example.com", "Access at your events",
     "Hello, can I bring my assistance dog to next month's screening? I also need a seat "
     "near the aisle, as I use a walking frame. Thank you very much for your help."),
    ("Noor Haddad", "noor@example.net", "Captions for the lecture?",
     "Will the lecture on Thursday have live captions? I am hard of hearing."),
    ("", "li.wei@example.org", "", "Is the building step-free from the car park?"),
]


def inbox_mail(w: World) -> dict:
    """Unmatched emails in the inbox (one with an attachment and quoted text), and a request
    from the first sender, to attach one to."""
    from accessreq.inbound.services import store_message

    ids = []
    for n, (name, address, subject, body) in enumerate(INBOX_MAIL):
        sender = f"{name} <{address}>" if name else address
        raw = (f"From: {sender}\r\nTo: access@example.org\r\nSubject: {subject}\r\n"
               f"Message-ID: <inbox-{n}@example.com>\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               f"{body}\r\n\r\nOn Monday, the team wrote:\r\n> An earlier message\r\n")
        ids.append(store_message(raw.encode(), source="pipe").message_id)
    attachment = (MAIL_CORPUS / "attachment_unmatched.eml").read_bytes()
    ids.append(store_message(attachment, source="pipe").message_id)
    request, _url = w.make_request(event=open_event(w), types=catalogue(w)[:1],
                                   contact_name="Robin Stranger",
                                   contact_email="robin@example.com")
    return {"ids": ids, "request": request}


def inbox_mail_with_files(w: World) -> dict:
    """An email whose files were partly kept: a photo (kept), a program and a web page (not)."""
    from email.message import EmailMessage

    from accessreq.inbound.services import store_message

    message = EmailMessage()
    message["From"], message["To"] = "Noor Haddad <noor@example.net>", "access@example.org"
    message["Subject"], message["Message-ID"] = "Photos of the entrance", "<files-1@example.net>"
    message.set_content("Here is the step at the side entrance I mentioned.")
    for name, kind, content in (("entrance.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
                                ("viewer.exe", "application/x-msdownload", b"MZ\x90\0"),
                                ("map.html", "text/html", b"<p>map</p>")):
        main, sub = kind.split("/")
        message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return {"ids": [store_message(message.as_bytes(), source="pipe").message_id]}


def _inbox_search(w: World, page, _data) -> None:
    w.goto(page, w.path("inbox.index"))
    page.fill("main form[method=get] input[name=q]", "noor")
    w.submit(page, form="main form[method=get]")
    assert "q=noor" in page.url


def _inbox_message(w: World, page, data) -> None:
    w.goto(page, w.path("inbox.message", inbound_id=data["ids"][-1]))


def _inbox_attach(w: World, page, data) -> None:
    w.goto(page, w.path("inbox.attach_choose", inbound_id=data["ids"][0]))
    page.fill("main form[method=get] input[name=q]", "robin")
    w.submit(page, form="main form[method=get]")
    assert page.locator("main form[method=post]").count() >= 1


def _record_from_email(w: World, page, data) -> None:
    event = data["request"].event
    w.goto(page, w.path("record.new", event=event.id, inbound=data["ids"][0]))


def _detail(w: World, page, request) -> None:
    w.goto(page, w.path("triage.detail", request_id=request.id))


def _bounce_correction_error(w: World, page, request) -> None:
    """The bounce warning's correction form sent with an address that is not one."""
    _detail(w, page, request)
    page.fill("#correct_email-email", "sam at example dot net")
    w.submit(page, form=f"main form[action='{w.path('triage.correct_email', request_id=request.id)}']")
    assert page.locator("#correct_email-email-error").count()


def _detail_action_error(w: World, page, request) -> None:
    _detail(w, page, request)
    w.submit(page, form=f"main form[action='{w.path('triage.compose', request_id=request.id)}']")


def _stale_reply(w: World, page, request) -> None:
    """Someone else acts on the request while this page is open; this reply is then refused."""
    _detail(w, page, request)
    reply(request, w.staff("coordinator", "Bea Coordinator"), "We have booked the interpreter.")
    page.check("#compose-mode-0")
    page.fill("#compose-body", "Thank you, the interpreter is booked.")
    w.submit(page, form=f"main form[action='{w.path('triage.compose', request_id=request.id)}']",
             button=".composer__send")


def _note_chosen(w: World, page, request) -> None:
    """The composer with "Internal note" chosen: the dashed box, its "Staff only" banner, and
    only the "Save note" button."""
    _detail(w, page, request)
    page.check("#compose-mode-1")
    page.fill("#compose-body", "Agency confirmed Jo and Sam.")
    assert page.locator(".composer__note-banner").is_visible()
    assert not page.locator(".composer__send").is_visible()


def _note_with_status(w: World, page, request) -> None:
    """A note that tries to change the status is refused, with the choice and text kept."""
    _detail(w, page, request)
    page.select_option("#compose-status", "arranged")  # chosen first, then a change of mind
    page.check("#compose-mode-1")
    assert page.locator("#compose-status").is_visible()  # a chosen status stays in view
    page.fill("#compose-body", "Arranged, I think.")
    w.submit(page, form=f"main form[action='{w.path('triage.compose', request_id=request.id)}']",
             button=".composer__save-note")
    assert page.is_checked("#compose-mode-1") and page.locator("#compose-status-error").count()


def _unable_without_reason(w: World, page, request) -> None:
    """"Unable to arrange" shows the main-reason field; sent without one, the reply comes back
    with the reason asked for beside its field and everything kept."""
    _detail(w, page, request)
    assert not page.locator("#compose-shortfall").is_visible()  # nothing to ask yet
    page.check("#compose-mode-0")
    page.fill("#compose-body", "We could not find an interpreter for that evening.")
    page.select_option("#compose-status", "unable")
    assert page.locator("#compose-shortfall").is_visible()
    w.submit(page, form=f"main form[action='{w.path('triage.compose', request_id=request.id)}']",
             button=".composer__send")
    assert page.locator("#compose-shortfall-error").is_visible()
    assert page.input_value("#compose-body").startswith("We could not find an interpreter")


def open_filters(page) -> None:
    """Unfold the queue's "Filter and sort" (a <details>, closed so the rows come first)."""
    page.locator("main details.queue-filters > summary").click()


def _filter_queue(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue"))
    open_filters(page)
    page.select_option("main form[method=get] select[name=status]", "all")
    w.submit(page, form="main form[method=get]")
    assert "status=all" in page.url


def queue_with_views(w: World) -> list:
    """The full queue, the coordinator's two saved views and one an admin shared."""
    requests = full_queue(w)
    me, admin = w.staff("coordinator"), w.staff("admin")
    save_view(me, "Assigned to me", QueueFilters(assignee="mine"))
    save_view(me, "Everything, newest first", QueueFilters(status="all", sort="newest"))
    save_view(admin, "Waiting for us", QueueFilters(status="all", waiting=True), shared=True)
    save_view(admin, "Needs information (admin's own)", QueueFilters(status="needs_info"))
    return requests


def _saved_view_current(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue", assignee="mine"))
    assert page.locator("nav[aria-label='Saved views'] [aria-current=true]").count() == 1


def _save_view_error(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue", assignee="mine"))
    page.fill("input[name=view-name]", "Assigned to me")
    w.submit(page, form="main form.save-view")
    assert page.locator("#view-name-error").count() == 1


def _login_error(w: World, page, _data) -> None:
    w.goto(page, w.path("auth.login"))
    page.fill("input[name=email]", "cory@example.org")
    page.fill("input[name=password]", "not the password")
    w.submit(page)


def invited(w: World) -> StaffUser:
    user = StaffUser(email="new.person@example.org", name="New Person", role=Role.COORDINATOR,
                     invite_token_hash=hash_token(INVITE_TOKEN),
                     invite_expires_at=utcnow() + timedelta(days=7))
    db.session.add(user)
    db.session.commit()
    return user


def _invite_errors(w: World, page, _user) -> None:
    w.goto(page, w.path("auth.accept_invite", token=INVITE_TOKEN))
    w.submit(page)


def _submit_empty(endpoint: str):
    def open_(w: World, page, _data) -> None:
        w.goto(page, w.path(endpoint))
        w.submit(page)

    return open_


def _edit(endpoint: str, errors: bool = False):
    """Open an edit page; with ``errors``, empty its first required text box and save."""
    def open_(w: World, page, thing) -> None:
        w.goto(page, w.path_for(endpoint, thing.id))
        if errors:
            page.locator("main form input[required]:visible").first.fill("")
            w.submit(page)

    return open_


def providers(w: World):
    """Three providers, one no longer offered; returns the first, to edit."""
    from accessreq.arranging.models import ProviderKind
    from accessreq.arranging.services import ProviderDetails, save_provider

    first = save_provider(None, ProviderDetails(
        name="Hands Up Interpreting", kind=ProviderKind.SIGN_LANGUAGE,
        email="bookings@handsup.example", phone="01632 960 001", free_cancellation_hours=48,
        cancellation_terms="Free until 48 hours before, then the full fee"))
    save_provider(None, ProviderDetails(name="Clear Captions", kind=ProviderKind.CAPTIONING,
                                        email="hello@clearcaptions.example"))
    save_provider(None, ProviderDetails(name="Old Print Shop", kind=ProviderKind.PRINT_BRAILLE,
                                        active=False))
    return first


def bookings(w: World) -> dict:
    """Two requests for sign language at one event, one of which also needs a seat; a booking
    covering both interpreting needs, flagged because the second attendee cancelled; the seat
    met without a booking."""
    from accessreq.arranging.services import BookingDetails, create_booking, set_met_by
    from accessreq.requests.services import cancel_by_attendee

    event = w.make_event(title="Roundtable: Archives and memory", days_ahead=9,
                         types=catalogue(w))
    kinds = catalogue(w)
    first, _ = w.make_request(event=event, types=kinds[:2], contact_name="Sam Attendee",
                              contact_email="sam@example.net")
    second, _ = w.make_request(event=event, types=kinds[:1], contact_name="Noor Haddad",
                               contact_email="noor@example.net")
    hands = providers(w)
    booking = create_booking(event, None, BookingDetails(
        provider=hands, items=[first.items[0], second.items[0]]))
    set_met_by(first.items[1], w.staff("coordinator"), "Kept a seat near the stage")
    cancel_by_attendee(second, "I cannot come after all.")
    return {"event": event, "request": first, "booking": booking}


PLAN_TITLE = "Roundtable: Archives and memory"
PAST_TITLE = "Talk: Museums for everyone"


def talk_that_is_over(w: World) -> dict:
    """A talk that took place yesterday: an interpreter pair delivered for two attendees, one
    of whom also asked for captions; outcomes recorded for the first request only (the
    captioner's connection failed), whose attendee answered "partly"; the second waits for
    its outcome."""
    from accessreq.arranging.models import BookingStatus
    from accessreq.arranging.outcomes import OutcomeChoice, record_outcomes
    from accessreq.arranging.services import (BookingDetails, create_booking, set_met_by,
                                              update_booking)
    from accessreq.requests.outcomes import ItemOutcome, NeedsMet, OutcomeReason
    from accessreq.requests.services import answer_needs_met

    kinds = catalogue(w)
    event = w.make_event(title=PAST_TITLE, days_ahead=20, types=kinds)
    sam, _ = w.make_request(event=event, types=kinds[:2], contact_name="Sam Attendee",
                            contact_email="sam@example.net", details={kinds[0].id: "BSL"})
    noor, _ = w.make_request(event=event, types=kinds[:1], contact_name="Noor Haddad",
                             contact_email="noor@example.net")
    details = BookingDetails(provider=providers(w), items=[sam.items[0], noor.items[0]])
    booking = create_booking(event, None, details)
    update_booking(booking, None, details, BookingStatus.CONFIRMED)
    me = w.staff("coordinator")
    set_met_by(sam.items[1], me, "Remote captioner booked by the venue")
    for request in (sam, noor):
        change_status(request, me, RequestStatus.ARRANGED, "All booked.")
    event.starts_at = utcnow() - timedelta(days=1, hours=2)
    event.ends_at = utcnow() - timedelta(days=1)
    db.session.commit()
    record_outcomes(sam, me, {
        sam.items[0].id: OutcomeChoice(ItemOutcome.DELIVERED),
        sam.items[1].id: OutcomeChoice(ItemOutcome.NOT_DELIVERED, OutcomeReason.EQUIPMENT,
                                       "The captioner's connection failed after ten minutes")})
    answer_needs_met(sam, NeedsMet.PARTLY, "The interpreters were excellent; without captions "
                     "I missed most of the questions.")
    return {"event": event, "request": sam, "waiting": noor, "booking": booking}


def _outcomes(w: World, page, data, key: str = "waiting") -> None:
    w.goto(page, w.path("outcomes.record", request_id=data[key].id))


def _outcomes_errors(w: World, page, data) -> None:
    """Not delivered, with no reason chosen: refused beside the reason, the words kept."""
    _outcomes(w, page, data)
    item = data["waiting"].items[0]
    page.check(f"#outcome_{item.id}-2")
    page.fill(f"#note_{item.id}", "Only one interpreter came")
    w.submit(page)
    assert page.input_value(f"#note_{item.id}") == "Only one interpreter came"


def _outcomes_before_the_event(w: World, page, data) -> None:
    w.goto(page, w.path("outcomes.record", request_id=data["request"].id))


def _follow_up(w: World, page, data) -> None:
    w.goto(page, w.path("outcomes.follow_up", request_id=data["request"].id, kind="transcript"))


def _follow_up_errors(w: World, page, data) -> None:
    """The message emptied: refused beside it, the subject kept."""
    _follow_up(w, page, data)
    page.fill("#body", "")
    w.submit(page)
    assert page.input_value("#subject").startswith("A transcript of")


def _needs_outcome(w: World, page, _data) -> None:
    w.goto(page, w.path("triage.queue", status="all", outcome="1"))


def run_sheet_event(w: World) -> dict:
    """The demo roundtable as front of house gets it: three people coming (one named by the
    parent who asked), an interpreter pair confirmed for two of them with times on the day, a
    seat kept, a wheelchair space still open, and what the event provides to everyone."""
    from accessreq.arranging.models import BookingStatus
    from accessreq.arranging.services import (BookingDetails, create_booking, set_met_by,
                                              update_booking)

    kinds = catalogue(w)
    event = w.make_event(title=PLAN_TITLE, days_ahead=9, types=kinds,
                         access_provided="Step-free venue. Automated captions on the screen.")
    sam, _ = w.make_request(event=event, types=[kinds[0], kinds[2]], contact_name="Sam Attendee",
                            contact_email="sam@example.net", details={kinds[0].id: "BSL"})
    noor, _ = w.make_request(event=event, types=kinds[:1], contact_name="Noor Haddad",
                             contact_email="noor@example.net")
    kim, _ = w.make_request(event=event, types=kinds[2:], contact_name="Alex Rivera",
                            attendee_name="Kim Rivera", contact_email="alex@example.net")
    hands = providers(w)
    details = BookingDetails(provider=hands, items=[sam.items[0], noor.items[0]],
                             provider_reference="HU-2027-118",
                             arrival_at=event.starts_at - timedelta(minutes=45),
                             starts_at=event.starts_at, ends_at=event.ends_at)
    booking = create_booking(event, None, details)
    update_booking(booking, None, details, BookingStatus.CONFIRMED)
    coordinator = w.staff("coordinator")
    set_met_by(sam.items[1], coordinator, "Wheelchair space H3, near the stage; met at the door")
    set_met_by(noor.items[0], coordinator, "Front row, left, facing the interpreters")
    return {"event": event, "request": sam, "booking": booking, "unseen": kim}


def empty_plan_event(w: World):
    return w.make_event(title=PLAN_TITLE, days_ahead=9, types=catalogue(w),
                        access_provided="Step-free venue.")


def _plan(endpoint: str):
    def open_(w: World, page, data) -> None:
        event = data if not isinstance(data, dict) else data["event"]
        w.goto(page, w.path(endpoint, event_id=event.id))
    return open_


def _booking_new(w: World, page, data) -> None:
    w.goto(page, w.path("bookings.new", event_id=data["event"].id, request=data["request"].id))


def _booking_new_errors(w: World, page, data) -> None:
    _booking_new(w, page, data)
    page.uncheck("main form input[name=items] >> nth=0")
    w.submit(page)


def changed_wording(w: World) -> None:
    """One email's wording changed by the admin; the others on their defaults."""
    from accessreq.notifications.models import WordingKey
    from accessreq.notifications.wording import save_wording

    save_wording(WordingKey.PROVIDER_CONFIRM, w.staff("admin"), "Confirmed: {event}",
                 "Hello {provider},\n\nThank you: this confirms our booking.\n\n{team}")


def _wording_edit(key: str):
    return lambda w, page, _data: w.goto(page, w.path("wording_admin.edit", key=key))


def _wording_error(w: World, page, _data) -> None:
    w.goto(page, w.path("wording_admin.edit", key="followup_recording"))
    page.fill("main form textarea[name=body]", "Hello {name}, the recording is ready.")
    w.submit(page)


def canned_replies(w: World) -> list:
    """Three canned replies: one for any request, one for an accommodation, one for a status."""
    from accessreq.triage.canned import CannedReplyDetails, save_canned_reply

    kinds, admin = catalogue(w), w.staff("admin")
    details = [
        CannedReplyDetails("Thank you, we are on it",
                           "Hello {first_name},\n\nThank you for your request {reference} "
                           "for {event}. We are arranging it now.\n\n{team}"),
        CannedReplyDetails("Interpreter confirmed",
                           "Hello {first_name},\n\nA sign language interpreter is booked for "
                           "{event} on {event_date}.\n\n{team}", accommodation_type=kinds[0]),
        CannedReplyDetails("Which sign language?", "Hello {first_name}, which sign language "
                           "do you use?", status=RequestStatus.SUBMITTED),
    ]
    return [save_canned_reply(None, admin, d) for d in details]


def request_with_canned_replies(w: World):
    """The request with a history, and canned replies (two of the three fit it)."""
    request = request_with_history(w)
    return request, canned_replies(w)


def _canned_chosen(w: World, page, data) -> None:
    """The request page with the first canned reply chosen from its list: the composer is
    filled in, nothing sent."""
    request, replies = data
    w.goto(page, w.path("triage.detail", request_id=request.id))
    with page.expect_navigation():
        page.get_by_role("link", name=f"Use “{replies[0].title}”").click()
    assert "Thank you for your request" in page.locator("#compose-body").input_value()


def _canned_error(w: World, page, _data) -> None:
    w.goto(page, w.path("canned_admin.new"))
    page.fill("main form input[name=title]", "Interpreter confirmed")
    page.fill("main form textarea[name=body]", "Hello {name}, an interpreter is booked.")
    w.submit(page)


def booking_provider_without_email(w: World) -> dict:
    """The flagged booking, its provider with no email address."""
    data = bookings(w)
    data["booking"].provider.email = ""
    db.session.commit()
    return data


def _provider_email(kind: str, errors: bool = False):
    def open_(w: World, page, data) -> None:
        w.goto(page, w.path("bookings.email_provider", booking_id=data["booking"].id,
                            kind=kind))
        if errors:
            page.fill("main form input[name=subject]", "")
            page.check("main form input[name=needs]")
            w.submit(page)

    return open_


def _providers_search_nothing(w: World, page, _data) -> None:
    w.goto(page, w.path("providers.index"))
    page.fill("main form[method=get] input[name=q]", "nobody by this name")
    w.submit(page, form="main form[method=get]")
    assert "q=nobody" in page.url


def outbox(w: World) -> None:
    w.make_request(event=open_event(w))
    failed = db.session.scalars(select(OutgoingEmail)).first()
    failed.status = EmailStatus.DEAD
    failed.attempts = 8
    failed.last_error = "550 5.1.1 mailbox unavailable"
    # The other one was sent: listed with "Send again", its content deleted.
    sent = db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.id != failed.id)).first()
    sent.status, sent.sent_at = EmailStatus.SENT, failed.created_at
    sent.bounced_at = failed.created_at  # a delivery report came back (email in)
    sent.sealed_text = sent.sealed_html = sent.sealed_mime = None
    db.session.commit()


def caught_mail(w: World, *, as_sent: bool = False) -> str:
    """Deliver one real queued email (the attendee's confirmation) through the local mail
    catcher; return its id. ``as_sent``: with the Reply-To our emails carry (the access
    address) and text only, so its page offers "Reply as the attendee"."""
    w.make_request(event=open_event(w))
    row = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "request_received")).one()
    folder = Path(w.app.config["MAIL_CATCHER_DIR"])
    controller = start_catcher(folder, port=free_port())
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (
            w.app.config["MAIL_DEFAULT_SENDER"], row.to_address, row.subject)
        if as_sent:
            message["Reply-To"] = row.reply_to
        message["Message-ID"] = row.message_id
        message.set_content(row.body_text)
        if not as_sent:
            message.add_alternative(row.body_html, subtype="html")
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    return next(folder.glob("*.eml")).stem


def caught_attendee_mail(w: World) -> str:
    """A caught email to an attendee whose page offers "Reply as the attendee"."""
    return caught_mail(w, as_sent=True)


def _caught_reply(w: World, page, message_id) -> None:
    w.goto(page, w.path_for("mail_admin.caught_message", message_id))
    assert page.locator("#body").input_value().startswith("Thank you")


def _caught_reply_empty(w: World, page, message_id) -> None:
    _caught_reply(w, page, message_id)
    page.fill("#body", "")
    w.submit(page, form="main form[action$='/reply']")
    assert page.locator("#body-error").count()


# "Reply as the attendee" exists in development only: debug mode, mail to this machine.
DEVELOPMENT_MAIL = {"DEBUG": True, "MAIL_SERVER": "127.0.0.1"}


def _csrf_failure(w: World, page, _data) -> None:
    """A form posted without its CSRF token, as after a stale page or from another site."""
    w.app.config["WTF_CSRF_ENABLED"] = True
    w.goto(page, w.path("pages.accessibility"))
    with page.expect_navigation() as navigation:
        page.evaluate("""(action) => {
            const form = document.createElement('form');
            form.method = 'post'; form.action = action;
            document.body.append(form); form.submit();
        }""", w.path("auth.login"))
    assert navigation.value.status == 400


def problem_report(w: World) -> int:
    from accessreq.feedback.services import submit_report

    return submit_report("The date picker cannot be used with a keyboard.",
                         where="Admin: new event", name="Robin", email="robin@example.net").id


def _resolve_without_text(w: World, page, report_id) -> None:
    w.goto(page, w.path_for("feedback_staff.report_detail", report_id))
    w.submit(page, form="main form")


def _session_warning(w: World, page, request) -> None:
    """The warning before the idle end, as the script opens it (its clock run forward)."""
    page.clock.install()
    _detail(w, page, request)
    idle, warn = w.app.config["SESSION_IDLE_MINUTES"] * 60, w.app.config["SESSION_WARN_SECONDS"]
    page.clock.run_for((idle - warn + 1) * 1000)
    page.get_by_role("alertdialog").wait_for()


def _posted_after_idle_end(w: World, page, request) -> None:
    """Without the script: a reply sent after the session ended comes back to be copied."""
    _detail(w, page, request)
    page.check("#compose-mode-0")
    page.fill("#compose-body", "Thank you, the interpreters are booked for the whole evening.")
    real = sessions.utcnow
    sessions.utcnow = lambda: real() + timedelta(minutes=w.app.config["SESSION_IDLE_MINUTES"])
    try:  # sent just after the idle limit
        w.submit(page, form=f"main form[action='{w.path('triage.compose', request_id=request.id)}']",
                 button=".composer__send")
    finally:
        sessions.utcnow = real
    assert page.locator("textarea[readonly]").count() == 1


def _events_to_record_for(w: World) -> list:
    """An event taking requests and one closed to the public form (staff may still record)."""
    return [open_event(w), closed_event(w)]


def _record_form(w: World, page, events) -> None:
    w.goto(page, w.path("record.new", event=events[0].id))


def _record_form_errors(w: World, page, events) -> None:
    _record_form(w, page, events)
    page.fill("#contact_name", "Pat Caller")
    page.check("#email_updates-0")  # email updates wanted, but no address given
    w.submit(page)


def _record_phone_request(w: World, page, events) -> None:
    """A coordinator records a phone call from someone without email: the request's page
    follows, with the reference, the status link shown once and how to contact them."""
    _record_form(w, page, events)
    page.check("#received_via-0")  # phone call
    page.fill("#contact_name", "Pat Caller")
    page.check("#email_updates-1")  # no email updates
    page.check("#contact_channel-1")  # phone or text message
    page.fill("#contact_phone", "07700 900 982")
    page.check("#accommodations-1")
    page.check("#consent")
    w.submit(page)
    assert "/staff/requests/" in page.url and page.locator("#new-status-link").count() == 1


LONG_SUBJECT = ("Your access request AR-7KQ3-M2 for “Roundtable: Archives, memory and the "
                "long afterlife of community records in municipal collections” was received")
LONG_ADDRESS = ("maria-jose.nunez-fernandez.access-coordination@"
                "communications-and-accessibility.example-institute.example.org")


def caught_mail_long(w: World) -> None:
    """Caught messages with a long subject and long, unbroken addresses (one international)."""
    folder = Path(w.app.config["MAIL_CATCHER_DIR"])
    controller = start_catcher(folder, port=free_port())
    try:
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            for to in (LONG_ADDRESS, "zoë@exämple.org"):
                message = EmailMessage()
                message["From"] = "access-team-notifications@" + "x" * 40 + ".example.org"
                message["To"], message["Subject"] = to, LONG_SUBJECT
                message.set_content("A message with long values, to see the list wrap them.")
                smtp.send_message(message)
    finally:
        controller.stop()


def _timezone_error(w: World, page, _data) -> None:
    w.goto(page, w.path("events_admin.new_event"))
    page.fill("main form input[name=timezone]", "Atlantis/Central")
    w.submit(page)


def access_log(w: World) -> None:
    """Two people's sightings of several requests, more than one page of them, and the
    newest rows: a stored email opened and its original downloaded."""
    from accessreq.inbound.models import InboundLogEntry
    from accessreq.inbound.services import store_message
    from accessreq.requests.models import AccessLogEntry
    from accessreq.triage.access_log import PER_PAGE

    requests = full_queue(w)
    me, other = w.staff("coordinator"), w.staff("coordinator", "Bea Coordinator")
    start = utcnow() - timedelta(days=2)
    db.session.add_all(
        AccessLogEntry(staff_id=(me, other)[n % 2].id, request_id=requests[n % 5].id,
                       action=("view", "queue")[n % 3 == 0], at=start + timedelta(minutes=11 * n))
        for n in range(PER_PAGE + 5))
    raw = (b"From: someone@example.com\r\nTo: access@example.org\r\nSubject: A question\r\n"
           b"Message-ID: <access-log-1@example.com>\r\n\r\nHello.\r\n")
    inbound_id = store_message(raw, source="pipe").message_id
    db.session.add_all(
        InboundLogEntry(inbound_id=inbound_id, staff_id=other.id, action=action,
                        at=utcnow() - timedelta(minutes=n))
        for n, action in enumerate(("original", "view")))
    db.session.commit()


def _filter_access_log(w: World, page, _data) -> None:
    w.goto(page, w.path("access_log_admin.access_log_list"))
    page.select_option("main form[method=get] select[name=staff]", label="Bea Coordinator")
    w.submit(page, form="main form[method=get]")
    assert "staff=" in page.url


def _export_from_queue(w: World, page, _data) -> None:
    """The export page reached as people reach it: from the filtered queue's link."""
    w.goto(page, w.path("triage.queue", status="all", sort="newest"))
    with page.expect_navigation():
        page.get_by_role("link", name="Export these requests as CSV").click()
    assert "status=all" in page.url


def export_log(w: World) -> None:
    """More than a page of exports: from the queue (with and without personal columns, one
    stopped early), a report, and the shell (one never finished)."""
    from accessreq.exports.models import ExportLog
    from accessreq.exports.queries import PER_PAGE

    me, admin = w.staff("coordinator"), w.staff("admin")
    start = utcnow() - timedelta(days=3)
    for n in range(PER_PAGE + 3):
        at = start + timedelta(minutes=37 * n)
        kind = ("queue", "queue", "report", "cli")[n % 4]
        db.session.add(ExportLog(
            kind=kind, staff_id=None if kind == "cli" else (me, admin)[n % 2].id,
            run_by="ops" if kind == "cli" else "",
            description=("Open requests; my teams and requests no team holds; by due date, "
                         "soonest first") if kind == "queue" else "Requests received from "
                                                                  "2026-11-01 (UTC) to now",
            personal=n % 3 == 0, free_text=n % 5 == 0, row_count=n * 7, started_at=at,
            finished_at=None if n % 11 == 10 else at + timedelta(seconds=2),
            complete=n % 7 != 6))
    db.session.commit()


def event_to_cancel(w: World):
    """An open event with a request going ahead."""
    event = open_event(w)
    w.make_request(event=event, types=catalogue(w)[:1])
    return event


def cancelled_event(w: World):
    from accessreq.triage.event_cancelling import cancel_event

    event = event_to_cancel(w)
    cancel_event(event, w.staff("admin"), "The speaker is ill. We hope to hold the talk "
                                          "in the spring.")
    return event


def _cancel_without_reason(w: World, page, event) -> None:
    w.goto(page, w.path_for("event_cancelling.cancel_event", event.id))
    w.submit(page)


def _provision_error(w: World, page, event) -> None:
    """Where or how typed, but neither a catalogue accommodation nor a name."""
    w.goto(page, w.path_for("events_admin.provisions", event.id))
    page.fill("main form input[name=how]", "By the main door")
    w.submit(page, form="main form[action$='/provisions']")
    assert page.input_value("main form input[name=how]") == "By the main door"


def _account_saved(w: World, page, _data) -> None:
    """A person ticks the daily digest on their settings page and saves."""
    w.goto(page, w.path("account.settings"))
    page.check("main form input[name=daily_digest]")
    w.submit(page)
    assert page.is_checked("main form input[name=daily_digest]")


def _goto(endpoint: str, status: int = 200):
    return lambda w, page, _data: w.goto(page, w.path(endpoint), status=status)


STAFF = {"login_as": "coordinator"}
ADMIN = {"login_as": "admin"}

STAFF_STATES = [
    State("staff-login", ("auth.login",), open=_goto("auth.login")),
    State("staff-login-error", ("auth.login",), form_error=True, open=_login_error),
    State("staff-login-after-idle-post", ("auth.login",), **STAFF, build=request_with_history,
          open=_posted_after_idle_end),
    State("invite", ("auth.accept_invite",), build=invited,
          open=lambda w, page, _: w.goto(page, w.path("auth.accept_invite", token=INVITE_TOKEN))),
    State("invite-errors", ("auth.accept_invite",), form_error=True, build=invited,
          open=_invite_errors),
    State("invite-invalid", ("auth.accept_invite",),
          open=lambda w, page, _: w.goto(page, w.path("auth.accept_invite", token="no-such"),
                                         status=404)),
    State("queue-empty", ("triage.queue",), **STAFF, open=_goto("triage.queue")),
    State("session-warning", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_history, open=_session_warning),
    State("queue-full", ("triage.queue",), **STAFF, build=full_queue, open=_goto("triage.queue")),
    State("queue-filtered", ("triage.queue",), **STAFF, build=full_queue, open=_filter_queue),
    State("queue-many", ("triage.queue",), **STAFF, build=many_requests,
          open=_goto("triage.queue")),
    State("queue-waiting-for-us", ("triage.queue",), **STAFF, build=many_requests,
          open=_waiting_for_us),
    State("queue-filters-open", ("triage.queue",), **STAFF, build=many_requests,
          open=_filters_open),
    State("queue-saved-views", ("triage.queue",), **STAFF, build=queue_with_views,
          open=_saved_view_current),
    State("queue-save-view-error", ("triage.queue", "saved_views.save"), **STAFF,
          form_error=True, build=queue_with_views, open=_save_view_error),
    State("saved-views-empty", ("saved_views.manage",), **STAFF,
          open=_goto("saved_views.manage")),
    State("saved-views-list", ("saved_views.manage",), **ADMIN, build=queue_with_views,
          open=_goto("saved_views.manage")),
    State("account-settings", ("account.settings",), **STAFF,
          open=_goto("account.settings")),
    State("account-settings-saved", ("account.settings",), **ADMIN, open=_account_saved),
    State("queue-no-team", ("triage.queue",), **STAFF, build=no_team_queue,
          open=_goto("triage.queue")),
    State("request-detail", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_history, open=_detail),
    State("request-detail-canned-replies", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_canned_replies, open=_canned_chosen),
    State("request-detail-email-in", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_email_in, open=_detail),
    State("request-detail-bounce-warning", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_email_in, open=_detail),
    State("request-detail-bounce-correction-error", ("triage.detail", "triage.correct_email"),
          **STAFF, event_title=EVENT_TITLE, form_error=True, build=request_with_email_in,
          open=_bounce_correction_error),
    State("request-detail-action-error", ("triage.detail", "triage.compose"), **STAFF,
          event_title=EVENT_TITLE, form_error=True, build=request_with_history,
          open=_detail_action_error),
    State("request-detail-stale", ("triage.detail", "triage.compose"), **STAFF,
          event_title=EVENT_TITLE, form_error=True, build=request_with_history, open=_stale_reply),
    State("record-choose-event", ("record.new",), **STAFF, build=_events_to_record_for,
          open=_goto("record.new")),
    State("record-form", ("record.new",), **STAFF, event_title=EVENT_TITLE,
          build=_events_to_record_for, open=_record_form),
    State("record-form-errors", ("record.new",), **STAFF, event_title=EVENT_TITLE,
          form_error=True, build=_events_to_record_for, open=_record_form_errors),
    State("request-recorded-from-phone-without-email", ("triage.detail", "record.new"), **STAFF,
          event_title=EVENT_TITLE, build=_events_to_record_for, open=_record_phone_request),
    State("inbox-empty", ("inbox.index",), **STAFF, open=_goto("inbox.index")),
    State("inbox-with-rows", ("inbox.index",), **STAFF, build=inbox_mail,
          open=_goto("inbox.index")),
    State("inbox-search", ("inbox.index",), **STAFF, build=inbox_mail, open=_inbox_search),
    State("inbox-message", ("inbox.message",), **STAFF, build=inbox_mail, open=_inbox_message),
    State("inbox-message-files-not-kept", ("inbox.message",), **STAFF,
          build=inbox_mail_with_files, open=_inbox_message),
    State("inbox-attach-results", ("inbox.attach_choose",), **STAFF, build=inbox_mail,
          open=_inbox_attach),
    State("providers-empty", ("providers.index",), **STAFF, open=_goto("providers.index")),
    State("providers-with-rows", ("providers.index",), **STAFF, build=providers,
          open=lambda w, page, _data: w.goto(page, w.path("providers.index", inactive="y"))),
    State("providers-search-nothing", ("providers.index",), **STAFF, build=providers,
          open=_providers_search_nothing),
    State("provider-new", ("providers.new",), **STAFF, open=_goto("providers.new")),
    State("provider-new-errors", ("providers.new",), **STAFF, form_error=True,
          open=_submit_empty("providers.new")),
    State("provider-edit", ("providers.edit",), **STAFF, build=providers,
          open=_edit("providers.edit")),
    State("request-detail-arrangements", ("triage.detail",), **STAFF,
          event_title="Roundtable: Archives and memory", build=bookings,
          open=lambda w, page, data: w.goto(page, w.path_for("triage.detail",
                                                             data["request"].id))),
    State("queue-booking-warnings", ("triage.queue",), **STAFF, build=bookings,
          open=_goto("triage.queue")),
    State("booking-new", ("bookings.new",), **STAFF, event_title="Roundtable: Archives and memory",
          build=bookings, open=_booking_new),
    State("booking-new-errors", ("bookings.new",), **STAFF, form_error=True,
          event_title="Roundtable: Archives and memory", build=bookings,
          open=_booking_new_errors),
    State("booking-flagged", ("bookings.edit",), **STAFF,
          event_title="Roundtable: Archives and memory", build=bookings,
          open=lambda w, page, data: w.goto(page, w.path_for("bookings.edit",
                                                             data["booking"].id))),
    State("outcomes-form", ("outcomes.record",), **STAFF, event_title=PAST_TITLE,
          build=talk_that_is_over, open=_outcomes),
    State("outcomes-form-errors", ("outcomes.record",), **STAFF, event_title=PAST_TITLE,
          form_error=True, build=talk_that_is_over, open=_outcomes_errors),
    State("outcomes-before-the-event", ("outcomes.record",), **STAFF,
          event_title="Roundtable: Archives and memory", build=bookings,
          open=_outcomes_before_the_event),
    State("request-detail-after-the-event", ("triage.detail",), **STAFF, event_title=PAST_TITLE,
          build=talk_that_is_over,
          open=lambda w, page, data: w.goto(page, w.path_for("triage.detail",
                                                             data["request"].id))),
    State("follow-up-form", ("outcomes.follow_up",), **STAFF, event_title=PAST_TITLE,
          build=talk_that_is_over, open=_follow_up),
    State("follow-up-form-errors", ("outcomes.follow_up",), **STAFF, event_title=PAST_TITLE,
          form_error=True, build=talk_that_is_over, open=_follow_up_errors),
    State("queue-needs-outcome", ("triage.queue",), **STAFF, build=talk_that_is_over,
          open=_needs_outcome),
    State("booking-provider-email", ("bookings.email_provider",), **STAFF,
          event_title="Roundtable: Archives and memory", build=bookings,
          open=_provider_email("cancel")),
    State("booking-provider-email-errors", ("bookings.email_provider",), **STAFF,
          form_error=True, event_title="Roundtable: Archives and memory", build=bookings,
          open=_provider_email("ask", errors=True)),
    State("booking-provider-without-email", ("bookings.email_provider",), **STAFF,
          event_title="Roundtable: Archives and memory", build=booking_provider_without_email,
          open=_provider_email("ask")),
    State("met-by", ("bookings.met_by",), **STAFF, build=bookings,
          open=lambda w, page, data: w.goto(page, w.path_for("bookings.met_by",
                                                             data["request"].items[1].id))),
    State("plan-with-rows", ("plan.plan",), **STAFF, event_title=PLAN_TITLE,
          build=run_sheet_event, open=_plan("plan.plan")),
    State("plan-booking-flagged", ("plan.plan",), **STAFF, event_title=PLAN_TITLE,
          build=bookings, open=_plan("plan.plan")),
    State("plan-empty", ("plan.plan",), **STAFF, event_title=PLAN_TITLE,
          build=empty_plan_event, open=_plan("plan.plan")),
    State("run-sheet", ("plan.run_sheet",), **STAFF, event_title=PLAN_TITLE,
          build=run_sheet_event, open=_plan("plan.run_sheet")),
    State("run-sheet-empty", ("plan.run_sheet",), **STAFF, event_title=PLAN_TITLE,
          build=empty_plan_event, open=_plan("plan.run_sheet")),
    State("record-form-from-email", ("record.new",), **STAFF, event_title=EVENT_TITLE,
          build=inbox_mail, open=_record_from_email),
    State("request-detail-note-chosen", ("triage.detail",), **STAFF, event_title=EVENT_TITLE,
          build=request_with_history, open=_note_chosen),
    State("request-detail-note-with-status", ("triage.detail", "triage.compose"), **STAFF,
          event_title=EVENT_TITLE, form_error=True, build=request_with_history,
          open=_note_with_status),
    State("request-detail-unable-without-reason", ("triage.detail", "triage.compose"), **STAFF,
          event_title=EVENT_TITLE, form_error=True, build=request_with_history,
          open=_unable_without_reason),
    State("admin-staff", ("staff_admin.list_staff",), **ADMIN,
          build=lambda w: [w.staff("coordinator"), invited(w)],
          open=_goto("staff_admin.list_staff")),
    State("admin-staff-new", ("staff_admin.new_staff",), **ADMIN,
          open=_goto("staff_admin.new_staff")),
    State("admin-staff-new-errors", ("staff_admin.new_staff",), **ADMIN, form_error=True,
          open=_submit_empty("staff_admin.new_staff")),
    State("admin-staff-edit", ("staff_admin.edit_staff",), **ADMIN,
          build=lambda w: w.staff("coordinator"), open=_edit("staff_admin.edit_staff")),
    State("admin-staff-edit-errors", ("staff_admin.edit_staff",), **ADMIN, form_error=True,
          build=lambda w: w.staff("coordinator"), open=_edit("staff_admin.edit_staff", True)),
    State("admin-events-empty", ("events_admin.events",), **ADMIN,
          open=_goto("events_admin.events")),
    State("admin-events", ("events_admin.events",), **ADMIN,
          build=lambda w: [open_event(w), closed_event(w)], open=_goto("events_admin.events")),
    State("admin-event-new", ("events_admin.new_event",), **ADMIN, build=catalogue,
          open=_goto("events_admin.new_event")),
    State("admin-event-new-errors", ("events_admin.new_event",), **ADMIN, form_error=True,
          build=catalogue, open=_submit_empty("events_admin.new_event")),
    State("admin-event-new-timezone-error", ("events_admin.new_event",), **ADMIN,
          form_error=True, build=catalogue, open=_timezone_error),
    State("admin-event-edit", ("events_admin.edit_event",), **ADMIN, build=open_event,
          open=_edit("events_admin.edit_event")),
    State("admin-event-edit-errors", ("events_admin.edit_event",), **ADMIN, form_error=True,
          build=open_event, open=_edit("events_admin.edit_event", True)),
    State("admin-provisions-empty", ("events_admin.provisions",), **ADMIN, event_title=EVENT_TITLE,
          build=open_event, open=_edit("events_admin.provisions")),
    State("admin-provisions", ("events_admin.provisions",), **ADMIN, event_title=PROVIDED_TITLE,
          build=provided_event, open=_edit("events_admin.provisions")),
    State("admin-provisions-errors", ("events_admin.provisions",), **ADMIN, form_error=True,
          event_title=PROVIDED_TITLE, build=provided_event, open=_provision_error),
    State("admin-event-cancel", ("event_cancelling.cancel_event",), **ADMIN,
          event_title=EVENT_TITLE, build=event_to_cancel,
          open=_edit("event_cancelling.cancel_event")),
    State("admin-event-cancel-errors", ("event_cancelling.cancel_event",), **ADMIN,
          form_error=True, event_title=EVENT_TITLE, build=event_to_cancel,
          open=_cancel_without_reason),
    State("admin-event-cancel-already", ("event_cancelling.cancel_event",), **ADMIN,
          event_title=EVENT_TITLE, build=cancelled_event,
          open=_edit("event_cancelling.cancel_event")),
    State("admin-events-with-cancelled", ("events_admin.events",), **ADMIN,
          build=cancelled_event, open=_goto("events_admin.events")),
    State("admin-catalogue-empty", ("events_admin.catalogue",), **ADMIN,
          open=_goto("events_admin.catalogue")),
    State("admin-catalogue", ("events_admin.catalogue",), **ADMIN, build=catalogue,
          open=_goto("events_admin.catalogue")),
    State("admin-type-new", ("events_admin.new_type",), **ADMIN,
          open=_goto("events_admin.new_type")),
    State("admin-type-new-errors", ("events_admin.new_type",), **ADMIN, form_error=True,
          open=_submit_empty("events_admin.new_type")),
    State("admin-type-edit", ("events_admin.edit_type",), **ADMIN,
          build=lambda w: catalogue(w)[0], open=_edit("events_admin.edit_type")),
    State("admin-type-edit-errors", ("events_admin.edit_type",), **ADMIN, form_error=True,
          build=lambda w: catalogue(w)[0], open=_edit("events_admin.edit_type", True)),
    State("admin-outbox-empty", ("mail_admin.outbox",), **ADMIN,
          open=_goto("mail_admin.outbox")),
    State("admin-outbox", ("mail_admin.outbox",), **ADMIN, build=outbox,
          open=_goto("mail_admin.outbox")),
    State("admin-email-wording", ("wording_admin.index",), **ADMIN, build=changed_wording,
          open=_goto("wording_admin.index")),
    State("admin-email-wording-edit", ("wording_admin.edit",), **ADMIN, build=changed_wording,
          open=_wording_edit("provider_confirm")),
    State("admin-email-wording-edit-error", ("wording_admin.edit",), **ADMIN, form_error=True,
          open=_wording_error),
    State("admin-canned-replies-empty", ("canned_admin.index",), **ADMIN,
          open=_goto("canned_admin.index")),
    State("admin-canned-replies", ("canned_admin.index",), **ADMIN, build=canned_replies,
          open=_goto("canned_admin.index")),
    State("admin-canned-reply-new", ("canned_admin.new",), **ADMIN, build=catalogue,
          open=_goto("canned_admin.new")),
    State("admin-canned-reply-new-error", ("canned_admin.new",), **ADMIN, form_error=True,
          open=_canned_error),
    State("admin-canned-reply-edit", ("canned_admin.edit",), **ADMIN,
          build=lambda w: canned_replies(w)[1], open=_edit("canned_admin.edit")),
    State("admin-access-log-empty", ("access_log_admin.access_log_list",), **ADMIN,
          open=_goto("access_log_admin.access_log_list")),
    State("admin-access-log", ("access_log_admin.access_log_list",), **ADMIN, build=access_log,
          open=_goto("access_log_admin.access_log_list")),
    State("admin-access-log-filtered", ("access_log_admin.access_log_list",), **ADMIN,
          build=access_log, open=_filter_access_log),
    State("export-queue", ("exports.queue_export",), **STAFF, build=full_queue,
          open=_export_from_queue),
    State("admin-export-log-empty", ("exports_admin.export_log",), **ADMIN,
          open=_goto("exports_admin.export_log")),
    State("admin-export-log", ("exports_admin.export_log",), **ADMIN, build=export_log,
          open=_goto("exports_admin.export_log")),
    State("reports-empty", ("feedback_staff.reports",), **STAFF,
          open=_goto("feedback_staff.reports")),
    State("reports", ("feedback_staff.reports",), **STAFF, build=problem_report,
          open=_goto("feedback_staff.reports")),
    State("report-detail", ("feedback_staff.report_detail",), **STAFF, build=problem_report,
          open=lambda w, page, report_id: w.goto(
              page, w.path_for("feedback_staff.report_detail", report_id))),
    State("report-detail-error", ("feedback_staff.report_detail", "feedback_staff.resolve"),
          **STAFF, form_error=True, build=problem_report, open=_resolve_without_text),
    State("admin-caught-mail-empty", ("mail_admin.caught",), **ADMIN,
          open=_goto("mail_admin.caught")),
    State("admin-caught-mail", ("mail_admin.caught",), **ADMIN, build=caught_mail,
          open=_goto("mail_admin.caught")),
    State("admin-caught-mail-long", ("mail_admin.caught",), **ADMIN, build=caught_mail_long,
          open=_goto("mail_admin.caught")),
    State("admin-caught-message-reply-as-attendee", ("mail_admin.caught_message",), **ADMIN,
          build=caught_attendee_mail, open=_caught_reply, app_config=DEVELOPMENT_MAIL),
    State("admin-caught-message-reply-error", ("mail_admin.caught_message",
                                               "mail_admin.reply_as_attendee"), **ADMIN,
          form_error=True, build=caught_attendee_mail, open=_caught_reply_empty,
          app_config=DEVELOPMENT_MAIL),
    State("admin-caught-message", ("mail_admin.caught_message", "mail_admin.caught_message_html"),
          **ADMIN, build=caught_mail,
          open=lambda w, page, message_id: w.goto(page, w.path_for("mail_admin.caught_message",
                                                                  message_id))),
]

ERROR_STATES = [
    State("error-404", (), open=lambda w, page, _: w.goto(page, "/events/999999", status=404)),
    State("error-403", (), **STAFF, open=_goto("staff_admin.list_staff", status=403)),
    State("error-400-csrf", (), open=_csrf_failure),
    State("error-500", (SERVER_ERROR_ENDPOINT,),
          open=lambda w, page, _: w.goto(page, SERVER_ERROR_PATH, status=500)),
]
