"""Writing to a provider from a booking (issue 12): the wording filled in for the booking, one
email through the outbox with a staff-only history entry on every request the booking covers,
and the attendees' contact details or what they wrote only when ticked — read from what a real
SMTP server received."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from accessreq.arranging.models import Booking, BookingStatus, ProviderKind
from accessreq.arranging.provider_mail import ProviderEmailKind, email_provider, kinds_for
from accessreq.arranging.services import (BookingDetails, ProviderDetails, create_booking,
                                          save_provider, update_booking)
from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail, WordingKey
from accessreq.notifications.rebuild import send_again
from accessreq.notifications.sender import send_due_emails
from accessreq.notifications.wording import save_wording
from accessreq.requests.models import AccessRequest, HistoryEntry, HistoryKind
from accessreq.requests.services import cancel_by_attendee
from accessreq.routing.models import Organisation, Team
from helpers import sign_in, text_body

EVENT_START = datetime(2027, 1, 21, 18, 0, tzinfo=UTC)  # 18:00 GMT in London
HANDS = "bookings@handsup.example"
SECRETS = ("Sam Attendee", "sam@example.net", "07700 900 982", "Noor Haddad",
           "noor@example.net", "BSL with a deaf-blind", "Anything else 77")


@pytest.fixture
def world(make_event, make_request, make_type):
    sign = make_type("Sign language interpretation", 14)
    seat = make_type("Wheelchair-accessible seating", 3)
    event = make_event("Roundtable: Archives and memory", types=[sign, seat],
                       starts_at=EVENT_START, ends_at=EVENT_START + timedelta(hours=2),
                       venue="Main Hall")
    sam, _ = make_request(event=event, types=[sign, seat], contact_name="Sam Attendee",
                          contact_phone="07700 900 982",
                          details={sign.id: "BSL with a deaf-blind interpreter nearby",
                                   seat.id: "Seat detail 55"},
                          anything_else="Anything else 77")
    noor, _ = make_request(event=event, types=[sign], contact_name="Noor Haddad",
                           contact_email="noor@example.net")
    hands = save_provider(None, ProviderDetails(
        name="Hands Up Interpreting", kind=ProviderKind.SIGN_LANGUAGE, email=HANDS,
        free_cancellation_hours=48))
    items = [i for r in (sam, noor) for i in r.items if i.accommodation_type_id == sign.id]
    booking = create_booking(event, None, BookingDetails(
        provider=hands, items=items, provider_reference="HU-118",
        arrival_at=EVENT_START - timedelta(minutes=30), starts_at=EVENT_START,
        ends_at=EVENT_START + timedelta(hours=2)))
    return dict(event=event, sam=sam, noor=noor, sign=sign, hands=hands, booking=booking)


def url(booking: Booking, kind: str = "ask") -> str:
    return f"/staff/bookings/{booking.id}/email/{kind}"


def sent_to_provider(smtp_server):
    assert send_due_emails().sent >= 1
    messages = smtp_server.to(HANDS)
    assert len(messages) == 1
    return messages[0]


def booking_lines(access_request: AccessRequest) -> list[str]:
    db.session.expire_all()
    return [e.body for e in db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.request_id == access_request.id,
                                   HistoryEntry.kind == HistoryKind.BOOKING)
        .order_by(HistoryEntry.id))]


def text_of(message) -> str:
    return text_body(message).replace("\r\n", "\n")


def provider_rows() -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "provider_message").order_by(OutgoingEmail.id)))


# --- the booking page and the form --------------------------------------------------------------


def test_the_booking_page_offers_the_three_emails_the_sensible_one_first(
        client, staff, world):
    booking = world["booking"]
    sign_in(client, staff)
    page = client.get(f"/staff/bookings/{booking.id}").get_data(as_text=True)
    assert "Write to the provider" in page and HANDS in page
    links = [page.index(url(booking, kind)) for kind in ("ask", "confirm", "cancel")]
    assert links == sorted(links)
    assert [k.value for k in kinds_for(booking)] == ["ask", "confirm", "cancel"]
    details = BookingDetails(provider=world["hands"], items=list(booking.items))
    update_booking(booking, staff, details, BookingStatus.CONFIRMED)
    assert kinds_for(booking)[0] == ProviderEmailKind.CONFIRM
    update_booking(booking, staff, details, BookingStatus.CANCELLED)
    assert kinds_for(booking)[0] == ProviderEmailKind.CANCEL
    page = client.get(f"/staff/bookings/{booking.id}").get_data(as_text=True)
    assert page.index(url(booking, "cancel")) < page.index(url(booking, "ask"))


def test_the_form_is_prefilled_for_the_booking_with_nothing_about_attendees(
        client, staff, world):
    sign_in(client, staff)
    response = client.get(url(world["booking"]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Hands Up Interpreting, bookings@handsup.example" in page
    assert 'value="Booking request: Roundtable: Archives and memory, Thursday 21 January 2027"' \
        in page
    assert ("We would like to book you for Roundtable: Archives and memory on Thursday 21 "
            "January 2027, 18:00 to 20:00 GMT, at Main Hall.") in page
    assert "What we need: Sign language interpretation, for 2 attendees." in page
    assert "Times on the day: arrival 17:30, 18:00 to 20:00 GMT." in page
    for secret in SECRETS:
        assert secret not in page
    assert page.count('type="checkbox"') == 2 and "checked" not in page
    assert "Include the attendees’ names and contact details" in page
    assert "Include what the attendees wrote about their needs" in page


def test_the_admins_wording_is_what_the_form_starts_with(client, staff, admin, world):
    save_wording(WordingKey.PROVIDER_CANCEL, admin, "Off: {event} ({provider_reference})",
                 "Dear {provider}, we cancel {needs} for {count}. {team}")
    sign_in(client, staff)
    page = client.get(url(world["booking"], "cancel")).get_data(as_text=True)
    assert 'value="Off: Roundtable: Archives and memory (HU-118)"' in page
    assert ("Dear Hands Up Interpreting, we cancel Sign language interpretation for 2 "
            "attendees. Example Institute access team") in page


# --- sending --------------------------------------------------------------------------------------


def test_sending_without_ticks_sends_nothing_about_the_attendees(client, staff, world,
                                                                 smtp_server):
    sam, noor, booking = world["sam"], world["noor"], world["booking"]
    sign_in(client, staff)
    response = client.post(url(booking), data={
        "subject": "Can you interpret on 21 January?",
        "body": "Hello Hands Up,\r\n\r\nCan you do it?\r\n\r\nThanks,\r\nCasey"})
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/bookings/{booking.id}")
    [row] = provider_rows()
    assert row.request_id is None
    message = sent_to_provider(smtp_server)
    assert message["Subject"] == "Can you interpret on 21 January?"
    assert message["Reply-To"] == "access@example.org"
    text = text_of(message)
    html = message.get_body(("html",)).get_content()
    assert "Hello Hands Up,\n\nCan you do it?\n\nThanks,\nCasey" in text
    assert "Can you do it?</p>" in html
    for secret in SECRETS:
        assert secret not in message.as_string(), secret
    assert "attendees this booking is for" not in text
    expected = (f"Booking {booking.id}: Emailed Hands Up Interpreting ({HANDS}): asking for a "
                "booking.")
    assert booking_lines(sam)[-1] == expected and booking_lines(noor)[-1] == expected
    page = client.get(f"/staff/requests/{sam.id}").get_data(as_text=True)
    assert "Emailed Hands Up Interpreting" in page and "Staff only" in page


def test_ticking_both_adds_the_attendees_built_from_the_booking(client, staff, world,
                                                                smtp_server):
    booking = world["booking"]
    sign_in(client, staff)
    client.post(url(booking, "confirm"), data={"subject": "Confirmed", "body": "Thank you.",
                                               "contacts": "y", "needs": "y"})
    text = text_of(sent_to_provider(smtp_server))
    assert "The attendees this booking is for" in text
    assert ("Sam Attendee\nEmail: sam@example.net\nPhone: 07700 900 982\nPrefers: Email\n"
            "Sign language interpretation: BSL with a deaf-blind interpreter nearby") in text
    assert "Noor Haddad\nEmail: noor@example.net\nPrefers: Email\n" \
           "Sign language interpretation: Nothing written" in text
    # Only the booked accommodations' details, never "anything else" or other items.
    assert "Anything else 77" not in text and "Seat detail 55" not in text
    assert booking_lines(world["sam"])[-1].endswith(
        "confirming the booking, with the attendees' names and contact details and what the "
        "attendees wrote about their needs.")


def test_ticking_only_needs_sends_what_they_wrote_without_names(client, staff, world,
                                                                smtp_server):
    sign_in(client, staff)
    client.post(url(world["booking"]), data={"subject": "Ask", "body": "Hello.", "needs": "y"})
    message = sent_to_provider(smtp_server)
    text = text_of(message)
    assert "What the attendees wrote" in text
    assert "Attendee 1\nSign language interpretation: BSL with a deaf-blind" in text
    for secret in ("Sam Attendee", "sam@example.net", "07700 900 982", "Noor Haddad",
                   "noor@example.net"):
        assert secret not in message.as_string()


def test_a_cancelled_attendee_is_neither_counted_nor_shared(client, staff, world, smtp_server):
    cancel_by_attendee(world["noor"], "Plans changed")
    sign_in(client, staff)
    page = client.get(url(world["booking"])).get_data(as_text=True)
    assert "for 1 attendee." in page
    client.post(url(world["booking"]), data={"subject": "Ask", "body": "Hello.",
                                             "contacts": "y"})
    message = sent_to_provider(smtp_server)
    assert "Sam Attendee" in text_of(message)
    assert "Noor Haddad" not in message.as_string()


@pytest.mark.parametrize("data, field, message", [
    ({"subject": "", "body": "Hello."}, "subject", "Enter the subject"),
    ({"subject": "Hi", "body": "   "}, "body", "Enter the message"),
])
def test_an_empty_subject_or_message_is_refused_with_everything_kept(
        client, staff, world, data, field, message):
    sign_in(client, staff)
    response = client.post(url(world["booking"]), data={**data, "contacts": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page and f'id="{field}-error"' in page and message in page
    [contacts] = re.findall(r'<input[^>]*name="contacts"[^>]*>', page)
    [needs] = re.findall(r'<input[^>]*name="needs"[^>]*>', page)
    assert "checked" in contacts and "checked" not in needs  # the ticks are kept too
    for value in data.values():
        if value.strip():
            assert value in page
    assert provider_rows() == []
    assert not any("Emailed" in line for line in booking_lines(world["sam"]))


def test_a_provider_without_an_email_address_gets_a_message_and_no_form(
        client, staff, world):
    hands = world["hands"]
    hands.email = ""
    db.session.commit()
    sign_in(client, staff)
    page = client.get(f"/staff/bookings/{world['booking'].id}").get_data(as_text=True)
    assert "Hands Up Interpreting has no email address" in page
    assert url(world["booking"]) not in page
    response = client.get(url(world["booking"]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Hands Up Interpreting has no email address" in page
    assert 'name="subject"' not in page and f"/staff/providers/{hands.id}" in page
    response = client.post(url(world["booking"]), data={"subject": "Hi", "body": "Hello"})
    assert response.status_code == 200 and provider_rows() == []


def test_only_staff_who_may_see_the_booking_can_write(client, make_staff, world):
    team = Team(organisation=Organisation(name="Museum Centre"), name="Front of house",
                notification_email="foh@example.org")
    db.session.add(team)
    db.session.commit()
    for access_request in (world["sam"], world["noor"]):
        access_request.team_id = team.id
    db.session.commit()
    outsider = make_staff(Role.COORDINATOR, name="Olly Outsider")
    sign_in(client, outsider)
    assert client.get(url(world["booking"])).status_code == 404
    assert client.post(url(world["booking"]), data={"subject": "x", "body": "y"}
                       ).status_code == 404
    assert provider_rows() == []


def test_an_unknown_kind_is_404(client, staff, world):
    sign_in(client, staff)
    assert client.get(url(world["booking"], "beg")).status_code == 404


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_sending_needs_the_csrf_token(client, staff, world):
    sign_in(client, staff)
    response = client.post(url(world["booking"]), data={"subject": "x", "body": "y"})
    assert response.status_code == 400 and provider_rows() == []


# --- the outbox can build it again ---------------------------------------------------------------


def test_send_again_builds_the_same_email_from_its_recipe(app, staff, admin, world,
                                                          smtp_server):
    booking = world["booking"]
    email_provider(booking, staff, ProviderEmailKind.CONFIRM, "Confirmed: 21 January",
                   "Thank you.\n\nCasey", contacts=True, needs=False)
    first = sent_to_provider(smtp_server)
    [row] = provider_rows()
    assert row.status == EmailStatus.SENT and row.content_deleted
    assert "Thank you" not in str(row.recipe) and "Sam" not in str(row.recipe)
    new_row = send_again(row, admin)
    assert new_row.id != row.id
    assert send_due_emails().sent == 1
    again = smtp_server.to(HANDS)[-1]
    assert again["Subject"] == first["Subject"] == "Confirmed: 21 January"
    assert text_of(again) == text_of(first)
    assert "sam@example.net" in text_of(again)
    assert db.session.scalar(select(func.count(OutgoingEmail.id)).where(
        OutgoingEmail.template == "provider_message")) == 2
    assert len([line for line in booking_lines(world["sam"]) if "Emailed" in line]) == 2
