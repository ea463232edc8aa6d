"""What an event provides to everyone, as structured provisions: the admin's page (no
JavaScript, one service per change), the public pages, the confirmation page and email (told at
once when what was asked for is already there), the staff request page, the plan and run sheet,
the calendar file, and "Arranged" counting a provided accommodation as covered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from icalendar import Calendar
from sqlalchemy import select

from accessreq.events.models import AccommodationType, Event, EventProvision
from accessreq.events.provisions import (ProvisionDetails, ProvisionError, add_provision,
                                         remove_provision)
from accessreq.extensions import db
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest
from accessreq.requests.services import RequestActionError
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import change_status
from helpers import count_statements, sign_in, text_body

HOW = "Captions on the screen left of the stage"


def page_text(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return " ".join(response.get_data(as_text=True).split())


@pytest.fixture
def kinds(make_type):
    return {"captions": make_type("Human captioning (CART)", 14),
            "sign": make_type("Sign language interpretation", 14),
            "seat": make_type("Wheelchair-accessible seating", 3)}


@pytest.fixture
def event(make_event, kinds):
    return make_event("Lecture: Cities that listen", types=list(kinds.values()),
                      access_provided="The lift is at the back of the building.")


@pytest.fixture
def provided(event, kinds):
    """The event gives everyone human captioning (a catalogue accommodation) and a hearing
    loop (not in the catalogue)."""
    add_provision(event, ProvisionDetails(accommodation_type=kinds["captions"], how=HOW))
    add_provision(event, ProvisionDetails(name="  Hearing   loop ", how="Rows A to F"))
    return event


# --- the service ----------------------------------------------------------------------------------


def test_provisions_are_kept_in_order_with_the_catalogue_name(provided, kinds):
    first, second = db.session.get(Event, provided.id).provisions
    assert (first.name, first.accommodation_type_id, first.how) == (
        "Human captioning (CART)", kinds["captions"].id, HOW)
    assert (second.name, second.accommodation_type_id, second.how) == ("Hearing loop", None,
                                                                       "Rows A to F")
    assert first.position < second.position
    assert provided.provision_for(kinds["captions"].id) is first
    assert provided.provision_for(kinds["sign"].id) is None
    assert second.words == "Hearing loop: Rows A to F"
    assert first.covered_words == f"Provided for everyone: {HOW}"


def test_the_same_provision_twice_is_refused(provided, kinds):
    with pytest.raises(ProvisionError) as caught:
        add_provision(provided, ProvisionDetails(accommodation_type=kinds["captions"]))
    assert caught.value.field == "accommodation_type"
    with pytest.raises(ProvisionError) as caught:
        add_provision(provided, ProvisionDetails(name="HEARING LOOP"))
    assert caught.value.field == "name"
    assert len(db.session.get(Event, provided.id).provisions) == 2


def test_removing_a_provision_and_removing_it_again(provided):
    loop = provided.provisions[1]
    assert remove_provision(provided, loop.id) is loop
    assert remove_provision(provided, loop.id) is None
    assert [p.name for p in db.session.get(Event, provided.id).provisions] == [
        "Human captioning (CART)"]
    assert db.session.scalar(select(EventProvision).filter_by(name="Hearing loop")) is None


def test_deleting_the_event_deletes_its_provisions(provided):
    db.session.delete(provided)
    db.session.commit()
    assert db.session.scalars(select(EventProvision)).all() == []


# --- the admin's page -----------------------------------------------------------------------------


def test_the_admin_page_lists_nothing_then_adds_from_the_catalogue_and_by_name(
        admin_client, event, kinds):
    url = f"/admin/events/{event.id}/provisions"
    page = page_text(admin_client.get(url))
    assert "<title>Provided to everyone: Lecture: Cities that listen" in page
    assert "Nothing is listed yet" in page
    assert f'<option value="{kinds["captions"].id}">Human captioning (CART)</option>' in page
    response = admin_client.post(url, data={"accommodation_type": str(kinds["captions"].id),
                                            "how": HOW})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    response = admin_client.post(url, data={"accommodation_type": "", "name": "Step-free route",
                                            "how": "From the side entrance"})
    assert response.status_code == 302
    page = page_text(admin_client.get(url))
    assert "Added Step-free route to what Lecture: Cities that listen provides" in page
    assert f"<strong>Human captioning (CART)</strong>: {HOW}" in page
    assert "<strong>Step-free route</strong>: From the side entrance" in page
    assert "Remove<span class=\"visually-hidden\">: Step-free route</span>" in page
    assert [p.name for p in db.session.get(Event, event.id).provisions] == [
        "Human captioning (CART)", "Step-free route"]


@pytest.mark.parametrize("data,message", [
    ({"accommodation_type": "", "name": "", "how": "Rows A to F"},
     "Choose an accommodation from the catalogue, or type the name of what is provided"),
    ({"accommodation_type": "CAPTIONS", "name": "Hearing loop", "how": "Rows A to F"},
     "Leave the name empty when you choose from the catalogue"),
    ({"accommodation_type": "999999", "name": "", "how": "Rows A to F"},
     "Choose an accommodation from the list"),
    ({"accommodation_type": "", "name": "Hearing loop", "how": "x" * 301},
     "Where or how must be 300 characters or fewer"),
    ({"accommodation_type": "", "name": "n" * 121, "how": "Rows A to F"},
     "Name must be 120 characters or fewer"),
])
def test_form_errors_keep_what_was_typed(admin_client, event, kinds, data, message):
    data = {k: (str(kinds["captions"].id) if v == "CAPTIONS" else v) for k, v in data.items()}
    page = page_text(admin_client.post(f"/admin/events/{event.id}/provisions", data=data), 422)
    assert "<title>Error: Provided to everyone" in page
    assert "There is a problem" in page and message in page
    assert 'value="Rows A to F"' in page or "x" * 301 in page
    if data.get("name"):
        assert f'value="{data["name"]}"' in page
    assert db.session.get(Event, event.id).provisions == []


def test_a_duplicate_is_shown_beside_the_field(admin_client, provided, kinds):
    page = page_text(admin_client.post(f"/admin/events/{provided.id}/provisions", data={
        "accommodation_type": "", "name": "hearing loop", "how": "Everywhere"}), 422)
    assert "hearing loop is already listed as provided to everyone" in page
    assert 'value="Everywhere"' in page


def test_remove_button(admin_client, provided):
    loop = provided.provisions[1]
    url = f"/admin/events/{provided.id}/provisions/{loop.id}/remove"
    response = admin_client.post(url)
    assert response.status_code == 302
    assert [p.name for p in db.session.get(Event, provided.id).provisions] == [
        "Human captioning (CART)"]
    page = page_text(admin_client.post(url, follow_redirects=True))
    assert "That was already removed." in page
    assert admin_client.post(f"/admin/events/999999/provisions/{loop.id}/remove"
                             ).status_code == 404


def test_the_event_form_and_list_link_to_the_page(admin_client, provided):
    edit = page_text(admin_client.get(f"/admin/events/{provided.id}"))
    assert f'href="/admin/events/{provided.id}/provisions"' in edit
    assert "Human captioning (CART), Hearing loop" in edit
    assert "Anything else about access at this event" in edit
    listing = page_text(admin_client.get("/admin/events"))
    assert f'href="/admin/events/{provided.id}/provisions"' in listing


def test_coordinators_cannot_change_provisions(client, provided, staff):
    sign_in(client, staff)
    assert client.get(f"/admin/events/{provided.id}/provisions").status_code == 403
    loop = provided.provisions[1]
    assert client.post(f"/admin/events/{provided.id}/provisions/{loop.id}/remove"
                       ).status_code == 403
    assert len(db.session.get(Event, provided.id).provisions) == 2


# --- public pages ---------------------------------------------------------------------------------


def test_the_event_page_and_the_list_show_what_everyone_gets(client, provided):
    page = page_text(client.get(f"/events/{provided.id}"))
    assert "Everyone at this event gets these without asking" in page
    assert f"<strong>Human captioning (CART)</strong>: {HOW}" in page
    assert "<strong>Hearing loop</strong>: Rows A to F" in page
    assert "Anything else about access" in page
    assert "The lift is at the back of the building." in page
    listing = page_text(client.get("/"))
    assert (f"Human captioning (CART): {HOW}; Hearing loop: Rows A to F. "
            "The lift is at the back of the building.") in listing


def test_an_event_with_nothing_listed_says_so(client, make_event):
    event = make_event("Quiet talk")
    assert "Nothing is listed yet. You can ask for what you need." in page_text(
        client.get(f"/events/{event.id}"))


def test_the_list_of_events_costs_the_same_with_more_events(client, make_event, kinds):
    def measure() -> int:
        db.session.remove()
        with count_statements() as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    for n in range(2):
        add_provision(make_event(f"Event {n}"), ProvisionDetails(name="Hearing loop"))
    few = measure()
    for n in range(2, 8):
        add_provision(make_event(f"Event {n}"), ProvisionDetails(name="Hearing loop"))
    assert measure() == few


# --- the confirmation ---------------------------------------------------------------------------


def _ask(client, event, kinds, *names) -> str:
    response = client.post(f"/events/{event.id}/request", data={
        "contact_name": "Robin Example", "contact_email": "robin@example.net",
        "contact_channel": "email", "for_whom": "me",
        "accommodations": [str(kinds[n].id) for n in names], "consent": "y"})
    assert response.status_code == 303
    return response.headers["Location"]


def test_the_confirmation_page_says_at_once_what_is_already_provided(client, provided, kinds,
                                                                     smtp_server):
    page = page_text(client.get(_ask(client, provided, kinds, "captions", "sign")))
    assert "What you asked for" in page
    captions = page.index("Human captioning (CART)")
    note = page.index(f"Already provided for everyone at this event: {HOW}.")
    sign = page.index("Sign language interpretation")
    assert captions < note < sign  # beside the item it is about
    assert page.count("Already provided for everyone") == 1
    # The request still reaches staff as usual.
    access_request = db.session.scalars(select(AccessRequest)).one()
    assert access_request.status == RequestStatus.SUBMITTED
    assert send_due_emails().dead == 0
    (confirmation,) = smtp_server.to("robin@example.net")
    text = " ".join(text_body(confirmation).split())
    assert f"Already provided for everyone at this event: {HOW}" in text
    assert "One thing you asked for is already there for everyone" in text
    html = confirmation.get_body(("html",)).get_content()
    assert f"Already provided for everyone at this event: {HOW}" in " ".join(html.split())
    # Emails stay discreet: the accommodation is not named.
    assert "Human captioning" not in text and "Human captioning" not in html
    assert len(smtp_server.messages) == 2  # and the notice to staff


def test_nothing_is_said_when_what_was_asked_for_is_not_provided(client, provided, kinds,
                                                                 smtp_server):
    page = page_text(client.get(_ask(client, provided, kinds, "sign")))
    assert "Already provided" not in page
    assert send_due_emails().dead == 0
    (confirmation,) = smtp_server.to("robin@example.net")
    assert "Already provided" not in text_body(confirmation)


# --- staff: the request page, "Arranged", the plan, the run sheet ---------------------------------


def test_a_provided_accommodation_counts_as_covered_for_arranged(provided, kinds, make_request,
                                                                 staff):
    only_provided, _ = make_request(event=provided, types=[kinds["captions"]])
    change_status(only_provided, staff, RequestStatus.ARRANGED, "Captions are on the screen.",
                  expected_version=only_provided.version)
    assert only_provided.status == RequestStatus.ARRANGED
    both, _ = make_request(event=provided, types=[kinds["captions"], kinds["sign"]])
    with pytest.raises(RequestActionError) as refused:
        change_status(both, staff, RequestStatus.ARRANGED, expected_version=both.version)
    assert "Not covered yet: Sign language interpretation." in str(refused.value)


def test_the_staff_request_page_shows_it(client, provided, kinds, make_request, staff):
    access_request, _ = make_request(event=provided, types=[kinds["captions"], kinds["sign"]])
    sign_in(client, staff)
    page = page_text(client.get(f"/staff/requests/{access_request.id}"))
    assert f"Human captioning (CART): {HOW}; Hearing loop: Rows A to F" in page
    assert "The lift is at the back of the building." in page
    assert f"Provided for everyone: {HOW} (the event provides it to everyone)" in page
    assert "1 of 2 not covered yet" in page


def test_the_plan_marks_what_everyone_gets(client, provided, kinds, make_request, staff):
    for _ in range(3):
        make_request(event=provided, types=[kinds["captions"], kinds["seat"]])
    sign_in(client, staff)
    page = page_text(client.get(f"/staff/events/{provided.id}/plan"))
    assert ('<th scope="row">Human captioning (CART)</th><td>3 asked — provided for everyone'
            '</td><td>3</td><td>0</td>') in page
    assert ('<th scope="row">Wheelchair-accessible seating</th><td>3</td><td>0</td>'
            '<td><strong>3</strong></td>') in page
    assert "What the event provides to everyone" in page
    assert f"<strong>Human captioning (CART)</strong>: {HOW}" in page
    assert f"provided for everyone: {HOW}" in page
    sheet = page_text(client.get(f"/staff/events/{provided.id}/run-sheet"))
    assert f"Human captioning (CART): Provided for everyone: {HOW}" in sheet
    assert "<strong>Hearing loop</strong>: Rows A to F" in sheet
    assert "Also: The lift is at the back of the building." in sheet


def test_the_plan_with_provisions_costs_the_same_for_3_or_40_requests(
        client, provided, kinds, make_request, staff):
    ids = {"event": provided.id, **{k: v.id for k, v in kinds.items()}}
    sign_in(client, staff)

    def add(n: int) -> None:
        event = db.session.get(Event, ids["event"])
        chosen = [db.session.get(AccommodationType, ids[k]) for k in ("captions", "seat")]
        for i in range(n):
            make_request(event=event, types=chosen, contact_name=f"Person {i}")

    def measure() -> int:
        db.session.remove()
        g.pop("_login_user", None)
        with count_statements() as statements:
            page_text(client.get(f"/staff/events/{ids['event']}/plan"))
        return len(statements)

    add(3)
    few = measure()
    add(37)
    assert measure() == few
    assert few <= 6, few


# --- the calendar file ------------------------------------------------------------------------


@pytest.mark.app_config(BASE_URL="https://events.example.org")
def test_the_calendar_file_lists_what_everyone_gets(client, provided, kinds, make_request):
    _request, status_url = make_request(event=provided, types=[kinds["sign"]])
    token = status_url.rsplit("/", 1)[-1]
    response = client.get(f"/r/{token}/calendar.ics")
    (entry,) = Calendar.from_ical(response.data).walk("VEVENT")
    description = str(entry["DESCRIPTION"])
    assert (f"Provided for everyone at this event:\nHuman captioning (CART): {HOW}\n"
            "Hearing loop: Rows A to F\nThe lift is at the back of the building.") in description


def test_event_page_after_the_event_starts_still_lists_provisions(client, provided):
    provided.starts_at -= timedelta(days=60)
    provided.ends_at -= timedelta(days=60)
    db.session.commit()
    assert "<strong>Hearing loop</strong>: Rows A to F" in page_text(
        client.get(f"/events/{provided.id}"))
