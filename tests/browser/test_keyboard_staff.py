"""A coordinator's working loop with the keyboard alone: sign in, filter, open, reply while
changing the status, and save an internal note; the attendee gets one email and sees only the
reply (issue 10, items 5 and 9)."""

from __future__ import annotations

import re

import pytest

from sqlalchemy import select

from accessreq.extensions import db
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest, HistoryKind, ReceivedVia
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, Team

from helpers import text_body

from .helpers import follow, press, tab_until
from .states_public import EVENT_TITLE, catalogue
from .states_staff import full_queue

pytestmark = pytest.mark.browser


REPLY = "Thank you, the interpreter is booked for the whole evening."
NOTE = "Agency confirmed Jo and Sam; invoice to the events budget."


def test_staff_journey_by_keyboard(world, smtp_server):
    requests = full_queue(world)
    waiting = requests[2]  # "Needs information"
    me = world.staff("coordinator")
    page = world.new_context().new_page()
    world.goto(page, world.path("auth.login"))

    tab_until(page, lambda f: f["id"] == "email")
    page.keyboard.type(me.email)
    tab_until(page, lambda f: f["id"] == "password")
    page.keyboard.type("correct horse battery staple")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Sign in")
    follow(page)
    assert page.title().startswith("Request queue"), page.title()

    # The filters are folded away below the rows' header line: Enter on the summary opens them.
    tab_until(page, lambda f: f["tag"] == "summary" and f["text"].startswith("Filter and sort"))
    press(page, "Enter")
    # Filter by status: typing on a focused select picks the matching option.
    tab_until(page, lambda f: f["id"] == "status" and f["tag"] == "select")
    page.keyboard.type("Needs")
    assert page.input_value("#status") == RequestStatus.NEEDS_INFO.value
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Apply filters")
    follow(page)
    assert "status=needs_info" in page.url
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1 and waiting.reference in rows.inner_text()

    # Open the request from the results table.
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == waiting.reference)
    follow(page)
    assert page.title().startswith(f"Request {waiting.reference}"), page.title()

    # Reply to the attendee and move the request on in the same action: one email with both.
    sent_before = send_due_emails().sent  # what the set-up queued, out of the way
    smtp_server.messages.clear()
    tab_until(page, lambda f: f["id"] == "compose-mode-0")  # "Who is this for?"
    press(page, "Space")
    assert page.is_checked("#compose-mode-0")  # Reply to the attendee (emailed)
    assert not page.locator(".composer__note-banner").is_visible()
    tab_until(page, lambda f: f["id"] == "compose-body")
    page.keyboard.type(REPLY)
    tab_until(page, lambda f: f["id"] == "compose-status")
    page.keyboard.type("In")  # typeahead: the first option starting "In"
    assert page.input_value("#compose-status") == RequestStatus.IN_REVIEW.value
    # Only the button that matches the choice can be reached: "Save note" is not on the way.
    stop = tab_until(page, lambda f: f["tag"] == "button" and f["text"] in (
        "Send to attendee", "Save note"))
    assert stop["text"] == "Send to attendee"
    follow(page)
    assert page.locator(".flashes [role=status]").inner_text().startswith(waiting.reference)

    # Then an internal note: arrow keys move the choice to "Internal note (staff only)".
    tab_until(page, lambda f: f["id"] == "compose-mode-0")
    press(page, "Space")
    assert press(page, "ArrowDown")["id"] == "compose-mode-1"
    assert page.is_checked("#compose-mode-1")
    assert page.locator(".composer__note-banner").is_visible()  # "Staff only" in words
    tab_until(page, lambda f: f["id"] == "compose-body")
    page.keyboard.type(NOTE)
    stop = tab_until(page, lambda f: f["tag"] == "button" and f["text"] in (
        "Send to attendee", "Save note"))
    assert stop["text"] == "Save note"
    follow(page)
    assert "not shown or emailed" in page.locator(".flashes [role=status]").inner_text()
    history = page.locator("#history + ol").inner_text()
    assert "Internal note — not shown to the attendee" in history and NOTE in history

    db.session.expire_all()
    assert waiting.status == RequestStatus.IN_REVIEW
    changes = [(e.to_status, e.body) for e in waiting.history
               if e.kind == HistoryKind.STATUS_CHANGED]
    assert changes[-1] == (RequestStatus.IN_REVIEW, REPLY)
    assert [e.body for e in waiting.history if e.kind == HistoryKind.NOTE] == [NOTE]

    # Exactly one email left for the two actions: the reply, carrying the new status.
    assert sent_before > 0
    assert send_due_emails().sent == 1
    assert len(smtp_server.messages) == 1
    email = smtp_server.messages[0]
    assert waiting.contact_email in str(email["To"])
    text = text_body(email)
    assert REPLY in text and RequestStatus.IN_REVIEW.attendee_label in text and NOTE not in text

    # The attendee's page, through the link in that email, shows the reply and not the note.
    status_url = re.search(r"https?://\S+/r/\S+", text).group(0)
    attendee = world.new_context().new_page()
    attendee.goto(status_url)
    timeline = attendee.locator("main").inner_text()
    assert REPLY in timeline and NOTE not in timeline


