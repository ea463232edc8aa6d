"""Staff accounts and sign-in attempts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..columns import LabelledEnum, UTCDateTime, str_enum
from ..extensions import db
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..routing.models import Team


class Role(LabelledEnum):
    ADMIN = "admin", "Admin"
    COORDINATOR = "coordinator", "Coordinator"


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 16), default=Role.COORDINATOR)
    # scrypt hash; None until the person accepts their invitation.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Deactivated accounts cannot sign in but stay on the history they wrote.
    active: Mapped[bool] = mapped_column(default=True)
    # SHA-256 of the one-time set-password token sent in an invitation.
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the id in every session cookie (see get_id); raising it ends all of this
    # person's sessions: at sign-out, password change, deactivation and reactivation.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The person asked for the morning email of their teams' pressing work (triage/digest.py);
    # only they change it, on their settings page.
    daily_digest: Mapped[bool] = mapped_column(default=False, server_default=false())

    # The queues this person works; loaded with the account (see auth/loader.py).
    teams: Mapped[list[Team]] = relationship(secondary="team_member", back_populates="members",
                                             order_by="Team.name")

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role.value}>"

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: a cookie from before the version was
        raised names an old version, and auth/loader.py refuses it."""
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        """Every session cookie issued so far stops working (committed by the caller)."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def team_ids(self) -> set[int]:
        return {t.id for t in self.teams}

    def can_see(self, access_request) -> bool:
        """Admins see every request; others their teams' and those no team holds."""
        return (self.is_admin or access_request.team_id is None
                or access_request.team_id in self.team_ids)

    def set_password(self, password: str) -> None:
        # PASSWORD_HASH_METHOD exists so tests can use cheaper scrypt parameters.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)


class LoginAttempt(db.Model):
    """A failed sign-in, kept briefly to throttle guessing across all app processes."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased address tried; throttling is per account, not per IP, so proxies don't matter.
    email: Mapped[str] = mapped_column(String(254), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.id}>"
