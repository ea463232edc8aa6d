"""Deliver the outbox: claim due rows, send them over one SMTP connection, record the outcome.

Several senders may run at once: a row is claimed by exactly one of them (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; a conditional UPDATE on SQLite, whose writes are serialised). A row
claimed by a sender that died is put back in the queue after ``OUTBOX_CLAIM_TIMEOUT_SECONDS``,
so delivery is at least once; the stable ``Message-ID`` lets a mail client spot the rare repeat.
"""

from __future__ import annotations

import secrets
import smtplib
from email.utils import parseaddr
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_mail import BadHeaderError, Connection
from sqlalchemy import bindparam, case, select, update

from ..extensions import db
from ..timeutil import utcnow
from .models import EmailStatus, OutgoingEmail
from .sealing import ContentUnreadable, unseal
from .services import as_message, smtp_address

MAX_BACKOFF_SECONDS = 2 * 3600
INTERRUPTED = "The sender stopped before finishing this message; it was queued again."
NO_CONTENT = ("The content of this message was deleted (by the retention purge) before it was "
              "sent, so it cannot be sent.")

# Answers about one message: the connection stays usable for the rest of the batch.
_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                   smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError)


class _TimedConnection(Connection):
    """Flask-Mail's connection, with a timeout so a silent server cannot hang a sender
    (``OUTBOX_SMTP_TIMEOUT_SECONDS`` for the connection and for each answer)."""

    def configure_host(self):
        cls = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        timeout = current_app.config["OUTBOX_SMTP_TIMEOUT_SECONDS"]
        host = cls(self.mail.server, self.mail.port, timeout=timeout)
        try:
            if self.mail.use_tls:
                host.starttls()
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()  # __exit__ never runs when __enter__ fails: do not leak the socket
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb):
        # Flask-Mail sends QUIT even on a connection that already failed; that raises its own
        # error ("please run connect() first") in place of the real one, which the outbox rows
        # must record. A failed goodbye after the last answer is no failure either: hang up.
        if self.host is None:
            return
        try:
            self.host.quit()
        except (OSError, smtplib.SMTPException):
            self.host.close()


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retrying + self.dead

    def add(self, other: SendResult) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.dead += other.dead


def _requeue_stale_claims(now: datetime) -> None:
    """Put rows held too long by a sender (killed, crashed) back in the queue.

    The interrupted try counts as an attempt, so a message that kills its sender every time
    still ends ``dead`` instead of looping for ever.
    """
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    give_up = OutgoingEmail.attempts + 1 >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.status == EmailStatus.SENDING, OutgoingEmail.claimed_at < stale)
        .values(
            status=case((give_up, EmailStatus.DEAD.value), else_=EmailStatus.PENDING.value),
            attempts=OutgoingEmail.attempts + 1,
            next_attempt_at=now,
            claim_token=None,
            claimed_at=None,
            last_error=INTERRUPTED,
        )
        .execution_options(synchronize_session=False)
    )


def _is_due(now: datetime):
    return (OutgoingEmail.status == EmailStatus.PENDING) & (OutgoingEmail.next_attempt_at <= now)


def claim_rows(model, due, limit: int, now: datetime, **sending) -> list:
    """Mark up to ``limit`` rows of ``model`` that are ``due`` as this sender's (``sending``
    values, a claim token and time) and return them, committed: the outbox's and the webhooks'
    claim. ``model`` has ``id``, ``next_attempt_at``, ``claim_token`` and ``claimed_at``.

    PostgreSQL skips rows another sender has locked (``FOR UPDATE SKIP LOCKED``); where SELECT
    cannot lock (SQLite), the UPDATE checks "due" again, so a row goes to one sender only."""
    ids_query = select(model.id).where(due).order_by(model.next_attempt_at, model.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids_query = ids_query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(ids_query))
    if not ids:
        db.session.commit()
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        update(model).where(model.id.in_(ids), due)
        .values(**sending, claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(
        select(model).where(model.claim_token == token).order_by(model.id)))


def claim_due_emails(limit: int = 50, now: datetime | None = None) -> list[OutgoingEmail]:
    """Mark up to ``limit`` due rows as this sender's and return them (committed)."""
    now = now or utcnow()
    _requeue_stale_claims(now)
    return claim_rows(OutgoingEmail, _is_due(now), limit, now, status=EmailStatus.SENDING)


