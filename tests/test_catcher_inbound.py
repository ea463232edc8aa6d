"""Email in without a real mailbox (issue 11): the local mail catcher hands mail for the access
address to the inbound core, and admins can answer a caught email as its attendee would."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import func, select

from accessreq.extensions import db, mail
from accessreq.inbound.models import InboundMessage, InboundOutcome, InboundSource
from accessreq.inbound.services import store_message
from accessreq.notifications.catcher import list_caught, start_catcher
from accessreq.notifications.models import OutgoingEmail
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import change_status
from helpers import free_port, sign_in

# (A test's own app_config mark replaces the module's: each repeats these.)
SETTINGS = {"MAIL_DEFAULT_SENDER": "Access team <access@example.org>",
            "INBOUND_PLUS_ADDRESSING": True, "MAIL_SUPPRESS_SEND": False}
pytestmark = pytest.mark.app_config(**SETTINGS)
DEVELOPMENT = pytest.mark.app_config(**SETTINGS, DEBUG=True)


@pytest.fixture
def catcher(app):
    """The catcher as ``flask mailcatcher`` starts it, on a free port, with the app's outgoing
    mail pointed at it (as ``make run`` does)."""
    folder = Path(app.config["MAIL_CATCHER_DIR"])
    controller = start_catcher(folder, port=free_port(), app=app,
                               store=lambda raw: store_message(raw, source="catcher"))
    app.config.update(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port)
    mail.init_app(app)  # Flask-Mail reads its settings once
    yield controller
    controller.stop()


def fresh(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


@pytest.fixture
def waiting(make_request, staff, catcher):
    """A request staff asked a question about, its emails delivered to the catcher."""
    access_request, _ = make_request(contact_email="sam@example.net")
    change_status(access_request, staff, RequestStatus.NEEDS_INFO, message="Which language?")
    assert send_due_emails().sent >= 3  # confirmation, team notice, question
    return fresh(access_request)


def question(access_request: AccessRequest) -> OutgoingEmail:
    return db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.request_id == access_request.id, OutgoingEmail.template == "attendee_update")
        .order_by(OutgoingEmail.id.desc())).first()


def send(catcher, message: EmailMessage) -> None:
    with smtplib.SMTP(catcher.hostname, catcher.port) as smtp:
        smtp.send_message(message)


def attendee_mail(to: str, *, subject="A question", in_reply_to: str | None = None,
         message_id="<sam-1@example.net>") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "Sam <sam@example.net>", to, subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content("Yes, British Sign Language, please.\n")
    return message


def test_mail_to_the_access_address_is_stored_and_a_copy_kept(app, catcher):
    send(catcher, attendee_mail("Access team <access@example.org>"))
    row = db.session.scalars(select(InboundMessage)).one()
    assert row.source == InboundSource.CATCHER and row.outcome == InboundOutcome.UNMATCHED
    assert b"British Sign Language" in row.raw
    [copy] = list_caught(Path(app.config["MAIL_CATCHER_DIR"]))
    assert copy.to == "Access team <access@example.org>" and copy.subject == "A question"


def test_mail_for_anyone_else_is_only_caught(app, catcher):
    send(catcher, attendee_mail("someone@example.net"))
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 0
    assert len(list_caught(Path(app.config["MAIL_CATCHER_DIR"]))) == 1


def test_a_reply_to_one_of_our_emails_lands_on_its_request(waiting, catcher):
    ours = question(waiting)
    send(catcher, attendee_mail(ours.reply_to, subject=f"Re: {ours.subject}",
                       in_reply_to=ours.message_id))
    access_request = fresh(waiting)
    row = db.session.scalars(select(InboundMessage)).one()
    assert row.outcome == InboundOutcome.MATCHED and row.request_id == access_request.id
    entry = access_request.history[-1] if access_request.history[-1].inbound_id else next(
        e for e in access_request.history if e.inbound_id)
    assert entry.kind == HistoryKind.ATTENDEE_MESSAGE and entry.inbound_id == row.id
    assert "British Sign Language" in entry.body
    assert access_request.status == RequestStatus.IN_REVIEW


def test_the_catcher_refuses_for_now_when_the_store_fails(app, catcher):
    """As a mail server's pipe exiting 75: a temporary refusal, so the sender tries again."""
    def broken(_raw):
        raise RuntimeError("database away")

    folder = Path(app.config["MAIL_CATCHER_DIR"]) / "other"
    controller = start_catcher(folder, port=free_port(), app=app, store=broken)
    try:
        with pytest.raises(smtplib.SMTPDataError) as refused, \
                smtplib.SMTP(controller.hostname, controller.port) as smtp:
            smtp.send_message(attendee_mail("access@example.org"))
        assert refused.value.smtp_code == 451
    finally:
        controller.stop()
    assert list_caught(folder) == []


