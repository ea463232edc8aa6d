"""Each outbox row keeps, sealed, the message it will send: the sender sends exactly those
bytes (also after another sender died holding the row), then the content is deleted."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import select

from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.sender import claim_due_emails, deliver
from accessreq.timeutil import utcnow


def test_rows_carry_their_message_and_a_redelivery_sends_the_same_bytes(app, smtp_server,
                                                                        make_request):
    _request, status_url = make_request()
    row = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.template == "request_received")).one()
    built = message_from_bytes(row.mime, policy=policy.default)
    assert built["Message-ID"] == row.message_id
    assert built["Subject"] == row.subject and built["To"] == row.to_address
    words = built.get_body(("plain",)).get_content().split()
    assert words == row.body_text.split()
    assert status_url in row.body_text  # the link is there, but only sealed in the database
    assert status_url.encode() not in row.sealed_mime + row.sealed_text + row.sealed_html

    assert len(claim_due_emails()) == 2  # a sender claims both, then dies without sending
    later = utcnow() + timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
    assert deliver(claim_due_emails(now=later)).sent == 2

    [copy] = [m for m in smtp_server.messages if m["Message-ID"] == row.message_id]
    assert copy.items() == built.items()  # every header, the Date and Message-ID included
    for part in ("plain", "html"):
        assert copy.get_body((part,)).get_content() == built.get_body((part,)).get_content()
    db.session.expire_all()
    sent = db.session.get(OutgoingEmail, row.id)
    assert sent.status == EmailStatus.SENT and sent.content_deleted