def _send(connection: Connection, envelope_from: str, row: OutgoingEmail,
          sealed_mime: bytes | None) -> None:
    """Hand one message to the SMTP server: the bytes built at queue time when there are,
    unsealed only now, in memory."""
    if sealed_mime is None:
        if row.content_deleted:
            raise ContentUnreadable(NO_CONTENT)
        connection.send(as_message(row))
        return
    mime = unseal(sealed_mime)
    if connection.host is not None:  # None when sending is suppressed (TESTING)
        # A non-ASCII local part needs SMTPUTF8; a server without it refuses before anything
        # is sent (SMTPNotSupportedError), and the message fails where admins see it.
        address, needs_utf8 = smtp_address(row.to_address)
        connection.host.sendmail(envelope_from, [address], mime,
                                 mail_options=["SMTPUTF8"] if needs_utf8 else [])


def _record_failure(row: OutgoingEmail, error: str, permanent: bool, now: datetime) -> bool:
    """Count a failed attempt; return True when the row is now dead."""
    row.attempts += 1
    row.last_error = error[:2000]
    row.claim_token = None
    row.claimed_at = None
    if permanent or row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        row.status = EmailStatus.DEAD
        return True
    backoff = current_app.config["OUTBOX_BACKOFF_SECONDS"] * 2 ** (row.attempts - 1)
    row.status = EmailStatus.PENDING
    row.next_attempt_at = now + timedelta(seconds=min(backoff, MAX_BACKOFF_SECONDS))
    return False


# Built once: the sender's hot path reuses the compiled statement for every message.
# A sent message keeps only its envelope (template, recipient, subject, ids, times): its
# bodies and bytes, with the links they carry, are deleted in the same statement.
_MARK_SENT = (
    update(OutgoingEmail).where(OutgoingEmail.id == bindparam("row_id"))
    .values(status=EmailStatus.SENT, sent_at=bindparam("sent_at"),
            attempts=OutgoingEmail.attempts + 1, last_error="", claim_token=None,
            claimed_at=None, sealed_text=None, sealed_html=None, sealed_mime=None)
    .execution_options(synchronize_session=False)
)


def _record_sent(row_id: int) -> None:
    db.session.connection().execute(_MARK_SENT, {"row_id": row_id, "sent_at": utcnow()})


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer about this message or recipient will not change on retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return True  # a message the server cannot take (e.g. needs SMTPUTF8) never will


def _describe(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, smtplib.SMTPNotSupportedError) and "SMTPUTF8" in str(error):
        return ("The mail server cannot deliver to an address with letters beyond ASCII "
                f"before the @: it does not offer SMTPUTF8 ({text})")
    # smtplib reports a silent server as "Connection unexpectedly closed: timed out".
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        seconds = current_app.config["OUTBOX_SMTP_TIMEOUT_SECONDS"]
        return f"The mail server did not answer within {seconds} s ({text})"
    return text


def deliver(rows: list[OutgoingEmail], now: datetime | None = None) -> SendResult:
    """Send claimed rows over one connection, committing after each so none is sent twice.

    ``now`` is when failures are scheduled from (tests move it; normally the current time).
    """
    result = SendResult()
    # Read what sending needs before the first commit expires the rows.
    remaining = [(row, row.id, row.sealed_mime) for row in rows]
    envelope_from = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    try:
        with _TimedConnection(current_app.extensions["mail"]) as connection:
            while remaining:
                row, row_id, mime = remaining[0]
                try:
                    _send(connection, envelope_from, row, mime)
                except ContentUnreadable as error:
                    # No key opens it (or it was purged): failed for good, in plain words.
                    result.dead += _record_failure(row, str(error), True, now or utcnow())
                except (*_MESSAGE_ERRORS, BadHeaderError, ValueError) as error:
                    # About this message only (refused recipient, an address that cannot be
                    # written in a header): record it and carry on with the others.
                    dead = _record_failure(row, _describe(error), _is_permanent(error),
                                           now or utcnow())
                    result.dead += dead
                    result.retrying += not dead
                else:
                    _record_sent(row_id)
                    result.sent += 1
                db.session.commit()
                remaining.pop(0)
    except (OSError, smtplib.SMTPException) as error:
        # The server is unreachable or dropped us: every unsent row waits for a later try.
        for row, _row_id, _mime in remaining:
            dead = _record_failure(row, _describe(error), False, now or utcnow())
            result.dead += dead
            result.retrying += not dead
        db.session.commit()
    return result


def send_due_emails(batch_size: int = 50, now: datetime | None = None) -> SendResult:
    """Claim and deliver batches until nothing is due."""
    total = SendResult()
    while rows := claim_due_emails(batch_size, now):
        result = deliver(rows, now)
        total.add(result)
        if result.retrying:
            break  # the server is struggling: leave the rest to the backoff schedule
    return total


def retry_dead_email(row: OutgoingEmail) -> None:
    """Queue a failed row again as it is, with a fresh count of attempts.

    Only for rows written before recipes existed; ``rebuild.send_again`` is the admin's path.
    """
    row.status = EmailStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.last_error = ""
    row.claim_token = None
    row.claimed_at = None
