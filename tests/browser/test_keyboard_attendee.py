"""An attendee's whole journey with the keyboard alone, with JavaScript on and off, in English
and in Hebrew (right to left).

No mouse calls: only Tab, typing, Enter and Space. Every Tab stop must show a visible focus
indicator and move forward in reading order (``tab_until`` checks both).
"""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import AccessRequest
from accessreq.requests.states import RequestStatus

from .helpers import focused, follow, press, tab, tab_until
from .states_public import EVENT_TITLE, catalogue, open_event, wait_as_a_person

pytestmark = pytest.mark.browser


def type_into(page, text: str) -> None:
    page.keyboard.type(text)


def words_in(app, code: str):
    """The page's words in ``code``, as the catalogue has them (markup taken out)."""

    def t(text: str, **values) -> str:
        with app.test_request_context(), force_locale(code):
            return unescape(re.sub(r"<[^>]+>", "", gettext(text, **values)))

    return t


@pytest.mark.parametrize("code", ["en", "he"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_attendee_journey_by_keyboard(world, javascript, code):
    t = words_in(world.app, code)
    event = open_event(world)
    world.make_event(title="Roundtable: Archives and memory", days_ahead=60, types=catalogue(world))
    page = world.new_context(java_script_enabled=javascript, locale=code).new_page()
    world.goto(page, "/")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if code == "he" else "ltr")

    # The skip link comes first and is visible when focused.
    skip = tab(page)
    assert "skip-link" in skip["classes"] and skip["href"] == "#main", skip
    assert skip["visible"] and skip["onScreen"], skip

    # Tab through the header to the event, and open it.
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == EVENT_TITLE)
    follow(page)
    assert page.title().startswith(EVENT_TITLE)
    request_access = t('Request access<span class="visually-hidden"> for %(event)s</span>',
                       event=EVENT_TITLE)
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == request_access)
    opened_at = time.monotonic()
    follow(page)
    assert page.title().startswith(t("Request access — %(event)s", event=EVENT_TITLE))

    # Fill the form in order, with one mistake: an email address without a domain.
    tab_until(page, lambda f: f["id"] == "contact_name")
    type_into(page, "Sam Attendee")
    assert tab(page)["id"] == "contact_email"
    type_into(page, "sam.attendee")
    channel = tab(page)
    assert channel["name"] == "contact_channel" and channel["type"] == "radio", channel
    tab_until(page, lambda f: f["id"] == "accommodations-0")
    press(page, "Space")
    assert page.is_checked("#accommodations-0")
    details = tab(page)  # the details box shows once its accommodation is ticked
    assert details["tag"] == "textarea" and details["visible"], details
    type_into(page, "BSL")
    tab_until(page, lambda f: f["id"] == "consent")
    press(page, "Space")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == t("Send request"))
    follow(page)

    # The error state: title, summary first, focus on it (autofocus works without JS too).
    assert page.title().startswith(t("Error:") + " "), page.title()
    first_in_main = page.evaluate(
        "document.querySelector('main').querySelector('h1, h2, .error-summary, p, form')"
        ".closest('.error-summary') !== null")
    assert first_in_main, "the error summary is not the first thing in main"
    summary_focus = focused(page)
    if javascript:
        assert "error-summary" in summary_focus["classes"], summary_focus
    if summary_focus["inErrorSummary"]:
        assert summary_focus["visible"], summary_focus
    link = tab_until(page, lambda f: f["inErrorSummary"] and f["href"] == "#contact_email")
    assert link["text"].strip(), link
    if code == "en":
        assert "email" in link["text"].lower(), link
    field = press(page, "Enter")
    assert field["id"] == "contact_email", f"the summary link left focus on {field['description']}"
    assert field["visible"] and field["onScreen"], field
    # What was typed is kept: the name, the ticked box, its details and the consent.
    assert page.input_value("#contact_name") == "Sam Attendee"
    assert page.is_checked("#accommodations-0") and page.is_checked("#consent")

    # Fix it and send.
    page.keyboard.press("Control+A")
    type_into(page, "sam@example.net")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == t("Send request"))
    # The minimum fill time is on (requests/spam.py): no person sends the form this fast.
    wait_as_a_person(world, opened_at)
    follow(page)
    request = db.session.scalar(select(AccessRequest))
    assert page.title().startswith(t("Request sent — reference %(reference)s",
                                     reference=request.reference)), page.title()
    assert page.url.endswith("/submitted") and "/r/" in page.url, page.url  # under the link
    assert request.contact_email == "sam@example.net"
    assert request.items[0].details == "BSL"
    # The request keeps its language, its confirmation is written in it, and the reference
    # keeps its own direction inside the page's sentences.
    assert request.language == code
    confirmation = db.session.scalar(select(OutgoingEmail).where(
        OutgoingEmail.template == "request_received"))
    assert f'<html lang="{code}" dir="{"rtl" if code == "he" else "ltr"}"' in confirmation.body_html
    assert page.locator("bdi", has_text=request.reference).count() >= 1

    # Open the private status link, then cancel from there.
    tab_until(page, lambda f: f["tag"] == "a" and "/r/" in f["href"])
    follow(page)
    assert page.title().startswith(t("Your request %(reference)s — %(event)s",
                                     reference=request.reference, event=EVENT_TITLE)), page.title()
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == t("Cancel this request"))
    follow(page)
    assert page.title().startswith(t("Cancel request %(reference)s — %(event)s",
                                     reference=request.reference, event=EVENT_TITLE)), page.title()
    tab_until(page, lambda f: f["id"] == "reason")
    type_into(page, "My plans changed.")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == t("Yes, cancel my request"))
    follow(page, "Space")

    flash = page.locator(".flashes [role=status]")
    assert flash.inner_text().strip() == t(
        "Your request is cancelled. We have told the access team.")
    db.session.expire_all()
    assert db.session.get(AccessRequest, request.id).status == RequestStatus.CANCELLED
    assert event.id == request.event_id
