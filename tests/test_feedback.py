"""Reporting an accessibility problem opens an item for the access team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.feedback.models import AccessibilityReport
from accessreq.feedback.services import purge_resolved_reports, resolve_report, submit_report
from accessreq.notifications.models import OutgoingEmail
from accessreq.timeutil import utcnow
from helpers import sign_in

PROBLEM = "The date picker on the admin page cannot be used with a keyboard."


@pytest.fixture
def signed_in(client, make_staff):
    staff = make_staff(name="Cory Coordinator")
    return sign_in(client, staff)


def _emails() -> dict[str, OutgoingEmail]:
    return {e.template: e for e in db.session.scalars(select(OutgoingEmail))}


def test_the_statement_links_to_the_form_and_the_form_marks_optional_fields(client):
    assert 'href="/accessibility/report"' in client.get("/accessibility").get_data(as_text=True)
    html = client.get("/accessibility/report").get_data(as_text=True)
    assert "What went wrong?" in html
    for label in ("Which page, or what were you trying to do?", "Your name", "Your email address"):
        assert f'{label} <span class="optional">(optional)</span>' in html
    assert 'autocomplete="email"' in html and 'autocomplete="name"' in html


def test_a_report_is_kept_and_the_team_gets_a_link_not_the_text(client):
    response = client.post("/accessibility/report", data={
        "description": PROBLEM, "where": "Admin: new event", "name": "Robin",
        "email": "robin@example.net"})
    assert response.status_code == 303 and response.headers["Location"] == "/accessibility/report/sent"
    report = db.session.scalars(select(AccessibilityReport)).one()
    assert (report.description, report.where, report.email) == (
        PROBLEM, "Admin: new event", "robin@example.net")
    emails = _emails()
    notice = emails["staff_accessibility_report"]
    assert notice.to_address == "access-team@example.org"
    assert f"/staff/reports/{report.id}" in notice.body_text
    assert PROBLEM not in notice.body_text and PROBLEM not in notice.body_html
    assert emails["accessibility_report_received"].to_address == "robin@example.net"
    sent = client.get("/accessibility/report/sent").get_data(as_text=True)
    assert "your report was sent" in sent and "emailed you a confirmation" in sent


def test_an_anonymous_report_sends_no_acknowledgement(client):
    assert client.post("/accessibility/report", data={"description": PROBLEM}).status_code == 303
    assert set(_emails()) == {"staff_accessibility_report"}


@pytest.mark.parametrize(("data", "message"), [
    ({"description": ""}, "Tell us what went wrong"),
    ({"description": "   "}, "Tell us what went wrong"),
    ({"description": PROBLEM, "email": "not an address"}, "Enter an email address in the correct format"),
    ({"description": "x" * 5001}, "5000 characters or fewer"),
    ({"description": PROBLEM, "where": "y" * 501}, "500 characters or fewer"),
])
def test_bad_input_gets_a_message_and_keeps_what_was_typed(client, data, message):
    response = client.post("/accessibility/report", data={"name": "Róisín 🙂", **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html and message in html
    assert 'value="Róisín 🙂"' in html
    assert db.session.scalar(select(func.count()).select_from(AccessibilityReport)) == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_post_without_csrf_token_is_refused_with_a_page(client):
    response = client.post("/accessibility/report", data={"description": PROBLEM})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AccessibilityReport)) == 0


def test_staff_see_reports_and_resolve_them(signed_in):
    report = submit_report(PROBLEM, where="Admin: new event")
    listing = signed_in.get("/staff/reports/").get_data(as_text=True)
    assert f"Report {report.id}" in listing and "Open" in listing
    detail = signed_in.get(f"/staff/reports/{report.id}")
    assert PROBLEM in detail.get_data(as_text=True)
    assert detail.headers["Cache-Control"] == "no-store"

    refused = signed_in.post(f"/staff/reports/{report.id}/resolve", data={"resolution": ""})
    assert refused.status_code == 422
    assert "Say what was done about this report" in refused.get_data(as_text=True)

    done = signed_in.post(f"/staff/reports/{report.id}/resolve",
                          data={"resolution": "Replaced the picker with day/month/year fields."})
    assert done.status_code == 303
    db.session.expire_all()
    resolved = db.session.get(AccessibilityReport, report.id)
    assert resolved.resolved_at is not None and resolved.resolved_by.name == "Cory Coordinator"
    again = signed_in.post(f"/staff/reports/{report.id}/resolve",
                           data={"resolution": "Twice"}, follow_redirects=True)
    assert "already marked as resolved" in again.get_data(as_text=True)
    assert db.session.get(AccessibilityReport, report.id).resolution.startswith("Replaced")


def test_an_empty_list_says_where_reports_come_from(signed_in):
    assert "There are no reports" in signed_in.get("/staff/reports/").get_data(as_text=True)


def test_resolved_reports_are_deleted_after_the_retention_period(app, make_staff):
    staff = make_staff()
    old, recent, still_open = (submit_report(PROBLEM) for _ in range(3))
    resolve_report(old, staff, "Fixed")
    resolve_report(recent, staff, "Fixed")
    old.resolved_at = utcnow() - timedelta(days=app.config["RETENTION_DAYS"] + 1)
    db.session.commit()
    assert purge_resolved_reports() == 1
    remaining = set(db.session.scalars(select(AccessibilityReport.id)))
    assert remaining == {recent.id, still_open.id}
