"""The queue as a coordinator works it (issue 10, items 2 and 4): an attendee's unanswered
message is marked and has its own filter, and moving a request away lands on the queue."""

from __future__ import annotations

import re

import pytest

from .states_routing import routed
from .states_staff import many_requests

pytestmark = pytest.mark.browser


def test_an_unanswered_attendee_message_is_marked_and_filterable(world):
    many = many_requests(world)
    waiting = sorted(r.reference for r in many["waiting"])
    page = world.new_context(viewport={"width": 1280, "height": 900}).new_page()
    world.login(page, world.staff("coordinator"))
    world.goto(page, world.path("triage.queue"))

    marked = page.locator("main tbody tr", has_text="Attendee replied")
    assert sorted(re.search(r"AR-\w{4}-\w{2}", t).group() for t in marked.all_inner_texts()) == waiting
    assert marked.first.locator(".tag--reply").is_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Waiting for us").click()
    rows = page.locator("main tbody tr")
    assert rows.count() == len(waiting)
    assert page.locator("main details.queue-filters > summary").inner_text().startswith(
        "Filter and sort: waiting for us")

    # Opening one (the coordinator is in its team) takes it off the list.
    with page.expect_navigation():
        rows.first.get_by_role("link").click()
    world.goto(page, world.path("triage.queue", status="all", waiting=1))
    assert page.locator("main tbody tr").count() == len(waiting) - 1


def test_moving_a_request_away_lands_on_the_queue_with_the_banner(world):
    data = routed(world)
    access_request = data["requests"][0]
    assert access_request.team_id == data["comms"].id
    page = world.new_context().new_page()
    world.login(page, world.staff("coordinator"))  # in Communications access only
    world.goto(page, world.path("triage.detail", request_id=access_request.id))
    page.select_option("#move-team", str(data["front"].id))
    page.fill("#move-reason", "Only seating is needed after all.")
    world.submit(page, form=f"main form[action='{world.path('triage.move', request_id=access_request.id)}']")

    assert page.url.endswith(world.path("triage.queue"))
    assert page.title().startswith("Request queue")
    banner = page.locator(".flashes [role=status]").inner_text()
    assert banner.startswith(f"{access_request.reference} moved to Front of house.")
    assert "Page not found" not in page.inner_text("main")
    assert access_request.reference not in page.inner_text("main table")  # it left the queue
