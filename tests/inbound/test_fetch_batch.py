"""The fetcher's batch store against a real Dovecot and the real database: a batch is one
transaction with a savepoint per message, so one bad message costs only itself, an outage
costs the whole uncommitted batch (and nothing of it is moved), and duplicates within a batch
are stored once."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from accessreq.extensions import db
from accessreq.inbound import fetcher, services
from accessreq.inbound.fetcher import ImapSettings, fetch_once
from accessreq.inbound.models import InboundMessage, InboundOutcome
from accessreq.inbound.services import store_message
from helpers_imap import mail

PROCESSED = "Processed"
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def _id(raw: bytes) -> str:
    return _MESSAGE_ID.search(raw).group(1).decode()


def _fetch(dovecot, **options):
    settings = ImapSettings.from_config(dovecot.settings(IMAP_PROCESSED_FOLDER=PROCESSED))
    return fetch_once(settings, fetcher.store_in_database, **options)


def _stored() -> dict[str, InboundMessage]:
    db.session.remove()  # a fresh transaction: only what was committed
    return {row.message_id: row for row in db.session.scalars(select(InboundMessage))}


def _ids(dovecot, folder: str = "INBOX") -> list[str]:
    return sorted(_id(raw) for raw, _flags in dovecot.messages(folder).values())


def _down() -> OperationalError:
    return OperationalError("INSERT INTO inbound_message …", {},
                            Exception("server closed the connection unexpectedly"))


def test_a_message_our_code_fails_on_is_kept_unreadable_and_the_batch_goes_on(
        app, dovecot, monkeypatch):
    sent = [mail(n) for n in range(5)]
    dovecot.append(sent)
    bad = _id(sent[2])
    real_act = services._act

    def act(parsed, row):
        if parsed.message_id == bad:
            raise RuntimeError("a bug of ours, after the row was written")
        real_act(parsed, row)

    monkeypatch.setattr(services, "_act", act)
    report = _fetch(dovecot)

    assert (report.stored, report.duplicates, report.left) == (5, 0, 0)
    rows = _stored()
    assert sorted(rows) == sorted(map(_id, sent))
    assert rows[bad].outcome == InboundOutcome.UNREADABLE
    assert rows[bad].reason == "Could not be processed (RuntimeError); kept for an admin."
    assert rows[bad].raw == sent[2]  # kept whole for an admin
    assert all(row.outcome == InboundOutcome.UNMATCHED for key, row in rows.items() if key != bad)
    assert dovecot.messages() == {} and _ids(dovecot, PROCESSED) == sorted(map(_id, sent))


def test_a_message_that_cannot_be_written_at_all_stays_and_only_it(app, dovecot, monkeypatch):
    """Its INSERT fails inside its savepoint (a NOT NULL column left empty); rolling back the
    savepoint keeps the messages before and after it in the batch's transaction."""
    sent = [mail(n) for n in range(5)]
    dovecot.append(sent)
    bad = _id(sent[1])
    real_row = services._new_row

    def new_row(parsed, *where):
        row = real_row(parsed, *where)
        if parsed.message_id == bad:
            row.dedupe_key = None
        return row

    monkeypatch.setattr(services, "_new_row", new_row)
    report = _fetch(dovecot)

    assert (report.stored, report.left) == (4, 1) and len(report.failed_uids) == 1
    assert sorted(_stored()) == sorted(_id(raw) for raw in sent if _id(raw) != bad)
    assert _ids(dovecot) == [bad]  # left for a later run, unread
    assert len(_ids(dovecot, PROCESSED)) == 4

    monkeypatch.setattr(services, "_new_row", real_row)  # fixed: the next run takes it
    assert _fetch(dovecot).stored == 1 and dovecot.messages() == {}
    assert len(_stored()) == 5


