"""A sender killed mid-batch: every message is still delivered, and only the one in flight
can arrive twice, with the same Message-ID."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from helpers import SMTPServer
from sqlalchemy import func, select

from accessreq.extensions import db
from accessreq.notifications.models import EmailStatus, OutgoingEmail
from accessreq.notifications.sender import claim_due_emails, deliver
from accessreq.timeutil import utcnow
from test_concurrency import _queue_many


@dataclass
class StallingSMTPServer(SMTPServer):
    """Receives normally, but holds the reply to message number ``stall_at`` until released."""

    stall_at: int = 3
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.stall_at:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """Overrides conftest's server: the app fixture points its mail settings here."""
    server = StallingSMTPServer()
    server.start()
    yield server
    server.release.set()
    server.stop()


@pytest.mark.slow  # starts a process
def test_killing_a_sender_mid_batch_loses_nothing(app, smtp_server, make_request):
    server = smtp_server
    expected = _queue_many(make_request, 3)  # 6 messages
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "MAIL_SERVER": server.host, "MAIL_PORT": str(server.port),
           "BASE_URL": app.config["BASE_URL"], "SECRET_KEY": app.config["SECRET_KEY"]}  # opens the sealed outbox
    sender = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "accessreq", "outbox", "send"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert server.stalled.wait(30), "the sender never reached the third message"
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)
    server.release.set()

    db.session.expire_all()
    counts = dict(db.session.execute(
        select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)).all())
    assert counts == {EmailStatus.SENT: 2, EmailStatus.SENDING: 4}

    later = utcnow() + timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
    assert deliver(claim_due_emails(now=later)).sent == 4
    received = [m["Message-ID"] for m in server.messages]
    assert set(received) == expected  # every message arrived
    duplicates = {mid for mid in received if received.count(mid) > 1}
    assert len(received) <= len(expected) + 1 and len(duplicates) <= 1
