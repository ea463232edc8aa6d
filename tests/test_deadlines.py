"""Deadlines told honestly (issue 10, item 10): a date to ask by per kind of help, a passed one
said kindly, late requests accepted with a plain note on the confirmation and status pages,
and staff tags that count days to the same due day the attendee was told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from accessreq.events.deadlines import (LATE_REPLY_WORKING_DAYS, add_working_days, ask_by,
                                        local_day, long_day, tell_by_day)
from accessreq.events.models import AccommodationType, Event
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from accessreq.requests.urgency import Urgency, days_left_words
from accessreq.timeutil import utcnow


def html_of(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


# 10:00 on Friday 8 January 2027 in London; a 14-day kind is due Friday 25 December 2026.
START = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)


def _event(**kwargs) -> Event:
    return Event(title="Talk", starts_at=START, ends_at=START + timedelta(hours=2),
                 timezone="Europe/London", **kwargs)


def _kind(days: int, name: str = "Sign language interpretation") -> AccommodationType:
    return AccommodationType(name=name, lead_time_days=days, active=True)


@pytest.mark.parametrize("days, now, words", [
    (14, datetime(2026, 12, 1, tzinfo=UTC),
     "ask by Friday 25 December 2026 — 14 days before"),
    (14, datetime(2026, 12, 25, 23, 30, tzinfo=UTC),  # still the due day: not passed
     "ask by Friday 25 December 2026 — 14 days before"),
    (14, datetime(2026, 12, 26, 0, 30, tzinfo=UTC),
     "ask by Friday 25 December 2026 — 14 days before. That date has passed: ask as soon as "
     "you can — we will try"),
    (84, datetime(2026, 10, 1, tzinfo=UTC), "ask by Friday 16 October 2026 — 12 weeks before"),
    (1, datetime(2026, 12, 1, tzinfo=UTC), "ask by Thursday 7 January 2027 — 1 day before"),
    (0, datetime(2027, 1, 8, 9, 0, tzinfo=UTC), "ask any time before the event"),
])
def test_each_kind_has_its_day_to_ask_by(days, now, words):
    assert ask_by(_event(), _kind(days), now).words == words


def test_a_closing_date_before_the_due_day_is_the_day_to_ask_by():
    event = _event(requests_close_at=datetime(2026, 12, 20, 17, 0, tzinfo=UTC))
    assert ask_by(event, _kind(3), datetime(2026, 12, 1, tzinfo=UTC)).words == \
        "ask by Sunday 20 December 2026, when online requests close"
    # A closing date after the due day changes nothing.
    assert ask_by(event, _kind(28), datetime(2026, 12, 1, tzinfo=UTC)).words == \
        "ask by Friday 11 December 2026 — 4 weeks before"


@pytest.mark.parametrize("asked_on, event_day, expected", [
    (date(2026, 11, 30), date(2027, 1, 8), date(2026, 12, 2)),  # Monday -> Wednesday
    (date(2026, 12, 4), date(2027, 1, 8), date(2026, 12, 8)),  # Friday -> Tuesday
    (date(2026, 12, 5), date(2027, 1, 8), date(2026, 12, 8)),  # Saturday -> Tuesday
    (date(2026, 12, 4), date(2026, 12, 8), None),  # the event comes first: "before the event"
])
def test_a_late_request_is_answered_within_working_days(asked_on, event_day, expected):
    assert LATE_REPLY_WORKING_DAYS == 2
    assert tell_by_day(asked_on, event_day) == expected
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)


@pytest.mark.parametrize("days, words", [
    (0, "Due today"), (1, "Due tomorrow"), (6, "Due in 6 days"), (-1, "Overdue by 1 day"),
    (-2, "Overdue by 2 days")])
def test_days_left_in_words(days, words):
    assert days_left_words(days) == words


def test_the_event_page_and_the_form_give_a_date_per_kind(client, make_event, make_type):
    sign = make_type("Sign language interpretation", 14)
    seat = make_type("Wheelchair-accessible seating", 3)
    event = make_event("Soon", days_ahead=6, types=[sign, seat])
    sign_day = long_day(event.ask_by_dates()[0].day)
    seat_day = long_day(event.ask_by_dates()[1].day)
    assert event.ask_by_dates()[0].passed and not event.ask_by_dates()[1].passed
    assert sign_day != seat_day

    page = html_of(client.get(f"/events/{event.id}"))
    assert (f"<strong>Sign language interpretation</strong>: ask by {sign_day} — 14 days before. "
            "That date has passed: ask as soon as you can — we will try.") in page
    assert f"<strong>Wheelchair-accessible seating</strong>: ask by {seat_day} — 3 days before." \
        in page
    assert "Ask by</dt>" not in page  # no single date pretending to be everyone's deadline

    form = html_of(client.get(f"/events/{event.id}/request"))
    assert f"Ask by {sign_day} — 14 days before. That date has passed" in form
    assert f"Ask by {seat_day} — 3 days before." in form


def _post_form(client, event, kinds):
    return client.post(f"/events/{event.id}/request", data={
        "contact_name": "Robin Example", "contact_email": "robin@example.net",
        "contact_channel": "email", "for_whom": "me",
        "accommodations": [str(k.id) for k in kinds], "consent": "y"})


def test_a_late_request_is_accepted_and_told_so_kindly(client, make_event, make_type):
    sign = make_type("Sign language interpretation", 14)
    seat = make_type("Wheelchair-accessible seating", 3)
    event = make_event("Soon", days_ahead=10, types=[sign, seat])
    response = _post_form(client, event, [sign, seat])
    assert response.status_code == 303
    access_request = db.session.scalars(db.select(AccessRequest)).one()
    assert access_request.was_late and access_request.late_kinds == [sign]

    tell_by = tell_by_day(access_request.asked_on, local_day(access_request.event.starts_at, "Europe/London"))
    note = ("This is less notice than we usually need for sign language interpretation, but we "
            f"will try. We will tell you by {long_day(tell_by)} what we can arrange.")
    confirmation = html_of(client.get(response.headers["Location"]))
    assert "Request sent" in confirmation and note in confirmation
    status_path = response.headers["Location"].removesuffix("/submitted")
    assert note in html_of(client.get(status_path))

    # Staff see the same promise.
    assert access_request.urgency() is Urgency.AT_RISK
    tag = access_request.due_tag()
    assert tag.label == f"Late request: answer by {tell_by:%a} {tell_by.day} {tell_by:%b %Y}"
    assert tag.css_modifier == "tag--warn"


def test_a_request_in_time_has_no_late_note(client, make_event, make_type):
    sign = make_type("Sign language interpretation", 14)
    event = make_event("Later", days_ahead=30, types=[sign])
    response = _post_form(client, event, [sign])
    confirmation = html_of(client.get(response.headers["Location"]))
    assert "less notice than we usually need" not in confirmation
    assert "less notice" not in html_of(client.get(
        response.headers["Location"].removesuffix("/submitted")))


def test_a_late_request_close_to_the_event_hears_back_before_it(make_event, make_type,
                                                                 make_request):
    sign = make_type("Sign language interpretation", 14)
    event = make_event("Tomorrow", days_ahead=1.5, types=[sign])
    access_request, _ = make_request(event=event, types=[sign])
    assert access_request.late_note.endswith(
        "We will tell you before the event starts what we can arrange.")


def test_staff_tags_count_days_to_the_day_the_attendee_was_told(make_event, make_type,
                                                                make_request):
    """A request due in 6 days is flagged "Due in 6 days"; on track ones still say when."""
    seat = make_type("Wheelchair-accessible seating", 3)
    soon, _ = make_request(event=make_event("In nine days", days_ahead=9, types=[seat]),
                           types=[seat])
    later, _ = make_request(event=make_event("In a month", days_ahead=33, types=[seat]),
                            types=[seat])
    now = utcnow()
    told = soon.event.ask_by_dates(now)[0].day
    assert soon.due_day == told
    assert soon.urgency(now) is Urgency.DUE_SOON
    assert soon.due_tag(now).label == "Due in 6 days"
    assert later.urgency(now) is None
    assert later.due_tag(now).label == "Due in 30 days" and later.due_tag(now).css_modifier == ""
