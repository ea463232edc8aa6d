"""`flask demo` (what `make run` loads): real work in every status, built through the services,
so counts, history and the outbox agree, the pages show it, and a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accessreq.auth.models import StaffUser
from accessreq.demo import COORDINATOR_TEAM
from accessreq.extensions import db
from accessreq.feedback.models import AccessibilityReport
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.requests import counts
from accessreq.requests.models import (AccessRequest, HistoryEntry, HistoryKind, ReceivedVia,
                                       StatusLink, StatusCount)
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow

from helpers import sign_in


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def _requests() -> list[AccessRequest]:
    return list(db.session.scalars(select(AccessRequest).order_by(AccessRequest.id)))


def _staff(email: str) -> StaffUser:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == email))


def _by_a_person(entry: HistoryEntry) -> bool:
    """Written by staff or the attendee in the conversation; not the system's own follow-up
    (routing, or the move back to the team that an attendee's message makes), nor the
    bookings staff make meanwhile."""
    if entry.kind == HistoryKind.ATTENDEE_MESSAGE or entry.cancelled_by_attendee:
        return True
    if entry.kind == HistoryKind.BOOKING:
        return False
    return entry.actor_id is not None


def _replied_after_being_asked(access_request: AccessRequest) -> bool:
    """Staff asked for information, and the latest thing a person wrote is the attendee's
    answer."""
    people = [h for h in access_request.history if _by_a_person(h)]
    asked = [h for h in people if h.kind == HistoryKind.STATUS_CHANGED
             and h.to_status == RequestStatus.NEEDS_INFO]
    return bool(asked and people[-1].kind == HistoryKind.ATTENDEE_MESSAGE
                and people[-1].id > asked[-1].id)


def test_every_status_has_a_request(demo):
    statuses = {r.status for r in _requests()}
    assert statuses == set(RequestStatus)
    assert "15 requests and 2 problem reports added" in demo


def test_the_stored_counts_equal_a_real_count_per_team_and_status(demo):
    key = counts.team_key_column()
    real = {(team, status): n for team, status, n in db.session.execute(
        select(key, AccessRequest.status, func.count()).group_by(key, AccessRequest.status))}
    assert counts.by_team() == real
    assert sum(db.session.scalars(select(StatusCount.count))) == len(_requests())


def test_the_work_is_spread_over_teams_events_and_people(demo):
    requests = _requests()
    assert len({r.team_id for r in requests}) == 3 and None not in {r.team_id for r in requests}
    assert len({r.event_id for r in requests}) >= 3
    coordinator = _staff("coordinator@example.org")
    mine = [r for r in requests if r.assignee == coordinator]
    assert len(mine) >= 2
    assert all(r.team.name == COORDINATOR_TEAM and coordinator.can_see(r) for r in mine)
    assert any(r.assignee == _staff("admin@example.org") for r in requests)
    assert any(r.attendee_name for r in requests)  # asked for by someone else
    assert len({r.contact_channel for r in requests}) == 3
    kinds = {h.kind for r in requests for h in r.history}
    assert {HistoryKind.NOTE, HistoryKind.STAFF_REPLY, HistoryKind.ASSIGNED} <= kinds
    moved = [h for r in requests for h in r.history
             if h.kind == HistoryKind.ROUTED and h.actor_id is not None]
    assert moved and moved[0].routing.headline.startswith("Moved from")
    # Every request has its history from submission, and its status links and emails.
    for access_request in requests:
        assert access_request.history[0].kind == HistoryKind.SUBMITTED
        assert access_request.links


def test_a_phone_request_without_email_was_recorded_by_the_coordinator(demo):
    recorded = [r for r in _requests() if r.received_via == ReceivedVia.PHONE]
    assert len(recorded) == 1
    access_request = recorded[0]
    assert access_request.contact_email == "" and not access_request.gets_email
    assert access_request.team is not None  # routed like any other
    submitted = access_request.history[0]
    assert submitted.actor == _staff("coordinator@example.org")
    assert submitted.body == "Recorded by Cory Coordinator from a phone call."
    assert not db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
        OutgoingEmail.request_id == access_request.id, OutgoingEmail.to_address == ""))


def test_late_requests_are_open_and_flagged(demo):
    late = [r for r in _requests() if r.was_late]
    assert len(late) >= 2
    assert all(r.status.is_open and r.urgency() is not None for r in late)
    assert len({r.team_id for r in late}) >= 2


def test_needs_information_both_waiting_and_answered(demo):
    requests = _requests()
    waiting = [r for r in requests if r.status == RequestStatus.NEEDS_INFO]
    for access_request in waiting:  # the team's question is the latest thing anyone wrote
        latest = [h for h in access_request.history if _by_a_person(h)][-1]
        assert latest.to_status == RequestStatus.NEEDS_INFO and latest.body
        assert latest.actor_id is not None
    assert waiting
    answered = [r for r in requests if _replied_after_being_asked(r)]
    assert len(answered) == 1
    access_request = answered[0]
    assert access_request.status == RequestStatus.IN_REVIEW  # back with the team
    assert access_request.attendee_waiting_since is not None  # marked "Attendee replied"
    assert access_request.assignee == _staff("coordinator@example.org")
    # The attendee's status link printed by the command opens a request waiting on them.
    assert "An attendee's status page (a request waiting for their answer): " in demo


def test_outcomes_carry_their_messages_and_the_attendee_cancelled_one(demo):
    requests = _requests()
    for status in (RequestStatus.PARTIALLY_ARRANGED, RequestStatus.UNABLE,
                   RequestStatus.ARRANGED):
        chosen = next(r for r in requests if r.status == status)
        latest = [h for h in chosen.history if h.kind == HistoryKind.STATUS_CHANGED][-1]
        assert latest.to_status == status and latest.body and latest.actor_id
    cancelled = next(r for r in requests if r.status == RequestStatus.CANCELLED)
    assert [h for h in cancelled.history if _by_a_person(h)][-1].cancelled_by_attendee
    closed = next(r for r in requests if r.status == RequestStatus.CLOSED)
    assert [h.to_status for h in closed.history if h.kind == HistoryKind.STATUS_CHANGED] == [
        RequestStatus.ARRANGED, RequestStatus.CLOSED]


def test_problem_reports_and_the_outbox(demo, smtp_server, runner):
    reports = list(db.session.scalars(select(AccessibilityReport)))
    assert sorted(r.is_open for r in reports) == [False, True]
    failed = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.status == EmailStatus.DEAD)).all()
    assert len(failed) == 1 and "Demo data" in failed[0].last_error
    # Everything else is real mail waiting for the sender, which `make run` starts.
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0 and "0 failed for good" in sent.output
    db.session.expire_all()
    statuses = set(db.session.scalars(select(OutgoingEmail.status)))
    assert statuses == {EmailStatus.SENT, EmailStatus.DEAD}
    assert len(smtp_server.messages) == db.session.scalar(
        select(func.count()).select_from(OutgoingEmail)) - 1


def test_the_pages_show_the_work_the_first_time(demo, client):
    requests = _requests()
    coordinator = _staff("coordinator@example.org")
    sign_in(client, coordinator)
    queue = client.get("/staff/").get_data(as_text=True)
    for access_request in requests:
        if access_request.team.name == COORDINATOR_TEAM and access_request.status.is_open:
            assert access_request.reference in queue
    answered = next(r for r in requests if _replied_after_being_asked(r))
    page = client.get(f"/staff/requests/{answered.id}")
    assert page.status_code == 200
    assert "The left side of the stage is best" in page.get_data(as_text=True)

    sign_in(client, _staff("admin@example.org"))
    for url, expected in (("/admin/email/", "Demo data, not a real delivery"),
                          ("/staff/reports/", "The request form, sign language details"),
                          ("/admin/routing", "Communications access")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.get_data(as_text=True), url


def test_the_team_has_providers_and_bookings(demo):
    from accessreq.arranging.models import Provider

    from accessreq.arranging.models import Booking

    names = set(db.session.scalars(select(Provider.name)))
    assert {"Hands Up Interpreting", "Clear Captions"} <= names
    bookings = {b.provider.name: b for b in db.session.scalars(select(Booking))}
    shared = bookings["Hands Up Interpreting"]
    assert len({item.request_id for item in shared.items}) == 2  # one pair, two attendees
    close = bookings["Clear Captions"].cancellation_deadline_at
    assert timedelta(0) < close - utcnow() < timedelta(hours=48)


def test_running_it_again_adds_nothing(demo, runner):
    tables = (AccessRequest, HistoryEntry, OutgoingEmail, StatusLink, AccessibilityReport)

    def sizes():
        return {t.__name__: db.session.scalar(select(func.count()).select_from(t))
                for t in tables}

    before = sizes()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "0 providers, 0 requests and 0 problem reports added" in again.output
    assert "An attendee's status page" not in again.output
    db.session.expire_all()
    assert sizes() == before


def test_a_talk_that_is_over_waits_for_its_outcomes(demo, client):
    from accessreq.requests.outcomes import ItemOutcome, NeedsMet

    now = utcnow()
    requests = _requests()
    past = [r for r in requests if r.event.ends_at < now]
    assert {r.event.title for r in past} == {"Talk: Museums for everyone"}
    for access_request in past:  # asked for weeks before it, as the story goes
        assert access_request.created_at < access_request.event.starts_at - timedelta(days=14)
        assert not access_request.was_late
    closed = next(r for r in past if r.status == RequestStatus.CLOSED)
    assert [i.outcome for i in closed.items] == [ItemOutcome.DELIVERED]
    assert closed.needs_met == NeedsMet.YES
    waiting = [r for r in past if r.status == RequestStatus.ARRANGED]
    assert len(waiting) == 2 and all(i.outcome is None for r in waiting for i in r.items)
    unhappy = next(r for r in waiting if r.needs_met is not None)
    assert unhappy.needs_met == NeedsMet.NO and "captions stopped" in unhappy.needs_met_comment
    sign_in(client, _staff("coordinator@example.org"))
    queue = client.get("/staff/?status=all&outcome=1").get_data(as_text=True)
    assert all(r.reference in queue for r in waiting) and closed.reference not in queue


def test_the_events_say_what_they_provide_to_everyone(demo, client):
    from accessreq.events.models import Event

    roundtable = db.session.scalar(select(Event).where(
        Event.title == "Roundtable: Archives and memory"))
    loop = roundtable.provisions[0]
    assert loop.accommodation_type is not None  # a catalogue accommodation: requests say so
    assert "hearing loop covers every seat" in loop.how
    page = client.get(f"/events/{roundtable.id}").get_data(as_text=True)
    assert "hearing loop covers every seat" in page
    seminar = db.session.scalar(select(Event).where(
        Event.title == "Online seminar: Data and disability"))
    assert seminar.online_url.startswith("https://")
    assert seminar.online_url not in client.get(f"/events/{seminar.id}").get_data(as_text=True)


def test_the_demo_has_canned_replies_that_fit_its_requests(demo, client):
    sign_in(client, _staff("coordinator@example.org"))
    waiting = next(r for r in _requests() if r.status == RequestStatus.SUBMITTED
                   and any(i.accommodation_type.name == "Sign language interpretation"
                           for i in r.items) and r.team.name == COORDINATOR_TEAM)
    page = client.get(f"/staff/requests/{waiting.id}").get_data(as_text=True)
    assert "Use “Interpreter confirmed”" in page and "Use “We are working on it”" in page
    admin_list = client.get("/admin/replies")
    assert admin_list.status_code == 403  # the coordinator uses them; admins keep them


def test_the_demo_report_has_three_charts_with_summaries_and_tables(demo, client):
    sign_in(client, _staff("admin@example.org"))
    page = client.get("/staff/reports/overview").get_data(as_text=True)
    charts = page.count('<svg class="chart__drawing"')
    assert charts >= 3
    assert page.count('class="chart__summary"') == page.count("<figure class=\"chart\"") >= 3
    assert page.count("</table>") >= charts
