"""The access log as admins read it: every sighting of a request's details, newest first,
filtered by staff member and/or request reference, one page at a time.

Read-only; the log is written by ``services.record_view`` and ``services.record_queue_view``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..auth.models import StaffUser
from ..extensions import db
from ..forms import controls_to_spaces
from ..pagination import page_count, requested_page
from ..requests.models import AccessLogEntry, AccessRequest
from .queries import positive_id
from .services import VIEW_PAGE, VIEW_QUEUE

PER_PAGE = 50
REFERENCE_MAX_LENGTH = 40
# How each kind of sighting reads in the log.
ACTION_LABELS = {VIEW_PAGE: "Opened the request", VIEW_QUEUE: "Saw it as a row of the queue"}


@dataclass(frozen=True)
class LogFilters:
    """Parsed leniently from the query string: anything unreadable means "everyone" / "any"."""

    staff_id: int | None = None
    reference: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LogFilters:
        reference = controls_to_spaces(args.get("reference") or "").strip().upper()
        return cls(staff_id=positive_id(args.get("staff")),
                   reference=reference[:REFERENCE_MAX_LENGTH],
                   page=requested_page(args.get("page")))

    @property
    def narrowed(self) -> bool:
        return self.staff_id is not None or bool(self.reference)

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for the pager's links."""
        args = {}
        if self.staff_id is not None:
            args["staff"] = str(self.staff_id)
        if self.reference:
            args["reference"] = self.reference
        return args


@dataclass(frozen=True)
class LogPage:
    entries: list[AccessLogEntry]
    total: int
    page: int
    pages: int


def log_page(filters: LogFilters, per_page: int = PER_PAGE) -> LogPage:
    """One page of the log; a reference matches exactly (references are short and printed)."""
    conditions = []
    if filters.staff_id is not None:
        conditions.append(AccessLogEntry.staff_id == filters.staff_id)
    if filters.reference:
        conditions.append(AccessLogEntry.request_id.in_(
            select(AccessRequest.id).where(AccessRequest.reference == filters.reference)))
    total = db.session.scalar(select(func.count(AccessLogEntry.id)).where(*conditions)) or 0
    pages = page_count(total, per_page)
    page = min(max(filters.page, 1), pages)
    entries = list(db.session.scalars(
        select(AccessLogEntry).where(*conditions)
        .options(joinedload(AccessLogEntry.staff), joinedload(AccessLogEntry.access_request))
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return LogPage(entries=entries, total=total, page=filters.page, pages=pages)


def all_staff() -> list[StaffUser]:
    """Everyone who may appear in the log, deactivated accounts included."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id)))
