"""A coordinator's working loop with the keyboard alone: sign in, filter, open, change, reply."""

from __future__ import annotations

import pytest

from accessreq.extensions import db
from accessreq.requests.models import HistoryKind
from accessreq.requests.states import RequestStatus

from .helpers import focused, follow, press, tab_until
from .states_staff import full_queue

pytestmark = pytest.mark.browser


def test_staff_journey_by_keyboard(world):
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

    # Change its status, with a message to the attendee.
    tab_until(page, lambda f: f["id"] == "status-status")
    page.keyboard.type("In")  # typeahead: the first option starting "In"
    assert page.input_value("#status-status") == RequestStatus.IN_REVIEW.value
    press(page, "Tab")
    assert focused(page)["id"] == "status-message"
    page.keyboard.type("Thank you, we have what we need.")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Change status")
    follow(page)
    assert page.locator(".flashes [role=status]").inner_text().startswith(waiting.reference)

    # Reply to the attendee from the same page.
    tab_until(page, lambda f: f["id"] == "reply-body")
    page.keyboard.type("The interpreter is booked for the whole evening.")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Send reply")
    follow(page)
    assert "reply was added" in page.locator(".flashes [role=status]").inner_text()

    db.session.expire_all()
    assert waiting.status == RequestStatus.IN_REVIEW
    replies = [e.body for e in waiting.history if e.kind == HistoryKind.STAFF_REPLY]
    assert replies == ["The interpreter is booked for the whole evening."]
    changes = [(e.to_status, e.body) for e in waiting.history if e.kind == HistoryKind.STATUS_CHANGED]
    assert changes[-1] == (RequestStatus.IN_REVIEW, "Thank you, we have what we need.")
