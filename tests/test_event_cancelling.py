"""Cancelling an event (admin): one service, in one transaction. Every request still going
ahead moves to cancelled through the one status path with history saying why, each attendee
gets one email through the outbox carrying a METHOD:CANCEL calendar file with the UID they
already have (received by a real SMTP server, parsed back with icalendar), live bookings are
flagged for staff; already final requests are untouched; the event page says it is cancelled
and takes no requests; cancelling twice is refused; a failure part-way leaves nothing done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from accessreq.arranging.models import Booking, BookingStatus, ProviderKind
from accessreq.arranging.services import (BookingDetails, ProviderDetails, create_booking,
                                          save_provider, update_booking)
from accessreq.auth.models import Role
from accessreq.events.models import RequestsClosed
from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.services import RequestActionError, cancel_by_attendee
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage import event_cancelling
from accessreq.triage.event_cancelling import cancel_event
from accessreq.triage.services import change_status
from helpers import cover_everything, sign_in, text_body

pytestmark = pytest.mark.app_config(BASE_URL="https://events.example.org")

REASON = "The speaker is ill. We hope to hold the talk in the spring."


def fresh(obj):
    return db.session.get(type(obj), obj.id)


def page_text(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return " ".join(response.get_data(as_text=True).split())


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingEmail))


@pytest.fixture
def world(make_event, make_request, make_staff):
    """An event with a request in each kind of state, and bookings live and not."""
    event = make_event("Lecture: Cities that listen", days_ahead=20)
    sign, seat = event.offered_types
    staff = make_staff(name="Casey Coordinator")
    sam, _ = make_request(event=event, types=[sign], contact_name="Sam",
                          contact_email="sam@example.net")
    noor, _ = make_request(event=event, types=[sign, seat], contact_name="Noor",
                           contact_email="noor@example.net")
    cover_everything(noor)
    change_status(noor, staff, RequestStatus.ARRANGED, "An interpreter pair is booked.")
    kim, _ = make_request(event=event, types=[seat], contact_name="Kim",
                          contact_email="kim@example.net")
    cancel_by_attendee(kim, "My plans changed.")
    lee, _ = make_request(event=event, types=[seat], contact_name="Lee",
                          contact_email="lee@example.net")
    cover_everything(lee)
    change_status(lee, staff, RequestStatus.ARRANGED, "Seat kept.")
    # Closed before its event, as requests could be before closing needed outcomes (set-up
    # only, behind transition_to's back): a final request the cancellation must not touch.
    db.session.execute(update(AccessRequest).where(AccessRequest.id == lee.id)
                       .values(status=RequestStatus.CLOSED))
    db.session.commit()
    other_event = make_event("Another talk", days_ahead=25)
    other, _ = make_request(event=other_event, contact_name="Other",
                            contact_email="other@example.net")
    hands = save_provider(None, ProviderDetails(name="Hands Up Interpreting",
                                                kind=ProviderKind.SIGN_LANGUAGE,
                                                free_cancellation_hours=48))
    words = save_provider(None, ProviderDetails(name="Words Live", kind=ProviderKind.OTHER))
    confirmed = create_booking(event, None, BookingDetails(
        provider=hands, items=[sam.items[0], noor.items[0]]))
    update_booking(confirmed, None, BookingDetails(provider=hands, items=list(confirmed.items)),
                   BookingStatus.CONFIRMED)
    asked = create_booking(event, None, BookingDetails(provider=words, items=[noor.items[1]]))
    declined = create_booking(event, None, BookingDetails(provider=words, items=[sam.items[0]]))
    update_booking(declined, None, BookingDetails(provider=words, items=list(declined.items)),
                   BookingStatus.DECLINED)
    return dict(event=event, staff=staff, sam=sam, noor=noor, kim=kim, lee=lee, other=other,
                confirmed=confirmed, asked=asked, declined=declined,
                admin=make_staff(Role.ADMIN, name="Ada Admin"))


def _calendar_of(message):
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    (entry,) = calendar.walk("VEVENT")
    return calendar, entry


# --- the service ------------------------------------------------------------------------------


def test_cancelling_moves_each_going_ahead_request_and_tells_its_attendee_once(world,
                                                                               smtp_server):
    assert send_due_emails().dead == 0
    first_uids = {who: str(_calendar_of(smtp_server.to(f"{who}@example.net")[0])[1]["UID"])
                  for who in ("sam", "noor")}
    before = {who: len(smtp_server.to(f"{who}@example.net"))
              for who in ("sam", "noor", "kim", "lee", "other")}
    kim_history = len(fresh(world["kim"]).history)
    lee_history = len(fresh(world["lee"]).history)

    done = cancel_event(fresh(world["event"]), fresh(world["admin"]), f"  {REASON}\n")
    assert (done.requests, done.bookings) == (2, 2)

    event = fresh(world["event"])
    assert event.cancelled_at is not None and event.cancellation_reason == REASON
    assert fresh(world["sam"]).status == RequestStatus.CANCELLED
    assert fresh(world["noor"]).status == RequestStatus.CANCELLED
    # Already final: untouched, nothing added to their history.
    assert fresh(world["kim"]).status == RequestStatus.CANCELLED
    assert fresh(world["lee"]).status == RequestStatus.CLOSED
    assert len(fresh(world["kim"]).history) == kim_history
    assert len(fresh(world["lee"]).history) == lee_history
    assert fresh(world["other"]).status == RequestStatus.SUBMITTED

    # History: one status change by the admin saying the event was cancelled, and the email.
    sam = fresh(world["sam"])
    (change,) = [e for e in sam.history if e.kind == HistoryKind.STATUS_CHANGED]
    assert change.to_status == RequestStatus.CANCELLED and change.actor.name == "Ada Admin"
    assert change.body == f"Lecture: Cities that listen is cancelled, so this request is " \
                          f"cancelled too. {REASON}"
    assert not change.cancelled_by_attendee

    assert send_due_emails().dead == 0
    for who in ("sam", "noor"):
        mail = smtp_server.to(f"{who}@example.net")
        assert len(mail) == before[who] + 1, who  # one email each
        message = mail[-1]
        assert "Cancelled" in message["Subject"]
        assert REASON in " ".join(text_body(message).split())
        calendar, entry = _calendar_of(message)
        assert calendar["METHOD"] == "CANCEL" and str(entry["STATUS"]) == "CANCELLED"
        assert str(entry["UID"]) == first_uids[who]  # the same entry, taken out
    for who in ("kim", "lee", "other"):
        assert len(smtp_server.to(f"{who}@example.net")) == before[who], who


def test_live_bookings_are_flagged_with_the_deadline(world):
    deadline = fresh(world["confirmed"]).cancellation_deadline_at
    assert deadline > utcnow()
    cancel_event(fresh(world["event"]), fresh(world["admin"]), REASON)
    confirmed, asked = fresh(world["confirmed"]), fresh(world["asked"])
    assert confirmed.attention.startswith(
        "Event cancelled — cancel with Hands Up Interpreting before ")
    assert confirmed.attention.endswith(" to avoid the fee.")
    assert asked.attention == ("Event cancelled — cancel with Words Live (their cancellation "
                               "terms are not known: check them).")
    assert fresh(world["declined"]).attention == ""  # not live: nothing to decide
    # The bookings themselves are left for staff to cancel with the provider.
    assert confirmed.status == BookingStatus.CONFIRMED


def test_the_event_takes_no_more_requests(world, client):
    cancel_event(fresh(world["event"]), fresh(world["admin"]), REASON)
    event = fresh(world["event"])
    assert event.requests_closed() is RequestsClosed.CANCELLED
    assert not event.takes_requests()
    page = page_text(client.get(f"/events/{event.id}"))
    assert "This event is cancelled." in page and REASON in page
    assert "This event is cancelled, so access requests cannot be made for it." in page
    assert "Request access" not in page
    form = page_text(client.get(f"/events/{event.id}/request"))
    assert "This event is cancelled, so access requests cannot be made for it." in form
    assert REASON in form
    assert f'href="/events/{event.id}"' not in page_text(client.get("/"))
    response = client.post(f"/events/{event.id}/request", data={
        "contact_name": "Late Person", "contact_email": "late@example.net",
        "contact_channel": "email", "for_whom": "me",
        "accommodations": [str(event.offered_types[0].id)], "consent": "y"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AccessRequest).where(
        AccessRequest.contact_name == "Late Person")) == 0


def test_cancelling_twice_or_without_a_reason_is_refused(world):
    with pytest.raises(RequestActionError, match="Say why"):
        cancel_event(fresh(world["event"]), fresh(world["admin"]), "   ")
    assert fresh(world["event"]).cancelled_at is None
    cancel_event(fresh(world["event"]), fresh(world["admin"]), REASON)
    emails = outbox_count()
    with pytest.raises(RequestActionError, match="already cancelled"):
        cancel_event(fresh(world["event"]), fresh(world["admin"]), "Again")
    assert fresh(world["event"]).cancellation_reason == REASON
    assert outbox_count() == emails


def test_an_event_that_took_place_cannot_be_cancelled(make_event, make_staff):
    event = make_event("Last week's talk", days_ahead=-7)
    with pytest.raises(RequestActionError, match="already taken place"):
        cancel_event(event, make_staff(Role.ADMIN), REASON)


def test_a_failure_part_way_cancels_nothing_and_queues_no_email(world, monkeypatch):
    real = event_cancelling.notifications.attendee_update
    calls = []

    def fail_on_the_second(access_request, entry):
        calls.append(access_request.id)
        if len(calls) == 2:
            raise RuntimeError("the mail template broke")
        return real(access_request, entry)

    monkeypatch.setattr(event_cancelling.notifications, "attendee_update", fail_on_the_second)
    emails = outbox_count()
    with pytest.raises(RuntimeError):
        cancel_event(fresh(world["event"]), fresh(world["admin"]), REASON)
    assert len(calls) == 2
    db.session.expire_all()
    assert fresh(world["event"]).cancelled_at is None
    assert fresh(world["sam"]).status == RequestStatus.SUBMITTED
    assert fresh(world["noor"]).status == RequestStatus.ARRANGED
    assert outbox_count() == emails
    assert all(b.attention == "" for b in db.session.scalars(select(Booking)))


def test_an_attendee_without_email_is_not_emailed_and_staff_are_told(make_event, make_request,
                                                                     make_staff):
    event = make_event("Small talk", days_ahead=10)
    access_request, _ = make_request(event=event, email_updates=False)
    emails = outbox_count()
    cancel_event(event, make_staff(Role.ADMIN), REASON)
    access_request = fresh(access_request)
    assert access_request.status == RequestStatus.CANCELLED
    assert outbox_count() == emails
    assert any(e.kind == HistoryKind.EMAIL_SKIPPED for e in access_request.history)


# --- the admin's page ---------------------------------------------------------------------------


def test_the_admin_confirms_with_a_reason(client, world, smtp_server):
    sign_in(client, world["admin"])
    event_id = world["event"].id
    listing = page_text(client.get("/admin/events"))
    assert f'href="/admin/events/{event_id}/cancel"' in listing
    page = page_text(client.get(f"/admin/events/{event_id}/cancel"))
    assert "<title>Cancel the event: Lecture: Cities that listen" in page
    assert "Its 2 requests still going ahead are cancelled" in page
    assert "Its 2 bookings still asked or confirmed are flagged" in page
    assert fresh(world["event"]).cancelled_at is None  # asking changes nothing

    refused = page_text(client.post(f"/admin/events/{event_id}/cancel", data={"reason": " "}),
                        422)
    assert "<title>Error: Cancel the event" in refused
    assert "Say why the event is cancelled" in refused
    assert fresh(world["event"]).cancelled_at is None
    too_long = page_text(client.post(f"/admin/events/{event_id}/cancel",
                                     data={"reason": "x" * 2001}), 422)
    assert "2,000 characters or fewer" in too_long and "x" * 2001 in too_long

    response = client.post(f"/admin/events/{event_id}/cancel", data={"reason": REASON})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/events")
    listing = page_text(client.get("/admin/events"))
    assert ("Lecture: Cities that listen is cancelled. 2 requests cancelled and their "
            "attendees told; 2 bookings flagged for a decision.") in listing
    assert f'href="/admin/events/{event_id}/cancel"' not in listing
    assert fresh(world["event"]).cancellation_reason == REASON

    again = page_text(client.get(f"/admin/events/{event_id}/cancel"))
    assert "This event is already cancelled." in again and "<textarea" not in again
    emails = outbox_count()
    response = client.post(f"/admin/events/{event_id}/cancel", data={"reason": "Twice"},
                           follow_redirects=True)
    assert "This event is already cancelled." in page_text(response)
    assert outbox_count() == emails and fresh(world["event"]).cancellation_reason == REASON


def test_coordinators_cannot_cancel_an_event(client, world):
    sign_in(client, world["staff"])
    assert client.get(f"/admin/events/{world['event'].id}/cancel").status_code == 403
    assert client.post(f"/admin/events/{world['event'].id}/cancel",
                       data={"reason": REASON}).status_code == 403
    assert fresh(world["event"]).cancelled_at is None


def test_staff_cannot_record_a_request_for_a_cancelled_event(world):
    from accessreq.events.queries import events_staff_can_record

    cancel_event(fresh(world["event"]), fresh(world["admin"]), REASON)
    assert fresh(world["event"]) not in events_staff_can_record()


def test_the_attendee_status_page_says_why(client, make_event, make_request, make_staff):
    event = make_event("Evening talk", starts_at=utcnow() + timedelta(days=10))
    _request, status_url = make_request(event=event)
    cancel_event(event, make_staff(Role.ADMIN), REASON)
    page = page_text(client.get(status_url.replace("http://accessreq.test", "")
                                .replace("https://events.example.org", "")))
    assert "Cancelled" in page and REASON in page
