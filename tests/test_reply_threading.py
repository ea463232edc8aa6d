"""Staff replies thread under the attendee's own email: after an attendee's reply by email lands
on their request, our next email to them answers that email (In-Reply-To its Message-ID,
References our chain and it), through a real SMTP server; a message from the status page has
no Message-ID and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accessreq.extensions import db
from accessreq.inbound.models import InboundOutcome
from accessreq.inbound.services import store_message
from accessreq.notifications.sender import send_due_emails
from accessreq.requests.models import AccessRequest, HistoryKind
from accessreq.requests.services import add_attendee_message, purge_expired
from accessreq.triage.services import reply
from test_inbound import fresh, simple_mail, waiting  # noqa: F401 (waiting is a fixture)

pytestmark = pytest.mark.app_config(INBOUND_PLUS_ADDRESSING=True,
                                    MAIL_DEFAULT_SENDER="Access team <access@example.org>")


def _sent_to_sam(smtp_server) -> list:
    assert send_due_emails().dead == 0
    return smtp_server.to("sam@example.net")


def _attendee_replies(update, message_id: str, body: str = "German sign language, please."):
    """What Sam's mail program sends back to ``update`` (a message received over SMTP)."""
    raw = (f"From: Sam <sam@example.net>\r\nTo: {update['Reply-To']}\r\n"
           f"Subject: Re: {update['Subject']}\r\nMessage-ID: {message_id}\r\n"
           f"In-Reply-To: {update['Message-ID']}\r\nReferences: {update['References']} "
           f"{update['Message-ID']}\r\n\r\n{body}\r\n")
    result = store_message(raw.encode(), source="pipe")
    assert result.outcome == InboundOutcome.MATCHED.value


def _staff_reply(access_request: AccessRequest, staff, body: str) -> None:
    access_request = fresh(access_request)
    reply(access_request, db.session.merge(staff), body, expected_version=access_request.version)


def test_a_staff_reply_after_an_emailed_reply_answers_the_attendees_own_email(waiting, staff,
                                                                              smtp_server):
    confirmation, update = _sent_to_sam(smtp_server)
    _attendee_replies(update, "<sam-reply-1@mail.example.net>")
    entry = [e for e in fresh(waiting).history if e.kind == HistoryKind.ATTENDEE_MESSAGE][-1]
    assert entry.mail_message_id == "<sam-reply-1@mail.example.net>"

    _staff_reply(waiting, staff, "We have booked two interpreters.")
    answer = _sent_to_sam(smtp_server)[-1]
    assert "We have booked two interpreters." in answer.get_body(("plain",)).get_content()
    assert answer["In-Reply-To"] == "<sam-reply-1@mail.example.net>"
    assert answer["References"].split() == [confirmation["Message-ID"], update["Message-ID"],
                                            "<sam-reply-1@mail.example.net>"]

    # The next email answers ours, and the attendee's email stays in the chain before it.
    _staff_reply(waiting, staff, "And here is the room.")
    second = _sent_to_sam(smtp_server)[-1]
    assert second["In-Reply-To"] == answer["Message-ID"]
    assert second["References"].split() == [
        confirmation["Message-ID"], update["Message-ID"], "<sam-reply-1@mail.example.net>",
        answer["Message-ID"]]


def test_a_message_from_the_status_page_leaves_threading_as_before(waiting, staff, smtp_server):
    confirmation, update = _sent_to_sam(smtp_server)
    add_attendee_message(fresh(waiting), "German sign language, please.")
    _staff_reply(waiting, staff, "We have booked two interpreters.")
    answer = _sent_to_sam(smtp_server)[-1]
    assert answer["In-Reply-To"] == update["Message-ID"]
    assert answer["References"].split() == [confirmation["Message-ID"], update["Message-ID"]]


def test_an_attendees_malformed_message_id_is_not_repeated(waiting, staff, smtp_server):
    confirmation, update = _sent_to_sam(smtp_server)
    store_message(simple_mail(message_id="<no-at-sign>", subject=f"Re: {update['Subject']}",
                              headers=f"In-Reply-To: {update['Message-ID']}\r\n"),
                  source="pipe")
    entry = [e for e in fresh(waiting).history if e.kind == HistoryKind.ATTENDEE_MESSAGE][-1]
    assert entry.inbound_id is not None and entry.mail_message_id is None
    _staff_reply(waiting, staff, "Noted.")
    answer = _sent_to_sam(smtp_server)[-1]
    assert answer["In-Reply-To"] == update["Message-ID"]


def test_references_stay_bounded_and_end_with_the_attendees_email(waiting, staff, smtp_server):
    confirmation, update = _sent_to_sam(smtp_server)
    latest = update
    for n in range(6):
        _attendee_replies(latest, f"<sam-{n}@mail.example.net>", body=f"Detail {n}.")
        _staff_reply(waiting, staff, f"Answer {n}.")
        latest = _sent_to_sam(smtp_server)[-1]
        assert latest["In-Reply-To"] == f"<sam-{n}@mail.example.net>"
    _attendee_replies(latest, "<sam-last@mail.example.net>")
    _staff_reply(waiting, staff, "The last answer.")
    last = _sent_to_sam(smtp_server)[-1]
    references = last["References"].split()
    assert len(references) == 10
    assert references[0] == confirmation["Message-ID"]  # the first stays, as before
    assert references[-2:] == [latest["Message-ID"], "<sam-last@mail.example.net>"]
    assert last["In-Reply-To"] == "<sam-last@mail.example.net>"


def test_the_retention_purge_forgets_the_attendees_message_id(waiting, smtp_server):
    _confirmation, update = _sent_to_sam(smtp_server)
    _attendee_replies(update, "<sam-reply-1@mail.example.net>")
    access_request = fresh(waiting)
    purge_expired(now=access_request.event.ends_at + timedelta(days=10_000))
    assert all(e.mail_message_id is None for e in fresh(waiting).history)
