"""Storing one email that came in: the one core behind the IMAP fetcher, the MTA pipe and the
local mail catcher.

``store_message`` parses, classifies, matches and stores a message and commits. It is
idempotent and safe to run twice at once: the unique ``dedupe_key`` decides, and the loser of a
race rolls back and reports a duplicate. Bad input never raises: it is stored as unreadable,
and so is a message our own code fails on (logged), so the next message always goes on. Only
infrastructure failures raise (the database is down: SQLAlchemy's OperationalError).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
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
from .matching import is_auto_reply, is_own_address, match_request, refusal
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
    parsed = parse(raw, AttachmentRules.from_config(current_app.config))
    if not raw.strip():
        return StoreResult(None, False, InboundOutcome.UNREADABLE.value, not_mail=True)
    where = (InboundSource(source), mailbox, uidvalidity, uid)
    for _attempt in range(_ATTEMPTS):
        try:
            return _store_once(parsed, where, _act)
        except (StaleRequestError, StaleDataError):
            db.session.rollback()  # staff changed the request meanwhile: read it again
        except SQLAlchemyError:
            db.session.rollback()
            raise  # the database itself failed: the caller tries again later
        except Exception as error:  # a message our code could not handle: keep it anyway
            db.session.rollback()
            log.exception("inbound message could not be processed; kept as unreadable")
            return _store_once(parsed, where, _kept_unprocessed(
                f"Could not be processed ({type(error).__name__}); kept for an admin."))
    return _store_once(parsed, where, _kept_unprocessed(
        "The request kept changing while this was stored; kept for an admin."))


def _store_once(parsed: Parsed, where: tuple, act) -> StoreResult:
    """One try: insert the row, let ``act`` classify it and do what it asks, commit. The unique
    key decides who stores a message that two processes hold at once."""
    existing = _stored_id(parsed.dedupe_key)
    if existing is not None:
        return StoreResult(existing, True, _outcome_of(existing), not_mail=not parsed.is_mail)
    row = _new_row(parsed, *where)
    db.session.add(row)
    try:
        db.session.flush()
        act(parsed, row)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _stored_id(parsed.dedupe_key)
        if existing is None:
            raise
        return StoreResult(existing, True, _outcome_of(existing), not_mail=not parsed.is_mail)
    log.info("inbound message %s stored: %s", row.id, row.outcome.value)
    return StoreResult(row.id, False, row.outcome.value, not_mail=not parsed.is_mail)


def _kept_unprocessed(reason: str):
    def act(_parsed: Parsed, row: InboundMessage) -> None:
        row.outcome, row.reason = InboundOutcome.UNREADABLE, reason[:300]
    return act


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
        row.team_id = inbox.inbox_team_id()
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
