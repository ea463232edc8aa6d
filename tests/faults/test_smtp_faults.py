"""The mail server misbehaving, against real sockets: it refuses service, takes the connection
and never answers (before the greeting, or in the middle of a batch), and answers 4xx and 5xx
for some recipients of one batch.

Whatever happens, nothing is lost: a temporary failure waits out the backoff and is sent by a
later run once the server is back, a permanent one ends ``dead`` with the server's own words,
every other message of the batch is delivered exactly once, and no row is left claimed.

A server that refuses the TCP connection itself is covered in tests/test_outbox.py
(``test_an_outage_delays_mail_with_exponential_backoff_and_loses_none``).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from accessreq.auth.models import Role
from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.sender import send_due_emails
from accessreq.timeutil import utcnow

from helpers import SMTPServer

STAFF_INBOX = "access-team@example.org"
# Long enough for a loaded CI machine to answer a healthy server, short enough for a test.
TIMEOUT = 1


@dataclass
class FaultySMTPServer(SMTPServer):
    """The real test server (aiosmtpd) with faults chosen by the test: an RCPT answer per
    address, and a DATA command that gets no answer at all."""

    rcpt_answers: dict[str, str] = field(default_factory=dict)
    # The n-th message (counting from 1) is never answered, nor kept, until the test ends.
    hang_at_message: int | None = None
    data_commands: int = 0
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.rcpt_answers:
            return self.rcpt_answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.data_commands += 1  # runs in the server's event loop, one command at a time
        if self.data_commands == self.hang_at_message:
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Too late"
        return await super().handle_DATA(server, session, envelope)


class MuteListener:
    """Takes TCP connections on the mail server's port in its place; says ``greeting`` (if
    any) and then nothing more. With no greeting it is a server that hangs."""

    def __init__(self, host: str, port: int, greeting: bytes | None = None) -> None:
        self.host, self.port, self.greeting = host, port, greeting
        self.accepted = 0
        self._connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> MuteListener:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen()
        listener.settimeout(0.05)
        self._socket = listener
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            self._connections.append(connection)
            if self.greeting is not None:
                connection.sendall(self.greeting)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()
        for connection in self._connections:
            connection.close()


@pytest.fixture
def smtp_server():
    """Overrides conftest's server for this module; the app fixture points at it the same way."""
    server = FaultySMTPServer()
    server.start()
    yield server
    server.released.set()
    server.stop()


@pytest.fixture
def submit(make_event, make_request):
    """Submit a request (two emails: confirmation and staff notice), always for one event."""
    event = None

    def do_submit(email: str):
        nonlocal event
        event = event or make_event()
        return make_request(event=event, contact_email=email)

    return do_submit


def _rows() -> list[OutgoingEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))


def _assert_none_claimed(rows: list[OutgoingEmail]) -> None:
    """Every row is sent, waiting or dead, and free for the next sender to pick up."""
    for row in rows:
        assert row.status in (EmailStatus.SENT, EmailStatus.PENDING, EmailStatus.DEAD), row
        assert row.claim_token is None and row.claimed_at is None, row


def _assert_each_sent_row_delivered_once(server: FaultySMTPServer) -> None:
    received = sorted(m["Message-ID"] for m in server.messages)
    sent = sorted(r.message_id for r in _rows() if r.status == EmailStatus.SENT)
    assert received == sent


def _assert_waiting_out_the_first_backoff(rows, since) -> None:
    backoff = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    for row in rows:
        assert row.status == EmailStatus.PENDING and row.attempts == 1, row
        wait = (row.next_attempt_at - since).total_seconds()
        assert backoff - 1 <= wait <= backoff + 30, wait


def test_a_server_that_refuses_service_at_the_greeting_delays_mail_and_loses_none(
        app, smtp_server, submit):
    submit("kim@example.net")
    smtp_server.stop()
    refusal = b"421 4.3.2 Service not available, closing transmission channel\r\n"
    with MuteListener(smtp_server.host, smtp_server.port, greeting=refusal) as listener:
        before = utcnow()
        result = send_due_emails()
    assert listener.accepted == 1  # the sender really reached it, and left after the refusal
    assert (result.sent, result.retrying, result.dead) == (0, 2, 0)
    rows = _rows()
    _assert_none_claimed(rows)
    _assert_waiting_out_the_first_backoff(rows, before)
    assert all("421" in r.last_error and "Service not available" in r.last_error for r in rows)

    smtp_server.start()  # the server recovers, on the same port
    later = max(r.next_attempt_at for r in rows) + timedelta(seconds=1)
    assert send_due_emails(now=later).sent == 2
    assert {r.status for r in _rows()} == {EmailStatus.SENT}
    _assert_each_sent_row_delivered_once(smtp_server)


