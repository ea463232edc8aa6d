"""Each event rule in one place (issue 9, item 4): whether an event takes requests and why not,
the short-notice threshold, lead-time wording, and how long an invitation link works. The pages
follow the one constant or helper when it changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accessreq.auth import services as accounts
from accessreq.auth.models import Role, StaffUser
from accessreq.events import models as event_models
from accessreq.events.leadtime import day_count, notice_needed, notice_words
from accessreq.events.models import AccommodationType, Event, RequestsClosed
from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.timeutil import format_when, utcnow

NOW = utcnow()


def event_at(starts_in: timedelta, *, offered: bool = True, **kwargs) -> Event:
    """An unsaved event starting ``starts_in`` from NOW, lasting two hours."""
    starts_at = NOW + starts_in
    types = [AccommodationType(name="Reserved seating", lead_time_days=3, active=True)]
    return Event(title="Talk", starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                 accommodation_types=types if offered else [],
                 requests_open=kwargs.pop("requests_open", True), **kwargs)


# --- taking requests: one rule for the event page, the form and the closed page ---------------

@pytest.mark.parametrize("event, reason", [
    (event_at(timedelta(days=10)), None),
    (event_at(timedelta(days=10), requests_open=False), RequestsClosed.CLOSED),
    (event_at(timedelta(days=10), requests_close_at=NOW - timedelta(minutes=1)),
     RequestsClosed.DEADLINE_PASSED),
    (event_at(timedelta(days=10), requests_open=False,
              requests_close_at=NOW - timedelta(minutes=1)), RequestsClosed.CLOSED),  # by hand
    (event_at(timedelta(days=10), offered=False), RequestsClosed.NO_TYPES),
    (event_at(timedelta(days=10), offered=False, requests_open=False), RequestsClosed.NO_TYPES),
    (event_at(timedelta(hours=-1)), RequestsClosed.STARTED),
    (event_at(timedelta(hours=-3)), RequestsClosed.ENDED),
    (event_at(timedelta(0)), RequestsClosed.STARTED),  # the moment it starts
])
def test_why_an_event_is_not_taking_requests(event, reason):
    assert event.requests_closed(NOW) is reason
    assert event.takes_requests(NOW) is (reason is None)


def test_an_inactive_type_is_not_offered():
    event = event_at(timedelta(days=10))
    event.accommodation_types[0].active = False
    assert event.requests_closed(NOW) is RequestsClosed.NO_TYPES


@pytest.mark.parametrize("reason, started", [
    (RequestsClosed.ENDED, True), (RequestsClosed.STARTED, True),
    (RequestsClosed.NO_TYPES, False), (RequestsClosed.CLOSED, False),
    (RequestsClosed.DEADLINE_PASSED, False), (RequestsClosed.CANCELLED, False)])
def test_a_reason_says_whether_the_event_started(reason, started):
    assert reason.event_started is started


CLOSED_WORDS = {
    RequestsClosed.CLOSED: "The organisers have closed online access requests for this event.",
    RequestsClosed.DEADLINE_PASSED: "Online access requests for this event closed on ",
    RequestsClosed.NO_TYPES: "Access requests for this event cannot be made online.",
    RequestsClosed.STARTED: "This event has already started, so access requests cannot be made",
    RequestsClosed.ENDED: "This event has already taken place, so access requests cannot be made",
    RequestsClosed.CANCELLED: "This event is cancelled, so access requests cannot be made",
}


@pytest.mark.parametrize("setup, reason", [
    ({"requests_open": False}, RequestsClosed.CLOSED),
    ({"requests_close_at": NOW - timedelta(hours=1)}, RequestsClosed.DEADLINE_PASSED),
    ({"types": []}, RequestsClosed.NO_TYPES),
    ({"days_ahead": -1 / 24}, RequestsClosed.STARTED),
    ({"days_ahead": -1}, RequestsClosed.ENDED),
    ({"cancelled_at": NOW, "cancellation_reason": "The speaker is ill."},
     RequestsClosed.CANCELLED),
    ({}, None),
])
def test_event_page_and_request_form_agree(client, make_event, setup, reason):
    """One wording per reason, the same on the event page and the form's closed page; no
    page says the time has passed when it was closed by hand, nor invites a later request."""
    event = make_event("Talk", **setup)
    event_page = client.get(f"/events/{event.id}").get_data(as_text=True)
    form = client.get(f"/events/{event.id}/request").get_data(as_text=True)
    if reason is None:
        assert "This event is not taking access requests" not in form
        assert f'href="/events/{event.id}/request"' in event_page
        return
    assert set(CLOSED_WORDS) == {r for r in RequestsClosed}
    words = CLOSED_WORDS[reason]
    assert words in event_page and words in form
    others = [w for r, w in CLOSED_WORDS.items() if r is not reason]
    assert not any(w in event_page or w in form for w in others)
    assert "This event is not taking access requests" in form
    assert f'href="/events/{event.id}/request"' not in event_page
    assert "has passed" not in form and "still ask later" not in event_page
    if reason is RequestsClosed.DEADLINE_PASSED:
        closed_at = format_when(event.requests_close_at, event.timezone)
        assert words + closed_at in event_page and words + closed_at in form


# --- short notice: one constant for the event page and the staff queue ----------------------

@pytest.mark.parametrize("starts_in, expected", [
    (timedelta(hours=47, minutes=59), True), (timedelta(hours=48), False),
    (timedelta(seconds=1), True), (timedelta(0), False), (timedelta(hours=-1), False)])
def test_short_notice_boundaries(starts_in, expected):
    assert event_at(starts_in).starts_at_short_notice(NOW) is expected


def test_short_notice_wording_follows_the_constant(client, make_event, make_request, make_staff,
                                                   login, monkeypatch):
    monkeypatch.setattr(event_models, "SHORT_NOTICE", timedelta(hours=72))
    event = make_event("In three days", days_ahead=2.5)  # 60 hours: short notice only now
    make_request(event=event)
    assert "This event starts in less than 72 hours." in \
        client.get(f"/events/{event.id}").get_data(as_text=True)
    login(make_staff())
    assert '<span class="tag tag--urgent">Under 72 hours</span>' in \
        client.get("/staff/").get_data(as_text=True)


def test_short_notice_wording_as_shipped(client, make_event):
    event = make_event("Tomorrow", days_ahead=1)
    assert "This event starts in less than 48 hours." in \
        client.get(f"/events/{event.id}").get_data(as_text=True)


# --- lead-time wording: one module -------------------------------------------------------------

@pytest.mark.parametrize("days, attendee, admin, count", [
    (0, "can usually be arranged at short notice", "no notice needed", "0 days"),
    (1, "usually needs 1 day's notice", "1 day’s notice", "1 day"),
    (3, "usually needs 3 days' notice", "3 days’ notice", "3 days"),
    (7, "usually needs 1 week's notice", "7 days’ notice", "7 days"),
    (14, "usually needs 2 weeks' notice", "14 days’ notice", "14 days"),
])
def test_lead_time_wording(days, attendee, admin, count):
    assert notice_words(days) == attendee
    assert notice_needed(days) == admin
    assert day_count(days) == count


def test_admin_pages_use_the_lead_time_wording(client, make_staff, make_type, login):
    make_type("Reserved seating", 1)
    make_type("Sign language interpretation", 14)
    login(make_staff(Role.ADMIN))
    catalogue = client.get("/admin/catalogue").get_data(as_text=True)
    assert "<td>1 day</td>" in catalogue and "<td>14 days</td>" in catalogue
    form = client.get("/admin/events/new").get_data(as_text=True)
    assert "Reserved seating (1 day’s notice)" in form
    assert "Sign language interpretation (14 days’ notice)" in form


# --- invitations: the pages and the email follow INVITE_VALID_DAYS ----------------------------

INVITE_LINK = re.compile(r"http://accessreq\.test(/staff/invite/[A-Za-z0-9_\-]+)")


@pytest.mark.parametrize("days, words", [(7, "7 days"), (3, "3 days"), (1, "1 day")])
def test_invitation_wording_follows_the_constant(client, make_staff, login, monkeypatch, days,
                                                 words):
    monkeypatch.setattr(accounts, "INVITE_VALID_DAYS", days)
    login(make_staff(Role.ADMIN))
    assert f"The link works for {words}." in \
        client.get("/admin/staff/new").get_data(as_text=True)

    response = client.post("/admin/staff/new", data={"name": "Nia Newcomer",
                                                     "email": "nia@example.org",
                                                     "role": "coordinator"})
    assert response.status_code == 302
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == "nia@example.org")).one()
    expected_expiry = utcnow() + timedelta(days=days)
    assert abs(user.invite_expires_at - expected_expiry) < timedelta(minutes=1)
    email = db.session.scalars(select(OutgoingEmail)
                               .where(OutgoingEmail.template == "staff_invite")).one()
    assert f"The link works once and for {words}." in email.body_text
    assert f"The link works once and for {words}." in email.body_html

    user.invite_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(INVITE_LINK.search(email.body_text).group(1))
    assert expired.status_code == 410
    assert f"Invitation links work for {words}, and this one is older than that." in \
        expired.get_data(as_text=True)
