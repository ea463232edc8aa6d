"""The kept per-status counts always equal a count of the requests themselves."""

from __future__ import annotations

from sqlalchemy import func, select, update

from accessreq.extensions import db
from accessreq.requests import counts
from accessreq.requests.models import AccessRequest
from accessreq.requests.services import add_attendee_message, cancel_by_attendee
from accessreq.requests.states import RequestStatus as S
from accessreq.triage.services import change_status
from helpers import cover_everything


def _counted() -> dict:
    return {s: n for s, n in db.session.execute(
        select(AccessRequest.status, func.count()).group_by(AccessRequest.status))}


def test_counts_follow_every_service(make_request, make_staff):
    staff = make_staff()
    first, _ = make_request()
    second, _ = make_request(event=first.event)
    third, _ = make_request(event=first.event)
    assert counts.current() == {S.SUBMITTED: 3} == _counted()

    change_status(first, staff, S.NEEDS_INFO, message="Which sign language?")
    add_attendee_message(first, "BSL please")  # needs_info -> in_review
    cover_everything(first)
    change_status(first, staff, S.ARRANGED, message="Booked")
    cancel_by_attendee(second)
    assert counts.current() == _counted() == {S.SUBMITTED: 1, S.ARRANGED: 1, S.CANCELLED: 1}
    assert third.status == S.SUBMITTED


def test_a_refused_change_leaves_counts_alone(make_request, make_staff):
    from accessreq.requests.services import RequestActionError

    request, _ = make_request()
    cancel_by_attendee(request)
    try:
        change_status(request, make_staff(), S.IN_REVIEW)
    except RequestActionError:
        db.session.rollback()
    assert counts.current() == _counted() == {S.CANCELLED: 1}


def test_recount_rebuilds_from_the_requests(make_request):
    request, _ = make_request()
    # As a bulk load would, behind the services' back.
    db.session.execute(update(AccessRequest).where(AccessRequest.id == request.id)
                       .values(status=S.CLOSED))
    db.session.commit()
    assert counts.current() == {S.SUBMITTED: 1}
    assert counts.recount() == {S.CLOSED: 1} == _counted()
