"""Storing email that came in: the one core behind the IMAP fetcher, the MTA pipe and the
local mail catcher.

``store_message`` parses, classifies, matches and stores one message and commits. It is
idempotent and safe to run twice at once: the unique ``dedupe_key`` decides, and the loser of a
race rolls back and reports a duplicate. Bad input never raises: it is stored as unreadable,
and so is a message our own code fails on (logged), so the next message always goes on. Only
infrastructure failures raise (the database is down: SQLAlchemy's OperationalError).

``store_batch`` (the IMAP fetcher's store) does the same for a batch in one transaction: a
savepoint per message, so one message's failure undoes only that message, one look-up of the
batch's already-stored keys, and one commit — what a fetcher may move is exactly what that
commit made durable."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from ..events.models import Event
from ..extensions import db
from ..notifications.models import OutgoingEmail
from ..requests import notifications as request_notifications
from ..requests.models import AccessRequest, HistoryEntry, HistoryKind
from ..requests.services import (RequestActionError, StaleRequestError, add_attendee_message,
                                 expired_conditions)
from ..timeutil import utcnow
from . import inbox
from .attachments import AttachmentRules
from .matching import cached, cached_lookups, is_auto_reply, is_own_address, match_request, refusal
from .models import InboundMessage, InboundOutcome, InboundSource
from .parsing import Parsed, parse

log = logging.getLogger(__name__)

# A request changed by staff at the same moment (optimistic lock): try the whole store again.
_ATTEMPTS = 3
NO_TEXT = "(The email had no text of its own; open the full original.)"


@dataclass
class StoreResult:
    message_id: int | None  # the InboundMessage row's id (None: nothing stored)
    duplicate: bool
    outcome: str  # an InboundOutcome value
    not_mail: bool = False  # the input was not an email at all (the pipe exits 65)


def store_message(raw: bytes, *, source: str, mailbox: str | None = None,
                  uidvalidity: int | None = None, uid: int | None = None) -> StoreResult:
    """Store one message (see the module docstring); commits."""
    if not raw.strip():
        return StoreResult(None, False, InboundOutcome.UNREADABLE.value, not_mail=True)
    parsed = _parse(raw)
    result = _store_with_retries(parsed, (InboundSource(source), mailbox, uidvalidity, uid),
                                 _OwnTransaction())
    if not result.duplicate:
        log.info("inbound message %s stored: %s", result.message_id, result.outcome)
    return result


def _parse(raw: bytes) -> Parsed:
    """Read a message with the configured attachment rules."""
    return parse(raw, AttachmentRules.from_config(current_app.config))


class Place(Protocol):
    """Where a fetched message was (the fetcher's MailboxPosition)."""

    mailbox: str
    uidvalidity: int
    uid: int


def store_batch(messages: Sequence[tuple[bytes, Place]], *, source: str,
                should_stop: Callable[[], bool] = lambda: False) -> list[StoreResult | Exception]:
    """Store a batch of messages in ONE transaction, a savepoint per message, one commit.

    Each message is handled exactly as :func:`store_message` handles it (a message our code
    fails on is kept as unreadable; a duplicate, also within the batch, is reported), but a
    failure of one message rolls back only its savepoint. Returns one entry per message
    handled, in order — fewer than given when ``should_stop`` said stop between messages —: a
    StoreResult, or the error that kept that one message out (not stored; the others are).
    When this returns, everything it reports as stored is committed. When the database fails
    (``OperationalError`` on the way or at the commit) it raises, and nothing of the batch is
    stored.
    """
    kind = InboundSource(source)
    # Read before the transaction starts: on SQLite it holds the write lock until the commit.
    rules = AttachmentRules.from_config(current_app.config)
    parsed_all = [parse(raw, rules) if raw.strip() else None for raw, _place in messages]
    for _attempt in range(_ATTEMPTS):
        try:
            results = _store_batch_once(messages, parsed_all, kind, should_stop)
        except _BatchRolledBack:
            continue  # a request changed under us and the whole transaction went: again
        stored = sum(1 for r in results if isinstance(r, StoreResult) and not r.duplicate)
        log.info("inbound batch of %d: %d stored, %d already stored", len(results), stored,
                 sum(1 for r in results if isinstance(r, StoreResult) and r.duplicate))
        return results
    # Requests kept changing under the batch: one message, one transaction, as the pipe does.
    results: list[StoreResult | Exception] = []
    for raw, place in messages:
        if should_stop():
            break
        try:
            results.append(store_message(raw, source=source, mailbox=place.mailbox,
                                         uidvalidity=place.uidvalidity, uid=place.uid))
        except DATABASE_DOWN:
            raise
        except Exception as error:  # noqa: BLE001 (reported per message, as in the batch)
            db.session.rollback()
            results.append(error)
    return results


# The database itself failed (not the message's fault): the whole batch stops.
DATABASE_DOWN = (OperationalError, InterfaceError)


class _BatchRolledBack(Exception):
    """Code below us rolled back the whole session (not just our savepoint)."""


def _store_batch_once(messages: Sequence[tuple[bytes, Place]],
                      parsed_all: list[Parsed | None], source: InboundSource,
                      should_stop: Callable[[], bool]) -> list[StoreResult | Exception]:
    results: list[StoreResult | Exception] = []
    try:
        _begin_batch()
        batch_transaction = db.session().get_transaction()
        known = _stored_keys([p.dedupe_key for p in parsed_all if p is not None])
        with cached_lookups():
            for (_raw, place), parsed in zip(messages, parsed_all):
                if should_stop():
                    break
                if parsed is None:
                    results.append(StoreResult(None, False, InboundOutcome.UNREADABLE.value,
                                               not_mail=True))
                    continue
                unit = _Savepoint(batch_transaction)
                try:
                    results.append(_store_with_retries(
                        parsed, (source, place.mailbox, place.uidvalidity, place.uid), unit,
                        known))
                except (*DATABASE_DOWN, _BatchRolledBack):
                    raise
                except Exception as error:  # this message only (logged)
                    unit.undo()
                    log.exception("inbound message (UID %s) could not be stored; left for a "
                                  "later run", place.uid)
                    results.append(error)
                if db.session().get_transaction() is not batch_transaction:
                    raise _BatchRolledBack
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return results


def _begin_batch() -> None:
    """Start the batch's transaction. On SQLite, explicitly and as the writer (BEGIN
    IMMEDIATE): the driver would otherwise let the first SAVEPOINT open the transaction, and
    releasing it would commit each message on its own; taking the write lock first also means
    no other writer can slip in between our reads and our writes."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.dbapi_connection
        if not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _stored_keys(keys: list[str]) -> dict[str, tuple[int, str]]:
    """{dedupe_key: (row id, outcome)} of the messages among ``keys`` stored before: one query
    for the batch (the unique key still decides a race)."""
    found: dict[str, tuple[int, str]] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        for key, row_id, outcome in db.session.execute(
                select(InboundMessage.dedupe_key, InboundMessage.id, InboundMessage.outcome)
                .where(InboundMessage.dedupe_key.in_(unique[start:start + 500]))):
            found[key] = (row_id, outcome.value)
    return found


class _OwnTransaction:
    """store_message: a message is its own transaction."""

    def begin(self) -> None:
        pass

    def keep(self) -> None:
        db.session.commit()

    def undo(self) -> None:
        db.session.rollback()

    def check(self) -> None:
        pass


class _Savepoint:
    """store_batch: a message is a savepoint in the batch's transaction."""

    def __init__(self, batch_transaction) -> None:
        self._batch_transaction = batch_transaction
        self._savepoint = None

    def begin(self) -> None:
        self._savepoint = db.session.begin_nested()

    def keep(self) -> None:
        self._savepoint.commit()  # RELEASE SAVEPOINT (flushes first; may raise)
        self._savepoint = None

    def undo(self) -> None:
        savepoint, self._savepoint = self._savepoint, None
        # Still the innermost transaction (active, or deactivated by a failed flush): undo it.
        # Never Session.rollback() here: that would undo the whole batch.
        if savepoint is not None and db.session().get_nested_transaction() is savepoint:
            savepoint.rollback()

    def check(self) -> None:
        """Code below us may roll back the whole session (the requests service does on a
        lost optimistic-lock race): then the batch so far is gone and must start again,
        before anything else is written outside it."""
        if db.session().get_transaction() is not self._batch_transaction:
            raise _BatchRolledBack


def _store_with_retries(parsed: Parsed, where: tuple, unit,
                        known: dict[str, tuple[int, str]] | None = None) -> StoreResult:
    """The one core of both paths: store, retry when staff changed the request at the same
    moment, keep the message as unreadable when our code fails on it."""
    for _attempt in range(_ATTEMPTS):
        try:
            return _store_once(parsed, where, _act, unit, known)
        except (StaleRequestError, StaleDataError):
            unit.undo()  # staff changed the request meanwhile: read it again
            unit.check()
        except SQLAlchemyError:
            unit.undo()
            raise  # the database itself failed: the caller tries again later
        except Exception as error:  # a message our code could not handle: keep it anyway
            unit.undo()
            unit.check()
            log.exception("inbound message could not be processed; kept as unreadable")
            return _store_once(parsed, where, _kept_unprocessed(
                f"Could not be processed ({type(error).__name__}); kept for an admin."), unit,
                known)
    return _store_once(parsed, where, _kept_unprocessed(
        "The request kept changing while this was stored; kept for an admin."), unit, known)


def _store_once(parsed: Parsed, where: tuple, act, unit,
                known: dict[str, tuple[int, str]] | None) -> StoreResult:
    """One try: insert the row, let ``act`` classify it and do what it asks, keep it (commit or
    release the savepoint). The unique key decides who stores a message that two processes
    hold at once; ``known`` (a batch's stored keys) saves a look-up per message."""
    existing = known.get(parsed.dedupe_key) if known is not None else _stored(parsed.dedupe_key)
    if existing is not None:
        return StoreResult(existing[0], True, existing[1], not_mail=not parsed.is_mail)
    unit.begin()
    row = _new_row(parsed, *where)
    db.session.add(row)
    try:
        db.session.flush()
        act(parsed, row)
        unit.keep()
    except IntegrityError:
        unit.undo()
        existing = _stored(parsed.dedupe_key)
        if existing is None:
            raise
        return StoreResult(existing[0], True, existing[1], not_mail=not parsed.is_mail)
    if known is not None:
        known[parsed.dedupe_key] = (row.id, row.outcome.value)
    return StoreResult(row.id, False, row.outcome.value, not_mail=not parsed.is_mail)


def _kept_unprocessed(reason: str):
    def act(_parsed: Parsed, row: InboundMessage) -> None:
        row.outcome, row.reason = InboundOutcome.UNREADABLE, reason[:300]
    return act


def _stored(dedupe_key: str) -> tuple[int, str] | None:
    """The row already holding this message and its outcome, if any."""
    existing = _stored_id(dedupe_key)
    return (existing, _outcome_of(existing)) if existing is not None else None


def _stored_id(dedupe_key: str) -> int | None:
    """The row already holding this message, if any (a first look; the unique key decides)."""
    return db.session.scalar(select(InboundMessage.id).where(
        InboundMessage.dedupe_key == dedupe_key))


def _outcome_of(row_id: int) -> str:
    return db.session.scalar(select(InboundMessage.outcome).where(InboundMessage.id == row_id)).value


def _new_row(parsed: Parsed, source: InboundSource, mailbox, uidvalidity, uid) -> InboundMessage:
    return InboundMessage(
        dedupe_key=parsed.dedupe_key, raw=parsed.raw, source=source,
        outcome=InboundOutcome.UNREADABLE, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
        from_address=parsed.from_address, from_name=parsed.from_name,
        to_addresses=", ".join(parsed.to_addresses), subject=parsed.subject[:2000],
        sent_date=parsed.sent_date, message_id=parsed.message_id[:998],
        in_reply_to=" ".join(parsed.in_reply_to), references=" ".join(parsed.references),
        body_text=parsed.body_text, reply_text=parsed.reply_text,
        attachments=parsed.attachments)


def _act(parsed: Parsed, row: InboundMessage) -> None:
    """Classify the stored row and do what its kind asks, in the caller's transaction."""
    if parsed.unreadable:
        row.outcome, row.reason = InboundOutcome.UNREADABLE, parsed.unreadable[:300]
        return
    if is_own_address(parsed.from_address):
        row.outcome, row.reason = InboundOutcome.REFUSED, "sent from one of our own addresses"
        return
    if parsed.is_delivery_report:
        _bounce(parsed, row)
        return
    auto_reply = is_auto_reply(parsed)
    if auto_reply:
        _auto_reply(parsed, row, auto_reply)
        return
    refused = refusal(parsed)
    if refused:
        row.outcome, row.reason = InboundOutcome.REFUSED, refused
        return
    match = match_request(parsed)
    if match.access_request is None:
        row.outcome, row.reason = InboundOutcome.UNMATCHED, match.how
        row.team_id = cached("inbox_team_id", inbox.inbox_team_id)
        inbox.auto_answer(row)
        return
    _reply(parsed, row, match.access_request, match.how)


def _history_text(access_request: AccessRequest, text: str) -> str:
    """What a history entry may say: nothing once the request's details were deleted by the
    retention purge (the stored email, deleted by the next purge, still has it)."""
    return "" if access_request.purged_at is not None else text[:4000]


def _reply(parsed: Parsed, row: InboundMessage, access_request: AccessRequest, how: str) -> None:
    """A matched reply: an attendee message, exactly as from the status page; kept on the
    request without action (the team told) when the request can no longer take messages."""
    row.request_id, row.reason = access_request.id, how
    body = parsed.reply_text or NO_TEXT
    if access_request.can_add_message and access_request.purged_at is None:
        row.outcome = InboundOutcome.MATCHED
        try:
            add_attendee_message(access_request, body, inbound_id=row.id,
                                 mail_message_id=parsed.message_id, commit=False)
            return
        except RequestActionError:
            pass  # closed in the meantime: kept below
    row.outcome = InboundOutcome.NOT_ACTIONED
    access_request.history.append(HistoryEntry(
        kind=HistoryKind.EMAIL_NOT_ACTIONED, inbound_id=row.id,
        body=_history_text(access_request, f"From {parsed.from_address}: {body}")))
    request_notifications.staff_attendee_message(access_request)


def _auto_reply(parsed: Parsed, row: InboundMessage, why: str) -> None:
    """Out of office: kept on its request if it has one; no status change, no notice."""
    row.outcome, row.reason = InboundOutcome.AUTO_REPLY, why
    match = match_request(parsed)
    if match.access_request is not None:
        row.request_id = match.access_request.id
        match.access_request.history.append(HistoryEntry(
            kind=HistoryKind.AUTO_REPLY, inbound_id=row.id,
            body=_history_text(match.access_request,
                               f"From {parsed.from_address}: {parsed.reply_text}")))


def _bounce(parsed: Parsed, row: InboundMessage) -> None:
    """A delivery report on one of our emails: that email is marked bounced and the request's
    history says the attendee's address does not work (staff only)."""
    row.outcome = InboundOutcome.BOUNCE
    email = None
    if parsed.reported_message_ids:
        email = db.session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.message_id.in_(parsed.reported_message_ids))
            .order_by(OutgoingEmail.id.desc()).limit(1))
    if email is None:
        row.reason = "a delivery report on no email of ours"
        return
    row.reason = f"reports on outgoing email {email.id}"
    db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == email.id,
                                                   OutgoingEmail.bounced_at.is_(None))
                       .values(bounced_at=utcnow()))
    if email.request_id is None:
        return
    access_request = db.session.get(AccessRequest, email.request_id)
    row.request_id = access_request.id
    what = parsed.report_summary or email.to_address
    access_request.history.append(HistoryEntry(
        kind=HistoryKind.EMAIL_BOUNCED, inbound_id=row.id, email_id=email.id,
        body=_history_text(access_request, f"The attendee's address bounced: {what}")))


def _purge_conditions(now: datetime, *, expired_too: bool):
    """Stored emails the retention purge deletes: those on a purged request (and, for the dry
    run's count, on a request the purge is about to purge), and those on no request received
    over RETENTION_DAYS ago."""
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    on_purged = select(AccessRequest.id).where(AccessRequest.purged_at.is_not(None))
    conditions = [InboundMessage.request_id.in_(on_purged),
                  (InboundMessage.request_id.is_(None)) & (InboundMessage.received_at < cutoff)]
    if expired_too:
        conditions.append(InboundMessage.request_id.in_(
            select(AccessRequest.id).join(Event).where(*expired_conditions(now))))
    return or_(*conditions)


def inbound_due_for_purge(now: datetime) -> int:
    return db.session.scalar(select(func.count(InboundMessage.id))
                             .where(_purge_conditions(now, expired_too=True)))


def purge_inbound(now: datetime) -> int:
    """Delete stored emails past retention (run after the requests' purge); commits."""
    deleted = db.session.execute(
        delete(InboundMessage).where(_purge_conditions(now, expired_too=False))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return deleted
