"""Arranging access with the keyboard alone (issue 12): a coordinator books one interpreter
pair for three requests, confirms the booking, marks each request arranged, and after the
event records what happened and closes the request."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accessreq.arranging.models import Booking, BookingStatus
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from accessreq.requests.outcomes import ItemOutcome
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow

from .helpers import follow, press, tab_until
from .states_public import catalogue
from .states_staff import providers

pytestmark = pytest.mark.browser

TITLE = "Roundtable: Archives and memory"


def fresh(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def _set_status(world, page, access_request: AccessRequest, first_letters: str,
                target: RequestStatus) -> None:
    """On the request's page: the status select by typeahead, then "Change status"."""
    world.goto(page, world.path_for("triage.detail", access_request.id))
    tab_until(page, lambda f: f["id"] == "status-status" and f["tag"] == "select")
    page.keyboard.type(first_letters)
    assert page.input_value("#status-status") == target.value
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Change status")
    follow(page)
    flash = page.locator(".flashes [role=status]").inner_text()
    assert f"is now “{target.label}”" in flash, flash


def test_book_confirm_arrange_and_record_outcomes_by_keyboard(world):
    sign = catalogue(world)[0]
    event = world.make_event(title=TITLE, days_ahead=20, types=catalogue(world))
    people = [world.make_request(event=event, types=[sign], contact_name=name,
                                 contact_email=f"person{n}@example.net")[0]
              for n, name in enumerate(["Sam Attendee", "Noor Haddad", "Jo Okafor"])]
    hands = providers(world)
    me = world.staff("coordinator")
    page = world.new_context().new_page()
    world.login(page, me)
    first = people[0]

    # 1. From the first request's page: "Book a provider", for all three interpreting needs.
    world.goto(page, world.path_for("triage.detail", first.id))
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Book a provider")
    follow(page)
    assert page.title().startswith("Book a provider"), page.title()
    tab_until(page, lambda f: f["id"] == "provider" and f["tag"] == "select")
    page.keyboard.type("Hands")
    assert page.input_value("#provider") == str(hands.id)
    assert page.is_checked("#items-0")  # the request the form was opened from
    for box in ("items-1", "items-2"):
        tab_until(page, lambda f, box=box: f["id"] == box)
        press(page, "Space")
        assert page.is_checked(f"#{box}")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Save as asked")
    follow(page)
    assert "saved as asked" in page.locator(".flashes [role=status]").inner_text()
    db.session.expire_all()
    [booking] = db.session.query(Booking).all()
    assert {item.request_id for item in booking.items} == {p.id for p in people}

    # 2. The booking is confirmed: from the request page's link to it, status by typeahead.
    tab_until(page, lambda f: f["tag"] == "a"
              and f["text"].startswith(f"Booking {booking.id}: Hands Up Interpreting"))
    follow(page)
    tab_until(page, lambda f: f["id"] == "status" and f["tag"] == "select")
    page.keyboard.type("Con")
    assert page.input_value("#status") == BookingStatus.CONFIRMED.value
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Save booking")
    follow(page)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.CONFIRMED

    # 3. Each request is now covered: "Arranged" is accepted for all three.
    for person in people:
        _set_status(world, page, person, "Arr", RequestStatus.ARRANGED)
    assert all(fresh(p).status == RequestStatus.ARRANGED for p in people)

    # 4. After the event: record the outcome, then close the request.
    event = db.session.get(type(event), event.id)
    event.starts_at = utcnow() - timedelta(days=1, hours=2)
    event.ends_at = utcnow() - timedelta(days=1)
    db.session.commit()
    world.goto(page, world.path_for("triage.detail", first.id))
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Record outcomes")
    follow(page)
    assert page.title().startswith(f"Outcomes for {first.reference}"), page.title()
    item_id = fresh(first).items[0].id
    tab_until(page, lambda f: f["id"] == f"outcome_{item_id}-0")  # "Delivered"
    press(page, "Space")
    assert page.is_checked(f"#outcome_{item_id}-0")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Save outcomes")
    follow(page)
    assert "the request can be closed" in page.locator(".flashes [role=status]").inner_text()
    assert [i.outcome for i in fresh(first).items] == [ItemOutcome.DELIVERED]
    _set_status(world, page, first, "Clo", RequestStatus.CLOSED)
    assert fresh(first).status == RequestStatus.CLOSED
