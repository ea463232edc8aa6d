"""An internationalised address (zoë@exämple.org) is accepted wherever an address is typed
(the request form, staff invitations, teams, problem reports), and the outbox delivers to it
through a real SMTP server over SMTPUTF8. A server without SMTPUTF8 makes the message fail
where admins see it; the sender carries on with the rest."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accessreq.auth.models import StaffUser
from accessreq.extensions import db
from accessreq.feedback.models import AccessibilityReport
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.sender import send_due_emails
from accessreq.notifications.services import smtp_address
from accessreq.requests.models import AccessRequest
from accessreq.routing.models import Organisation, Team
from helpers import SMTPServer, text_body

IDN = "zoë@exämple.org"
# A server that does not offer SMTPUTF8, on a port chosen now so the app can be configured.
PLAIN_SERVER = SMTPServer(smtputf8=False)


def _rows_to(address: str) -> list[OutgoingEmail]:
    return list(db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.to_address == address)))


# --- the forms --------------------------------------------------------------------------------


def test_the_request_form_accepts_it(client, make_event, make_type):
    event = make_event(types=[make_type("Seating", 3)])
    response = client.post(f"/events/{event.id}/request", data={
        "contact_name": "Zoë Ökonomou", "contact_email": IDN, "contact_channel": "email",
        "for_whom": "me", "accommodations": [str(event.offered_types[0].id)], "consent": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert db.session.scalars(select(AccessRequest)).one().contact_email == IDN
    assert len(_rows_to(IDN)) == 1


def test_a_staff_invitation_accepts_it(admin_client):
    response = admin_client.post("/admin/staff/new", data={
        "name": "Zoë Ökonomou", "email": IDN, "role": "admin"})
    assert response.status_code == 302
    assert db.session.scalar(select(StaffUser.email).where(StaffUser.name == "Zoë Ökonomou")) == IDN


def test_a_team_accepts_it(admin_client):
    organisation = Organisation(name="Museum Centre")
    db.session.add(organisation)
    db.session.commit()
    response = admin_client.post("/admin/teams/new", data={
        "organisation": str(organisation.id), "name": "Front of house",
        "notification_email": IDN})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalars(select(Team)).one().notification_email == IDN


def test_a_problem_report_accepts_it(client):
    response = client.post("/accessibility/report", data={
        "description": "The date picker skips a month", "email": IDN})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert db.session.scalars(select(AccessibilityReport)).one().email == IDN


def test_a_broken_address_is_still_refused(client, make_event, make_type):
    event = make_event(types=[make_type("Seating", 3)])
    page = client.post(f"/events/{event.id}/request", data={
        "contact_name": "Zoë", "contact_email": "zoë@", "contact_channel": "email",
        "for_whom": "me", "accommodations": [str(event.offered_types[0].id)],
        "consent": "y"}).get_data(as_text=True)
    assert "Enter an email address in the correct format" in page


# --- delivery ---------------------------------------------------------------------------------


def test_how_each_address_goes_on_the_envelope():
    assert smtp_address("sam@example.net") == ("sam@example.net", False)
    # Only the domain is international: IDNA, and any server takes it.
    assert smtp_address("sam@exämple.org") == ("sam@xn--exmple-cua.org", False)
    assert smtp_address(IDN) == (IDN, True)


def test_delivery_over_smtputf8(app, smtp_server, make_request):
    make_request(contact_email=IDN, contact_name="Zoë Ökonomou")
    result = send_due_emails()
    assert (result.sent, result.dead) == (2, 0)
    [row] = _rows_to(IDN)
    assert row.status == EmailStatus.SENT
    [message] = smtp_server.to(IDN)
    assert str(message["To"]) == IDN
    assert row.subject == str(message["Subject"])
    assert "/r/" in text_body(message)


def test_a_domain_only_idn_goes_as_ascii(app, smtp_server, make_request):
    make_request(contact_email="sam@exämple.org")
    assert send_due_emails().sent == 2
    [message] = smtp_server.to("sam@xn--exmple-cua.org")
    assert message["To"] is not None


@pytest.mark.app_config(MAIL_SERVER=PLAIN_SERVER.host, MAIL_PORT=PLAIN_SERVER.port,
                        MAIL_SUPPRESS_SEND=False)
def test_a_server_without_smtputf8_fails_it_visibly(app, make_request, admin_client):
    server = PLAIN_SERVER
    server.start()
    try:
        make_request(contact_email=IDN)
        make_request(contact_email="ok@example.net")
        result = send_due_emails()
    finally:
        server.stop()
    # It fails alone: the other attendee's and the team's messages still went; this one
    # failed for good, with the reason.
    assert (result.sent, result.dead) == (3, 1)
    assert len(server.messages) == 3 and not server.to(IDN)
    assert len(server.to("ok@example.net")) == 1
    [row] = _rows_to(IDN)
    assert row.status == EmailStatus.DEAD
    assert "does not offer SMTPUTF8" in row.last_error
    page = admin_client.get("/admin/email/").get_data(as_text=True)
    assert IDN in page and "does not offer SMTPUTF8" in page