def test_a_coordinator_records_a_phone_request_for_someone_without_email(world):
    """Acceptance: a coordinator records a phone request for someone without email; it is
    routed and in the queue. Keyboard only, from the queue's "Record a request" link."""
    me = world.staff("coordinator")
    host = Organisation(name="Example Institute")
    team = Team(organisation=host, name="Communications access", is_default=True,
                notification_email="comms@example.org", members=[me])
    db.session.add_all([host, team])
    db.session.commit()
    world.make_event(title=EVENT_TITLE, days_ahead=40, types=catalogue(world), organisation=host)
    page = world.new_context().new_page()
    world.login(page, me)
    world.goto(page, world.path("triage.queue"))

    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Record a request")
    follow(page)
    assert page.title().startswith("Record a request: choose the event"), page.title()
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == EVENT_TITLE)
    follow(page)
    assert page.title().startswith(f"Record a request — {EVENT_TITLE}"), page.title()

    tab_until(page, lambda f: f["id"] == "received_via-0")
    press(page, "Space")  # "Phone call"
    tab_until(page, lambda f: f["id"] == "contact_name")
    page.keyboard.type("Pat Caller")
    tab_until(page, lambda f: f["id"] == "email_updates-0")
    assert press(page, "ArrowDown")["id"] == "email_updates-1"  # "No, contact them another way"
    tab_until(page, lambda f: f["id"] == "contact_channel-0")  # email, the default
    assert press(page, "ArrowDown")["id"] == "contact_channel-1"  # phone or text message
    tab_until(page, lambda f: f["id"] == "contact_phone")
    page.keyboard.type("07700 900 982")
    tab_until(page, lambda f: f["id"] == "accommodations-1")
    press(page, "Space")
    tab_until(page, lambda f: f["id"] == "consent")
    press(page, "Space")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Record the request")
    follow(page)

    access_request = db.session.scalars(select(AccessRequest)).one()
    assert page.title().startswith(f"Request {access_request.reference}"), page.title()
    banner = page.locator(".flashes [role=status]").inner_text()
    assert f"Request {access_request.reference} recorded" in banner
    assert "No email updates: contact them by phone or text message on 07700 900 982." in banner
    assert access_request.received_via == ReceivedVia.PHONE and access_request.contact_email == ""
    assert access_request.history[0].body == f"Recorded by {me.name} from a phone call."
    assert access_request.team == team
    routed = [e.body for e in access_request.history if e.kind == HistoryKind.ROUTED]
    assert routed == ["Routed to Communications access (default team)"]

    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Back to the queue")
    follow(page)
    rows = page.locator("main table tbody tr")
    assert access_request.reference in rows.inner_text()
