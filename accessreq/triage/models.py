"""Tables the staff dashboard owns (issue 13): the team's canned replies, saved views of
the queue (a name for one set of queue filters, kept for its owner or, made by an admin, shared
with every staff member), and the days each person's daily digest went out."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, false, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..columns import UTCDateTime, str_enum
from ..events.models import AccommodationType
from ..extensions import db
from ..requests.states import RequestStatus
from ..timeutil import utcnow

TITLE_MAX = 120


class CannedReply(db.Model):
    """A reply staff send often ("Interpreter confirmed"), offered on the request pages it
    fits; choosing it fills the composer, and it is sent as a normal reply."""

    __tablename__ = "canned_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    # May hold {placeholders} from triage.canned.PLACEHOLDERS, checked when saved.
    body: Mapped[str] = mapped_column(Text)
    # Offered only on requests asking for this accommodation; None: on any request.
    accommodation_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("accommodation_type.id", ondelete="CASCADE"), index=True)
    # The status the reply goes with: offered only on requests that may move to it, and chosen
    # in the composer with it; None: any request, no status chosen. (Not named ``status``: that
    # name is a request's, which only transition_to may set; tests/test_status_guard.py.)
    for_status: Mapped[RequestStatus | None] = mapped_column("status", str_enum(RequestStatus))
    # Lists show replies by position, then title.
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"))

    accommodation_type: Mapped[AccommodationType | None] = relationship()
    updated_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<CannedReply {self.id} {self.title!r}>"


class SavedView(db.Model):
    __tablename__ = "saved_view"
    # One name per owner, and one among shared views (no owner: NULLs never clash in the
    # first constraint, so the partial index keeps them apart), so two tabs saving the same name
    # at once cannot both win; saved_queue.save_view says so first, in words (and whatever the
    # case of the letters).
    __table_args__ = (
        UniqueConstraint("owner_id", "name"),
        Index("uq_saved_view_shared_name", "name", unique=True,
              postgresql_where=text("owner_id IS NULL"), sqlite_where=text("owner_id IS NULL")),
    )

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


class DigestSent(db.Model):
    """One person's daily digest for one day was queued (triage/digest.py). Written in the same
    transaction as the outbox row; the unique pair is what keeps a second run, or a second
    process racing the first, from sending that day's digest again."""

    __tablename__ = "digest_sent"
    __table_args__ = (UniqueConstraint("staff_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    # The installation's local calendar day (TIMEZONE) the digest was for.
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The outbox row that carries it (None once the outbox no longer has it).
    email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_email.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<DigestSent {self.staff_id} {self.day.isoformat()}>"
