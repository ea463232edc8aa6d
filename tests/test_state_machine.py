"""The request state machine as staff drive it through the triage services.

Every legal transition writes history and queues the attendee's update; every illegal pair is
refused and changes nothing; some statuses need a message; a stale form is refused.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import AccessRequest, HistoryEntry, HistoryKind
from accessreq.requests.outcomes import ShortfallReason
from accessreq.requests.services import RequestActionError, StaleRequestError
from accessreq.requests.states import (MESSAGE_REQUIRED, SHORTFALL_STATUSES, TRANSITIONS,
                                      RequestStatus)
from accessreq.timeutil import utcnow
from accessreq.triage import services
from helpers import cover_everything, ready_to_close

ALL_PAIRS = [(start, target) for start in RequestStatus for target in RequestStatus]
LEGAL = [(s, t) for s, t in ALL_PAIRS if t in TRANSITIONS[s]]
ILLEGAL = [(s, t) for s, t in ALL_PAIRS if t not in TRANSITIONS[s]]


def _pair_id(pair) -> str:
    return f"{pair[0].value}->{pair[1].value}"


@pytest.fixture
def coordinator(make_staff):
    return make_staff(name="Casey Coordinator")


@pytest.fixture
def request_in(make_request):
    """A fresh request put straight into ``status`` (as if earlier changes had happened)."""

    def make(status: RequestStatus) -> AccessRequest:
        request, _url = make_request(contact_email="attendee@example.net")
        cover_everything(request)  # so "Arranged" may be set (its own rule: test_bookings)
        if status != RequestStatus.SUBMITTED:  # behind transition_to's back, for set-up only
            db.session.execute(update(AccessRequest).where(AccessRequest.id == request.id)
                               .values(status=status))
            db.session.commit()
        return request

    return make


def _snapshot(request_id: int) -> dict:
    """What a refused change must leave untouched, read back from the database."""
    db.session.expire_all()
    request = db.session.get(AccessRequest, request_id)
    return {
        "status": request.status,
        "version": request.version,
        "history": db.session.scalar(select(func.count()).select_from(HistoryEntry)
                                     .where(HistoryEntry.request_id == request_id)),
        "emails": db.session.scalar(select(func.count()).select_from(OutgoingEmail)),
        "assignee": request.assignee_id,
    }


def _updates_to(address: str) -> list[OutgoingEmail]:
    return list(db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.template == "attendee_update",
                                    OutgoingEmail.to_address == address)))


def test_the_table_has_legal_and_illegal_pairs():
    # Guards the parametrization below against an accidentally empty list.
    assert len(LEGAL) + len(ILLEGAL) == len(RequestStatus) ** 2
    assert len(LEGAL) >= 20 and len(ILLEGAL) >= 30


@pytest.mark.parametrize("start,target", LEGAL, ids=[_pair_id(p) for p in LEGAL])
def test_every_legal_transition_writes_history_and_tells_the_attendee(
        request_in, coordinator, start, target):
    request = request_in(start)
    if target == RequestStatus.CLOSED:
        ready_to_close(request)  # its own rule: test_outcomes.py
    version = request.version
    # "Partially arranged" and "Unable to arrange" also need their main reason (reports).
    reason = ShortfallReason.OTHER if target in SHORTFALL_STATUSES else None

    services.change_status(request, coordinator, target, message="Here is what happens next.",
                           expected_version=version, shortfall=reason)

    db.session.expire_all()
    request = db.session.get(AccessRequest, request.id)
    assert request.status == target
    assert request.shortfall_reason == reason
    assert request.version > version
    changes = [h for h in request.history if h.kind == HistoryKind.STATUS_CHANGED]
    assert len(changes) == 1
    change = changes[0]
    assert (change.from_status, change.to_status) == (start, target)
    assert change.actor_id == coordinator.id
    assert change.body == "Here is what happens next."
    emails = _updates_to("attendee@example.net")
    assert len(emails) == 1
    assert "Here is what happens next." in emails[0].body_text
    assert target.attendee_label in emails[0].subject
    queued = [h for h in request.history if h.kind == HistoryKind.EMAIL_QUEUED
              and h.email_id == emails[0].id]
    assert len(queued) == 1


@pytest.mark.parametrize("start,target", ILLEGAL, ids=[_pair_id(p) for p in ILLEGAL])
def test_every_illegal_transition_is_refused_and_changes_nothing(
        request_in, coordinator, start, target):
    request = request_in(start)
    before = _snapshot(request.id)

    with pytest.raises(RequestActionError) as refused:
        services.change_status(request, coordinator, target, message="Trying anyway.",
                               expected_version=request.version)

    assert not isinstance(refused.value, StaleRequestError)
    assert f"“{start.label}” cannot be moved to “{target.label}”" in str(refused.value)
    db.session.rollback()
    assert _snapshot(request.id) == before


@pytest.mark.parametrize("target", sorted(MESSAGE_REQUIRED), ids=str)
@pytest.mark.parametrize("message", ["", "   \n\t "], ids=["empty", "blank"])
def test_a_message_is_required_for_some_statuses(request_in, coordinator, target, message):
    request = request_in(RequestStatus.IN_REVIEW)
    before = _snapshot(request.id)

    with pytest.raises(RequestActionError, match="Write a message to the attendee"):
        services.change_status(request, coordinator, target, message=message,
                               expected_version=request.version)

    db.session.rollback()
    assert _snapshot(request.id) == before


@pytest.mark.parametrize("target", [RequestStatus.IN_REVIEW, RequestStatus.ARRANGED])
def test_other_statuses_need_no_message(request_in, coordinator, target):
    request = request_in(RequestStatus.SUBMITTED)
    services.change_status(request, coordinator, target, expected_version=request.version)
    assert db.session.get(AccessRequest, request.id).status == target


def test_a_stale_version_is_refused(request_in, coordinator):
    request = request_in(RequestStatus.SUBMITTED)
    before = _snapshot(request.id)

    with pytest.raises(StaleRequestError, match="changed while you were editing"):
        services.change_status(request, coordinator, RequestStatus.IN_REVIEW,
                               expected_version=request.version - 1)

    db.session.rollback()
    assert _snapshot(request.id) == before


def test_a_change_committed_by_someone_else_meanwhile_is_refused(request_in, coordinator):
    """The version on the form matches what this process loaded, but the row moved on since."""
    request = request_in(RequestStatus.SUBMITTED)
    loaded_version = request.version
    with db.engine.begin() as other:  # a colleague's transaction, committed first
        other.execute(update(AccessRequest).where(AccessRequest.id == request.id)
                      .values(version=loaded_version + 1, status=RequestStatus.IN_REVIEW.value))
    emails_before = db.session.scalar(select(func.count()).select_from(OutgoingEmail))

    with pytest.raises(StaleRequestError):
        services.change_status(request, coordinator, RequestStatus.ARRANGED,
                               message="Done", expected_version=loaded_version)

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == emails_before
    assert db.session.get(AccessRequest, request.id).status == RequestStatus.IN_REVIEW


@pytest.mark.parametrize("action", ["assign", "reply", "note"])
def test_other_actions_refuse_a_stale_version_too(request_in, coordinator, action):
    request = request_in(RequestStatus.SUBMITTED)
    before = _snapshot(request.id)
    stale = request.version - 1
    with pytest.raises(StaleRequestError):
        if action == "assign":
            services.assign(request, coordinator, coordinator, expected_version=stale)
        elif action == "reply":
            services.reply(request, coordinator, "Hello", expected_version=stale)
        else:
            services.add_note(request, coordinator, "A note", expected_version=stale)
    db.session.rollback()
    assert _snapshot(request.id) == before


def test_each_staff_action_bumps_the_version(request_in, coordinator):
    """So a form opened before any of them is refused afterwards."""
    request = request_in(RequestStatus.SUBMITTED)
    versions = [request.version]
    services.assign(request, coordinator, coordinator, expected_version=versions[-1])
    versions.append(request.version)
    services.reply(request, coordinator, "We are on it.", expected_version=versions[-1])
    versions.append(request.version)
    services.add_note(request, coordinator, "Called the interpreter agency.",
                      expected_version=versions[-1])
    versions.append(request.version)
    assert versions == sorted(set(versions))


def test_a_purged_request_cannot_be_changed(request_in, coordinator):
    request = request_in(RequestStatus.ARRANGED)
    request.purged_at = utcnow()
    db.session.commit()
    before = _snapshot(request.id)
    for act in (
        lambda: services.change_status(request, coordinator, RequestStatus.CLOSED,
                                       expected_version=request.version),
        lambda: services.reply(request, coordinator, "Hello", expected_version=request.version),
        lambda: services.add_note(request, coordinator, "Note", expected_version=request.version),
        lambda: services.assign(request, coordinator, coordinator,
                                expected_version=request.version),
    ):
        with pytest.raises(RequestActionError, match="deleted"):
            act()
        db.session.rollback()
    assert _snapshot(request.id) == before


def test_assigning_to_a_deactivated_account_is_refused(request_in, coordinator, make_staff):
    request = request_in(RequestStatus.SUBMITTED)
    gone = make_staff(active=False)
    with pytest.raises(RequestActionError, match="deactivated"):
        services.assign(request, coordinator, gone, expected_version=request.version)


def test_blank_reply_and_note_are_refused(request_in, coordinator):
    request = request_in(RequestStatus.SUBMITTED)
    before = _snapshot(request.id)
    with pytest.raises(RequestActionError):
        services.reply(request, coordinator, "  \n ", expected_version=request.version)
    with pytest.raises(RequestActionError):
        services.add_note(request, coordinator, "", expected_version=request.version)
    db.session.rollback()
    assert _snapshot(request.id) == before
