"""The online joining link of an online or hybrid event: https only, checked in the event form;
never on the public pages; in the attendee's calendar file (parsed back with icalendar) and on
their request's status page."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from accessreq.events.models import Event
from accessreq.extensions import db
from accessreq.requests.services import cancel_by_attendee
from test_admin_events import event_data

LINK = "https://meet.example.org/j/7731-cities?pwd=listen"

pytestmark = pytest.mark.app_config(BASE_URL="https://events.example.org")


def page_text(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return " ".join(response.get_data(as_text=True).split())


def only_event() -> Event:
    return db.session.scalars(select(Event)).one()


# --- the event form -------------------------------------------------------------------------------


def test_the_event_form_keeps_an_https_link(admin_client, make_type):
    kind = make_type("Captioning", 14)
    response = admin_client.post("/admin/events/new", data=event_data(
        is_online="y", online_url=f"  {LINK} ", accommodation_types=[str(kind.id)]))
    assert response.status_code == 302
    assert only_event().online_url == LINK
    edit = page_text(admin_client.get(f"/admin/events/{only_event().id}"))
    assert "Online joining link" in edit and f'value="{LINK}"'.replace("&", "&amp;") in edit


@pytest.mark.parametrize("link,message", [
    ("http://meet.example.org/j/1", "Enter the joining link as a full https address"),
    ("meet.example.org/j/1", "Enter the joining link as a full https address"),
    ("https://", "Enter the joining link as a full https address"),
    ("https://meet.example.org/j 1", "Enter the joining link as a full https address"),
    ("javascript:alert(1)", "Enter the joining link as a full https address"),
    ("https://[::1/j", "Enter the joining link as a full https address"),
    ("https://meet.example.org/" + "a" * 480, "The joining link must be 500 characters or fewer"),
])
def test_the_event_form_refuses_a_link_that_is_not_https(admin_client, link, message):
    response = admin_client.post("/admin/events/new", data=event_data(is_online="y",
                                                                      online_url=link))
    page = page_text(response)
    assert "<title>Error: Add an event" in page and message in page
    assert db.session.scalars(select(Event)).all() == []


def test_a_link_needs_the_event_to_be_online(admin_client):
    page = page_text(admin_client.post("/admin/events/new", data=event_data(online_url=LINK)))
    assert "Tick ‘Online’ for an event people can join online" in page
    assert db.session.scalars(select(Event)).all() == []


def test_no_link_is_fine(admin_client):
    assert admin_client.post("/admin/events/new",
                             data=event_data(is_online="y")).status_code == 302
    assert only_event().online_url == ""


# --- where the link shows and where it does not -------------------------------------------------


@pytest.fixture
def online_request(make_event, make_request):
    event = make_event("Online lecture", venue="", is_online=True, online_url=LINK)
    access_request, status_url = make_request(event=event)
    return access_request, status_url.rsplit("/", 1)[-1]


def test_the_public_pages_never_show_the_link(client, online_request):
    access_request, _token = online_request
    assert "meet.example.org" not in page_text(client.get(f"/events/{access_request.event_id}"))
    assert "meet.example.org" not in page_text(client.get("/"))
    assert "meet.example.org" not in page_text(
        client.get(f"/events/{access_request.event_id}/request"))


def test_the_status_page_gives_the_link(client, online_request):
    access_request, token = online_request
    page = page_text(client.get(f"/r/{token}"))
    assert f'Join online: <a href="{LINK}"'.replace("&", "&amp;") in page


def test_the_calendar_file_carries_the_link(client, online_request):
    access_request, token = online_request
    (entry,) = Calendar.from_ical(client.get(f"/r/{token}/calendar.ics").data).walk("VEVENT")
    assert str(entry["LOCATION"]) == LINK  # online only: the place is the link
    assert f"Join online: {LINK}" in str(entry["DESCRIPTION"])
    assert str(entry["URL"]) == f"https://events.example.org/events/{access_request.event_id}"


def test_a_hybrid_event_keeps_its_venue_as_the_location(client, make_event, make_request):
    event = make_event("Hybrid lecture", venue="Main Hall", is_online=True, online_url=LINK)
    _request, status_url = make_request(event=event)
    calendar = client.get(f"/r/{status_url.rsplit('/', 1)[-1]}/calendar.ics").data
    (entry,) = Calendar.from_ical(calendar).walk("VEVENT")
    assert str(entry["LOCATION"]) == "Main Hall and online"
    assert f"Join online: {LINK}" in str(entry["DESCRIPTION"])


def test_a_cancelled_request_no_longer_gets_the_link(client, online_request):
    access_request, token = online_request
    cancel_by_attendee(access_request)
    assert "meet.example.org" not in page_text(client.get(f"/r/{token}"))
    (entry,) = Calendar.from_ical(client.get(f"/r/{token}/calendar.ics").data).walk("VEVENT")
    assert "meet.example.org" not in entry.to_ical().decode()


def test_an_event_not_online_has_no_link_even_if_one_was_stored(client, make_event,
                                                                make_request):
    event = make_event("Hall lecture", is_online=False, online_url=LINK)
    _request, status_url = make_request(event=event)
    assert "meet.example.org" not in page_text(client.get(
        f"/r/{status_url.rsplit('/', 1)[-1]}"))
