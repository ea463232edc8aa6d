"""The outbox: every email is a row written in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..extensions import db
from ..timeutil import utcnow
from .names import message_name
from .sealing import seal, unseal

if TYPE_CHECKING:
    from ..auth.models import StaffUser


class EmailStatus(LabelledEnum):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"  # claimed by a sender; reclaimed after a timeout if it died
    SENT = "sent", "Sent"
    DEAD = "dead", "Failed"  # gave up; shown to admins, who can retry it
    # Failed, then built again as a new row by an admin's retry.
    REPLACED = "replaced", "Failed, sent again as a new message"


class OutgoingEmail(db.Model):
    __tablename__ = "outgoing_email"
    __table_args__ = (Index("ix_outgoing_email_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Template name, e.g. "request_received"; tells staff what kind of message it was.
    template: Mapped[str] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # The bodies and the whole message as it will be sent (RFC 5322 bytes, built when queued,
    # so the sender only hands it to SMTP and a redelivery is byte for byte the same), each
    # sealed (see sealing.py): they carry live status and invitation links until sent. All
    # three are cleared once the message is sent, or when the retention purge reaches it.
    # sealed_mime None with a body present: the message is built at send time.
    sealed_text: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_html: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_mime: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Fixed when the row is written, so a resend after a crash is recognisably the same mail.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # What the message was built from (ids and other non-secret values, never a token), so an
    # admin's "send again" can build it afresh after its content is gone. None: older rows.
    recipe: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[EmailStatus] = mapped_column(str_enum(EmailStatus, 16), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while a sender holds the row; a stale claim is taken over.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Threading (attendee mail about a request): the Reply-To address (per-request when plus
    # addressing is on) and the Message-IDs of the earlier emails of the same conversation,
    # space-separated, oldest first (the References header; the last is In-Reply-To). Part of
    # the row, so a message built at send time has the same headers as one built when queued.
    reply_to: Mapped[str | None] = mapped_column(String(320))
    thread_references: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When a delivery report (bounce) for this message came back: the address does not work.
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_request.id", ondelete="SET NULL"), index=True
    )

    # Set for the messages about an accessibility problem report (purged with the report).
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("accessibility_report.id", ondelete="SET NULL"), index=True
    )

    @property
    def body_text(self) -> str:
        return unseal(self.sealed_text).decode() if self.sealed_text is not None else ""

    @body_text.setter
    def body_text(self, value: str) -> None:
        self.sealed_text = seal(value.encode())

    @property
    def body_html(self) -> str:
        return unseal(self.sealed_html).decode() if self.sealed_html is not None else ""

    @body_html.setter
    def body_html(self, value: str) -> None:
        self.sealed_html = seal(value.encode())

    @property
    def mime(self) -> bytes | None:
        return unseal(self.sealed_mime) if self.sealed_mime is not None else None

    @mime.setter
    def mime(self, value: bytes | None) -> None:
        self.sealed_mime = seal(value) if value is not None else None

    @property
    def kind(self) -> str:
        """What the message is, in words ("Confirmation to the attendee")."""
        return message_name(self.template)

    @property
    def content_deleted(self) -> bool:
        """True once the bodies are gone (sent, or purged); only the envelope is left."""
        return self.sealed_text is None and self.sealed_mime is None

    def __repr__(self) -> str:
        return f"<OutgoingEmail {self.id} {self.template} {self.status.value}>"


class WordingKey(LabelledEnum):
    """The emails whose wording admins may change (accessreq/notifications/wording.py holds the
    default wording and the placeholders each one may use)."""

    PROVIDER_ASK = "provider_ask", "Asking a provider to book"
    PROVIDER_CONFIRM = "provider_confirm", "Confirming a booking"
    PROVIDER_CANCEL = "provider_cancel", "Cancelling a booking"
    FOLLOWUP_APOLOGY = "followup_apology", "Follow-up: an apology"
    FOLLOWUP_RECORDING = "followup_recording", "Follow-up: a recording with captions"
    FOLLOWUP_TRANSCRIPT = "followup_transcript", "Follow-up: a transcript"


class EmailWording(db.Model):
    """An admin's wording of one email; without a row, the default wording in code is used."""

    __tablename__ = "email_wording"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[WordingKey] = mapped_column(str_enum(WordingKey, 32), unique=True)
    # Both may hold {placeholders} from the key's fixed list, checked when saved.
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))

    updated_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<EmailWording {self.key.value}>"
