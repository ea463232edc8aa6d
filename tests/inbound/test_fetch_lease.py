"""The per-mailbox lease in the fetcher, against a real Dovecot and the real database: a
fetcher whose lease was taken over stops before moving anything, one that cannot reach the
database to take it fetches nothing, and the lease itself is atomic and expires."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from accessreq.extensions import db
from accessreq.inbound import lease
from accessreq.inbound.fetcher import ImapSettings, fetch_once
from accessreq.inbound.lease import MailboxLease
from accessreq.timeutil import utcnow
from helpers_imap import mail

PROCESSED = "Processed"


def _settings(dovecot) -> ImapSettings:
    return ImapSettings.from_config(dovecot.settings(IMAP_PROCESSED_FOLDER=PROCESSED))


def test_the_lease_is_taken_once_renewed_by_its_holder_and_free_once_expired(app):
    key = lease.mailbox_key("imap.example.org", "access@example.org", "INBOX")
    assert lease.acquire(key, "first", 60)
    assert not lease.acquire(key, "second", 60)  # held and not expired
    assert lease.acquire(key, "first", 60)  # its own: taken again (renewed)
    assert lease.renew(key, "first", 60) and not lease.renew(key, "second", 60)

    db.session.execute(update(MailboxLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert lease.acquire(key, "second", 60)  # expired: anyone may take it
    assert not lease.renew(key, "first", 60)  # and the first holder knows it lost it
    lease.release(key, "first")  # not theirs any more: changes nothing
    assert db.session.scalar(select(MailboxLease.holder)) == "second"
    lease.release(key, "second")
    assert db.session.scalar(select(MailboxLease)) is None


def test_a_fetcher_whose_lease_was_taken_over_stops_before_moving(app, dovecot, caplog):
    dovecot.append([mail(n) for n in range(4)])
    stored: list[bytes] = []

    def store(raw, position):
        stored.append(raw)
        if len(stored) == 2:  # as if this fetcher hung past its lease and another took it
            db.session.execute(update(MailboxLease).values(
                holder="someone else", expires_at=utcnow() + timedelta(seconds=60)))
            db.session.commit()
        return SimpleNamespace(duplicate=False)

    report = fetch_once(_settings(dovecot), store, batch_size=2)

    assert report.lease_lost and (report.stored, report.left) == (2, 2)
    assert len(dovecot.messages()) == 4  # nothing moved: the new holder moves them
    assert "ran out and another fetcher took over" in caplog.text
    assert db.session.scalar(select(MailboxLease.holder)) == "someone else"  # not ours to free


def test_without_the_database_no_lease_and_nothing_fetched(app, dovecot, monkeypatch):
    dovecot.append([mail(1)])

    def down(*_args):
        raise OperationalError("UPDATE mailbox_lease …", {}, Exception("connection refused"))

    monkeypatch.setattr(lease, "acquire", down)
    calls: list = []
    report = fetch_once(_settings(dovecot), lambda raw, position: calls.append(raw))
    assert report.database_down and not calls
    assert len(dovecot.messages()) == 1
