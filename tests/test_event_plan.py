"""The event access plan and the run sheet for the day (issue 12): everything one event needs at
a glance, scoped to the requests a person may see, in a fixed number of statements; the run
sheet and its CSV hold names and needs on the day and nothing more; each view is logged."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import select

from accessreq.arranging.models import BookingStatus, Provider, ProviderKind
from accessreq.arranging.plan import safe_cell
from accessreq.arranging.services import (BookingDetails, ProviderDetails, create_booking,
                                          save_provider, set_met_by, update_booking)
from accessreq.auth.models import Role
from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.requests.models import AccessLogEntry, AccessRequest
from accessreq.requests.services import cancel_by_attendee
from helpers import count_statements, sign_in

EVENT_START = datetime(2027, 1, 21, 18, 0, tzinfo=UTC)  # 18:00 GMT in London


@pytest.fixture
def world(make_event, make_request, make_type, make_staff):
    sign = make_type("Sign language interpretation", 14)
    seat = make_type("Wheelchair-accessible seating", 3)
    event = make_event("Roundtable: Archives and memory", types=[sign, seat],
                       starts_at=EVENT_START, ends_at=EVENT_START + timedelta(hours=2),
                       access_provided="Automated captions on the screen; step-free venue")
    sam, _ = make_request(event=event, types=[sign, seat], contact_name="Sam Attendee",
                          contact_email="sam@example.net", contact_phone="07700 900 123",
                          details={sign.id: "BSL, I lip-read too"},
                          anything_else="I have a private medical reason")
    noor, _ = make_request(event=event, types=[sign], contact_name="Noor Haddad",
                           contact_email="noor@example.net")
    kim, _ = make_request(event=event, types=[seat], contact_name="Parent of Kim",
                          attendee_name="=HYPERLINK(\"http://evil\")", contact_email="p@example.net")
    hands = save_provider(None, ProviderDetails(
        name="Hands Up Interpreting", kind=ProviderKind.SIGN_LANGUAGE, free_cancellation_hours=48))
    booking = create_booking(event, None, BookingDetails(
        provider=hands, items=[sam.items[0], noor.items[0]],
        arrival_at=EVENT_START - timedelta(minutes=30), starts_at=EVENT_START,
        ends_at=EVENT_START + timedelta(hours=2)))
    set_met_by(sam.items[1], None, "Seat H3 kept near the stage")
    return dict(event=event, sam=sam, noor=noor, kim=kim, sign=sign, seat=seat, hands=hands,
                booking=booking, staff=make_staff(name="Casey Coordinator"))


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.get_data(as_text=True).split())


def test_the_plan_shows_everything_one_event_needs(client, world):
    sam, noor, kim, booking = world["sam"], world["noor"], world["kim"], world["booking"]
    sign_in(client, world["staff"])
    page = text_of(client.get(f"/staff/events/{world['event'].id}/plan"))
    assert "<title>Access plan: Roundtable: Archives and memory" in page
    # Counts per accommodation: sign language asked twice, asked for only (not confirmed);
    # seating twice, one met by a note.
    assert ("<th scope=\"row\">Sign language interpretation</th><td>2</td><td>0</td>"
            "<td><strong>2</strong></td>") in page
    assert ("<th scope=\"row\">Wheelchair-accessible seating</th><td>2</td><td>1</td>"
            "<td><strong>1</strong></td>") in page
    for access_request in (sam, noor, kim):
        assert f'href="/staff/requests/{access_request.id}">{access_request.reference}</a>' in page
    assert "met without a booking: Seat H3 kept near the stage" in page
    assert f"booking {booking.id} with Hands Up Interpreting (asked)" in page
    # Bookings: times in the event's zone, the free cancellation deadline.
    assert "Arrives 17:30; 18:00 to 20:00 GMT" in page
    assert "Tue 19 Jan, 18:00 GMT" in page
    assert f"Sign language interpretation ({sam.reference})" in page
    # What is still open, with the request's due date (14 days' notice before 21 Jan).
    assert "Still to arrange" in page and "Thu 7 Jan 2027" in page
    assert "Automated captions on the screen; step-free venue" in page
    # No free text at a glance.
    assert "lip-read" not in page and "private medical" not in page


def test_a_confirmed_booking_and_a_flag_show_on_the_plan(client, world):
    booking = world["booking"]
    update_booking(booking, None, BookingDetails(provider=world["hands"],
                                                 items=list(booking.items)),
                   BookingStatus.CONFIRMED)
    cancel_by_attendee(db.session.get(AccessRequest, world["noor"].id), "Cannot come.")
    sign_in(client, world["staff"])
    page = text_of(client.get(f"/staff/events/{world['event'].id}/plan"))
    assert ("<th scope=\"row\">Sign language interpretation</th><td>1</td><td>1</td>"
            "<td>0</td>") in page
    assert "Needs a decision:</strong> " + world["noor"].reference + " was cancelled" in page
    assert "1 cancelled or closed" in page


def test_the_plan_warns_of_deadlines_in_words(world):
    """Free cancellation ending within 48 h, and the event near while a booking is only
    asked: at the plan's top and beside the booking (the queue says the same per request)."""
    from accessreq.arranging.plan import event_plan

    booking, event, staff = world["booking"], world["event"], world["staff"]
    deadline = booking.cancellation_deadline_at  # Tue 19 Jan, 18:00 GMT
    far = event_plan(event, staff, now=deadline - timedelta(days=6))
    assert far.bookings[0].warnings == [] and far.warned_bookings == []
    near = event_plan(event, staff, now=deadline - timedelta(hours=20))
    assert near.bookings[0].warnings == ["Free cancellation ends Tue 19 Jan, 18:00 GMT",
                                         "Booking still only asked"]
    passed = event_plan(event, staff, now=deadline + timedelta(hours=1))
    assert passed.bookings[0].warnings == ["Booking still only asked"]
    update_booking(booking, None, BookingDetails(provider=world["hands"],
                                                 items=list(booking.items)),
                   BookingStatus.CONFIRMED)
    confirmed = event_plan(event, staff, now=deadline - timedelta(hours=20))
    assert confirmed.bookings[0].warnings == ["Free cancellation ends Tue 19 Jan, 18:00 GMT"]
    assert event_plan(event, staff, now=EVENT_START + timedelta(hours=3)).warned_bookings == []


