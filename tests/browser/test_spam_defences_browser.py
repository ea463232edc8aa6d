"""The spam defences in a real browser, at their deployed default (issue 10, item 11): a form
filled and sent at machine speed is held back with everything kept and accepted when sent
again; the honeypot is never seen, reached with Tab or exposed to assistive technology."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from accessreq.config import DEFAULT_FORM_MIN_SECONDS
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest

from .helpers import tab
from .states_public import fill_request_form, open_event

pytestmark = [pytest.mark.browser,
              pytest.mark.app_config(PUBLIC_FORM_MIN_SECONDS=DEFAULT_FORM_MIN_SECONDS)]


def test_a_form_sent_at_machine_speed_is_held_back_then_accepted(world):
    assert world.app.config["PUBLIC_FORM_MIN_SECONDS"] == DEFAULT_FORM_MIN_SECONDS
    event = open_event(world)
    page = world.new_context().new_page()
    opened_at = time.monotonic()
    world.goto(page, world.path("requests.new", event_id=event.id))
    fill_request_form(page, name="Quick Scripted")
    world.submit(page)
    assert time.monotonic() - opened_at < DEFAULT_FORM_MIN_SECONDS, "the machine was too slow"

    assert page.title().startswith("Error: ")
    assert "send the form again" in page.inner_text(".error-summary")
    assert page.input_value("#contact_name") == "Quick Scripted"
    assert page.is_checked("#accommodations-0") and page.is_checked("#consent")
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0

    time.sleep(max(DEFAULT_FORM_MIN_SECONDS + 0.5 - (time.monotonic() - opened_at), 0))
    world.submit(page)
    assert page.title().startswith("Request sent"), page.inner_text("main")[:500]
    assert db.session.scalar(select(AccessRequest.contact_name)) == "Quick Scripted"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_honeypot_is_out_of_reach(world, javascript):
    event = open_event(world)
    page = world.new_context(java_script_enabled=javascript).new_page()
    world.goto(page, world.path("requests.new", event_id=event.id))
    trap = page.locator("input[name=website]")
    assert trap.count() == 1 and not trap.is_visible()
    assert page.get_by_role("textbox", name="Leave this field empty").count() == 0
    # Tab from the top to the send button never stops in it.
    stops = []
    for _ in range(60):
        focused = tab(page)
        stops.append(focused["name"] if "name" in focused else focused["description"])
        assert focused.get("id") != "website", stops
        if focused["tag"] == "button" and focused["text"] == "Send request":
            break
    else:
        raise AssertionError(f"never reached the send button: {stops}")
