""""The attendee replied" (issue 10, item 4): a request whose attendee wrote last is marked in the
queue until someone who answers for it opens it or replies, and "Waiting for us" lists only
those. Plus the queue row's words (issue 10, item 3): due date and what was asked, in short."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from flask import g

from accessreq.auth.models import Role
from accessreq.events.models import Event
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from accessreq.requests.services import add_attendee_message
from accessreq.requests.states import RequestStatus
from accessreq.triage import services
from accessreq.triage.presenting import asked_for, due_in_words
from helpers import count_statements, cover_everything, sign_in
from test_queue import table_references

MARKER = "Attendee replied"


@pytest.fixture
def teams(make_teams):
    return make_teams()


@pytest.fixture
def member(teams, make_staff):
    user = make_staff(name="Cam Comms")
    teams["comms"].members.append(user)
    db.session.commit()
    return user


def fresh(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def rows_marked(html: str) -> list[str]:
    """References of the rows that carry the marker."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [ref for row in body.split("<tr")[1:] if MARKER in row
            for ref in table_references("<tbody>" + row + "</tbody>")]


def test_an_attendee_message_marks_the_request_in_its_teams_queue(client, teams, member,
                                                                   make_request):
    waiting, status_url = make_request(event=teams["event"], types=[teams["sign"]])
    quiet, _ = make_request(event=teams["event"], types=[teams["sign"]])
    assert waiting.attendee_waiting_since is None
    # Through the attendee's own status page, as they would.
    path = urlsplit(status_url).path
    assert client.post(f"{path}/message", data={"body": "BSL, please."}).status_code == 303
    assert fresh(waiting).attendee_waiting_since is not None

    html = sign_in(client, member).get("/staff/").get_data(as_text=True)
    assert set(table_references(html)) == {waiting.reference, quiet.reference}
    assert rows_marked(html) == [waiting.reference]
    assert 'class="queue-row--waiting"' in html
    # A visual marker that is not colour alone: an arrow beside the words, hidden from readers.
    assert '<span aria-hidden="true">↩ </span>Attendee replied' in html


def test_a_second_message_keeps_the_time_of_the_first_unanswered_one(teams, make_request):
    access_request, _ = make_request(event=teams["event"], types=[teams["sign"]])
    add_attendee_message(access_request, "First.")
    first = fresh(access_request).attendee_waiting_since
    add_attendee_message(fresh(access_request), "Second.")
    assert fresh(access_request).attendee_waiting_since == first


def test_a_team_member_opening_the_request_clears_the_marker_without_staling_forms(
        client, teams, member, make_request):
    access_request, _ = make_request(event=teams["event"], types=[teams["sign"]])
    add_attendee_message(access_request, "BSL, please.")
    version = fresh(access_request).version
    sign_in(client, member)
    assert client.get(f"/staff/requests/{access_request.id}").status_code == 200
    access_request = fresh(access_request)
    assert access_request.attendee_waiting_since is None
    # Looking is not a change: a colleague's open form is still good.
    assert access_request.version == version
    assert rows_marked(client.get("/staff/").get_data(as_text=True)) == []


def test_an_admin_outside_the_team_looking_in_leaves_the_marker(client, teams, member,
                                                                make_request, make_staff):
    access_request, _ = make_request(event=teams["event"], types=[teams["sign"]])
    add_attendee_message(access_request, "BSL, please.")
    sign_in(client, make_staff(Role.ADMIN))
    assert client.get(f"/staff/requests/{access_request.id}").status_code == 200
    assert fresh(access_request).attendee_waiting_since is not None
    # An admin who is in the team answers for it like any member.
    admin_member = make_staff(Role.ADMIN)
    teams["comms"].members.append(admin_member)
    db.session.commit()
    sign_in(client, admin_member).get(f"/staff/requests/{access_request.id}")
    assert fresh(access_request).attendee_waiting_since is None


def test_a_request_no_team_holds_is_cleared_by_any_coordinator_opening_it(client, make_request,
                                                                          make_staff):
    access_request, _ = make_request()  # no organisations: no team holds it
    assert access_request.team_id is None
    add_attendee_message(access_request, "BSL, please.")
    sign_in(client, make_staff()).get(f"/staff/requests/{access_request.id}")
    assert fresh(access_request).attendee_waiting_since is None


def test_a_staff_reply_clears_the_marker(teams, member, make_request):
    access_request, _ = make_request(event=teams["event"], types=[teams["sign"]])
    add_attendee_message(access_request, "BSL, please.")
    access_request = fresh(access_request)
    services.reply(access_request, db.session.merge(member), "Booked.",
                   expected_version=access_request.version)
    assert fresh(access_request).attendee_waiting_since is None


def test_waiting_for_us_lists_only_requests_the_attendee_wrote_last(client, teams, member,
                                                                    make_request):
    quiet, _ = make_request(event=teams["event"], types=[teams["sign"]])
    waiting, _ = make_request(event=teams["event"], types=[teams["sign"]])
    arranged, _ = make_request(event=teams["event"], types=[teams["sign"]])
    add_attendee_message(waiting, "BSL, please.")
    me = db.session.merge(member)
    cover_everything(arranged)
    services.change_status(fresh(arranged), me, RequestStatus.ARRANGED, "Booked.")
    add_attendee_message(fresh(arranged), "Can my friend sit with me too?")

    sign_in(client, member)
    html = client.get("/staff/").get_data(as_text=True)
    # The link in the status line: any status, since an arranged request can be written about.
    assert 'href="/staff/?status=all&amp;waiting=1"' in html
    assert quiet.reference in table_references(html)

    html = client.get("/staff/?status=all&waiting=1").get_data(as_text=True)
    assert sorted(table_references(html)) == sorted([waiting.reference, arranged.reference])
    assert "Waiting for us: requests with any status" in html
    assert "Filter and sort<span class=\"queue-filters__now\">: waiting for us" in html
    # The filter form's checkbox sends "y"; open requests only, then.
    html = client.get("/staff/?waiting=y").get_data(as_text=True)
    assert table_references(html) == [waiting.reference]
    # Opening one takes it off the list.
    client.get(f"/staff/requests/{waiting.id}")
    html = client.get("/staff/?status=all&waiting=1").get_data(as_text=True)
    assert table_references(html) == [arranged.reference]