def test_the_plan_page_lists_bookings_to_act_on(client, world, monkeypatch):
    import accessreq.arranging.plan as plan_module

    booking = world["booking"]
    soon = booking.cancellation_deadline_at - timedelta(hours=20)
    monkeypatch.setattr(plan_module, "utcnow", lambda: soon)  # the clock, not our code
    sign_in(client, world["staff"])
    page = text_of(client.get(f"/staff/events/{world['event'].id}/plan"))
    assert "Bookings to act on" in page
    assert (f"Booking {booking.id}: Hands Up Interpreting</a> (asked): Free cancellation ends "
            "Tue 19 Jan, 18:00 GMT; Booking still only asked") in page


def test_the_plan_is_linked_from_the_request_page_and_the_booking_form(client, world):
    sign_in(client, world["staff"])
    plan_link = f'href="/staff/events/{world["event"].id}/plan">Event access plan</a>'
    assert plan_link in text_of(client.get(f"/staff/requests/{world['sam'].id}"))
    assert plan_link in text_of(client.get(f"/staff/bookings/{world['booking'].id}"))


def test_the_plan_is_team_scoped_and_an_unknown_event_is_not_found(client, make_teams,
                                                                    make_request, make_staff):
    teams = make_teams(route_seating=True, members=True)
    seated, _ = make_request(event=teams["event"], types=[teams["seat"]],
                             contact_name="Front Person")
    signing, _ = make_request(event=teams["event"], types=[teams["sign"]],
                              contact_name="Comms Person")
    assert seated.team_id == teams["front"].id and signing.team_id == teams["comms"].id
    url = f"/staff/events/{teams['event'].id}/plan"
    sign_in(client, teams["comms_member"])
    page = text_of(client.get(url))
    assert signing.reference in page and seated.reference not in page
    assert "Front Person" not in page
    outsider = make_staff(name="No Team")
    sign_in(client, outsider)
    page = text_of(client.get(url))
    assert "No requests to show" in page and "another team holds every request" in page
    assert signing.reference not in page
    sign_in(client, make_staff(Role.ADMIN))
    page = text_of(client.get(url))
    assert signing.reference in page and seated.reference in page
    assert client.get("/staff/events/999999/plan").status_code == 404
    assert client.get("/staff/events/999999/run-sheet").status_code == 404
    assert client.get("/staff/events/999999/run-sheet.csv").status_code == 404


def test_the_plan_costs_the_same_number_of_statements_for_3_or_300_requests(
        client, make_event, make_request, make_type, make_staff):
    sign, seat = make_type("Sign", 14), make_type("Seat", 3)
    event = make_event("Big lecture", types=[sign, seat], days_ahead=40)
    hands = save_provider(None, ProviderDetails(name="Hands", kind=ProviderKind.SIGN_LANGUAGE))
    ids = {"event": event.id, "sign": sign.id, "seat": seat.id, "hands": hands.id}
    sign_in(client, make_staff())

    def add(n: int) -> None:
        event = db.session.get(Event, ids["event"])
        kinds = [db.session.get(AccommodationType, ids[k]) for k in ("sign", "seat")]
        made = [make_request(event=event, types=kinds, contact_name=f"Person {i}")[0]
                for i in range(n)]
        create_booking(event, None, BookingDetails(provider=db.session.get(Provider, ids["hands"]),
                                                   items=[r.items[0] for r in made]))
        for r in made[::2]:
            r.items[1].met_by = "Seat kept"
        db.session.commit()

    def measure() -> tuple[int, int]:
        db.session.remove()  # as in production: an empty session, no cached user
        g.pop("_login_user", None)
        with count_statements() as statements:
            html = text_of(client.get(f"/staff/events/{ids['event']}/plan"))
        return len(statements), html.count('href="/staff/requests/')

    add(3)
    few, shown = measure()
    assert shown >= 3
    add(297)
    many, shown = measure()
    assert shown >= 300
    assert few == many, (few, many)
    # The signed-in person and their teams, the inbox count in the staff navigation, the event,
    # its requests with their accommodations, its bookings with what they cover, and the one
    # INSERT logging who saw the rows (measured: 6).
    assert many <= 6, many


