"""Outbox content at rest: sealed until sent, deleted once sent, and a message sent again is
built afresh (new status link, new invitation) through the real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from accessreq.auth.models import Role
from accessreq.auth.services import create_staff
from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.rebuild import CannotRebuild, rebuildable_templates, send_again
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.services import purge_expired
from accessreq.timeutil import utcnow
from accessreq.requests.states import RequestStatus
from accessreq.triage.services import change_status
from helpers import text_body
from db_scan import find_in_database

STATUS_LINK = re.compile(r"http://accessreq\.test/r/([A-Za-z0-9_\-]+)")
INVITE_LINK = re.compile(r"http://accessreq\.test/staff/invite/([A-Za-z0-9_\-]+)")


@pytest.fixture
def admin(make_staff):
    return make_staff(Role.ADMIN, name="Ada Admin")


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _row(template: str) -> OutgoingEmail:
    db.session.expire_all()
    return db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.template == template)
                              .order_by(OutgoingEmail.id.desc())).first()


def test_asvs_6_1_1_queued_mail_is_sealed_and_no_token_stays_once_sent(app, smtp_server,
                                                                         make_request, admin,
                                                                         client):
    request, status_url = make_request(contact_name="Quinn Sealed")
    change_status(request, admin, RequestStatus.IN_REVIEW)
    invite = client.application.test_client()
    create_staff("Nia Newcomer", "nia@example.org", Role.COORDINATOR, admin)
    queued = {row.template: row.body_text for row in db.session.scalars(select(OutgoingEmail))}
    update_token = STATUS_LINK.search(queued["attendee_update"]).group(1)
    invite_token = INVITE_LINK.search(queued["staff_invite"]).group(1)
    tokens = [_token(status_url), update_token, invite_token]

    # Waiting to be sent: the links are in the message, but no database reader sees them.
    assert find_in_database(*tokens, open_sealed=False) == []
    assert {(t, c) for t, c, _ in find_in_database(*tokens)} == {
        ("outgoing_email", "sealed_text"), ("outgoing_email", "sealed_html"),
        ("outgoing_email", "sealed_mime")}
    assert send_due_emails().sent == 4
    links = STATUS_LINK.findall(text_body(smtp_server.to("sam@example.net")[-1]))
    assert links == [update_token]  # sent as built
    assert invite.get(f"/staff/invite/{invite_token}").status_code == 200

    # Sent: nothing is left to read, sealed or not; the envelope stays for the admin list.
    assert find_in_database(*tokens) == []
    rows = list(db.session.scalars(select(OutgoingEmail)))
    assert all(r.status == EmailStatus.SENT and r.content_deleted for r in rows)
    assert all(r.sealed_text is None and r.sealed_html is None and r.sealed_mime is None
               for r in rows)
    assert all(r.recipe and "token" not in str(r.recipe) for r in rows)


def test_asvs_6_1_1_send_again_builds_a_new_link_and_the_old_one_is_gone(
        app, smtp_server, make_request, admin_client, client):
    request, status_url = make_request()
    assert send_due_emails().sent == 2
    first = _row("request_received")
    assert first.content_deleted

    response = admin_client.post(f"/admin/email/{first.id}/retry", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "was built again, with new links" in page
    assert "Content deleted after sending" in page
    again = _row("request_received")
    assert again.id != first.id and again.status == EmailStatus.PENDING
    assert again.recipe == {"request_id": request.id}
    assert send_due_emails().sent == 1

    [old_mail, new_mail] = smtp_server.to("sam@example.net")
    old_url = STATUS_LINK.search(text_body(old_mail)).group(0)
    new_url = STATUS_LINK.search(text_body(new_mail)).group(0)
    assert old_url == status_url and new_url != old_url
    assert new_mail["Message-ID"] != old_mail["Message-ID"]
    assert request.reference in client.get(new_url.removeprefix("http://accessreq.test")
                                           ).get_data(as_text=True)
    assert find_in_database(_token(old_url), _token(new_url)) == []


def test_asvs_2_3_1_sending_an_invitation_again_replaces_the_old_link(app, smtp_server,
                                                                        admin, admin_client):
    create_staff("Nia Newcomer", "nia@example.org", Role.COORDINATOR, admin)
    assert send_due_emails().sent == 1
    admin_client.post(f"/admin/email/{_row('staff_invite').id}/retry")
    assert send_due_emails().sent == 1

    old, new = (INVITE_LINK.search(text_body(m)).group(0).removeprefix("http://accessreq.test")
                for m in smtp_server.to("nia@example.org"))
    assert old != new
    assert admin_client.get(new).status_code == 200
    assert admin_client.get(old).status_code == 404
    assert find_in_database(_token(old), _token(new)) == []


def test_retry_of_a_failed_message_builds_a_new_one_in_the_same_transaction(
        app, make_request, admin, admin_client):
    request, _ = make_request()
    dead = _row("request_received")
    db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == dead.id)
                       .values(status=EmailStatus.DEAD, last_error="550 no such user"))
    db.session.commit()
    admin_client.post(f"/admin/email/{dead.id}/retry")
    db.session.expire_all()
    old = db.session.get(OutgoingEmail, dead.id)
    assert old.status == EmailStatus.REPLACED and old.content_deleted
    new = _row("request_received")
    assert new.id != old.id and new.status == EmailStatus.PENDING and not new.content_deleted
    page = admin_client.get("/admin/email/").get_data(as_text=True)
    assert "No messages have failed." in page
    assert "Failed, sent again as a new message: <strong>1</strong>" in page


def test_send_again_of_a_purged_request_says_why(app, smtp_server, make_request, make_event,
                                                 admin, admin_client):
    event = make_event(days_ahead=1)
    make_request(event=event)
    assert send_due_emails().sent == 2
    purge_expired(utcnow() + timedelta(days=app.config["RETENTION_DAYS"] + 5))
    row = _row("request_received")
    with pytest.raises(CannotRebuild, match="deleted by the retention purge"):
        send_again(row, admin)
    db.session.rollback()
    page = admin_client.post(f"/admin/email/{row.id}/retry", follow_redirects=True)
    assert "deleted by the retention purge" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == 2


def test_every_email_template_can_be_built_again():
    templates = {p.stem for p in Path("templates/emails").glob("*.txt")
                 if not p.stem.startswith("_")}
    assert templates == rebuildable_templates()


def test_asvs_6_2_1_a_row_no_key_opens_fails_visibly(app, smtp_server, make_request):
    make_request()
    app.config["SECRET_KEY"] = "a-different-key-after-a-careless-rotation"
    result = send_due_emails()
    assert (result.sent, result.dead) == (0, 2)
    rows = list(db.session.scalars(select(OutgoingEmail)))
    assert all(r.status == EmailStatus.DEAD for r in rows)
    assert all("cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS" in r.last_error
               for r in rows)
    assert smtp_server.messages == []


def test_asvs_6_2_4_a_rotated_key_kept_as_fallback_still_opens_queued_mail(app, smtp_server,
                                                                           make_request):
    make_request()
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="the-new-key-after-rotation-0123456789",
                      SECRET_KEY_FALLBACKS=[old_key])
    assert send_due_emails().sent == 2
    assert len(smtp_server.messages) == 2
