"""The calendar file (issue 12, "Calendar"): attached to the confirmation, to the "Arranged"
email and to a cancellation, received through a real SMTP server and parsed back with
icalendar; the same file from the status page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from accessreq.arranging.services import set_met_by
from accessreq.extensions import db
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest
from accessreq.requests.services import cancel_by_attendee
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import change_status

pytestmark = pytest.mark.app_config(BASE_URL="https://events.example.org",
                                    MAIL_DEFAULT_SENDER="Access team <access@example.org>",
                                    STAFF_INBOX="access-team@example.org")

# 18:00 in London in summer (BST, UTC+1) is 17:00 UTC.
STARTS = datetime(2031, 7, 10, 17, 0, tzinfo=UTC)
ARRANGED = "Your seat is in row B, on the aisle; the captions show on the left-hand screen. " \
           "Priya from the access team meets you at the main entrance at 17:40."


def _sent(smtp_server) -> list:
    assert send_due_emails().dead == 0
    return smtp_server.to("sam@example.net")


def _calendar_in(message) -> tuple[Calendar, str]:
    """The one calendar file attached to ``message``, parsed, and its Content-Type."""
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.iter_attachments()]
    part = parts[0]
    assert part.get_filename().endswith(".ics")
    return Calendar.from_ical(part.get_payload(decode=True)), part["Content-Type"]


def _vevent(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def summer_request(make_event, make_request):
    event = make_event(title="Summer roundtable", starts_at=STARTS,
                       ends_at=STARTS + timedelta(hours=2), timezone="Europe/London",
                       venue="Main Hall", access_provided="Captions on the screen; hearing loop.")
    access_request, _ = make_request(event=event,
                                     details={event.offered_types[0].id: "BSL, seated near"})
    return access_request


def _arrange(access_request: AccessRequest, staff) -> None:
    access_request = db.session.get(AccessRequest, access_request.id)
    for item in access_request.items:
        set_met_by(item, db.session.merge(staff), "In-house interpreter")
    access_request = db.session.get(AccessRequest, access_request.id)
    change_status(access_request, db.session.merge(staff), RequestStatus.ARRANGED, ARRANGED,
                  expected_version=access_request.version)


def test_the_confirmation_carries_the_event_at_the_right_local_time(summer_request,
                                                                     smtp_server):
    (confirmation,) = _sent(smtp_server)
    calendar, content_type = _calendar_in(confirmation)
    assert "method=PUBLISH" in content_type.replace('"', "")
    assert calendar["METHOD"] == "PUBLISH"
    event = _vevent(calendar)
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert (start.hour, start.minute) == (18, 0)  # local time in the event's zone
    assert start.astimezone(UTC) == STARTS  # 17:00 UTC
    assert event.decoded("DTEND").astimezone(UTC) == STARTS + timedelta(hours=2)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(event["SUMMARY"]) == "Summer roundtable"
    assert str(event["LOCATION"]) == "Main Hall"
    assert str(event["UID"]) == f"request-{summer_request.id}@events.example.org"
    assert str(event["STATUS"]) == "CONFIRMED"
    description = str(event["DESCRIPTION"])
    assert summer_request.reference in description
    assert "Captions on the screen; hearing loop." in description
    # Nothing private: no status link, nothing of what was asked for.
    raw = confirmation.as_string()
    ics = calendar.to_ical().decode()
    assert "/r/" not in ics and "BSL" not in ics and "Sign language" not in ics
    # Attendees write to the access address; the team's internal notification inbox stays
    # internal.
    assert "mailto:access@example.org" in ics.replace("\r\n ", "")
    assert "Questions: email access@example.org" in description
    assert "access-team@example.org" not in ics
    assert str(event["URL"]) == f"https://events.example.org/events/{summer_request.event_id}"
    assert "calendar file" in raw


def test_the_arranged_email_replaces_the_entry_with_what_was_arranged(summer_request, staff,
                                                                      smtp_server):
    (confirmation,) = _sent(smtp_server)
    first = _vevent(_calendar_in(confirmation)[0])
    _arrange(summer_request, staff)
    arranged = _sent(smtp_server)[-1]
    assert "Arranged" in arranged["Subject"]
    calendar, _ = _calendar_in(arranged)
    event = _vevent(calendar)
    assert str(event["UID"]) == str(first["UID"])  # the same entry, replaced
    assert event.decoded("SEQUENCE") > first.decoded("SEQUENCE")
    description = str(event["DESCRIPTION"])
    assert ARRANGED in description
    assert "In-house interpreter" not in description  # staff's own note stays with staff
    assert event.decoded("DTSTART").astimezone(UTC) == STARTS


def test_an_update_without_news_for_the_calendar_carries_no_file(summer_request, staff,
                                                                 smtp_server):
    _sent(smtp_server)
    access_request = db.session.get(AccessRequest, summer_request.id)
    change_status(access_request, db.session.merge(staff), RequestStatus.IN_REVIEW,
                  expected_version=access_request.version)
    update = _sent(smtp_server)[-1]
    assert not [p for p in update.iter_attachments()
                if p.get_content_type() == "text/calendar"]


def test_the_attendees_cancellation_sends_a_cancel(summer_request, staff, smtp_server):
    (confirmation,) = _sent(smtp_server)
    first = _vevent(_calendar_in(confirmation)[0])
    _arrange(summer_request, staff)
    arranged = _vevent(_calendar_in(_sent(smtp_server)[-1])[0])
    cancel_by_attendee(db.session.get(AccessRequest, summer_request.id), "Cannot come")
    cancelled = _sent(smtp_server)[-1]
    calendar, content_type = _calendar_in(cancelled)
    assert "method=CANCEL" in content_type.replace('"', "")
    assert calendar["METHOD"] == "CANCEL"
    event = _vevent(calendar)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(first["UID"])
    assert event.decoded("SEQUENCE") > arranged.decoded("SEQUENCE")
    assert "ORGANIZER" in event  # RFC 5546: a CANCEL names its organizer
    assert ARRANGED not in str(event["DESCRIPTION"])


def test_send_again_builds_the_file_afresh(summer_request, admin, smtp_server):
    from accessreq.notifications.models import OutgoingEmail
    from accessreq.notifications.rebuild import send_again

    (confirmation,) = _sent(smtp_server)
    row = db.session.query(OutgoingEmail).filter_by(template="request_received").one()
    send_again(row, admin)
    again = _sent(smtp_server)[-1]
    assert _vevent(_calendar_in(again)[0])["UID"] == _vevent(_calendar_in(confirmation)[0])["UID"]


def test_the_status_page_offers_the_same_file(summer_request, staff, client):
    access_request = db.session.get(AccessRequest, summer_request.id)
    _arrange(access_request, staff)
    from accessreq.requests.notifications import issue_status_link

    status_url = issue_status_link(db.session.get(AccessRequest, summer_request.id))
    db.session.commit()
    path = status_url.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200
    assert b"calendar.ics" in page.data
    response = client.get(f"/{path}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]
    event = _vevent(Calendar.from_ical(response.data))
    assert str(event["UID"]) == f"request-{summer_request.id}@events.example.org"
    assert ARRANGED in str(event["DESCRIPTION"])


def test_the_file_is_refused_for_a_bad_link(summer_request, client):
    assert client.get("/r/not-a-real-token/calendar.ics").status_code == 404


def test_the_file_waits_sealed_with_the_message_and_goes_with_it(summer_request):
    from accessreq.notifications.models import OutgoingEmail

    row = db.session.query(OutgoingEmail).filter_by(template="request_received").one()
    # The attachment is part of the bytes built at queue time, which are stored sealed.
    assert b"text/calendar" in row.mime and b"text/calendar" not in row.sealed_mime
    assert send_due_emails().sent >= 1
    db.session.refresh(row)
    assert row.content_deleted and row.sealed_mime is None
