"""One pagination behaviour for every list split into pages (accessreq/pagination.py): the public
and admin event lists and the staff queue read ``?page=`` the same way, send a page that does not
exist to the nearest one that does, and show their pager through one macro."""

from __future__ import annotations

import re

import pytest

from accessreq.auth.models import Role
from helpers import sign_in

LISTS = {
    "public events": "/",
    "admin events": "/admin/events",
    "queue": "/staff/",
}


@pytest.fixture
def three_pages(client, make_staff, make_event, make_request, monkeypatch):
    """Five events and five requests, on lists of two rows a page: three pages each. The event
    lists' page sizes are constants, bound as default arguments: set those for this test."""
    import accessreq.events.queries as public_queries
    import accessreq.events.services as event_services

    monkeypatch.setattr(public_queries.upcoming_events, "__defaults__", (1, 2, None))
    monkeypatch.setattr(event_services.admin_events_page, "__defaults__", (2, None))
    client.application.config["QUEUE_PAGE_SIZE"] = 2
    for n in range(5):
        make_request(make_event(f"Event {n}", days_ahead=20 + n))
    sign_in(client, make_staff(Role.ADMIN))
    return client


@pytest.mark.parametrize("path", LISTS.values(), ids=LISTS.keys())
@pytest.mark.parametrize(("asked", "nearest"), [
    ("4", "page=3"), ("99", "page=3"), (str(10**30), "page=3"),
    ("0", None), ("-2", None), ("-" + str(10**30), None),
])
def test_a_page_that_does_not_exist_redirects_to_the_nearest_one(three_pages, path, asked,
                                                                  nearest):
    response = three_pages.get(f"{path}?page={asked}")
    assert response.status_code == 302
    assert response.headers["Location"] == path + (f"?{nearest}" if nearest else "")
    assert three_pages.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("path", LISTS.values(), ids=LISTS.keys())
@pytest.mark.parametrize("asked", ["abc", "", "1.5", "1e3", "%EF%BC%92"])
def test_an_unreadable_page_number_shows_page_one(three_pages, path, asked):
    response = three_pages.get(f"{path}?page={asked}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'rel="next"' in html and 'rel="prev"' not in html


@pytest.mark.parametrize("path", LISTS.values(), ids=LISTS.keys())
def test_every_list_has_the_same_pager(three_pages, path):
    html = three_pages.get(f"{path}?page=2").get_data(as_text=True)
    pager = re.search(r'<nav aria-label="Pages of [a-z]+">\s*<ul class="pagination">(.*?)</ul>',
                      html, re.S)
    assert pager, "the shared pager macro"
    links = re.findall(r'<a href="([^"]*)"[^>]*>', pager.group(1))
    assert links[0].endswith("page=1") and 'rel="prev"' in pager.group(1)
    assert links[-1].endswith("page=3") and 'rel="next"' in pager.group(1)


def test_the_queue_pager_links_every_page_and_keeps_the_filters(three_pages):
    html = three_pages.get("/staff/?page=2&sort=newest").get_data(as_text=True)
    pager = re.search(r'<nav aria-label="Pages of results">(.*?)</nav>', html, re.S).group(1)
    assert pager.count("sort=newest") == 5  # previous, 1, 2, 3, next
    assert re.search(r'aria-current="page"><strong><span class="visually-hidden">Page </span>2',
                     pager)
