"""Every email to an attendee in Spanish and in Hebrew: a snapshot of the plain text (read by a
person when it was written), and the HTML part with its language and direction; staff emails
stay English whatever the attendee's language."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.i18n.languages import LANGUAGES
from accessreq.notifications.models import OutgoingEmail
from accessreq.notifications.services import render_email, render_in
from test_emails import CASES, _case, _outline, _snapshot, render_app  # noqa: F401 (fixture)

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "emails"
ATTENDEE_TEMPLATES = {"request_received", "attendee_update", "attendee_follow_up",
                      "accessibility_report_received", "inbound_unmatched_ack"}
ATTENDEE_CASES = [case for case in CASES if case[0] in ATTENDEE_TEMPLATES]
TRANSLATED = ["es", "he"]


def _html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize(("template", "variant"), ATTENDEE_CASES)
def test_plain_text_matches_snapshot(render_app, code, template, variant):
    subject, text, _ = render_in(code, template, **_case(template, variant))
    actual = _snapshot(subject, text)
    path = SNAPSHOTS / code / f"{template}--{variant}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no snapshot yet: run UPDATE_SNAPSHOTS=1 pytest {__file__}"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize(("template", "variant"), ATTENDEE_CASES)
def test_html_part_is_in_the_language_and_its_direction(render_app, code, template, variant):
    language = LANGUAGES[code]
    subject, text, html = render_in(code, template, **_case(template, variant))
    english_subject, english_text, _ = render_email(template, **_case(template, variant))
    assert text != english_text, "not translated"
    # A follow-up's subject is the team's own wording (English here), framed by the reference.
    if template != "attendee_follow_up":
        assert subject != english_subject, "subject not translated"
    assert f'lang="{code}" dir="{language.direction}"' in _html_tag(html)
    page = _outline(html)
    assert page.title == subject
    assert [level for level, _ in page.headings].count(1) == 1
    assert page.links and all(href.startswith("https://") for href, _ in page.links)
    for href, _ in page.links:
        assert href in text


def test_a_spanish_request_writes_to_the_attendee_in_spanish_and_to_staff_in_english(
        client, make_event, make_type):
    event = make_event("Public lecture", types=[make_type("Hearing loop", 3)])
    response = client.post(f"/events/{event.id}/request", headers={"Accept-Language": "es"},
                           data={"contact_name": "Robin Example",
                                 "contact_email": "robin@example.net",
                                 "contact_channel": "email", "for_whom": "me",
                                 "accommodations": [str(event.offered_types[0].id)],
                                 "consent": "y"})
    assert response.status_code == 303
    emails = {row.template: row for row in db.session.scalars(select(OutgoingEmail))}
    assert 'lang="es" dir="ltr"' in _html_tag(emails["request_received"].body_html)
    assert 'lang="en" dir="ltr"' in _html_tag(emails["staff_new_request"].body_html)
