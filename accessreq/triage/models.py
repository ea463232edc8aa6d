"""A saved view of the staff queue: a name for one set of queue filters, kept for its owner or,
made by an admin, shared with every staff member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow


class SavedView(db.Model):
    __tablename__ = "saved_view"
    # Shared views have no owner; NULLs never clash in a unique constraint, so their names are
    # kept apart by the service (saved_views.save_view).
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The queue's query string for these filters (QueueFilters.query_args(page=1), encoded);
    # nothing else is ever stored, and it is parsed again through QueueFilters when used.
    query: Mapped[str] = mapped_column(Text)
    # Made by an admin for every staff member (then owner_id is None).
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Order in the queue's navigation: the order views were saved in.
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<SavedView {self.id} {self.name!r}{' shared' if self.shared else ''}>"
