"""Issue 11's acceptance, through the real mailbox: an attendee's reply put in Dovecot lands on
its request within one `fetch_once` with the real store — threaded by its headers, and
separately by the reply address alone — and a stranger's forged reference attaches nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accessreq.extensions import db
from accessreq.inbound import fetcher
from accessreq.inbound.fetcher import ImapSettings, fetch_once
from accessreq.inbound.models import InboundMessage, InboundOutcome
from accessreq.notifications.models import OutgoingEmail
from accessreq.requests.models import HistoryKind
from accessreq.requests.states import RequestStatus
from test_inbound import corpus_message, fresh, waiting  # noqa: F401 (waiting is a fixture)

pytestmark = pytest.mark.app_config(INBOUND_PLUS_ADDRESSING=True,
                                    MAIL_DEFAULT_SENDER="Access team <access@example.org>")

PROCESSED = "Processed"


def _fetch(dovecot):
    settings = ImapSettings.from_config(dovecot.settings(IMAP_PROCESSED_FOLDER=PROCESSED))
    return fetch_once(settings, fetcher.store_in_database)


def _team_notices(access_request) -> list[OutgoingEmail]:
    return list(db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.request_id == access_request.id,
        OutgoingEmail.template == "staff_attendee_message")))


def _assert_reply_landed(access_request, dovecot, words: str) -> None:
    access_request = fresh(access_request)
    assert access_request.status == RequestStatus.IN_REVIEW  # from "needs information"
    assert access_request.attendee_waiting_since is not None  # flagged in the queue
    message = [e for e in access_request.history if e.kind == HistoryKind.ATTENDEE_MESSAGE][-1]
    assert words in message.body and message.inbound_id is not None
    assert len(_team_notices(access_request)) == 1  # the team is told, once
    assert dovecot.messages() == {} and len(dovecot.messages(PROCESSED)) == 1


def test_a_reply_threaded_by_its_headers_lands_within_one_fetch(waiting, dovecot):
    dovecot.append([corpus_message("gmail_reply_en.eml", waiting)])
    report = _fetch(dovecot)
    assert (report.stored, report.duplicates, report.left) == (1, 0, 0)
    _assert_reply_landed(waiting, dovecot, "Yes, I would like an interpreter")


def test_a_reply_found_by_its_reply_address_alone_lands_within_one_fetch(waiting, dovecot):
    raw = corpus_message("html_only_reply_address.eml", waiting)
    assert b"In-Reply-To" not in raw and b"References" not in raw
    assert waiting.reference.encode() not in raw  # nothing but the address says which request
    dovecot.append([raw])
    assert _fetch(dovecot).stored == 1
    _assert_reply_landed(waiting, dovecot, "large print")


def test_a_strangers_real_reference_attaches_nothing(waiting, dovecot):
    dovecot.append([corpus_message("stranger_forged_reference.eml", waiting)])
    assert _fetch(dovecot).stored == 1
    access_request = fresh(waiting)
    assert access_request.status == RequestStatus.NEEDS_INFO
    assert access_request.attendee_waiting_since is None
    assert not _team_notices(access_request)
    row = db.session.scalars(select(InboundMessage)).one()
    assert (row.outcome, row.request_id) == (InboundOutcome.UNMATCHED, None)
