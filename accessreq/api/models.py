"""API clients (a named bearer token with scopes) and the idempotency keys of their requests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import UTCDateTime
from ..extensions import db
from ..notifications.sealing import seal, unseal
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..auth.models import StaffUser
    from ..routing.models import Team

# What a client may do; each endpoint names the one scope it needs.
SCOPES = {
    "events:read": "Read events and the accommodation catalogue",
    "events:write": "Create and update events",
    "requests:create": "Create access requests, as the public form does",
    "requests:read": "Read requests (personal data) and their history",
    "requests:write": "Change a request's status and reply to the attendee",
}


class ApiClient(db.Model):
    """A system allowed to call the API. Only a hash of its token is kept; the token itself is
    shown once, when the client is created."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # sha256 hex of the bearer token (security.hash_token).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so admins can tell tokens apart (not enough to use one).
    token_prefix: Mapped[str] = mapped_column(String(12))
    # Space-separated scope names (keys of SCOPES).
    scopes: Mapped[str] = mapped_column(String(200), default="")
    # When set, the client sees and changes only this team's requests (as a team member would).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Recorded at most once a minute (auth.py), so a busy client does not write every call.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship()
    created_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApiClient {self.name}>"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


ANSWER_PURPOSE = b"accessreq api idempotent answer v1"


class IdempotencyKey(db.Model):
    """The first answer to a call made with an ``Idempotency-Key`` header: a retry with the same
    key and body gets it again and creates nothing. The answer holds the attendee's private
    status link, so it is sealed at rest (as the outbox's content is), and the retention purge
    deletes the row a day after the call (``api.services.KEEP_ANSWERS``)."""

    __tablename__ = "api_idempotency_key"
    __table_args__ = (
        UniqueConstraint("client_id", "key", name="uq_api_idempotency_key_client_id_key"),
        Index("ix_api_idempotency_key_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # sha256 hex of the method, path and JSON body: the same key with another body is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column()
    # The answer's JSON, sealed ("" while the call is being handled).
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def answer(self) -> str:
        return unseal(self.response_body.encode(), ANSWER_PURPOSE).decode()

    @answer.setter
    def answer(self, value: str) -> None:
        self.response_body = seal(value.encode(), ANSWER_PURPOSE).decode()

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.client_id} {self.key}>"
