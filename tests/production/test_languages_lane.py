"""Languages as deployed: over HTTPS through nginx and two gunicorn workers, whose catalogues
were compiled when they started, a Hebrew browser gets Hebrew pages right to left, the
switcher's choice holds across workers in the secure session cookie, the form keeps what was
typed when the language changes, and the confirmation arrives through the sender in the
language the request was made in."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from accessreq.config import DEFAULT_FORM_MIN_SECONDS
from accessreq.extensions import db
from accessreq.requests.models import AccessRequest
from helpers import text_body

from .test_https_journeys import assert_no_error_page, wait_for_mail

pytestmark = [pytest.mark.production, pytest.mark.browser]

NAME = "Tamsin Bidirectional"
EMAIL = "tamsin.bidirectional@example.net"
DETAILS = "Hebrew-speaking interpreter, please"


def in_language(app, code: str, text: str, **values) -> str:
    with app.test_request_context(), force_locale(code):
        return gettext(text, **values)


def test_a_hebrew_reader_switches_to_spanish_and_back_and_is_written_to_in_hebrew(
        app, stack, lane_smtp, lane_context, make_event):
    event = make_event(title="Lane lecture in three languages")
    page = lane_context(locale="he").new_page()

    page.goto("/")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "he", "rtl"]
    # The switcher's link; every later page (either worker) stays in Spanish.
    page.get_by_role("link", name="Español").click()
    for path in ("/", f"/events/{event.id}", "/accessibility", "/"):
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == "es", path

    page.goto(f"/events/{event.id}/request")
    page.fill("#contact_name", NAME)
    page.fill("#contact_email", EMAIL)
    page.check("#accommodations-0")
    page.fill(f"#details_{event.offered_types[0].id}", DETAILS)
    page.check("#consent")
    # Back to Hebrew with the form's own switcher button: everything typed comes back.
    page.get_by_role("button", name="עברית").click()
    assert_no_error_page(page)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.input_value("#contact_name") == NAME
    assert page.input_value(f"#details_{event.offered_types[0].id}") == DETAILS
    assert page.is_checked("#accommodations-0") and page.is_checked("#consent")

    page.wait_for_timeout((DEFAULT_FORM_MIN_SECONDS + 1) * 1000)
    page.get_by_role("button", name=in_language(app, "he", "Send request")).click()
    assert_no_error_page(page)
    request = db.session.scalar(select(AccessRequest).where(AccessRequest.contact_email == EMAIL))
    assert request is not None and request.language == "he"
    assert page.title().startswith(in_language(app, "he", "Request sent — reference %(reference)s",
                                               reference=request.reference))

    confirmation = wait_for_mail(lane_smtp, EMAIL)[0]
    body = text_body(confirmation)
    assert re.search("[\u0590-\u05ff]", body) and request.reference in body
    assert re.search(r'<html lang="he" dir="rtl"', confirmation.get_body(("html",)).get_content())
    stack.keep_out_of_logs(EMAIL, NAME, DETAILS)