def test_an_outage_mid_batch_stores_and_moves_nothing_of_that_batch(app, dovecot, monkeypatch):
    sent = [mail(n) for n in range(6)]
    dovecot.append(sent)
    down_at = _id(sent[4])  # the second message of the second batch of three
    real_act = services._act

    def act(parsed, row):
        if parsed.message_id == down_at:
            raise _down()
        real_act(parsed, row)

    monkeypatch.setattr(services, "_act", act)
    report = _fetch(dovecot, batch_size=3)

    assert report.database_down and (report.stored, report.left) == (3, 3)
    first_batch = sorted(map(_id, sent[:3]))
    # The fourth message was written in the second batch's transaction before the outage:
    # rolled back with it, so neither stored nor moved.
    assert sorted(_stored()) == first_batch
    assert _ids(dovecot, PROCESSED) == first_batch
    assert _ids(dovecot) == sorted(map(_id, sent[3:]))

    monkeypatch.setattr(services, "_act", real_act)  # the database is back
    again = _fetch(dovecot, batch_size=3)
    assert (again.stored, again.duplicates, again.left) == (3, 0, 0)
    assert sorted(_stored()) == sorted(map(_id, sent))
    assert _ids(dovecot, PROCESSED) == sorted(map(_id, sent)) and dovecot.messages() == {}


def test_an_outage_at_the_commit_moves_nothing(app, dovecot, monkeypatch):
    sent = [mail(n) for n in range(4)]
    dovecot.append(sent)
    in_batch: list[bool] = []
    real_keys, real_commit = services._stored_keys, db.session.commit

    def stored_keys(keys):
        in_batch.append(True)
        return real_keys(keys)

    def commit():
        if in_batch:  # the batch's own commit: the connection dies right then
            in_batch.clear()
            raise _down()
        real_commit()

    monkeypatch.setattr(services, "_stored_keys", stored_keys)
    monkeypatch.setattr(db.session, "commit", commit)
    report = _fetch(dovecot)
    monkeypatch.undo()

    assert report.database_down and (report.stored, report.left) == (0, 4)
    assert _stored() == {}
    assert _ids(dovecot) == sorted(map(_id, sent)) and _ids(dovecot, PROCESSED) == []


def test_duplicates_within_a_batch_and_from_before_are_stored_once(app, dovecot):
    earlier, twice, once = mail(1), mail(2), mail(3)
    assert not store_message(earlier, source="pipe").duplicate
    dovecot.append([twice, earlier, twice, once])

    report = _fetch(dovecot)

    assert (report.stored, report.duplicates, report.left) == (2, 2, 0)
    rows = _stored()
    assert sorted(rows) == sorted(map(_id, (earlier, twice, once)))
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 3
    assert dovecot.messages() == {} and len(_ids(dovecot, PROCESSED)) == 4  # all moved


def test_a_request_changed_under_the_batch_retries_the_whole_batch(app, dovecot, monkeypatch):
    """The requests service answers a lost optimistic-lock race by rolling back the whole
    session, not our savepoint: the batch notices and stores itself again, so nothing it
    reported is lost and nothing is stored twice."""
    from accessreq.requests.services import StaleRequestError

    sent = [mail(n) for n in range(5)]
    dovecot.append(sent)
    racing = _id(sent[3])
    raced: list[str] = []
    real_act = services._act

    def act(parsed, row):
        if parsed.message_id == racing and not raced:
            raced.append(parsed.message_id)
            db.session.rollback()  # what flush_or_stale does on StaleDataError
            raise StaleRequestError()
        real_act(parsed, row)

    monkeypatch.setattr(services, "_act", act)
    report = _fetch(dovecot)

    assert raced and (report.stored, report.duplicates, report.left) == (5, 0, 0)
    rows = _stored()
    assert sorted(rows) == sorted(map(_id, sent))
    assert all(row.outcome == InboundOutcome.UNMATCHED for row in rows.values())
    assert _ids(dovecot, PROCESSED) == sorted(map(_id, sent)) and dovecot.messages() == {}
