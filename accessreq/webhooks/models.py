"""Webhook endpoints and their deliveries (an outbox of HTTP POSTs, like the email outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..extensions import db
from ..notifications.sealing import seal, unseal
from ..timeutil import utcnow

SECRET_PURPOSE = b"accessreq webhook secret"
URL_MAX = 2000
RESPONSE_EXCERPT_MAX = 500


class WebhookEvent(LabelledEnum):
    REQUEST_CREATED = "request.created", "A request is made"
    REQUEST_STATUS_CHANGED = "request.status_changed", "A request's status changes"
    REQUEST_REPLIED = "request.replied", "Staff reply to the attendee"
    REQUEST_CANCELLED = "request.cancelled", "A request is cancelled"
    EVENT_CHANGED = "event.changed", "An event is added or changed"


class DeliveryState(LabelledEnum):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"  # claimed by a sender; reclaimed after a timeout if it died
    SENT = "sent", "Sent"
    DEAD = "dead", "Failed"  # gave up after WEBHOOK_MAX_ATTEMPTS; an admin can retry it


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    # The WebhookEvent values this endpoint receives.
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The signing secret, sealed at rest (it must be readable to sign, so it cannot be hashed).
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    # May payloads carry personal free text (names, email addresses, messages, needs)?
    allow_personal_text: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", passive_deletes=True)

    @property
    def secret(self) -> str:
        return unseal(self.sealed_secret, SECRET_PURPOSE).decode()

    @secret.setter
    def secret(self, value: str) -> None:
        self.sealed_secret = seal(value.encode(), SECRET_PURPOSE)

    @property
    def event_labels(self) -> list[str]:
        return [e.label for e in WebhookEvent if e.value in self.events]

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_delivery"
    # The sender's claim: due pending rows, oldest first.
    __table_args__ = (Index("ix_webhook_delivery_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent as Accessreq-Webhook-Id; the same on every try, so a receiver can drop repeats.
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    # The JSON body exactly as it is sent and signed; emptied once sent when it carried
    # personal details (the endpoint's allow_personal_text).
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState, 16),
                                                 default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column()
    # The start of the receiver's last answer (RESPONSE_EXCERPT_MAX characters).
    last_response: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Set while a sender holds the row; a stale claim is taken over.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.state.value}>"
