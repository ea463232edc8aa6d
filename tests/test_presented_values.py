"""Values computed in Python for templates to present (issue 9, item 3): the urgency level, a
routing history entry's headline and details, and whether the attendee cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm.attributes import set_committed_value

from accessreq.events.models import Event
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest, HistoryEntry, HistoryKind, RoutingNote
from accessreq.requests.states import RequestStatus
from accessreq.requests.urgency import Urgency
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status

NOW = utcnow()


def request_at(*, starts_in: timedelta, due_in: timedelta,
               asked_ago: timedelta = timedelta(days=60),
               status: RequestStatus = RequestStatus.SUBMITTED) -> AccessRequest:
    """An unsaved request whose event starts, due date and making are relative to NOW."""
    starts_at = NOW + starts_in
    event = Event(title="Lecture", starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                  timezone="UTC")
    request = AccessRequest(event=event, due_at=NOW + due_in, created_at=NOW - asked_ago)
    # A stand-in loaded in this status, not a status change (those go through transition_to).
    set_committed_value(request, "status", status)
    return request


@pytest.mark.parametrize("starts_in, due_in, asked_ago, expected", [
    (timedelta(hours=-1), timedelta(days=-5), timedelta(days=60), Urgency.EVENT_STARTED),
    (timedelta(0), timedelta(days=-5), timedelta(days=60), Urgency.EVENT_STARTED),
    (timedelta(hours=47), timedelta(days=-5), timedelta(days=60), Urgency.SHORT_NOTICE),
    (timedelta(days=10), timedelta(days=-4), timedelta(hours=1), Urgency.AT_RISK),  # asked late
    (timedelta(days=10), timedelta(days=-1), timedelta(days=60), Urgency.OVERDUE),
    (timedelta(days=10), timedelta(days=2), timedelta(days=60), Urgency.DUE_SOON),
    (timedelta(days=30), timedelta(days=20), timedelta(days=1), None),  # on track
])
def test_urgency_level(starts_in, due_in, asked_ago, expected):
    assert request_at(starts_in=starts_in, due_in=due_in, asked_ago=asked_ago).urgency(NOW) \
        is expected


@pytest.mark.parametrize("status", [s for s in RequestStatus if not s.is_open])
def test_a_request_no_longer_open_has_no_urgency(status):
    assert request_at(starts_in=timedelta(hours=1), due_in=timedelta(days=-5),
                      status=status).urgency(NOW) is None


@pytest.mark.parametrize("level, label, css", [
    (Urgency.EVENT_STARTED, "Event started", "tag--urgent"),
    (Urgency.SHORT_NOTICE, "Under 48 hours", "tag--urgent"),
    (Urgency.OVERDUE, "Overdue", "tag--urgent"),
    (Urgency.AT_RISK, "Late request", "tag--warn"),
    (Urgency.DUE_SOON, "Due soon", "tag--warn"),
])
def test_each_urgency_level_has_its_words_and_tag_style(level, label, css):
    assert level.label == label
    assert level.css_modifier == css
    assert level.is_urgent is (css == "tag--urgent")


def test_every_urgency_level_has_a_label():
    assert len({level.label for level in Urgency}) == len(Urgency)


@pytest.mark.parametrize("body, headline, details", [
    ("Routed to Publications (rule 2)", "Routed to Publications (rule 2)", ()),
    ("Moved from Communications access to Front of house\nReason: Only seating.\n"
     "Cam Comms is not in Front of house, so it is now unassigned.",
     "Moved from Communications access to Front of house",
     ("Reason: Only seating.", "Cam Comms is not in Front of house, so it is now unassigned.")),
])
def test_a_routing_entry_has_a_headline_and_details(body, headline, details):
    entry = HistoryEntry(kind=HistoryKind.ROUTED, body=body)
    assert entry.routing == RoutingNote(headline=headline, details=details)


@pytest.mark.parametrize("kind", [k for k in HistoryKind if k != HistoryKind.ROUTED])
def test_only_routing_entries_have_a_routing_note(kind):
    assert HistoryEntry(kind=kind, body="Line one\nLine two").routing is None


@pytest.mark.parametrize("kind, to_status, actor_id, expected", [
    (HistoryKind.STATUS_CHANGED, RequestStatus.CANCELLED, None, True),
    (HistoryKind.STATUS_CHANGED, RequestStatus.CANCELLED, 7, False),  # staff cancelled it
    (HistoryKind.STATUS_CHANGED, RequestStatus.CLOSED, None, False),
    (HistoryKind.SUBMITTED, RequestStatus.SUBMITTED, None, False),
])
def test_cancelled_by_attendee(kind, to_status, actor_id, expected):
    entry = HistoryEntry(kind=kind, to_status=to_status, actor_id=actor_id)
    assert entry.cancelled_by_attendee is expected


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_pages_present_the_values(client, make_request, make_staff, login):
    """The staff page shows the routing headline and details and the urgency tag; the status
    page tells a staff cancellation from the attendee's own."""
    request, status_url = make_request()
    staff = make_staff(name="Casey Coordinator")
    request.history.append(HistoryEntry(
        kind=HistoryKind.ROUTED, actor=staff,
        body="Moved from no team to Front of house\nReason: Only seating is needed."))
    request.due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    change_status(request, staff, RequestStatus.CANCELLED, "The event is full.")

    login(staff)
    html = _page(client, f"/staff/requests/{request.id}")
    assert "<strong>Moved from no team to Front of house</strong>" in html
    assert "<blockquote>Reason: Only seating is needed.</blockquote>" in html
    assert "Reason: Only seating is needed." not in html.split("<strong>Moved", 1)[1] \
        .split("</strong>", 1)[0]
    assert "Cancelled" in html and 'class="tag' not in html  # closed: no urgency tag

    status_html = _page(client, status_url.split("accessreq.test", 1)[-1])
    assert "You cancelled the request." not in status_html
    assert f"Status changed to “{RequestStatus.CANCELLED.attendee_label}”." in status_html


def test_the_queue_and_page_tag_urgency_with_its_words_and_style(client, make_request, make_staff,
                                                                 login):
    request, _ = make_request()
    request.due_at = utcnow() - timedelta(days=1)
    request.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    login(make_staff())
    tag = '<span class="tag tag--urgent">Overdue by 1 day</span>'
    assert tag in _page(client, "/staff/")
    assert tag in _page(client, f"/staff/requests/{request.id}")
