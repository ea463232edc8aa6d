"""The staff queue at /staff/: sorting, filters, search, pagination, counts, urgency, empty states,
robustness against any query string, and a fixed number of SQL statements per page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import count_statements
from flask import g
from sqlalchemy import update

from accessreq.extensions import db
from accessreq.requests import counts as status_counts
from accessreq.requests.models import AccessRequest
from accessreq.requests.states import RequestStatus
from accessreq.events.deadlines import LATE_REPLY_WORKING_DAYS, add_working_days
from accessreq.timeutil import utcnow


@pytest.fixture
def types(make_type):
    return {"sign": make_type("Sign language interpretation", 14),
            "seat": make_type("Wheelchair-accessible seating", 3)}


@pytest.fixture
def event_in(make_event, types):
    def make(days: float, title: str = "Lecture", **kwargs):
        return make_event(title=title, days_ahead=days, types=list(types.values()), **kwargs)

    return make


def page_text(client, query: str = "") -> str:
    response = client.get(f"/staff/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def table_references(html: str) -> list[str]:
    """References in the order the table lists them."""
    if "<tbody>" not in html:
        return []
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"AR-[0-9A-Z]{4}-[0-9A-Z]{2}", body)


def set_status(request, status: RequestStatus) -> None:
    """Put a request straight into a status (skipping the state machine) for queue set-up;
    the kept per-status counts are rebuilt as a bulk load would."""
    db.session.execute(update(AccessRequest).where(AccessRequest.id == request.id)
                       .values(status=status))
    db.session.commit()
    status_counts.recount()


# --- access --------------------------------------------------------------------------------


def test_the_queue_needs_a_signed_in_staff_member(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


# --- sorting --------------------------------------------------------------------------------


def test_default_sort_is_by_due_date_soonest_first(signed_in, make_request, event_in, types):
    later, _ = make_request(event=event_in(60), types=[types["sign"]])   # due in 46 days
    sooner, _ = make_request(event=event_in(20), types=[types["sign"]])  # due in 6 days
    middle, _ = make_request(event=event_in(30), types=[types["seat"]])  # due in 27 days
    assert table_references(page_text(signed_in)) == [
        sooner.reference, middle.reference, later.reference]


def test_newest_first(signed_in, make_request, event_in):
    made = [make_request(event=event_in(30 + i))[0] for i in range(3)]
    for days_ago, request in zip((5, 1, 3), made):
        request.created_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    assert table_references(page_text(signed_in, "?sort=newest")) == [
        made[1].reference, made[2].reference, made[0].reference]


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def mixed(make_request, event_in):
    """One request in each status, all for the same event."""
    event = event_in(30)
    requests = {}
    for status in RequestStatus:
        request, _ = make_request(event=event)
        set_status(request, status)
        requests[status] = request
    return requests


def test_default_shows_only_open_requests(signed_in, mixed):
    shown = set(table_references(page_text(signed_in)))
    assert shown == {mixed[s].reference for s in
                     (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.NEEDS_INFO)}


def test_status_all_shows_everything(signed_in, mixed):
    shown = set(table_references(page_text(signed_in, "?status=all")))
    assert shown == {r.reference for r in mixed.values()}


@pytest.mark.parametrize("status", list(RequestStatus), ids=str)
def test_filter_by_each_status(signed_in, mixed, status):
    html = page_text(signed_in, f"?status={status.value}")
    assert table_references(html) == [mixed[status].reference]
    assert status.label in html


def test_filter_by_event(signed_in, make_request, event_in):
    wanted_event = event_in(30, title="Roundtable on captioning")
    wanted, _ = make_request(event=wanted_event)
    make_request(event=event_in(31, title="Screening"))
    html = page_text(signed_in, f"?event={wanted_event.id}")
    assert table_references(html) == [wanted.reference]


def test_filter_by_accommodation_type(signed_in, make_request, event_in, types):
    event = event_in(30)
    seating, _ = make_request(event=event, types=[types["seat"]])
    both, _ = make_request(event=event, types=[types["sign"], types["seat"]])
    make_request(event=event, types=[types["sign"]])
    shown = table_references(page_text(signed_in, f"?type={types['seat'].id}"))
    assert sorted(shown) == sorted([seating.reference, both.reference])


def test_filter_by_assignee(signed_in, staff, make_staff, make_request, event_in):
    other = make_staff(name="Robin Other")
    event = event_in(30)
    mine, _ = make_request(event=event)
    theirs, _ = make_request(event=event)
    nobodys, _ = make_request(event=event)
    mine.assignee = staff
    theirs.assignee = other
    db.session.commit()
    assert table_references(page_text(signed_in, "?assignee=mine")) == [mine.reference]
    assert table_references(page_text(signed_in, "?assignee=unassigned")) == [nobodys.reference]
    assert table_references(page_text(signed_in, f"?assignee={other.id}")) == [theirs.reference]
    assert len(table_references(page_text(signed_in, "?assignee="))) == 3


def test_filters_combine_and_stay_selected(signed_in, staff, make_request, event_in, types):
    event = event_in(30)
    match, _ = make_request(event=event, types=[types["seat"]])
    make_request(event=event, types=[types["seat"]])
    match.assignee = staff
    db.session.commit()
    html = page_text(signed_in, f"?event={event.id}&type={types['seat'].id}&assignee=mine")
    assert table_references(html) == [match.reference]
    assert re.search(r'<option selected value="mine">|<option value="mine" selected>', html)
    assert f'<option selected value="{event.id}">' in html


# --- search -----------------------------------------------------------------------------------


@pytest.fixture
def people(make_request, event_in):
    event = event_in(30)
    return {
        "ada": make_request(event=event, contact_name="Ada Lovelace",
                            contact_email="ada@analytical.example")[0],
        "grace": make_request(event=event, contact_name="Grace Hopper",
                              contact_email="cobol@navy.example")[0],
    }


def test_search_by_reference_ignores_case_spaces_and_dashes(signed_in, people):
    reference = people["ada"].reference
    for query in (reference, reference.lower(), reference.replace("-", " "),
                  reference.replace("-", ""), f"  {reference[3:7].lower()} "):
        shown = table_references(page_text(signed_in, "?" + _q(query)))
        assert shown == [reference], query


def test_search_by_name_partial_and_case_insensitive(signed_in, people):
    assert table_references(page_text(signed_in, "?q=LOVEL")) == [people["ada"].reference]
    assert table_references(page_text(signed_in, "?q=grace+h")) == [people["grace"].reference]


def test_search_by_email(signed_in, people):
    assert table_references(page_text(signed_in, "?q=cobol%40NAVY")) == [people["grace"].reference]


def test_search_wildcards_are_literal(signed_in, people):
    html = page_text(signed_in, "?q=%25")  # a "%" must not match everything
    assert table_references(html) == []
    assert "No requests match these filters" in html


def _q(text: str) -> str:
    from urllib.parse import urlencode
    return urlencode({"q": text})


# --- pagination ---------------------------------------------------------------------------------


@pytest.fixture
def five(make_request, event_in):
    return [make_request(event=event_in(20 + i))[0] for i in range(5)]


@pytest.mark.app_config(QUEUE_PAGE_SIZE=2)
def test_pagination_pages_through_in_due_order(signed_in, five):
    seen = []
    for page in (1, 2, 3):
        shown = table_references(page_text(signed_in, f"?page={page}"))
        assert len(shown) == (2 if page < 3 else 1)
        seen += shown
    assert seen == [r.reference for r in five]


@pytest.mark.app_config(QUEUE_PAGE_SIZE=2)
def test_page_links_keep_the_filters(signed_in, five):
    html = page_text(signed_in, "?status=all&sort=newest&q=sam")
    # All five match the filters: three pages, this the first.
    assert "<title>Request queue (filtered), page 1 of 3 —" in html
    next_links = re.findall(r'href="([^"]*)" rel="next"', html)
    assert len(next_links) == 1
    link = next_links[0].replace("&amp;", "&")
    for part in ("status=all", "sort=newest", "q=sam", "page=2"):
        assert part in link


@pytest.mark.app_config(QUEUE_PAGE_SIZE=2)
def test_a_page_past_the_end_redirects_to_the_last_page(signed_in, five):
    """Changed in issue 9 (one pagination behaviour): it used to show the last page in place."""
    response = signed_in.get("/staff/?page=99&sort=newest")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/?sort=newest&page=3"
    assert table_references(page_text(signed_in, "?page=3")) == [five[-1].reference]


# --- counts, urgency, empty states ---------------------------------------------------------------


def test_counts_per_status_are_filter_links(signed_in, make_request, event_in):
    event = event_in(30)
    for status in (RequestStatus.SUBMITTED, RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW,
                   RequestStatus.ARRANGED):
        request, _ = make_request(event=event)
        set_status(request, status)
    html = page_text(signed_in)
    for text in ("Submitted (2)", "In review (1)", "Arranged (1)", "Closed (0)", "Open (3)",
                 "All (4)"):
        assert text in html
    assert re.search(r'href="/staff/\?status=arranged"[^>]*>Arranged \(1\)', html)


def test_urgency_is_said_in_words(signed_in, make_request, event_in, types):
    now = utcnow()
    late, _ = make_request(event=event_in(10), types=[types["sign"]])  # 14 days' notice needed
    imminent, _ = make_request(event=event_in(1), types=[types["seat"]])
    soon, _ = make_request(event=event_in(5), types=[types["seat"]])    # due in 2 days
    overdue, _ = make_request(event=event_in(10), types=[types["seat"]])
    overdue.created_at = now - timedelta(days=30)
    overdue.due_at = now - timedelta(days=1)
    started, _ = make_request(event=event_in(3), types=[types["seat"]])
    started.event.starts_at = now - timedelta(hours=1)
    on_track, _ = make_request(event=event_in(30), types=[types["seat"]])  # due in 27 days
    db.session.commit()
    html = page_text(signed_in)
    answer_by = add_working_days(late.asked_on, LATE_REPLY_WORKING_DAYS)
    # The queue's dense rows say a late request's tag in fewer words; its page in full.
    assert f">Late request: answer by {answer_by:%a} {answer_by.day} {answer_by:%b %Y}</span>" in (
        signed_in.get(f"/staff/requests/{late.id}").get_data(as_text=True))
    for word in (f"Late: answer by {answer_by.day} {answer_by:%b}",
                 "Under 48 hours", f"Due in {soon.days_left(now)} days", "Overdue by 1 day",
                 "Event started", f"Due in {on_track.days_left(now)} days"):
        assert f">{word}</span>" in html, word
    assert 'class="tag' in html
    assert soon.days_left(now) == 2 and on_track.days_left(now) == 27


def test_empty_state_when_there_are_no_requests(signed_in):
    html = page_text(signed_in)
    assert "There are no requests yet" in html
    assert "<table" not in html


def test_empty_state_when_nothing_matches(signed_in, make_request, event_in):
    make_request(event=event_in(30))
    html = page_text(signed_in, "?q=nobody-by-this-name")
    assert "No requests match these filters" in html
    assert re.search(r'<a href="/staff/">Clear filters</a>', html)


def test_empty_state_when_nothing_is_open(signed_in, make_request, event_in):
    request, _ = make_request(event=event_in(30))
    set_status(request, RequestStatus.CLOSED)
    html = page_text(signed_in)
    assert "There are no open requests" in html
    assert "status=all" in html


def test_table_is_labelled_and_scrollable(signed_in, make_request, event_in):
    make_request(event=event_in(30))
    html = page_text(signed_in)
    assert re.search(r'<div class="table-wrap" role="region" aria-labelledby="queue-caption" '
                     r'tabindex="0">', html)
    assert '<caption id="queue-caption">' in html
    assert html.count('<th scope="col">') == 7  # the team column is new


# --- robustness ----------------------------------------------------------------------------------


BAD_QUERIES = [
    "?status=bogus", "?status=", "?status=OPEN", "?event=abc", "?event=-1", "?event=0",
    "?event=99999999999999999999999", "?type=1.5", "?type=%00", "?assignee=nobody",
    "?assignee=99999999999999999999", "?assignee=%F0%9F%A6%8A", "?page=0", "?page=-3",
    "?page=abc", "?page=99999999999999999999", "?page=1e9", "?sort=evil", "?sort=",
    "?q=" + "x" * 5000, "?q=%E2%80%8B%F0%9F%A6%8A%20caf%C3%A9", "?q=%27%3B+DROP+TABLE+event%3B--",
    "?q=%5C", "?q=_", "?q=%00", "?q=ab%00cd", "?q=%ED%A0%80", "?q=%FF%FE", "?status=all&status=closed", "?page=2&page=x",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_query_values_never_fail(signed_in, make_request, event_in, query):
    make_request(event=event_in(30))
    # A page number out of range redirects to a page that exists (accessreq/pagination.py).
    response = signed_in.get(f"/staff/{query}", follow_redirects=True)
    assert response.status_code == 200


# --- cost ------------------------------------------------------------------------------------------


@pytest.mark.app_config(QUEUE_PAGE_SIZE=50)
def test_the_page_costs_the_same_number_of_statements_for_3_or_30_rows(
        signed_in, make_request, event_in, types, make_staff):
    assignees = [make_staff(), make_staff()]

    def add(n: int) -> None:
        for i in range(n):
            request, _ = make_request(event=event_in(20 + i, title=f"Event {i}"),
                                      types=list(types.values()))
            request.assignee = db.session.merge(assignees[i % 2])
        db.session.commit()

    def measure() -> tuple[int, int]:
        # As in production, each request starts with an empty session and no cached user
        # (the test's own app context would otherwise keep both across requests).
        db.session.remove()
        g.pop("_login_user", None)
        with count_statements() as statements:
            html = page_text(signed_in, "?status=all")
        return len(statements), len(table_references(html))

    add(3)
    few, shown = measure()
    assert shown == 3
    add(27)
    many, shown = measure()
    assert shown == 30
    assert few == many
    # The production target (bench/README.md): at most seven statements for the whole page
    # (six until issue 8; the seventh is the one INSERT logging who saw the rows), plus one
    # since issue 11: the count of waiting emails beside "Inbox" in the staff navigation,
    # which every staff page draws (tests/test_inbox_nav.py), plus one since issue 13: the
    # person's saved views for the queue's navigation (a person with views costs one more
    # statement counting all their matches; tests/test_saved_views.py).
    assert many <= 9, many
