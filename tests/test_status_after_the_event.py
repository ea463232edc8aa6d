"""After the event, or once a request is final, the status page stays readable but offers no
actions, says why, and refuses message and cancel POSTs without changing anything."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import HistoryEntry
from accessreq.requests.services import (RequestActionError, add_attendee_message,
                                         cancel_by_attendee)
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status
from helpers import cover_everything, ready_to_close, reason_for

ENDED = "This event has ended"
NOT_FINAL = [s for s in RequestStatus if not s.is_final]


def html_of(response) -> str:
    return response.get_data(as_text=True)


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(HistoryEntry)),
            db.session.scalar(select(func.count()).select_from(OutgoingEmail)))


@pytest.fixture
def request_in(make_request, make_event, make_type, make_staff):
    """A request (for an event of its own) moved to ``status``; with ``ended``, its event is
    then over."""
    kinds = [make_type("Sign language interpretation", 14)]

    def make(status: RequestStatus, ended: bool):
        access_request, url = make_request(event=make_event(types=kinds))
        cover_everything(access_request)
        if status == RequestStatus.CANCELLED:
            cancel_by_attendee(access_request)
        elif status == RequestStatus.CLOSED:
            staff = make_staff()
            change_status(access_request, staff, RequestStatus.ARRANGED, "Booked.")
            ready_to_close(access_request)  # closing needs the event over (test_outcomes.py)
            change_status(access_request, staff, RequestStatus.CLOSED)
        elif status != RequestStatus.SUBMITTED:
            change_status(access_request, make_staff(), status, "A message from the team.",
                          shortfall=reason_for(status))
        event = access_request.event
        if ended:
            event.starts_at = utcnow() - timedelta(days=1, hours=2)
            event.ends_at = utcnow() - timedelta(days=1)
        elif event.starts_at < utcnow():  # closed (after the event) and moved back: as a
            # request closed early before closing needed outcomes may still be
            event.starts_at = utcnow() + timedelta(days=30)
            event.ends_at = event.starts_at + timedelta(hours=2)
        db.session.commit()
        return access_request, urlsplit(url).path

    return make


def _assert_refused_without_change(client, access_request, path, reason_start):
    before, status = _counts(), access_request.status
    for response in (client.post(f"{path}/message", data={"body": "Are you still there?"}),
                     client.post(f"{path}/message", data={}),  # even an empty form: no 400
                     client.post(f"{path}/cancel", data={"reason": "Changed my mind"}),
                     client.get(f"{path}/cancel")):
        assert response.status_code == 303
        assert urlsplit(response.headers["Location"]).path == path
        assert reason_start in html_of(client.get(path))  # the flash, then the page's text
    db.session.refresh(access_request)
    assert access_request.status == status
    assert _counts() == before


@pytest.mark.parametrize("status", NOT_FINAL, ids=lambda s: s.value)
def test_after_the_event_the_page_is_readable_without_actions(client, request_in, status):
    access_request, path = request_in(status, ended=True)
    page = client.get(path)
    html = html_of(page)
    assert page.status_code == 200
    assert access_request.reference in html and status.attendee_label in html
    assert ENDED in html and "reply to any email we sent you" in html
    assert f'action="{path}/message"' not in html and f'href="{path}/cancel"' not in html
    _assert_refused_without_change(client, access_request, path, ENDED)


@pytest.mark.parametrize("status", [RequestStatus.CLOSED, RequestStatus.CANCELLED],
                         ids=lambda s: s.value)
@pytest.mark.parametrize("ended", [False, True], ids=["upcoming", "ended"])
def test_a_final_request_offers_no_actions_and_says_why(client, request_in, status, ended):
    access_request, path = request_in(status, ended=ended)
    html = html_of(client.get(path))
    reason = access_request.attendee_actions_closed_reason
    assert reason and reason.split(".")[0] in html
    assert ENDED not in html  # the request's own state is the reason that counts
    assert f'action="{path}/message"' not in html and f'href="{path}/cancel"' not in html
    _assert_refused_without_change(client, access_request, path, reason.split(".")[0])


def test_one_rule_for_page_forms_and_services(request_in):
    open_request, _ = request_in(RequestStatus.NEEDS_INFO, ended=False)
    assert open_request.attendee_actions_closed_reason is None
    assert open_request.can_add_message and open_request.can_cancel

    ended, _ = request_in(RequestStatus.NEEDS_INFO, ended=True)
    assert not ended.can_add_message and not ended.can_cancel
    assert ended.attendee_actions_closed_reason.startswith(ENDED)
    # The services refuse too, so no other caller can get round the page.
    with pytest.raises(RequestActionError, match=ENDED):
        add_attendee_message(ended, "Hello")
    with pytest.raises(RequestActionError, match=ENDED):
        cancel_by_attendee(ended)
    db.session.rollback()
    db.session.refresh(ended)
    assert ended.status == RequestStatus.NEEDS_INFO


def test_while_the_event_is_on_the_attendee_can_still_write(client, request_in):
    """Started but not ended: someone at the door may still need to reach the team."""
    access_request, path = request_in(RequestStatus.ARRANGED, ended=False)
    event = access_request.event
    event.starts_at = utcnow() - timedelta(minutes=30)
    event.ends_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert access_request.can_add_message and access_request.can_cancel
    html = html_of(client.get(path))
    assert f'action="{path}/message"' in html and "Messages and cancelling" not in html
    assert client.post(f"{path}/message", data={"body": "I am at the door."}).status_code == 303
    assert "Your message was sent" in html_of(client.get(path))
