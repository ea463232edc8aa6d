"""A per-mailbox lease: one IMAP fetcher works on a mailbox at a time.

The store alone already keeps every message once, however many fetchers run; the lease keeps
two of them from fetching and moving the same batch at the same moment (a server's MOVE is a
copy then an expunge per session, so two racing MOVEs can leave two copies in the processed
folder). A fetcher takes the lease with one atomic statement that only succeeds when the lease
is free, expired or already its own, renews it before each batch and before each move, and
gives it back at the end. A fetcher killed on the way holds it until it expires
(``IMAP_LEASE_SECONDS``), then the next one takes over.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import String, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow


class MailboxLease(db.Model):
    __tablename__ = "mailbox_lease"

    # host, user and folder: "imap.example.org/access@example.org/INBOX".
    mailbox: Mapped[str] = mapped_column(String(500), primary_key=True)
    # Who holds it: host name, process id and a random part ("fetch-1.local:4242:9f3a…").
    holder: Mapped[str] = mapped_column(String(200))
    # After this the lease is free for anyone (its holder died or hangs).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<MailboxLease {self.mailbox} {self.holder} until {self.expires_at}>"


def new_holder() -> str:
    """An id for one fetcher run, unique across machines and processes."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{secrets.token_hex(6)}"


def mailbox_key(host: str, username: str, folder: str) -> str:
    return f"{host}/{username}/{folder}"[:500]


def acquire(mailbox: str, holder: str, seconds: float) -> bool:
    """Take the lease when it is free, expired or already ``holder``'s; commits. True when
    ``holder`` has it now. One UPDATE decides for an existing row (the database applies
    concurrent UPDATEs of a row one after the other and rechecks the condition), the primary
    key for a new one."""
    now = utcnow()
    until = now + timedelta(seconds=seconds)
    taken = db.session.execute(
        update(MailboxLease)
        .where(MailboxLease.mailbox == mailbox,
               (MailboxLease.holder == holder) | (MailboxLease.expires_at <= now))
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)).rowcount
    if taken:
        db.session.commit()
        return True
    try:
        db.session.execute(insert(MailboxLease).values(mailbox=mailbox, holder=holder,
                                                       expires_at=until))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # someone holds it (and it has not expired)
        return False
    return True


def renew(mailbox: str, holder: str, seconds: float) -> bool:
    """Extend ``holder``'s lease; commits. False when it is no longer theirs (it expired and
    another fetcher took it): the caller must stop touching the mailbox."""
    kept = db.session.execute(
        update(MailboxLease)
        .where(MailboxLease.mailbox == mailbox, MailboxLease.holder == holder)
        .values(expires_at=utcnow() + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(kept)


def release(mailbox: str, holder: str) -> None:
    """Give the lease back (only if it is still ``holder``'s); commits."""
    db.session.execute(delete(MailboxLease).where(MailboxLease.mailbox == mailbox,
                                                  MailboxLease.holder == holder)
                       .execution_options(synchronize_session=False))
    db.session.commit()
