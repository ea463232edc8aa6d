"""A coordinator's working loop with the keyboard alone: sign in, filter, open, reply while
changing the status, and save an internal note; the attendee gets one email and sees only the
reply (issue 10, items 5 and 9)."""

from __future__ import annotations

import re

import pytest

from accessreq.extensions import db
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import HistoryKind
from accessreq.requests.states import RequestStatus

from helpers import text_body

from .helpers import follow, press, tab_until
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
