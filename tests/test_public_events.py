"""The public list of events and the event page: what is offered, and what is not."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from accessreq.events.leadtime import notice_words
from accessreq.extensions import db
from accessreq.timeutil import utcnow


def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def kinds(make_type):
    """One catalogue shared by several events (type names are unique)."""
    return [make_type("Sign language interpretation", 14), make_type("Reserved seating", 3)]


def test_lists_upcoming_events_with_their_facts(client, make_event, kinds):
    event = make_event("Cities that listen", days_ahead=10, timezone="America/New_York",
                       types=kinds, access_provided="Step-free venue. Hearing loop.",
                       requests_close_at=utcnow() + timedelta(days=8))
    online = make_event("Online seminar", days_ahead=12, venue="", is_online=True, types=kinds)

    html = html_of(client.get("/"))

    assert f'href="/events/{event.id}"' in html
    assert "Cities that listen" in html
    assert "Step-free venue. Hearing loop." in html
    # Shown in the event's own timezone, named.
    assert re.search(r"\d{2}:\d{2} E[SD]T", html)
    assert "Online" in html and f'href="/events/{online.id}"' in html
    # When to ask depends on the kind of help: the list does not pretend it is the start.
    assert "When to ask" in html and "the date to ask by for each kind of help" in html


def test_past_closed_and_late_events_are_not_offered(client, make_event, kinds):
    make_event("Open lecture", days_ahead=5, types=kinds)
    make_event("Finished lecture", starts_at=utcnow() - timedelta(days=2), types=kinds)
    make_event("Started lecture", starts_at=utcnow() - timedelta(minutes=30),
               ends_at=utcnow() + timedelta(hours=1), types=kinds)
    make_event("Closed by admin", days_ahead=5, requests_open=False, types=kinds)
    make_event("Deadline passed", days_ahead=5, requests_close_at=utcnow() - timedelta(hours=1),
               types=kinds)

    html = html_of(client.get("/"))

    assert "Open lecture" in html
    for title in ("Finished lecture", "Started lecture", "Closed by admin", "Deadline passed"):
        assert title not in html


def test_events_are_ordered_by_start(client, make_event, kinds):
    make_event("Later event", days_ahead=20, types=kinds)
    make_event("Soonest event", days_ahead=2, types=kinds)
    make_event("Middle event", days_ahead=9, types=kinds)

    html = html_of(client.get("/"))

    positions = [html.index(t) for t in ("Soonest event", "Middle event", "Later event")]
    assert positions == sorted(positions)


def test_pagination(client, make_event, kinds):
    for n in range(23):
        make_event(f"Event number {n:02d}", days_ahead=1 + n, types=kinds)

    first = html_of(client.get("/"))
    second = html_of(client.get("/?page=2"))

    assert first.count('class="event-card"') == 20
    assert "Event number 00" in first and "Event number 19" in first
    assert "Event number 20" not in first
    assert 'href="/?page=2"' in first
    assert second.count('class="event-card"') == 3
    assert "Event number 22" in second and "Event number 00" not in second
    assert 'href="/?page=1"' in second
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("page", ["abc", "", "1.5"])
def test_unreadable_page_numbers_show_page_one(client, make_event, page):
    make_event("Only event")
    response = client.get(f"/?page={page}")
    assert response.status_code == 200
    assert "Only event" in html_of(response)


@pytest.mark.parametrize("page", ["0", "-1", "3", str(10**30), "-" + str(10**30)])
def test_page_numbers_out_of_range_redirect_to_a_page_that_exists(client, make_event, page):
    """Changed in issue 9 (one pagination behaviour for every list): these were 404."""
    make_event("Only event")
    response = client.get(f"/?page={page}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "no-store" in response.headers["Cache-Control"]


def test_empty_state_says_what_to_do(client, app):
    response = client.get("/")
    html = html_of(response)
    assert response.status_code == 200
    assert "No events are taking requests right now" in html
    assert app.config["STAFF_INBOX"] in html


def test_event_page_shows_access_and_what_can_be_asked_for(client, make_event, make_type):
    kinds = [make_type("Human real-time captioning (CART)", 14,
                       description="A captioner writes what is said."),
             make_type("Braille materials", 84), make_type("Hearing loop", 3),
             make_type("Other", 0), make_type("Retired option", 7, active=False)]
    event = make_event("Screening", days_ahead=100, types=kinds,
                       access_provided="Automated captions on the livestream.",
                       description="A film and a talk.")

    response = client.get(f"/events/{event.id}")
    html = html_of(response)

    assert response.status_code == 200
    assert "<h1>Screening</h1>" in html
    assert "A film and a talk." in html
    assert "Automated captions on the livestream." in html
    # Automated captions are not CART: the page still invites a request for it.
    assert "not the same as" in html and "Human real-time captioning (CART)" in html
    # Per kind of help, the day to ask by (event in 100 days: nothing has passed yet).
    assert "<strong>Human real-time captioning (CART)</strong>: ask by " in html
    assert "— 14 days before." in html
    assert "— 12 weeks before." in html
    assert "— 3 days before." in html
    assert "<strong>Other</strong>: ask any time before the event." in html
    assert "That date has passed" not in html
    assert "Retired option" not in html
    assert f'href="/events/{event.id}/request"' in html
    assert "Request access" in html


def test_event_page_flags_short_notice(client, make_event):
    event = make_event("Tomorrow's talk", days_ahead=1)
    html = html_of(client.get(f"/events/{event.id}"))
    assert "less than 48 hours" in html
    # Both kinds are due before tomorrow: each says so, kindly.
    assert html.count("That date has passed: ask as soon as you can — we will try.") == 2


@pytest.mark.parametrize("kwargs, words", [
    ({"requests_open": False}, "The organisers have closed online access requests"),
    ({"requests_close_at": "past"}, "Online access requests for this event closed on"),
    ({"starts_at": "past"}, "already taken place"),
    ({"types": []}, "cannot be made online"),
])
def test_closed_event_page_says_so_and_gives_the_inbox(client, app, make_event, kwargs, words):
    if kwargs.get("requests_close_at") == "past":
        kwargs["requests_close_at"] = utcnow() - timedelta(hours=1)
    if kwargs.get("starts_at") == "past":
        kwargs["starts_at"] = utcnow() - timedelta(days=3)
    event = make_event("Closed talk", **kwargs)

    response = client.get(f"/events/{event.id}")
    html = html_of(response)

    assert response.status_code == 200
    assert words in html
    assert f"mailto:{app.config['STAFF_INBOX']}" in html
    assert f'href="/events/{event.id}/request"' not in html


def test_unknown_event_is_404(client, make_event):
    event = make_event()
    missing = event.id + 1000
    assert client.get(f"/events/{missing}").status_code == 404
    assert client.get("/events/not-a-number").status_code == 404
    assert client.get(f"/events/{10**30}").status_code == 404


def test_event_page_escapes_text(client, make_event):
    event = make_event("<script>alert(1)</script>", access_provided="<b>bold</b>")
    html = html_of(client.get(f"/events/{event.id}"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize("days, words", [
    (0, "can usually be arranged at short notice"),
    (1, "usually needs 1 day's notice"),
    (3, "usually needs 3 days' notice"),
    (7, "usually needs 1 week's notice"),
    (14, "usually needs 2 weeks' notice"),
    (10, "usually needs 10 days' notice"),
])
def test_lead_times_in_plain_words(days, words):
    assert notice_words(days) == words


def test_an_event_that_closes_later_is_listed_again_never(client, make_event):
    """Closing an event removes it from the list at once (no caching of the list)."""
    event = make_event("Soon closed")
    assert "Soon closed" in html_of(client.get("/"))
    event.requests_open = False
    db.session.commit()
    assert "Soon closed" not in html_of(client.get("/"))


def test_the_event_factory_can_be_called_twice(client, make_event):
    """Type names are unique: the second event offers the types the first one created."""
    first, second = make_event("First"), make_event("Second")
    assert [t.id for t in first.accommodation_types] == [t.id for t in second.accommodation_types]
    html = html_of(client.get("/"))
    assert "First" in html and "Second" in html