# --- the run sheet --------------------------------------------------------------------------------


def test_the_run_sheet_shows_names_and_needs_on_the_day_and_nothing_private(client, world):
    cancel_by_attendee(db.session.get(AccessRequest, world["noor"].id), "Cannot come.")
    sign_in(client, world["staff"])
    page = text_of(client.get(f"/staff/events/{world['event'].id}/run-sheet"))
    assert "<title>Run sheet: Roundtable: Archives and memory" in page
    assert ("<th scope=\"row\">Sam Attendee</th><td>Sign language interpretation; "
            "Wheelchair-accessible seating: Seat H3 kept near the stage</td>") in page
    assert "Wheelchair-accessible seating</td>" in page  # Kim, named as the attendee
    assert "Parent of Kim" not in page
    assert "Noor Haddad" not in page  # cancelled
    assert "Hands Up Interpreting" in page and "Arrives 17:30; 18:00 to 20:00 GMT" in page
    for private in ("sam@example.net", "07700 900 123", "lip-read", "private medical",
                    world["sam"].reference):
        assert private not in page
    assert "Automated captions on the screen" in page
    assert 'class="no-print"' in page


def test_the_run_sheet_csv_is_a_safe_download_with_names_and_needs_only(client, world):
    sign_in(client, world["staff"])
    response = client.get(f"/staff/events/{world['event'].id}/run-sheet.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="run-sheet-event-{world["event"].id}.csv"')
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8, marked for spreadsheet programs
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["Name", "What they need on the day", "Phone on the day (if they agreed)"],  # by name
        ["'=HYPERLINK(\"http://evil\")", "Wheelchair-accessible seating", ""],
        ["Noor Haddad", "Sign language interpretation", ""],
        ["Sam Attendee", "Sign language interpretation; Wheelchair-accessible seating: "
                         "Seat H3 kept near the stage", ""],  # a phone, but not agreed
    ]
    text = body.decode("utf-8-sig")
    for private in ("@example.net", "07700", "lip-read", "private medical", "Parent of Kim"):
        assert private not in text


def test_the_run_sheet_has_a_phone_only_where_the_attendee_agreed(client, world,
                                                                   make_request):
    agreed, _ = make_request(event=world["event"], types=[world["seat"]],
                             contact_name="Ada Agreed", contact_phone="+44 7700 900 555",
                             phone_on_the_day=True)
    unable, _ = make_request(event=world["event"], types=[world["seat"]],
                             contact_name="Una Nophone", phone_on_the_day=True)  # no number
    assert agreed.phone_on_the_day and not unable.phone_on_the_day
    sign_in(client, world["staff"])
    page = text_of(client.get(f"/staff/events/{world['event'].id}/run-sheet"))
    assert '<th scope="row">Ada Agreed</th><td>Wheelchair-accessible seating</td><td>+44 7700 900 555</td>' in page
    assert "07700 900 123" not in page  # Sam gave a phone but did not agree
    body = client.get(f"/staff/events/{world['event'].id}/run-sheet.csv").get_data()
    rows = {row[0]: row for row in csv.reader(io.StringIO(body.decode("utf-8-sig")))}
    assert rows["Ada Agreed"][2] == "'+44 7700 900 555"  # made text: never a formula
    assert rows["Sam Attendee"][2] == ""


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+44 7700", "'+44 7700"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Zoë Ödegaard", "Zoë Ödegaard"), ("", ""),
])
def test_csv_cells_that_a_spreadsheet_would_run_are_made_text(value, expected):
    assert safe_cell(value) == expected


def test_each_view_of_the_plan_and_run_sheet_is_in_the_access_log(client, world, admin):
    sign_in(client, world["staff"])
    event_id = world["event"].id
    client.get(f"/staff/events/{event_id}/plan")
    client.get(f"/staff/events/{event_id}/plan")  # a reload within the window: one sighting
    client.get(f"/staff/events/{event_id}/run-sheet")
    client.get(f"/staff/events/{event_id}/run-sheet.csv")
    db.session.expire_all()
    logged = {(e.request_id, e.action) for e in db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.staff_id == world["staff"].id))}
    ids = {world[name].id for name in ("sam", "noor", "kim")}
    assert logged == {(i, a) for i in ids for a in ("plan", "run_sheet", "run_sheet_csv")}
    assert db.session.scalar(select(db.func.count(AccessLogEntry.id)).where(
        AccessLogEntry.action == "plan")) == 3
    sign_in(client, admin)
    log = text_of(client.get("/admin/access-log"))
    assert "Saw it on the event&#39;s access plan" in log or "Saw it on the event's access plan" in log
    assert "Downloaded it in the event" in log
