"""Every email that came in, kept whole (its raw bytes) with what was read from it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..extensions import db
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..auth.models import StaffUser


class InboundOutcome(LabelledEnum):
    MATCHED = "matched", "Reply added to its request"
    # Kept on its request, not acted on: the request could no longer take messages.
    NOT_ACTIONED = "not_actioned", "Kept on a closed request"
    UNMATCHED = "unmatched", "Not matched to a request"
    AUTO_REPLY = "auto_reply", "Automatic reply (out of office)"
    BOUNCE = "bounce", "Delivery failure report (bounce)"
    # Mail that must not become a conversation: automatic, bulk, lists, our own, daemons.
    REFUSED = "refused", "Refused: automatic, bulk or our own mail"
    UNREADABLE = "unreadable", "Could not be read"
    # Unmatched mail staff marked as not a request: out of the inbox, kept until the purge.
    DISMISSED = "dismissed", "Dismissed: not a request"


class InboundSource(LabelledEnum):
    IMAP = "imap", "Fetched from the mailbox"
    PIPE = "pipe", "Handed over by the mail server"
    CATCHER = "catcher", "Local mail catcher"


class InboundMessage(db.Model):
    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What makes a message the same message however often it arrives: its Message-ID without
    # the angle brackets, in lowercase; "sha256:<hex>" of the raw bytes when it has none.
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    # The message exactly as received, for an admin and for "open the full original".
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[InboundSource] = mapped_column(str_enum(InboundSource, 16))
    outcome: Mapped[InboundOutcome] = mapped_column(str_enum(InboundOutcome, 16), index=True)
    # Why it was classified so, in a few words ("Precedence: bulk", "no match").
    reason: Mapped[str] = mapped_column(String(300), default="")
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    # Where an IMAP fetcher found it (None for the pipe and the catcher).
    mailbox: Mapped[str | None] = mapped_column(String(200))
    uidvalidity: Mapped[int | None] = mapped_column(db.BigInteger)
    uid: Mapped[int | None] = mapped_column(db.BigInteger)

    from_address: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(300), default="")
    to_addresses: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    # The Date header as written by the sender (may be missing or wrong; received_at is ours).
    sent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str] = mapped_column(String(998), default="")
    in_reply_to: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[str] = mapped_column("references_header", Text, default="")
    # The text of the message (HTML-only mail converted to text; HTML is never shown).
    body_text: Mapped[str] = mapped_column(Text, default="")
    # body_text without the quoted earlier messages and the signature, for display.
    reply_text: Mapped[str] = mapped_column(Text, default="")
    # [{"filename", "content_type", "size" (bytes), "part" (its number in the message),
    #   "kept", "why_not" (why it was dropped), "sha256" (of a kept one)}]: kept files are read
    # back from ``raw``; dropped ones were cut out of it (inbound/attachments.py). Emails stored
    # before files were kept have only the first three.
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Whose inbox unmatched mail is in: the host organisation's default team when there is
    # one, else no team (every coordinator sees it, as requests no team holds).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"),
                                                index=True)

    log: Mapped[list[InboundLogEntry]] = relationship(
        back_populates="message", order_by="InboundLogEntry.id", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def preview(self) -> str:
        """A short line of the text for the inbox list (text only, never HTML)."""
        words = " ".join((self.reply_text or self.body_text).split())
        return words if len(words) <= 140 else words[:139].rstrip() + "…"

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.outcome.value}>"


class InboundLogEntry(db.Model):
    """Who opened a stored email, downloaded its original or acted on it, and when: the
    message may hold health data, and unmatched mail has no request whose access log and
    history could say so."""

    __tablename__ = "inbound_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "view", "original", "dismissed", "made_request", "attached", "auto_answer"
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(500), default="")

    message: Mapped[InboundMessage] = relationship(back_populates="log")
    staff: Mapped[StaffUser | None] = relationship()
