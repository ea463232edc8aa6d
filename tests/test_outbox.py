"""The outbox end to end, against a real SMTP server: queued with the change, sent after commit,
retried with backoff through an outage, given up on visibly, never lost and never doubled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event as sa_event, func, select

from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.sender import claim_due_emails, deliver, send_due_emails
from accessreq.requests.models import AccessRequest
from accessreq.requests.services import find_by_token
from accessreq.requests.states import RequestStatus
from accessreq.timeutil import utcnow
from accessreq.triage.services import change_status

from helpers import SMTPServer, text_body

STAFF_INBOX = "access-team@example.org"
PRIVATE_DETAILS = "BSL, and I lip-read from the front row"
ANYTHING_ELSE = "My companion uses a power chair"


@dataclass
class RefusingSMTPServer(SMTPServer):
    """The real test server, answering RCPT for chosen addresses with a chosen reply."""

    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """Overrides conftest's server for this module; the app fixture points at it the same way."""
    server = RefusingSMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def submit(make_event, make_request):
    """make_request, always for the same event (the factory's types have fixed names)."""
    event = None

    def do_submit(**kwargs):
        nonlocal event
        event = event or make_event()
        return make_request(event=event, **kwargs)

    return do_submit


def _rows() -> list[OutgoingEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _html_body(message) -> str:
    return message.get_body(("html",)).get_content()


def _submit_with_details(make_event, make_request):
    """A request naming both accommodations and saying private things in every free-text field."""
    event = make_event()
    return make_request(
        event=event, types=event.offered_types,
        details={event.offered_types[0].id: PRIVATE_DETAILS}, anything_else=ANYTHING_ELSE,
        contact_email="robin@example.net", contact_name="Robin Reader")


def test_submit_then_send_delivers_confirmation_with_working_link_and_a_discreet_staff_notice(
        app, smtp_server, make_event, make_request, runner, client):
    request, status_url = _submit_with_details(make_event, make_request)
    reference = request.reference
    type_names = [item.accommodation_type.name for item in request.items]
    assert smtp_server.messages == []  # nothing leaves before the sender runs

    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 to retry, 0 failed for good" in result.output

    [confirmation] = smtp_server.to("robin@example.net")
    assert reference in confirmation["Subject"]
    text = text_body(confirmation)
    assert reference in text and status_url in text
    assert status_url in _html_body(confirmation)

    # The link in the email opens this request's status page.
    path = urlsplit(status_url).path
    token = path.rsplit("/", 1)[-1]
    assert path == f"/r/{token}"
    assert find_by_token(token).reference == reference
    page = client.get(path)
    assert page.status_code == 200
    assert reference in page.get_data(as_text=True)

    [notice] = smtp_server.to(STAFF_INBOX)
    assert reference in notice["Subject"]
    bodies = text_body(notice) + _html_body(notice)
    assert "http://accessreq.test/staff/" in text_body(notice)
    for private in (*type_names, PRIVATE_DETAILS, ANYTHING_ELSE, "Robin Reader", "robin@example.net"):
        assert private not in bodies, f"staff notice leaks {private!r}"
    # The attendee's own emails carry the link, not a copy of what they asked for.
    for private in (*type_names, PRIVATE_DETAILS, ANYTHING_ELSE):
        assert private not in text_body(confirmation) + _html_body(confirmation)


def test_every_delivered_message_has_text_and_html_parts_and_the_rows_message_id(
        app, smtp_server, submit):
    submit()
    queued_text = {row.message_id: row.body_text for row in _rows()}  # cleared once sent
    assert send_due_emails().sent == 2
    rows = {row.message_id: row for row in _rows()}
    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        row = rows[message["Message-ID"]]
        assert row.status == EmailStatus.SENT and row.sent_at is not None
        assert message["To"] == row.to_address
        assert message["Subject"].strip() == row.subject
        assert message["Auto-Submitted"] == "auto-generated"
        assert text_body(message).replace("\r\n", "\n").strip() == queued_text[row.message_id].strip()
        assert row.content_deleted and row.body_text == ""
        assert _html_body(message).startswith("<!doctype html>")


def test_status_change_by_staff_emails_the_attendee(app, smtp_server, submit, make_staff,
                                                    runner):
    request, _ = submit()
    runner.invoke(args=["outbox", "send"])
    smtp_server.messages.clear()

    change_status(request, make_staff(), RequestStatus.IN_REVIEW)
    result = runner.invoke(args=["outbox", "send"])
    assert "1 sent" in result.output

    [update] = smtp_server.messages
    assert update["To"] == "sam@example.net"
    assert RequestStatus.IN_REVIEW.attendee_label in update["Subject"]
    link = next(line for line in text_body(update).splitlines() if "/r/" in line).strip()
    assert find_by_token(urlsplit(link).path.rsplit("/", 1)[-1]).id == request.id


def test_an_outage_delays_mail_with_exponential_backoff_and_loses_none(
        app, smtp_server, submit, runner):
    submit()
    submit(contact_email="kim@example.net")
    smtp_server.stop()  # connections are now refused

    before = utcnow()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0
    assert "0 sent, 4 to retry" in result.output
    rows = _rows()
    assert {r.status for r in rows} == {EmailStatus.PENDING}
    assert {r.attempts for r in rows} == {1}
    backoff = app.config["OUTBOX_BACKOFF_SECONDS"]
    for row in rows:
        assert "ConnectionRefusedError" in row.last_error
        wait = (row.next_attempt_at - before).total_seconds()
        assert backoff - 1 <= wait <= backoff + 30

    # Not due yet: a run straight away does not even try.
    assert send_due_emails().claimed == 0

    # A second failed try waits twice as long.
    later = max(r.next_attempt_at for r in rows) + timedelta(seconds=1)
    assert send_due_emails(now=later).retrying == 4
    for row in _rows():
        assert row.attempts == 2
        assert row.next_attempt_at == later + timedelta(seconds=2 * backoff)

    smtp_server.start()  # back, on the same port
    assert send_due_emails(now=later).claimed == 0  # still waiting out the backoff
    much_later = later + timedelta(seconds=2 * backoff + 1)
    assert send_due_emails(now=much_later).sent == 4
    assert send_due_emails(now=much_later + timedelta(hours=3)).claimed == 0

    delivered = sorted(m["Message-ID"] for m in smtp_server.messages)
    assert delivered == sorted(r.message_id for r in _rows())  # each exactly once
    assert {r.status for r in _rows()} == {EmailStatus.SENT}
    assert {r.attempts for r in _rows()} == {3}


@pytest.mark.app_config(OUTBOX_MAX_ATTEMPTS=3)
def test_after_the_last_allowed_attempt_a_message_is_dead(app, smtp_server, submit):
    submit()
    smtp_server.stop()
    now = utcnow()
    for attempt in range(1, 4):
        result = send_due_emails(now=now)
        assert result.claimed == 2
        now = max(r.next_attempt_at for r in _rows()) + timedelta(seconds=1)
    rows = _rows()
    assert {r.status for r in rows} == {EmailStatus.DEAD}
    assert {r.attempts for r in rows} == {3}
    smtp_server.start()
    assert send_due_emails(now=now + timedelta(days=1)).claimed == 0  # dead stays dead


def test_a_permanent_refusal_is_dead_at_once_and_the_rest_of_the_batch_goes_out(
        app, smtp_server, submit):
    smtp_server.refuse["gone@example.net"] = "550 5.1.1 No such mailbox"
    submit(contact_email="gone@example.net")
    submit(contact_email="here@example.net")

    result = send_due_emails()
    assert (result.sent, result.dead, result.retrying) == (3, 1, 0)
    [dead] = [r for r in _rows() if r.status == EmailStatus.DEAD]
    assert dead.to_address == "gone@example.net"
    assert dead.attempts == 1 and "550" in dead.last_error
    assert len(smtp_server.to("here@example.net")) == 1
    assert len(smtp_server.to(STAFF_INBOX)) == 2


def test_a_temporary_refusal_is_retried_later(app, smtp_server, submit):
    smtp_server.refuse["busy@example.net"] = "450 4.2.1 Mailbox busy, try later"
    submit(contact_email="busy@example.net")
    send_due_emails()
    [waiting] = [r for r in _rows() if r.to_address == "busy@example.net"]
    assert waiting.status == EmailStatus.PENDING and "450" in waiting.last_error

    del smtp_server.refuse["busy@example.net"]
    assert send_due_emails(now=waiting.next_attempt_at).sent == 1
    assert len(smtp_server.to("busy@example.net")) == 1


def test_an_internationalised_local_part_is_delivered_with_the_rest(app, smtp_server, submit):
    # Flask-Mail cannot put it in a header; the outbox writes it as UTF-8 and sends it over
    # SMTPUTF8 (a server without SMTPUTF8: tests/test_idn_email.py).
    submit(contact_email="jörg@example.net")
    submit(contact_email="ok@example.net")
    result = send_due_emails()
    assert (result.sent, result.dead) == (4, 0)
    assert len(smtp_server.to("jörg@example.net")) == 1
    assert len(smtp_server.to("ok@example.net")) == 1


def test_a_failure_after_the_confirmation_is_queued_leaves_no_request_and_no_email(
        app, smtp_server, submit):
    """The database refuses the commit that would save the request and its two emails."""
    session = db.session()

    def fail_on_staff_notice(_session, _context, _instances):
        pending = [o for o in _session.new if isinstance(o, OutgoingEmail)]
        if any(o.template == "staff_new_request" for o in pending):
            assert any(o.template == "request_received" for o in pending)
            raise RuntimeError("disk full")

    sa_event.listen(session, "before_flush", fail_on_staff_notice)
    try:
        with pytest.raises(RuntimeError):
            submit()
    finally:
        sa_event.remove(session, "before_flush", fail_on_staff_notice)
    db.session.rollback()  # what the request teardown does
    assert _count(OutgoingEmail) == 0
    assert _count(AccessRequest) == 0
    assert send_due_emails().claimed == 0
    assert smtp_server.messages == []


def test_a_status_change_whose_commit_fails_leaves_no_update_email(app, smtp_server,
                                                                   submit, make_staff):
    request, _ = submit()
    send_due_emails()
    staff = make_staff()
    session = db.session()

    def refuse_commit(_session):
        assert any(isinstance(o, OutgoingEmail) for o in _session.new)  # queued, not yet saved
        raise RuntimeError("database went away")

    sa_event.listen(session, "before_commit", refuse_commit)
    try:
        with pytest.raises(RuntimeError):
            change_status(request, staff, RequestStatus.IN_REVIEW)
    finally:
        sa_event.remove(session, "before_commit", refuse_commit)
    db.session.rollback()
    assert _count(OutgoingEmail) == 2  # just the two from the submission
    assert db.session.get(AccessRequest, request.id).status == RequestStatus.SUBMITTED
    assert send_due_emails().claimed == 0
    assert len(smtp_server.messages) == 2


def test_two_claims_in_a_row_never_share_a_row(app, submit):
    for n in range(3):
        submit(contact_email=f"p{n}@example.net")
    first = {r.id for r in claim_due_emails(limit=4)}
    second = {r.id for r in claim_due_emails(limit=4)}
    assert len(first) == 4 and len(second) == 2
    assert first.isdisjoint(second)
    assert claim_due_emails(limit=4) == []
    assert {r.status for r in _rows()} == {EmailStatus.SENDING}


def test_a_row_held_by_a_dead_sender_is_claimed_again_after_the_timeout(app, smtp_server,
                                                                        submit):
    submit()
    claimed = claim_due_emails()  # this sender then dies without a word
    assert len(claimed) == 2
    timeout = app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"]

    soon = utcnow() + timedelta(seconds=timeout - 5)
    assert claim_due_emails(now=soon) == []  # still legitimately held

    later = utcnow() + timedelta(seconds=timeout + 1)
    reclaimed = claim_due_emails(now=later)
    assert {r.id for r in reclaimed} == {r.id for r in claimed}
    assert all(r.attempts == 1 and "stopped before finishing" in r.last_error for r in reclaimed)
    assert deliver(reclaimed).sent == 2
    assert {r.status for r in _rows()} == {EmailStatus.SENT}
    assert len(smtp_server.messages) == 2


@pytest.mark.app_config(OUTBOX_MAX_ATTEMPTS=2)
def test_a_message_that_keeps_killing_its_sender_ends_dead(app, submit):
    submit()
    timeout = timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
    now = utcnow()
    assert len(claim_due_emails(now=now)) == 2  # sender dies
    now += timeout
    assert len(claim_due_emails(now=now)) == 2  # reclaimed once, sender dies again
    now += timeout
    assert claim_due_emails(now=now) == []
    assert {(r.status, r.attempts) for r in _rows()} == {(EmailStatus.DEAD, 2)}