def caught_question(app, access_request: AccessRequest):
    ours = question(access_request)
    return next(m for m in list_caught(Path(app.config["MAIL_CATCHER_DIR"]))
                if m.message_id == ours.message_id)


@DEVELOPMENT
def test_reply_as_the_attendee_end_to_end(app, waiting, admin_client, catcher):
    client = admin_client
    caught = caught_question(app, waiting)
    with app.test_request_context():
        page_url = url_for("mail_admin.caught_message", message_id=caught.id)
        reply_url = url_for("mail_admin.reply_as_attendee", message_id=caught.id)
        detail_url = url_for("triage.detail", request_id=waiting.id)
    page = client.get(page_url).get_data(as_text=True)
    assert "Reply as the attendee" in page and f'action="{reply_url}"' in page
    assert "Thank you" in page  # prefilled
    response = client.post(reply_url, data={"body": "Thank you. BSL, please, both days."})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{detail_url}#history"
    # What the catcher received is the attendee's mail program's reply, stored as email in.
    row = db.session.scalars(select(InboundMessage)).one()
    reply = message_from_bytes(row.raw, policy=policy.default)
    ours = question(waiting)
    assert reply["From"] == caught.to and reply["To"] == ours.reply_to
    assert str(reply["Subject"]).strip() == f"Re: {ours.subject}"  # folded: unfolds with a space
    assert reply["In-Reply-To"] == ours.message_id and ours.message_id in reply["References"]
    assert row.source == InboundSource.CATCHER and row.outcome == InboundOutcome.MATCHED
    access_request = fresh(waiting)
    assert access_request.status == RequestStatus.IN_REVIEW
    # The queue marks it "Attendee replied" until staff open it.
    queue = client.get("/staff/?status=all").get_data(as_text=True)
    row = queue[queue.index(access_request.reference):]
    assert "Attendee replied" in row[:row.index("</tr>")]
    staff_page = client.get(detail_url).get_data(as_text=True)
    assert "BSL, please, both days." in staff_page
    assert "Message from the attendee (by email)" in staff_page
    assert "wrote:" not in staff_page  # the quoted email is trimmed for display


@DEVELOPMENT
def test_an_empty_reply_is_refused_beside_the_field(app, waiting, admin_client, catcher):
    caught = caught_question(app, waiting)
    response = admin_client.post(f"/admin/email/caught/{caught.id}/reply", data={"body": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html and 'id="body-error"' in html
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 0


def test_outside_development_there_is_no_reply_as_the_attendee(app, waiting, admin_client,
                                                               catcher):
    caught = caught_question(app, waiting)
    page = admin_client.get(f"/admin/email/caught/{caught.id}").get_data(as_text=True)
    assert "Reply as the attendee" not in page
    assert admin_client.post(f"/admin/email/caught/{caught.id}/reply",
                             data={"body": "Hello"}).status_code == 404
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 0


@DEVELOPMENT
def test_not_with_a_real_mail_server_even_in_debug(app, waiting, admin_client, catcher):
    app.config["MAIL_SERVER"] = "smtp.example.org"
    caught = caught_question(app, waiting)
    assert admin_client.post(f"/admin/email/caught/{caught.id}/reply",
                             data={"body": "Hello"}).status_code == 404


@DEVELOPMENT
def test_only_for_emails_to_an_attendee_and_only_for_admins(app, waiting, client, staff,
                                                            catcher, admin):
    notice = next(m for m in list_caught(Path(app.config["MAIL_CATCHER_DIR"]))
                  if m.to != "sam@example.net")  # the team's new-request notice
    sign_in(client, staff)
    caught = caught_question(app, waiting)
    assert client.post(f"/admin/email/caught/{caught.id}/reply",
                       data={"body": "Hello"}).status_code == 403
    sign_in(client, admin)
    assert "Reply as the attendee" not in client.get(
        f"/admin/email/caught/{notice.id}").get_data(as_text=True)
    assert client.post(f"/admin/email/caught/{notice.id}/reply",
                       data={"body": "Hello"}).status_code == 404



@pytest.mark.slow  # starts a process
def test_the_mailcatcher_command_stores_mail_for_the_access_address(app, tmp_path):
    """``flask mailcatcher`` (what ``make run`` starts) gives the catcher the app: mail to the
    access address reaches the database; the caught copy is kept as for all mail."""
    folder, port = tmp_path / "caught", free_port()
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "SECRET_KEY": app.config["SECRET_KEY"], "MAIL_CATCHER_DIR": str(folder),
                   "MAIL_DEFAULT_SENDER": "Access team <access@example.org>"}
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "accessreq", "mailcatcher", "--port", str(port)],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
                    smtp.send_message(attendee_mail("access+anything@example.org"))
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "did not start"
                time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "is stored as email in" in output
    db.session.expire_all()
    row = db.session.scalars(select(InboundMessage)).one()
    assert row.source == InboundSource.CATCHER and b"British Sign Language" in row.raw
    assert [m.subject for m in list_caught(folder)] == ["A question"]