@pytest.mark.slow  # waits out the timeout on purpose
@pytest.mark.app_config(OUTBOX_SMTP_TIMEOUT_SECONDS=TIMEOUT)
def test_a_server_that_takes_the_connection_and_never_answers_times_out(app, smtp_server,
                                                                       submit):
    submit("kim@example.net")
    smtp_server.stop()
    with MuteListener(smtp_server.host, smtp_server.port) as listener:
        before = utcnow()
        started = time.monotonic()
        result = send_due_emails()
        waited = time.monotonic() - started
    assert listener.accepted == 1
    assert TIMEOUT * 0.9 <= waited < TIMEOUT + 5  # the configured timeout, not the default 30 s
    assert (result.sent, result.retrying, result.dead) == (0, 2, 0)
    rows = _rows()
    _assert_none_claimed(rows)
    _assert_waiting_out_the_first_backoff(rows, before)
    for row in rows:
        assert f"did not answer within {TIMEOUT} s" in row.last_error, row.last_error

    smtp_server.start()
    later = max(r.next_attempt_at for r in rows) + timedelta(seconds=1)
    assert send_due_emails(now=later).sent == 2
    _assert_each_sent_row_delivered_once(smtp_server)


@pytest.mark.slow  # waits out the timeout on purpose
@pytest.mark.app_config(OUTBOX_SMTP_TIMEOUT_SECONDS=TIMEOUT)
def test_a_server_that_stops_answering_mid_batch_keeps_the_rest_for_later(app, smtp_server,
                                                                         submit):
    smtp_server.hang_at_message = 2
    submit("kim@example.net")
    submit("lee@example.net")  # four messages in one batch

    before = utcnow()
    result = send_due_emails()
    assert (result.sent, result.retrying, result.dead) == (1, 3, 0)
    rows = _rows()
    _assert_none_claimed(rows)
    [first] = [r for r in rows if r.status == EmailStatus.SENT]
    waiting = [r for r in rows if r.status == EmailStatus.PENDING]
    _assert_waiting_out_the_first_backoff(waiting, before)
    # The message in flight and the two after it all record why they wait.
    assert all(f"did not answer within {TIMEOUT} s" in r.last_error for r in waiting)
    assert [m["Message-ID"] for m in smtp_server.messages] == [first.message_id]

    smtp_server.hang_at_message = None  # the server recovers
    later = max(r.next_attempt_at for r in waiting) + timedelta(seconds=1)
    assert send_due_emails(now=later).sent == 3
    assert {r.status for r in _rows()} == {EmailStatus.SENT}
    _assert_each_sent_row_delivered_once(smtp_server)


def test_per_recipient_4xx_and_5xx_in_one_batch(app, smtp_server, submit, runner, make_staff,
                                                login, client):
    smtp_server.rcpt_answers = {
        "busy@example.net": "450 4.2.1 Mailbox busy, try again later",
        "gone@example.net": "550 5.1.1 No such mailbox here",
    }
    submit("busy@example.net")
    submit("gone@example.net")
    submit("fine@example.net")  # six messages, three of them to the staff inbox

    before = utcnow()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "4 sent, 1 to retry, 1 failed for good" in result.output
    rows = _rows()
    _assert_none_claimed(rows)
    by_address = {r.to_address: r for r in rows if r.to_address != STAFF_INBOX}

    gone = by_address["gone@example.net"]
    assert gone.status == EmailStatus.DEAD and gone.attempts == 1
    assert "550" in gone.last_error and "No such mailbox here" in gone.last_error
    busy = by_address["busy@example.net"]
    _assert_waiting_out_the_first_backoff([busy], before)
    assert "450" in busy.last_error and "Mailbox busy" in busy.last_error
    assert len(smtp_server.to("fine@example.net")) == 1
    assert len(smtp_server.to(STAFF_INBOX)) == 3
    _assert_each_sent_row_delivered_once(smtp_server)

    # The failure is visible to admins, in the server's words.
    login(make_staff(role=Role.ADMIN))
    page = client.get("/admin/email/").get_data(as_text=True)
    assert "No such mailbox here" in page

    # The mailbox frees up; the next run after the backoff sends the one that waited, and
    # the dead one stays dead (an admin decides whether to send it again).
    del smtp_server.rcpt_answers["busy@example.net"]
    assert send_due_emails(now=busy.next_attempt_at).claimed == 1
    rows = _rows()
    _assert_none_claimed(rows)
    assert [r.to_address for r in rows if r.status != EmailStatus.SENT] == ["gone@example.net"]
    assert len(smtp_server.to("busy@example.net")) == 1
    _assert_each_sent_row_delivered_once(smtp_server)
