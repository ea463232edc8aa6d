"""WCAG 2.2.1 Timing Adjustable: before a staff session ends for inactivity, the page warns, a
screen reader hears it, and the person stays signed in by keyboard without losing what they
typed. The page's clock is run forward (Playwright's clock), so nothing waits in real time."""

from __future__ import annotations

import pytest

from .helpers import focused
from .states_staff import request_with_history

TYPED = "Thank you, we have booked two interpreters for"


def _open_detail_typing(world, clock_installed_page):
    page = clock_installed_page
    request = request_with_history(world)
    world.login(page, world.staff("coordinator"))
    world.goto(page, world.path("triage.detail", request_id=request.id))
    page.fill("#compose-body", TYPED)
    page.focus("#compose-body")
    return page


@pytest.mark.browser
@pytest.mark.app_config(SESSION_IDLE_MINUTES=1, SESSION_WARN_SECONDS=50)
def test_wcag_2_2_1_warning_extends_the_session_by_keyboard_and_keeps_the_text(world,
                                                                              new_context):
    page = new_context().new_page()
    page.clock.install()
    page = _open_detail_typing(world, page)
    dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
    # The page's clock also moves with real time (signing in and typing take a while on a
    # busy machine), so the "not yet" check stays well clear of the 10 s mark.
    page.clock.run_for(5_000)
    assert not dialog.is_visible()  # 60 s limit, warned 50 s before the end

    page.clock.run_for(6_000)
    dialog.wait_for()
    # Announced: a modal alertdialog named by its heading and described by its text, with
    # focus moved into it.
    assert dialog.get_attribute("aria-modal") == "true"
    description = page.locator("#" + dialog.get_attribute("aria-describedby")).inner_text()
    assert "signed out in about 1 minute" in description
    now = focused(page)
    assert (now["tag"], now["text"]) == ("button", "Stay signed in") and now["visible"]

    with page.expect_response("**/staff/session/extend") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200 and answer.value.json()["signed_in"] is True
    dialog.wait_for(state="hidden")
    page.clock.run_for(200)
    assert page.locator("[data-session-status]").inner_text() == "You are still signed in."
    # Back where they were, with their text, on the same page (no reload).
    assert focused(page)["id"] == "compose-body"
    assert page.input_value("#compose-body") == TYPED
    page.keyboard.type(" the whole evening.")
    assert page.input_value("#compose-body") == TYPED + " the whole evening."

    # The timers start again from the server's answer: the next warning comes 10 s later.
    page.clock.run_for(5_000)
    assert not dialog.is_visible()
    page.clock.run_for(6_000)
    dialog.wait_for()
    page.keyboard.press("Escape")  # Escape also means "stay signed in"
    dialog.wait_for(state="hidden")


@pytest.mark.browser
@pytest.mark.app_config(SESSION_IDLE_MINUTES=1, SESSION_WARN_SECONDS=50)
def test_wcag_2_2_1_at_the_end_the_page_says_so_and_the_text_stays(world, new_context):
    page = new_context().new_page()
    page.clock.install()
    page = _open_detail_typing(world, page)
    page.clock.run_for(61_000)
    ended = page.get_by_role("alertdialog").get_by_text("You have been signed out")
    ended.wait_for()
    assert focused(page)["text"] == "Close and copy my text"
    page.keyboard.press("Enter")
    page.get_by_role("alertdialog").wait_for(state="hidden")
    assert page.input_value("#compose-body") == TYPED


@pytest.mark.browser
@pytest.mark.app_config(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=1, SESSION_WARN_SECONDS=120)
def test_wcag_2_2_1_the_absolute_end_is_announced_as_final(world, new_context, monkeypatch):
    """Near SESSION_MAX_HOURS the warning says the session cannot be extended."""
    from datetime import timedelta

    import accessreq.auth.sessions as sessions

    page = new_context().new_page()
    page.clock.install()
    real, later = sessions.utcnow, timedelta()
    monkeypatch.setattr(sessions, "utcnow", lambda: real() + later)
    world.login(page, world.staff("coordinator"))
    later = timedelta(minutes=25)
    world.goto(page, world.path("triage.queue"))
    # 50 minutes after sign-in: 10 minutes left, less than the 30-minute idle limit.
    later = timedelta(minutes=50)
    world.goto(page, world.path("triage.queue"))
    page.clock.run_for((10 * 60 - 120 + 2) * 1000)
    dialog = page.get_by_role("alertdialog", name="Your session ends soon")
    dialog.wait_for()
    assert "cannot be extended" in dialog.inner_text()
    assert focused(page)["text"] == "Close"
