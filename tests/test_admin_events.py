"""Admin pages for events and the accommodation catalogue: local times stored as UTC,
validation in the GOV.UK pattern, opening and closing for requests, catalogue entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.timeutil import utcnow


def event_data(**overrides) -> dict:
    data = {
        "title": "Public lecture: Cities that listen",
        "description": "About listening cities.",
        "day": "2031-07-15",
        "start_time": "18:30",
        "end_time": "20:00",
        "timezone": "Europe/London",
        "venue": "Main Hall",
        "access_provided": "Step-free venue.",
        "requests_open": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def only_event() -> Event:
    return db.session.scalars(select(Event)).one()


# --- creating and editing events --------------------------------------------------------------


def test_new_event_form_defaults(admin_client, make_type):
    active = make_type("Sign language interpretation")
    make_type("Braille materials", active=False)
    page = admin_client.get("/admin/events/new").get_data(as_text=True)
    assert "<title>Add an event" in page
    assert 'type="date"' in page
    assert "date picker or type it" in page and "24-hour clock" in page
    assert re.search(r'<input [^>]*list="timezone-suggestions"[^>]*value="Europe/London"', page)
    assert re.search(rf'<input checked [^>]*type="checkbox" value="{active.id}"', page)
    assert "Braille materials" not in page  # inactive types are not offered


@pytest.mark.parametrize("day,start_utc,end_utc", [
    # British Summer Time, UTC+1
    ("2031-07-15", datetime(2031, 7, 15, 17, 30, tzinfo=UTC), datetime(2031, 7, 15, 19, 0, tzinfo=UTC)),
    # Greenwich Mean Time, UTC+0
    ("2031-01-15", datetime(2031, 1, 15, 18, 30, tzinfo=UTC), datetime(2031, 1, 15, 20, 0, tzinfo=UTC)),
])
def test_local_time_is_stored_as_utc(admin_client, make_type, day, start_utc, end_utc):
    kind = make_type("Reserved seating", 3)
    response = admin_client.post("/admin/events/new", data=event_data(
        day=day, start_time="18:30", end_time="20:00", accommodation_types=[str(kind.id)]))
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/events"
    event = only_event()
    assert (event.starts_at, event.ends_at) == (start_utc, end_utc)
    assert event.timezone == "Europe/London"
    assert [t.id for t in event.accommodation_types] == [kind.id]
    assert "Event created" in admin_client.get("/admin/events").get_data(as_text=True)


def test_other_timezone(admin_client):
    admin_client.post("/admin/events/new", data=event_data(
        day="2031-07-15", start_time="09:00", end_time="10:00", timezone="America/New_York"))
    event = only_event()
    assert event.starts_at == datetime(2031, 7, 15, 13, 0, tzinfo=UTC)
    assert event.timezone == "America/New_York"


def test_the_time_hint_matches_the_box(admin_client):
    """A browser's time picker shows 12 or 24 hours after the computer's settings, so the
    times are plain text boxes, and the hint (24-hour clock) is what they take."""
    page = admin_client.get("/admin/events/new").get_data(as_text=True)
    for name in ("start_time", "end_time", "close_time"):
        box = re.search(rf'<input [^>]*id="{name}"[^>]*>', page).group(0)
        assert 'type="text"' in box and f'aria-describedby="{name}-hint"' in box
        hint = re.search(rf'<div id="{name}-hint" class="hint">([^<]*)</div>', page).group(1)
        assert hint == "Use the 24-hour clock, for example 18:30."


@pytest.mark.parametrize("start,end", [("18:30", "20:00"), ("18.30", "20.00"),
                                       ("6:30pm", "8pm"), ("6:30 PM", "8 PM"), ("1830", "2000")])
def test_times_typed_the_usual_ways(admin_client, start, end):
    response = admin_client.post("/admin/events/new", data=event_data(
        day="2031-01-15", start_time=start, end_time=end))
    assert response.status_code == 302, response.get_data(as_text=True)
    event = only_event()
    assert (event.starts_at, event.ends_at) == (datetime(2031, 1, 15, 18, 30, tzinfo=UTC),
                                                datetime(2031, 1, 15, 20, 0, tzinfo=UTC))


def test_time_zone_suggestions_put_the_common_ones_first(admin_client, make_event):
    make_event("Seminar in Toronto", timezone="America/Toronto")
    page = admin_client.get("/admin/events/new").get_data(as_text=True)
    datalist = re.search(r'<datalist id="timezone-suggestions">(.*?)</datalist>', page,
                         re.S).group(1)
    names = re.findall(r'<option value="([^"]+)" label="([^"]+)">', datalist)
    # The institution's zone, then the zones its events use; then every zone, by region.
    assert names[:2] == [("Europe/London", "Common here: London, Europe"),
                         ("America/Toronto", "Common here: Toronto, America")]
    everything = [n for n, _ in names[2:]]
    assert everything == sorted(everything[:-1]) + ["UTC"] and len(everything) > 300
    assert ("America/Los_Angeles", "Los Angeles, America") in names
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires, America / Argentina") in names


@pytest.mark.parametrize("typed,stored", [
    ("America/New_York", "America/New_York"), ("america/new_york", "America/New_York"),
    ("New York", "America/New_York"), ("  los angeles ", "America/Los_Angeles"), ("UTC", "UTC")])
def test_a_time_zone_by_its_name_or_its_city(admin_client, typed, stored):
    response = admin_client.post("/admin/events/new", data=event_data(timezone=typed))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert only_event().timezone == stored


def test_an_unknown_time_zone_is_refused_and_kept(admin_client):
    page = admin_client.post("/admin/events/new", data=event_data(
        timezone="Atlantis/Central")).get_data(as_text=True)
    assert 'id="timezone-error"' in page and 'value="Atlantis/Central"' in page
    assert db.session.scalars(select(Event)).first() is None


def test_end_before_start_is_refused_and_values_kept(admin_client):
    response = admin_client.post("/admin/events/new", data=event_data(
        title="Roundtable “Archives” & memory", start_time="18:30", end_time="17:00",
        venue="Seminar Room 2"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Add an event" in page
    assert "The end time must be after the start time" in page
    assert 'href="#end_time"' in page  # the summary links to the field
    assert "Roundtable “Archives” &amp; memory" in page
    assert 'value="Seminar Room 2"' in page and 'value="18:30"' in page
    assert db.session.scalars(select(Event)).first() is None


@pytest.mark.parametrize("overrides,message", [
    ({"title": ""}, "Enter the event title"),
    ({"title": "x" * 201}, "Event title must be 200 characters or fewer"),
    ({"day": ""}, "Enter the date of the event"),
    ({"day": "2031-02-30"}, "Enter a real date"),
    ({"start_time": "25:00"}, "Enter the start time using the 24-hour clock"),
    ({"timezone": "Mars/Olympus_Mons"}, "Enter a time zone from the suggestions"),
    ({"timezone": ""}, "Enter the time zone, for example Europe/London"),
    ({"venue": ""}, "Enter the venue, or tick ‘Online’"),
    ({"close_day": "2031-07-10"}, "Enter both the date and the time requests close"),
    ({"close_day": "2031-07-16", "close_time": "09:00"}, "Requests must close before the event starts"),
    ({"day": "2031-03-30", "start_time": "01:30", "end_time": "03:00"}, "01:30 does not exist"),
    ({"accommodation_types": ["999999"]}, "not a valid choice"),
    ({"accommodation_types": ["abc"]}, "Invalid choice"),
    ({"description": "é" * 5001}, "Description must be 5,000 characters or fewer"),
])
def test_event_validation(admin_client, overrides, message):
    response = admin_client.post("/admin/events/new", data=event_data(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message.lower() in page.lower()
    assert "<title>Error: " in page
    assert db.session.scalars(select(Event)).first() is None


def test_online_only_event_needs_no_venue(admin_client):
    response = admin_client.post("/admin/events/new", data=event_data(venue="", is_online="y"))
    assert response.status_code == 302
    assert only_event().where == "Online"


def test_requests_close_at_is_converted(admin_client):
    admin_client.post("/admin/events/new", data=event_data(close_day="2031-07-14",
                                                           close_time="17:00"))
    assert only_event().requests_close_at == datetime(2031, 7, 14, 16, 0, tzinfo=UTC)


def test_edit_event_shows_local_times_and_saves(admin_client, make_event, make_type):
    seating = make_type("Reserved seating", 3)
    retired = make_type("Old thing", 3)
    event = make_event(title="Screening", starts_at=datetime(2031, 7, 15, 17, 30, tzinfo=UTC),
                       types=[seating, retired])
    retired.active = False
    db.session.commit()
    page = admin_client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert "<title>Edit event: Screening" in page
    assert 'value="2031-07-15"' in page and 'value="18:30"' in page and 'value="20:30"' in page

    response = admin_client.post(f"/admin/events/{event.id}", data=event_data(
        title="Screening (with discussion)", day="2031-01-20", start_time="19:00",
        end_time="22:00"))  # no accommodations ticked
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "Screening (with discussion)"
    assert event.starts_at == datetime(2031, 1, 20, 19, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2031, 1, 20, 22, 0, tzinfo=UTC)
    # The inactive type stays attached (old requests may use it); the active one was unticked.
    assert [t.name for t in event.accommodation_types] == ["Old thing"]
    assert event.offered_types == []


def test_unknown_event_is_404(admin_client):
    assert admin_client.get("/admin/events/999999").status_code == 404
    assert admin_client.post("/admin/events/999999/requests", data={"open": "0"}).status_code == 404


# --- opening and closing for requests, and the list ----------------------------------------


def test_toggle_requests(admin_client, make_event):
    event = make_event(title="Lecture")
    response = admin_client.post(f"/admin/events/{event.id}/requests", data={"open": "0"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/events"
    db.session.refresh(event)
    assert event.requests_open is False and not event.accepts_requests()
    page = admin_client.get("/admin/events").get_data(as_text=True)
    assert "Lecture is closed for access requests" in page
    assert "by an admin" in page and "Open for requests" in page

    response = admin_client.post(f"/admin/events/{event.id}/requests",
                                 data={"open": "1", "return_to": "edit"})
    assert response.headers["Location"] == f"/admin/events/{event.id}"
    db.session.refresh(event)
    assert event.requests_open is True and event.accepts_requests()
    # Sending the same choice twice is harmless: it is a setting, not a flip.
    admin_client.post(f"/admin/events/{event.id}/requests", data={"open": "1"})
    db.session.refresh(event)
    assert event.requests_open is True


@pytest.mark.parametrize("data", [{}, {"open": "maybe"}, {"open": "1", "return_to": "//evil"}])
def test_toggle_with_bad_input_is_400(admin_client, make_event, data):
    event = make_event()
    assert admin_client.post(f"/admin/events/{event.id}/requests", data=data).status_code == 400


def test_events_list_shows_past_and_counts_requests(admin_client, make_event, make_request,
                                                    make_type):
    kind = make_type("Reserved seating", 3)
    soon = make_event(title="Soon", days_ahead=5, types=[kind])
    later = make_event(title="Later", days_ahead=50, types=[kind])
    past = make_event(title="Long ago", days_ahead=-30, types=[kind])
    make_request(event=soon)
    make_request(event=soon)
    make_request(event=later)
    page = admin_client.get("/admin/events").get_data(as_text=True)
    assert page.index(">Soon<") < page.index(">Later<") < page.index(">Long ago<")
    assert "event over" in page
    rows = {title: page[page.index(f">{title}<"):].split("</tr>")[0] for title in
            ("Soon", "Later", "Long ago")}
    assert "<td>2</td>" in rows["Soon"] and "<td>1</td>" in rows["Later"]
    assert "<td>0</td>" in rows["Long ago"]
    assert past.id


def test_events_list_paginates(admin_client, make_event, make_type):
    kind = make_type()
    for n in range(26):
        make_event(title=f"Event number {n:02d}", days_ahead=n + 1, types=[kind])
    first = admin_client.get("/admin/events").get_data(as_text=True)
    assert "Event number 00" in first and "Event number 25" not in first
    assert "Page 1 of 2" in first
    second = admin_client.get("/admin/events?page=2").get_data(as_text=True)
    assert "Event number 25" in second and "Event number 00" not in second
    # Out of range: to the nearest page that exists (was 404 before issue 9).
    assert admin_client.get("/admin/events?page=3").headers["Location"] == "/admin/events?page=2"
    assert admin_client.get("/admin/events?page=-1").headers["Location"] == "/admin/events"
    assert admin_client.get("/admin/events?page=abc").status_code == 200


# --- the catalogue --------------------------------------------------------------------------


def type_data(**overrides) -> dict:
    data = {"name": "Sign language interpretation", "description": "An interpreter.",
            "lead_time_days": "14", "details_label": "Which sign language?",
            "details_hint": "For example BSL.", "active": "y", "position": ""}
    data.update(overrides)
    return data


def test_create_and_list_type(admin_client):
    response = admin_client.post("/admin/catalogue/new", data=type_data())
    assert response.status_code == 302 and response.headers["Location"] == "/admin/catalogue"
    kind = db.session.scalars(select(AccommodationType)).one()
    assert (kind.name, kind.lead_time_days, kind.details_label, kind.active) == (
        "Sign language interpretation", 14, "Which sign language?", True)
    page = admin_client.get("/admin/catalogue").get_data(as_text=True)
    assert "Added Sign language interpretation" in page
    assert "14 days" in page and "Which sign language?" in page and "Active" in page


def test_new_types_go_to_the_end(admin_client, make_type):
    make_type("First")  # position 1
    admin_client.post("/admin/catalogue/new", data=type_data(name="Second", details_label=""))
    second = db.session.scalars(select(AccommodationType).where(AccommodationType.name == "Second")).one()
    assert second.position == 2
    assert second.details_label is None


def test_duplicate_name_is_a_field_error(admin_client, make_type):
    existing = make_type("Braille materials")
    other = make_type("Large print")
    response = admin_client.post("/admin/catalogue/new", data=type_data(name="braille MATERIALS"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is already an accommodation with this name" in page
    assert 'value="braille MATERIALS"' in page and "<title>Error: " in page
    response = admin_client.post(f"/admin/catalogue/{other.id}", data=type_data(name=existing.name))
    assert "There is already an accommodation with this name" in response.get_data(as_text=True)
    # Keeping its own name is not a clash.
    assert admin_client.post(f"/admin/catalogue/{existing.id}",
                             data=type_data(name="Braille materials")).status_code == 302


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "Enter a name"),
    ({"lead_time_days": ""}, "Enter the lead time in days"),
    ({"lead_time_days": "two weeks"}, "Enter the lead time as a whole number of days"),
    ({"lead_time_days": "366"}, "Lead time must be between 0 and 365 days"),
    ({"lead_time_days": "-1"}, "Lead time must be between 0 and 365 days"),
    ({"position": "99999999999999999999"}, "Position must be between 0 and 10,000"),
    ({"details_hint": "h" * 301}, "Hint must be 300 characters or fewer"),
])
def test_type_validation(admin_client, overrides, message):
    response = admin_client.post("/admin/catalogue/new", data=type_data(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(AccommodationType)).first() is None


def test_edit_and_deactivate_type(admin_client, make_event, make_type):
    kind = make_type("Quiet room", 7)
    event = make_event(types=[kind])
    page = admin_client.get(f"/admin/catalogue/{kind.id}").get_data(as_text=True)
    assert "<title>Edit accommodation: Quiet room" in page and 'value="7"' in page
    data = type_data(name="Quiet room or low-sensory space", lead_time_days="5")
    del data["active"]  # unticked
    assert admin_client.post(f"/admin/catalogue/{kind.id}", data=data).status_code == 302
    db.session.expire_all()
    kind = db.session.get(AccommodationType, kind.id)
    assert (kind.name, kind.lead_time_days, kind.active) == ("Quiet room or low-sensory space", 5, False)
    # Still in the catalogue and on the event, but no longer offered.
    assert "Inactive" in admin_client.get("/admin/catalogue").get_data(as_text=True)
    event = db.session.get(Event, event.id)
    assert kind in event.accommodation_types and kind not in event.offered_types
    assert admin_client.get("/admin/catalogue/999999").status_code == 404


def test_empty_states(admin_client):
    assert "There are no events yet" in admin_client.get("/admin/events").get_data(as_text=True)
    assert "The catalogue is empty" in admin_client.get("/admin/catalogue").get_data(as_text=True)
    page = admin_client.get("/admin/events/new").get_data(as_text=True)
    assert "The catalogue has no active accommodations yet" in page


def test_event_in_the_past_still_editable(admin_client, make_event):
    event = make_event(title="Done", starts_at=utcnow() - timedelta(days=3))
    assert admin_client.get(f"/admin/events/{event.id}").status_code == 200


def test_an_event_gets_a_host_and_co_sponsors_shown_on_its_page(admin_client, client):
    from accessreq.routing.models import Organisation

    centre, partner = Organisation(name="Museum Centre"), Organisation(name="City Archives Trust")
    db.session.add_all([centre, partner])
    db.session.commit()
    form = admin_client.get("/admin/events/new").get_data(as_text=True)
    assert "Host organisation" in form and "Co-sponsors" in form
    response = admin_client.post("/admin/events/new", data=event_data(
        organisation=str(centre.id), cosponsors=[str(partner.id), str(centre.id)]))
    assert response.status_code == 302
    event = only_event()
    assert event.organisation == centre
    assert event.cosponsors == [partner]  # the host is not its own co-sponsor
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Hosted by</dt>\n    <dd>Museum Centre" in page
    assert "Co-sponsored by</dt>\n    <dd>City Archives Trust" in page
    response = admin_client.post(f"/admin/events/{event.id}", data=event_data(organisation="999"))
    assert "Choose the host organisation from the list" in response.get_data(as_text=True)
