"""Two `flask mail fetch` processes on one mailbox, and one killed with SIGKILL mid-batch:
every message is stored exactly once, in the real database, through the real store, and
reaches the processed folder exactly once (the mailbox lease lets one fetcher work at a time;
the killed one's lease runs out and the next fetcher takes over).

It needs the parsing core (``inbound.services.store_message`` and ``InboundMessage``) and the
``mail`` group wired into ``create_app``; until both are there it is skipped.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

pytest.importorskip("accessreq.inbound.services",
                    reason="the store (inbound.services.store_message) is not here yet")

from accessreq.extensions import db  # noqa: E402
from accessreq.inbound.lease import MailboxLease  # noqa: E402
from accessreq.inbound.models import InboundMessage  # noqa: E402
from accessreq.timeutil import utcnow  # noqa: E402
from helpers_imap import mail  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PROCESSED = "Processed"
MESSAGES = 200
# Short for the test (the default is 120 s), yet longer than starting a process and storing a
# batch on a busy machine.
LEASE_SECONDS = 10
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)
_SUMMARY = re.compile(r"Mail: (\d+) stored, (\d+) already stored, (\d+) left for later\.")
_BUSY = "Mail: another fetcher is working on this mailbox; nothing fetched."


def _fetch(app, dovecot) -> subprocess.Popen:
    imap = {key: str(value) for key, value in
            dovecot.settings(IMAP_PROCESSED_FOLDER=PROCESSED).items() if value}
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "SECRET_KEY": app.config["SECRET_KEY"], "BASE_URL": app.config["BASE_URL"],
                   "IMAP_LEASE_SECONDS": str(LEASE_SECONDS), **imap}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "accessreq", "mail",
                             "fetch", "--batch", "50"], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _message_id_of(raw: bytes) -> str:
    return _MESSAGE_ID.search(raw).group(1).decode()


def _rows() -> int:
    db.session.remove()  # a fresh transaction sees what the processes committed
    return db.session.scalar(select(func.count()).select_from(InboundMessage))


@pytest.mark.slow  # starts processes
def test_two_fetchers_and_one_killed_mid_batch_store_every_message_once(app, dovecot):
    sent = [mail(n) for n in range(MESSAGES)]
    dovecot.append(sent)

    killed = _fetch(app, dovecot)
    try:
        deadline = time.monotonic() + 120
        while _rows() < 20:
            assert killed.poll() is None, killed.stdout.read()
            assert time.monotonic() < deadline, "the first fetcher stored nothing"
            time.sleep(0.01)
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
    finally:
        killed.kill()
    stored_before = _rows()
    assert stored_before < MESSAGES, "killed too late to be mid-batch"
    # Stored but not yet moved (the batch in hand) is still waiting in the INBOX.
    assert len(dovecot.messages()) >= MESSAGES - stored_before

    # The killed fetcher still holds the mailbox: the next one leaves it alone, moving nothing.
    lease = _lease()
    assert f":{killed.pid}:" in lease.holder
    waiting = len(dovecot.messages())
    early = _fetch(app, dovecot)
    output = early.communicate(timeout=120)[0]
    assert early.returncode == 0 and output.strip().endswith(_BUSY), output
    assert utcnow() < lease.expires_at, "the lease ran out before the check; lengthen it"
    assert len(dovecot.messages()) == waiting and _rows() == stored_before

    # Once it has run out, two fetchers at once: one takes the mailbox, the other leaves it.
    while utcnow() <= lease.expires_at:
        time.sleep(0.1)
    first, second = _fetch(app, dovecot), _fetch(app, dovecot)
    outputs = [process.communicate(timeout=300)[0] for process in (first, second)]
    for process, output in zip((first, second), outputs):
        assert process.returncode == 0, output
        assert "Traceback" not in output
    counts = [tuple(map(int, found.groups())) if (found := _SUMMARY.search(output)) else
              (0, 0, 0) for output in outputs]
    assert all(_SUMMARY.search(output) or _BUSY in output for output in outputs), outputs

    assert _rows() == MESSAGES  # every message once: each has its own Message-ID
    assert stored_before + sum(c[0] for c in counts) == MESSAGES
    assert sum(c[2] for c in counts) == 0
    assert dovecot.messages() == {}
    # Every message reached the processed folder, exactly once (counted, not as a set).
    processed = sorted(_message_id_of(raw) for raw, _flags in dovecot.messages(PROCESSED).values())
    assert processed == sorted(_message_id_of(raw) for raw in sent)
    assert _lease() is None  # given back at the end


def _lease() -> MailboxLease | None:
    db.session.remove()
    return db.session.scalar(select(MailboxLease))
