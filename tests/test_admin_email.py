"""Admin email pages: the outbox (counts, failed messages and their retry, waiting messages)
and the local mail catcher's view, fed by real SMTP delivery."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.notifications.catcher import start_catcher
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.names import MESSAGE_NAMES, message_name
from accessreq.notifications.sender import send_due_emails
from accessreq.timeutil import utcnow
from helpers import free_port

CATCHER_PORT = free_port()


def outgoing(template="staff_new_request", status=EmailStatus.PENDING, **kwargs) -> OutgoingEmail:
    n = db.session.scalars(select(OutgoingEmail.id)).all()
    row = OutgoingEmail(template=template, to_address=kwargs.pop("to", "sam@example.net"),
                        subject=kwargs.pop("subject", f"Subject {len(n)}"),
                        body_text=kwargs.pop("body_text", "Secret body text about Sam"),
                        body_html="<p>Secret body html</p>", message_id=f"<m{len(n)}@test>",
                        status=status, **kwargs)
    db.session.add(row)
    db.session.commit()
    return row


def test_outbox_empty_state(admin_client):
    page = admin_client.get("/admin/email/").get_data(as_text=True)
    assert "<title>Email outbox" in page
    assert "No messages have failed." in page
    assert "No messages are waiting." in page
    for label in ("Waiting to send", "Sending", "Sent", "Failed"):
        assert f"{label}: <strong>0</strong>" in page


def test_outbox_lists_failed_and_waiting_without_bodies(admin_client):
    dead = outgoing(status=EmailStatus.DEAD, attempts=8, subject="New access request AR-AAAA-BB",
                    last_error="SMTPRecipientsRefused: 550 no such user")
    later = utcnow() + timedelta(minutes=10)
    outgoing(status=EmailStatus.PENDING, attempts=2, subject="Waiting one", next_attempt_at=later,
             last_error="ConnectionRefusedError: refused")
    outgoing(status=EmailStatus.SENT, subject="Already sent", body_text="")
    page = admin_client.get("/admin/email/").get_data(as_text=True)
    assert "Failed: <strong>1</strong>" in page and "Sent: <strong>1</strong>" in page
    assert "Waiting to send: <strong>1</strong>" in page
    assert "New access request AR-AAAA-BB" in page and "550 no such user" in page
    assert "sam@example.net" in page and "New-request notice to the team" in page
    assert "staff_new_request" not in page  # the human name, not the template's
    assert f'action="/admin/email/{dead.id}/retry"' in page
    assert "Waiting one" in page and "refused" in page
    # Sent mail is listed with a way to send it again, but never its content.
    assert "Already sent" in page and "Send again" in page
    assert "Secret body" not in page  # bodies can carry personal details


def test_retry_makes_a_dead_email_pending_again(admin_client):
    dead = outgoing(status=EmailStatus.DEAD, attempts=8, last_error="550 no such user",
                    next_attempt_at=utcnow() - timedelta(days=1))
    response = admin_client.post(f"/admin/email/{dead.id}/retry")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/email/"
    db.session.expire_all()
    row = db.session.get(OutgoingEmail, dead.id)
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.PENDING, 0, "")
    assert row.next_attempt_at <= utcnow()
    page = admin_client.get("/admin/email/").get_data(as_text=True)
    assert "will be sent again shortly" in page and "No messages have failed." in page


def test_retry_of_a_message_that_cannot_be_built_again_changes_nothing(admin_client):
    # Behaviour changed with issue 8: sent mail can be sent again when it has a recipe; a row
    # from before recipes (none here) says why it cannot, and a waiting one is left alone.
    sent = outgoing(status=EmailStatus.SENT, attempts=1)
    admin_client.post(f"/admin/email/{sent.id}/retry")
    db.session.refresh(sent)
    assert (sent.status, sent.attempts) == (EmailStatus.SENT, 1)
    assert "cannot be sent again" in admin_client.get("/admin/email/").get_data(as_text=True)
    waiting = outgoing(status=EmailStatus.PENDING)
    admin_client.post(f"/admin/email/{waiting.id}/retry")
    assert "will be sent shortly" in admin_client.get("/admin/email/").get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == 2
    assert admin_client.post("/admin/email/999999/retry").status_code == 404
    assert admin_client.get(f"/admin/email/{sent.id}/retry").status_code == 405


def test_caught_mail_empty_state_explains_make_run(admin_client):
    page = admin_client.get("/admin/email/caught").get_data(as_text=True)
    assert "No caught mail yet" in page and "make run" in page


@pytest.mark.parametrize("message_id", ["nope", "..", "a" * 150, "1-2-3", "%C3%A9"])
def test_unknown_caught_message_is_404(admin_client, message_id):
    assert admin_client.get(f"/admin/email/caught/{message_id}").status_code == 404


@pytest.fixture
def catcher(app):
    controller = start_catcher(Path(app.config["MAIL_CATCHER_DIR"]), port=CATCHER_PORT)
    yield controller
    controller.stop()


@pytest.mark.app_config(MAIL_SERVER="127.0.0.1", MAIL_PORT=CATCHER_PORT, MAIL_SUPPRESS_SEND=False)
def test_caught_mail_shows_a_message_really_sent_over_smtp(admin_client, catcher, make_request):
    request, _status_url = make_request(contact_name="Sam <b>Attendee</b>")
    result = send_due_emails()
    assert result.sent == 2 and result.dead == 0

    page = admin_client.get("/admin/email/caught").get_data(as_text=True)
    assert "2 messages, newest first" in page
    assert f"We have your access request [{request.reference}]" in page
    assert "sam@example.net" in page and "access-team@example.org" in page

    row = db.session.scalars(select(OutgoingEmail)
                             .where(OutgoingEmail.template == "request_received")).one()
    caught_ids = [line.split("/admin/email/caught/")[1].split('"')[0]
                  for line in page.splitlines() if "/admin/email/caught/" in line]
    pages = [admin_client.get(f"/admin/email/caught/{i}") for i in caught_ids]
    assert all(p.status_code == 200 for p in pages)
    [message] = [p.get_data(as_text=True) for p in pages
                 if request.reference in p.get_data(as_text=True)
                 and "We have your access request" in p.get_data(as_text=True)
                 and "sam@example.net" in p.get_data(as_text=True)]
    assert "<pre" in message and "Hello Sam &lt;b&gt;Attendee&lt;/b&gt;" in message
    assert "<iframe sandbox src=" in message and 'title="HTML version of: ' in message
    # The HTML part is never markup of this page: it is its own response, in a sandboxed frame.
    assert "<b>Attendee</b>" not in message
    assert row.message_id in message.replace("&lt;", "<").replace("&gt;", ">")
    frame_url = message.split('<iframe sandbox src="')[1].split('"')[0]
    frame = admin_client.get(frame_url)
    assert frame.status_code == 200 and frame.mimetype == "text/html"
    assert request.reference in frame.get_data(as_text=True)
    policy = frame.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy


def test_coordinator_cannot_read_caught_mail(client, make_staff, login):
    login(make_staff(Role.COORDINATOR))
    assert client.get("/admin/email/caught").status_code == 403


def test_every_email_template_has_a_human_name():
    """One name per template in templates/emails/ (partials start with "_"), and none extra."""
    folder = Path(__file__).resolve().parent.parent / "templates" / "emails"
    templates = {p.stem for p in folder.glob("*.txt") if not p.name.startswith("_")}
    assert templates == set(MESSAGE_NAMES)
    assert len(set(MESSAGE_NAMES.values())) == len(MESSAGE_NAMES)  # each name tells one apart
    assert message_name("not_a_template") == "not_a_template"  # an old row still shows


def test_outbox_shows_each_kind_by_its_name(admin_client):
    for template in MESSAGE_NAMES:
        outgoing(template=template, status=EmailStatus.SENT, subject=f"About {template}")
    page = admin_client.get("/admin/email/").get_data(as_text=True)
    for name in MESSAGE_NAMES.values():
        assert f"<td>{escape(name)}</td>" in page
