"""The export log: one row per CSV file made, from the web or from the shell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..columns import UTCDateTime
from ..extensions import db
from ..timeutil import utcnow

# What was exported: the staff queue's current filter, a report's table, or requests from the
# command line (``flask export requests``).
KIND_QUEUE = "queue"
KIND_REPORT = "report"
KIND_CLI = "cli"
KIND_LABELS = {KIND_QUEUE: "Queue", KIND_REPORT: "Report", KIND_CLI: "Command line"}


class ExportLog(db.Model):
    """Who exported what, when, with or without personal columns, and how many rows.

    Written (and committed) before the first byte of the file, then completed when the stream
    ends: a row whose ``finished_at`` is empty is an export that was cut off before its end
    could be recorded (the process died), so no export ever goes unlogged.
    """

    __tablename__ = "export_log"
    __table_args__ = (Index("ix_export_log_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for an export from the shell, or once the staff account is deleted.
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    # For an export from the shell: the operating-system account that ran it ("" otherwise).
    run_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(16))  # KIND_QUEUE, KIND_REPORT or KIND_CLI
    # What was exported, in words ("Open requests; event: Lecture; by due date").
    description: Mapped[str] = mapped_column(Text, default="")
    # The same, as it can be replayed: the queue's query string or the command's options.
    query: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Whether contact names, emails and phone numbers were included.
    personal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Whether what attendees wrote (accommodation details, "anything else") was included.
    free_text: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Rows written after the header; final once ``finished_at`` is set.
    row_count: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the stream ended (None: its end was never recorded).
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # False when the stream ended early: an error, or the download was cancelled.
    complete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    staff: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<ExportLog {self.id} {self.kind} rows={self.row_count}>"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def rows_in_words(self) -> str:
        """The row count as the admin log shows it, saying when the file was not finished."""
        rows = f"{self.row_count} row{'' if self.row_count == 1 else 's'}"
        if self.finished_at is None:
            return "Not finished (its end was not recorded)"
        if not self.complete:
            return f"Stopped after {rows}"
        return rows
