"""A problem someone met using accessreq, kept for the access team to act on."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..columns import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..requests.models import AccessRequest


class AccessibilityReport(db.Model):
    __tablename__ = "accessibility_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Optional: a person may report without saying who they are.
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # Which page, or what they were trying to do.
    where: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))
    # What was done, for the team's own record.
    resolution: Mapped[str] = mapped_column(Text, default="")

    # The request staff recorded from this report ("Record as a request"), if any.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_request.id", ondelete="SET NULL"))

    resolved_by: Mapped[StaffUser | None] = relationship()
    # Named as a string: the requests package sits above this one and is not imported here.
    request: Mapped[AccessRequest | None] = relationship("AccessRequest")

    def __repr__(self) -> str:
        return f"<AccessibilityReport {self.id}>"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
