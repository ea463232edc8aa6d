"""The access log as admins read it: every sighting of a request's details, and every opening
of a stored email or download of its original, newest first, filtered by staff member and/or
request reference, one page at a time.

Read-only. Sightings of requests are written by ``services.record_view`` and
``services.record_queue_view`` (table ``access_log``); openings of stored emails by
``inbound.inbox.record_view`` (each email's own log, ``inbound_log``, which its page shows too:
unmatched mail has no request to hang a row of ``access_log`` on). Both are read here as one
list; an email row names the email by its number, never its sender, subject or text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, cast, func, literal, null, select, union_all

from ..auth.models import StaffUser
from ..extensions import db
from ..forms import controls_to_spaces
from ..inbound import inbox
from ..inbound.models import InboundLogEntry, InboundMessage
from ..pagination import Page, page_count, requested_page
from ..requests.models import AccessLogEntry, AccessRequest
from .queries import positive_id
from .services import (EXPORT, EXPORT_PERSONAL, VIEW_DIGEST, VIEW_PAGE, VIEW_PLAN, VIEW_QUEUE,
                       VIEW_RUN_SHEET, VIEW_RUN_SHEET_CSV)

PER_PAGE = 50
REFERENCE_MAX_LENGTH = 40
# What kind of thing a row of the log is about.
REQUEST = "request"
EMAIL = "email"
# The email log's actions that are reads (its others are actions, told on the email's page).
EMAIL_READS = (inbox.VIEW, inbox.ORIGINAL, inbox.ATTACHMENT)
# How each kind of sighting reads in the log, by (what, action).
ACTION_LABELS = {
    (REQUEST, VIEW_PAGE): "Opened the request",
    (REQUEST, VIEW_QUEUE): "Saw it as a row of the queue",
    (REQUEST, VIEW_PLAN): "Saw it on the event's access plan",
    (REQUEST, VIEW_RUN_SHEET): "Saw it on the event's run sheet",
    (REQUEST, VIEW_RUN_SHEET_CSV): "Downloaded it in the event's run sheet (CSV)",
    (REQUEST, EXPORT): "Exported it in a CSV file (without personal details)",
    (REQUEST, EXPORT_PERSONAL): "Exported it in a CSV file with personal details",
    (REQUEST, VIEW_DIGEST): "Was sent it in their daily digest email",
    # Reads by an API client (accessreq/api/views.py; the row names the client, not staff).
    (REQUEST, "api_list"): "Read it in a list through the API",
    (REQUEST, "api_view"): "Read it through the API",
    (EMAIL, inbox.VIEW): "Opened the email",
    (EMAIL, inbox.ORIGINAL): "Downloaded the email's original",
    (EMAIL, inbox.ATTACHMENT): "Downloaded a file attached to the email",
}


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
class LogRow:
    """One sighting: of a request (``inbound_id`` None) or of a stored email (``request_id``
    set when the email is on a request)."""

    at: datetime
    what: str  # REQUEST or EMAIL
    action: str
    staff_name: str | None  # None: the account was deleted since
    request_id: int | None
    reference: str | None
    inbound_id: int | None

    @property
    def label(self) -> str:
        return ACTION_LABELS.get((self.what, self.action), self.action)


def _sightings(filters: LogFilters):
    """Both logs as one set of rows (a subquery), each side filtered alike: by the staff
    member, and by the reference of the request the row is about (an email on no request has
    none, so a reference filter leaves it out)."""
    requests_seen = select(
        AccessLogEntry.at.label("at"), literal(REQUEST).label("what"),
        AccessLogEntry.id.label("row_id"), AccessLogEntry.action.label("action"),
        AccessLogEntry.staff_id.label("staff_id"), AccessLogEntry.request_id.label("request_id"),
        cast(null(), Integer).label("inbound_id"), AccessLogEntry.client_name.label("client_name"))
    emails_seen = (
        select(InboundLogEntry.at, literal(EMAIL), InboundLogEntry.id, InboundLogEntry.action,
               InboundLogEntry.staff_id, InboundMessage.request_id, InboundLogEntry.inbound_id,
               cast(null(), String))
        .join(InboundMessage, InboundLogEntry.inbound_id == InboundMessage.id)
        .where(InboundLogEntry.action.in_(EMAIL_READS)))
    if filters.staff_id is not None:
        requests_seen = requests_seen.where(AccessLogEntry.staff_id == filters.staff_id)
        emails_seen = emails_seen.where(InboundLogEntry.staff_id == filters.staff_id)
    if filters.reference:
        ids = select(AccessRequest.id).where(AccessRequest.reference == filters.reference)
        requests_seen = requests_seen.where(AccessLogEntry.request_id.in_(ids))
        emails_seen = emails_seen.where(InboundMessage.request_id.in_(ids))
    return union_all(requests_seen, emails_seen).subquery("sighting")


def log_page(filters: LogFilters, per_page: int = PER_PAGE) -> Page[LogRow]:
    """One page of the log; a reference matches exactly (references are short and printed).
    Two statements: the count and the page with names and references."""
    sighting = _sightings(filters)
    total = db.session.scalar(select(func.count()).select_from(sighting)) or 0
    pages = page_count(total, per_page)
    page = min(max(filters.page, 1), pages)
    rows = db.session.execute(
        select(sighting.c.at, sighting.c.what, sighting.c.action,
               # An API client's read names the client (accessreq/api).
               func.coalesce(StaffUser.name, literal("API client: ") + sighting.c.client_name),
               sighting.c.request_id, AccessRequest.reference, sighting.c.inbound_id)
        .outerjoin(StaffUser, StaffUser.id == sighting.c.staff_id)
        .outerjoin(AccessRequest, AccessRequest.id == sighting.c.request_id)
        .order_by(sighting.c.at.desc(), sighting.c.what, sighting.c.row_id.desc())
        .limit(per_page).offset((page - 1) * per_page))
    return Page(items=[LogRow(*row) for row in rows], total=total, page=filters.page,
                pages=pages)


def all_staff() -> list[StaffUser]:
    """Everyone who may appear in the log, deactivated accounts included."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id)))