@pytest.mark.app_config(QUEUE_PAGE_SIZE=50)
def test_the_waiting_filter_costs_the_same_statements_for_1_or_20_rows(client, teams, member,
                                                                       make_request):
    event_id, sign_id = teams["event"].id, teams["sign"].id
    sign_in(client, member)

    def add(n: int) -> None:
        for _ in range(n):
            access_request, _ = make_request(event=db.session.get(type(teams["event"]), event_id),
                                             types=[db.session.get(type(teams["sign"]), sign_id)])
            add_attendee_message(access_request, "More details.")

    def measure(query: str) -> tuple[int, int]:
        db.session.remove()
        g.pop("_login_user", None)
        with count_statements() as statements:
            html = client.get(f"/staff/{query}").get_data(as_text=True)
        return len(statements), len(table_references(html))

    add(1)
    few = measure("?status=all&waiting=1")
    add(19)
    many = measure("?status=all&waiting=1")
    assert (few[1], many[1]) == (1, 20)
    # Seven as the queue's target, plus the navigation's count of waiting emails and the
    # person's saved views (see
    # test_queue.test_the_page_costs_the_same_number_of_statements_for_3_or_30_rows).
    assert few[0] == many[0] <= 9, (few, many)


# --- the row's words ---------------------------------------------------------------------------


NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _due(due_at: datetime, tz_name: str = "Europe/London") -> AccessRequest:
    """A request (not stored) due at ``due_at``, for an event in ``tz_name``."""
    return AccessRequest(due_at=due_at, event=Event(timezone=tz_name))


@pytest.mark.parametrize("due, words", [
    (NOW + timedelta(hours=3), "Today"),
    (NOW + timedelta(days=1), "Tomorrow"),
    (NOW + timedelta(days=3), "In 3 days"),
    (NOW - timedelta(days=1), "Yesterday"),
    (NOW - timedelta(days=2), "2 days ago"),
])
def test_due_dates_in_words(due, words):
    assert due_in_words(_due(due).days_left(NOW)) == words


def test_due_days_are_counted_in_the_events_timezone():
    # Due 23:30 UTC on 1 December, which is 12:30 on 2 December in Auckland (UTC+13). At 10:30
    # UTC it is still 1 December in both places: due today in London, tomorrow in Auckland.
    due, now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC), datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    assert due_in_words(_due(due, "Europe/London").days_left(now)) == "Today"
    assert due_in_words(_due(due, "Pacific/Auckland").days_left(now)) == "Tomorrow"


def test_what_was_asked_for_in_short():
    assert asked_for([]) == ("", 0)
    assert asked_for(["BSL interpreter"]) == ("BSL interpreter", 0)
    assert asked_for(["BSL interpreter", "Captions", "Hearing loop"]) == (
        "BSL interpreter, Captions", 1)
    # Long names: one, so the row stays on one line.
    assert asked_for(["Sign language interpretation", "Human real-time captioning (CART)"]) == (
        "Sign language interpretation", 1)


def test_a_row_shows_its_due_tag_and_what_was_asked(client, member, teams, make_request,
                                                     make_type):
    loop = make_type("Hearing loop", 3)
    teams["event"].accommodation_types.append(loop)
    db.session.commit()
    access_request, _ = make_request(event=teams["event"],
                                     types=[teams["sign"], teams["seat"], loop])
    html = sign_in(client, member).get("/staff/").get_data(as_text=True)
    row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert access_request.reference in row
    assert 'Sign language, Seating&nbsp;<span class="more">+1<span class="visually-hidden"> more</span>' in row
    # The event is 30 days away; sign language needs 14. On track: a tag with no warning style.
    assert '<span class="tag ">Due in 16 days</span></time>' in row


def test_a_late_row_says_so_in_its_due_tag(client, member, teams, make_request, make_event):
    soon = make_event("Soon", days_ahead=10, types=[teams["sign"]],
                      organisation=teams["comms"].organisation)
    access_request, _ = make_request(event=soon, types=[teams["sign"]])
    html = sign_in(client, member).get("/staff/").get_data(as_text=True)
    row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    # The words come from the request's own due tag (its thresholds live there), inside the
    # due date's <time>.
    tag = fresh(access_request).due_tag()
    assert tag is not None and tag.label.startswith("Late request: answer by ")
    assert tag.short_label.startswith("Late: answer by ")  # fewer words for a dense row
    assert f'<span class="tag {tag.css_modifier}">{tag.short_label}</span></time>' in row


def test_a_finished_row_says_how_long_ago_it_was_due(client, member, teams, make_request,
                                                      make_event):
    soon = make_event("Soon", days_ahead=10, types=[teams["sign"]],
                      organisation=teams["comms"].organisation)
    access_request, _ = make_request(event=soon, types=[teams["sign"]])
    cover_everything(access_request)
    services.change_status(access_request, member, RequestStatus.ARRANGED, "Booked.")
    html = sign_in(client, member).get("/staff/?status=all").get_data(as_text=True)
    row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert '>4 days ago</time>' in row and 'class="tag' not in row
