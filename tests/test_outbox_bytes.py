"""Each outbox row keeps the message it will send, so a resend is the same message."""

from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import select

from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.sender import retry_dead_email, send_due_emails


def test_rows_carry_their_message_and_a_resend_is_identical(app, smtp_server, make_request):
    make_request()
    row = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "request_received")).one()
    built = message_from_bytes(row.mime, policy=policy.default)
    assert built["Message-ID"] == row.message_id
    assert built["Subject"] == row.subject and built["To"] == row.to_address
    words = built.get_body(("plain",)).get_content().split()
    assert words == row.body_text.split()

    assert send_due_emails().sent == 2
    retry_dead_email(db.session.get(OutgoingEmail, row.id))  # an admin sends it again
    db.session.commit()
    assert send_due_emails().sent == 1

    copies = [m for m in smtp_server.messages if m["Message-ID"] == row.message_id]
    assert len(copies) == 2
    assert copies[0]["Date"] == copies[1]["Date"] == built["Date"]
    assert copies[0].get_body(("html",)).get_content() == copies[1].get_body(("html",)).get_content()
    assert db.session.get(OutgoingEmail, row.id).status == EmailStatus.SENT
