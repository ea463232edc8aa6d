"""Bookings (issue 12): one provider for one event covering several requests' accommodations;
"Arranged" refused while anything is uncovered, naming it; an attendee's cancellation flags the
booking with its deadline; every change in the covered requests' history (staff only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from accessreq.arranging.models import Booking, BookingStatus, ProviderKind
from accessreq.arranging.services import (BookingDetails, ProviderDetails, create_booking,
                                          save_provider)
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.outcomes import ShortfallReason
from accessreq.requests.services import RequestActionError, cancel_by_attendee
from accessreq.requests.states import RequestStatus
from accessreq.routing.models import Organisation, Team
from accessreq.timeutil import format_short, utcnow
from accessreq.triage.services import change_status
from helpers import count_statements, sign_in

# 18:00 in London on a winter evening (GMT): local times read the same as UTC there.
EVENT_START = datetime(2027, 1, 21, 18, 0, tzinfo=UTC)


@pytest.fixture
def world(make_event, make_request, make_type):
    sign = make_type("Sign language interpretation", 14)
    seat = make_type("Wheelchair-accessible seating", 3)
    event = make_event("Roundtable: Archives and memory", types=[sign, seat],
                       starts_at=EVENT_START, ends_at=EVENT_START + timedelta(hours=2))
    sam, _ = make_request(event=event, types=[sign, seat], contact_name="Sam Attendee")
    noor, noor_url = make_request(event=event, types=[sign], contact_name="Noor Haddad",
                                  contact_email="noor@example.net")
    hands = save_provider(None, ProviderDetails(
        name="Hands Up Interpreting", kind=ProviderKind.SIGN_LANGUAGE,
        free_cancellation_hours=48, cancellation_terms="Free until 48 hours before"))
    return dict(event=event, sam=sam, noor=noor, sign=sign, seat=seat, hands=hands,
                noor_url=noor_url)


def item(access_request: AccessRequest, kind) -> int:
    return next(i.id for i in fresh(access_request).items if i.accommodation_type_id == kind.id)


def fresh(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def booking_history(access_request: AccessRequest) -> list[str]:
    return [e.body for e in fresh(access_request).history if e.kind == HistoryKind.BOOKING]


def book(world, *requests) -> Booking:
    items = [i for r in requests for i in fresh(r).items
             if i.accommodation_type_id == world["sign"].id]
    return create_booking(world["event"], None, BookingDetails(
        provider=world["hands"], items=items))


# --- one booking, several requests -------------------------------------------------------------


def test_one_booking_covers_several_requests_accommodations_from_the_request_page(
        client, staff, world):
    sam, noor = world["sam"], world["noor"]
    sign_in(client, staff)
    page = client.get(f"/staff/requests/{sam.id}").get_data(as_text=True)
    assert 'id="arrangements"' in page and "2 of 2 not covered yet" in page
    form_url = f"/staff/events/{world['event'].id}/bookings/new?request={sam.id}"
    assert form_url.replace("&", "&amp;") in page or form_url in page
    form = client.get(form_url).get_data(as_text=True)
    assert f"Sign language interpretation: {sam.reference}, Sam Attendee" in form
    assert f"Sign language interpretation: {noor.reference}, Noor Haddad" in form
    response = client.post(form_url, data={
        "provider": str(world["hands"].id), "items": [item(sam, world["sign"]),
                                                     item(noor, world["sign"])],
        "arrival_time": "17:30", "start_time": "18:00", "end_time": "20:00",
        "estimated_cost": "480.00", "provider_reference": "HU-2027-118"})
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/requests/{sam.id}#arrangements")
    booking = db.session.scalars(select(Booking)).one()
    assert booking.status == BookingStatus.ASKED and len(booking.items) == 2
    assert booking.arrival_at == EVENT_START - timedelta(minutes=30)  # local London time
    assert booking.estimated_cost == Decimal("480.00")
    assert booking.cancellation_deadline_at == EVENT_START - timedelta(hours=48)
    for access_request in (sam, noor):
        [line] = booking_history(access_request)
        assert line == (f"Booking {booking.id}: Hands Up Interpreting asked for "
                        "Sign language interpretation.")
    shown = client.get(f"/staff/requests/{noor.id}").get_data(as_text=True)
    assert f"Booking {booking.id}: Hands Up Interpreting</a>, asked" in shown
    assert "Staff only" in shown  # the history line is internal:
    attendee_page = client.get(world["noor_url"]).get_data(as_text=True)
    assert "Noor Haddad" in attendee_page and "Hands Up" not in attendee_page


# --- "Arranged" needs everything covered ---------------------------------------------------------


def test_arranged_is_refused_while_an_accommodation_is_uncovered_and_names_it(
        client, staff, world):
    sam = world["sam"]
    booking = book(world, sam, world["noor"])
    with pytest.raises(RequestActionError, match=(
            "Not covered yet: Sign language interpretation, Wheelchair-accessible seating")):
        change_status(fresh(sam), staff, RequestStatus.ARRANGED, "All booked.")
    assert fresh(sam).status == RequestStatus.SUBMITTED

    sign_in(client, staff)
    confirm = client.post(f"/staff/bookings/{booking.id}", data={
        "provider": str(world["hands"].id), "status": "confirmed",
        "items": [i.id for i in booking.items]})
    assert confirm.status_code == 303
    assert f"Booking {booking.id} with Hands Up Interpreting for Sign language " \
           f"interpretation: asked → confirmed." in booking_history(sam)
    refused = client.post(f"/staff/requests/{sam.id}/status", data={
        "status-status": "arranged", "status-message": "",
        "status-version": str(fresh(sam).version)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Not covered yet: Wheelchair-accessible seating." in html  # the booking covers one
    seat_url = f"/staff/arrangements/items/{item(sam, world['seat'])}"
    noted = client.post(seat_url, data={"met_by": "Space H3 kept, with a companion seat"})
    assert noted.status_code == 303 and noted.location.endswith("#arrangements")
    assert "Wheelchair-accessible seating: met without a booking — Space H3 kept, with a " \
           "companion seat" in booking_history(sam)
    change_status(fresh(sam), staff, RequestStatus.ARRANGED, "All booked.")
    assert fresh(sam).status == RequestStatus.ARRANGED
    page = client.get(f"/staff/requests/{sam.id}").get_data(as_text=True)
    assert "Every accommodation is covered." in page


def test_partially_arranged_needs_no_cover_and_a_declined_booking_covers_nothing(staff, world):
    noor = world["noor"]
    booking = book(world, noor)
    change_status(fresh(noor), staff, RequestStatus.PARTIALLY_ARRANGED, "Still looking.",
                  shortfall=ShortfallReason.NO_PROVIDER)
    booking.status = BookingStatus.DECLINED
    db.session.commit()
    with pytest.raises(RequestActionError, match="Not covered yet: Sign language"):
        change_status(fresh(noor), staff, RequestStatus.ARRANGED, "All booked.")


# --- an attendee's cancellation ----------------------------------------------------------------


def test_a_cancellation_flags_the_booking_with_its_deadline_or_the_others_who_need_it(
        client, staff, world):
    sam, noor = world["sam"], world["noor"]
    shared = book(world, sam, noor)
    cancel_by_attendee(fresh(noor), "I cannot come.")
    db.session.expire_all()
    flagged = db.session.get(Booking, shared.id)
    assert flagged.attention == (
        f"{noor.reference} was cancelled by the attendee. Keep it if the other requests still "
        f"need it ({sam.reference}); otherwise cancel with Hands Up Interpreting before "
        f"Tue 19 Jan, 18:00 GMT to avoid the fee.")
    assert booking_history(noor)[-1] == f"Booking {shared.id}: {flagged.attention}"

    sign_in(client, staff)
    page = client.get(f"/staff/bookings/{shared.id}").get_data(as_text=True)
    assert "Needs a decision" in page and noor.reference in page
    assert client.get(f"/staff/requests/{sam.id}").get_data(as_text=True).count(
        "Needs a decision:") == 1
    kept = client.post(f"/staff/bookings/{shared.id}", data={
        "provider": str(world["hands"].id), "status": "asked",
        "items": [item(sam, world["sign"])]})
    assert kept.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Booking, shared.id)
    assert saved.attention == "" and [i.request_id for i in saved.items] == [sam.id]
    assert booking_history(noor)[-1] == (f"Booking {shared.id} with Hands Up Interpreting no "
                                         "longer covers Sign language interpretation.")


def test_a_booking_no_one_else_needs_says_to_cancel_it_and_when_the_free_time_is_over(world):
    noor = world["noor"]
    alone = book(world, noor)
    alone.cancellation_deadline_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    cancel_by_attendee(fresh(noor))
    db.session.expire_all()
    assert db.session.get(Booking, alone.id).attention == (
        f"{noor.reference} was cancelled by the attendee. No other request needs it: cancel "
        f"it with Hands Up Interpreting; the free cancellation deadline (Wed 1 Jan, 00:00 GMT) "
        f"has passed.")


def test_a_cancelled_or_delivered_booking_is_not_flagged(world):
    noor = world["noor"]
    done = book(world, noor)
    done.status = BookingStatus.CANCELLED
    db.session.commit()
    cancel_by_attendee(fresh(noor))
    db.session.expire_all()
    assert db.session.get(Booking, done.id).attention == ""


# --- the booking form ----------------------------------------------------------------------------


def test_mistakes_on_the_booking_form_are_explained_and_kept(client, staff, world):
    sign_in(client, staff)
    url = f"/staff/events/{world['event'].id}/bookings/new"
    response = client.post(url, data={
        "provider": "", "start_time": "19:00", "end_time": "18:30", "arrival_time": "late",
        "estimated_cost": "lots", "actual_cost": "-5", "deadline_day": "2027-01-19",
        "notes": "Stand left of the stage."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Choose the provider", "Choose at least one accommodation the booking "
                    "covers", "Enter a time on the 24-hour clock, like 18:30",
                    "The end time must be after the start time",
                    "Enter an amount from 0 to 1,000,000, like 240.00",
                    "Enter both the date and the time, or neither"):
        assert message in html, message
    assert 'value="late"' in html and "Stand left of the stage." in html
    assert db.session.scalar(select(Booking.id)) is None


def test_a_booking_moves_only_along_its_statuses(client, staff, world):
    booking = book(world, world["noor"])
    sign_in(client, staff)
    page = client.get(f"/staff/bookings/{booking.id}").get_data(as_text=True)
    assert ">Confirmed<" in page and ">Delivered<" not in page  # asked cannot be delivered
    response = client.post(f"/staff/bookings/{booking.id}", data={
        "provider": str(world["hands"].id), "status": "delivered",
        "items": [i.id for i in booking.items]})
    assert response.status_code == 422
    assert "Choose a status from the list" in response.get_data(as_text=True)


def test_an_edited_deadline_is_read_in_the_event_s_time_zone(client, staff, world):
    booking = book(world, world["noor"])
    sign_in(client, staff)
    summer = db.session.get(type(world["event"]), world["event"].id)
    assert summer.timezone == "Europe/London"
    client.post(f"/staff/bookings/{booking.id}", data={
        "provider": str(world["hands"].id), "status": "asked",
        "items": [i.id for i in booking.items], "deadline_day": "2027-01-20",
        "deadline_time": "09:00"})
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).cancellation_deadline_at == datetime(
        2027, 1, 20, 9, 0, tzinfo=UTC)


# --- scope ---------------------------------------------------------------------------------------


def test_staff_book_and_see_only_what_their_teams_hold(client, make_staff, world):
    team = Team(organisation=Organisation(name="Museum Centre"), name="Front of house",
                notification_email="foh@example.org")
    db.session.add(team)
    db.session.commit()
    outsider = make_staff(name="Fran Front")
    team.members.append(outsider)
    db.session.commit()
    noor = fresh(world["noor"])
    noor.team_id = team.id  # Noor's request is held by a team the coordinator is not in
    db.session.commit()
    booking = book(world, noor)
    insider = make_staff(name="Cory Coordinator")
    sign_in(client, insider)
    assert client.get(f"/staff/bookings/{booking.id}").status_code == 404
    form = client.get(f"/staff/events/{world['event'].id}/bookings/new").get_data(as_text=True)
    assert world["sam"].reference in form and noor.reference not in form
    sneaked = client.post(f"/staff/events/{world['event'].id}/bookings/new", data={
        "provider": str(world["hands"].id), "items": [item(noor, world["sign"])]})
    assert sneaked.status_code == 422
    assert "Choose accommodations from the list" in sneaked.get_data(as_text=True)
    assert client.get(f"/staff/arrangements/items/{item(noor, world['sign'])}").status_code \
        == 404
    sign_in(client, outsider)
    assert client.get(f"/staff/bookings/{booking.id}").status_code == 200


def test_the_purge_deletes_how_an_accommodation_is_met(world):
    from accessreq.retention import purge_everything

    sam = fresh(world["sam"])
    for each in sam.items:
        each.met_by = "Seat H3 kept for Sam Attendee"
    db.session.commit()
    purge_everything(world["event"].ends_at + timedelta(days=91))
    assert {i.met_by for i in fresh(sam).items} == {""}


# --- warnings in the queue -----------------------------------------------------------------------


def queue_row(html: str, reference: str) -> str:
    return html.split(f">{reference}</a>", 1)[1].split("</tr>", 1)[0]


def test_the_queue_warns_in_words_of_a_flag_a_close_deadline_and_a_booking_only_asked(
        client, staff, world, make_event, make_request, make_type):
    sam, noor = world["sam"], world["noor"]
    shared = book(world, sam, noor)
    sign_in(client, staff)
    calm = client.get("/staff/").get_data(as_text=True)
    assert "Booking" not in queue_row(calm, sam.reference)  # weeks away, deadline far off

    shared.cancellation_deadline_at = utcnow() + timedelta(hours=30)
    db.session.commit()
    close = client.get("/staff/").get_data(as_text=True)
    when = format_short(shared.cancellation_deadline_at, "Europe/London")
    assert f"Free cancellation ends {when}" in queue_row(close, sam.reference)

    cancel_by_attendee(fresh(noor))
    flagged = client.get("/staff/").get_data(as_text=True)
    assert "Booking needs a decision" in queue_row(flagged, sam.reference)

    soon = make_event("Screening tomorrow", days_ahead=3, types=[world["sign"]])
    lee, _ = make_request(event=soon, types=[world["sign"]], contact_name="Lee Park",
                          contact_email="lee@example.net")
    create_booking(soon, None, BookingDetails(  # its free cancellation is already over
        provider=world["hands"], items=list(fresh(lee).items),
        cancellation_deadline_at=utcnow() - timedelta(hours=1)))
    html = client.get("/staff/").get_data(as_text=True)
    assert "Booking still only asked" in queue_row(html, lee.reference)


def test_booking_warnings_cost_the_queue_no_statement(client, staff, world):
    sign_in(client, staff)
    client.get("/staff/")
    with count_statements() as before:
        client.get("/staff/")
    book(world, world["sam"], world["noor"]).cancellation_deadline_at = utcnow()
    db.session.commit()
    with count_statements() as after:
        client.get("/staff/")
    assert len(after) == len(before)
