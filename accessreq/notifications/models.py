"""The outbox: every email is a row written in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..extensions import db
from ..timeutil import utcnow


class EmailStatus(LabelledEnum):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"  # claimed by a sender; reclaimed after a timeout if it died
    SENT = "sent", "Sent"
    DEAD = "dead", "Failed"  # gave up; shown to admins, who can retry it


class OutgoingEmail(db.Model):
    __tablename__ = "outgoing_email"
    __table_args__ = (Index("ix_outgoing_email_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Template name, e.g. "request_received"; tells staff what kind of message it was.
    template: Mapped[str] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Fixed when the row is written, so a resend after a crash is recognisably the same mail.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # The whole message as sent (RFC 5322 bytes), built when queued: the sender only has to
    # hand it to SMTP, and a resend is byte for byte the same. None: built at send time.
    mime: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[EmailStatus] = mapped_column(str_enum(EmailStatus, 16), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while a sender holds the row; a stale claim is taken over.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_request.id", ondelete="SET NULL"), index=True
    )

    def __repr__(self) -> str:
        return f"<OutgoingEmail {self.id} {self.template} {self.status.value}>"
