"""Exports of requests as CSV: what goes in the file, and the export log around it.

An export is logged in two steps, on purpose. Its ``ExportLog`` row is committed before the
first byte is sent (with the requests in the access log, for a staff member), so nothing can
lose it: not a failing row, not a cancelled download, not even a process killed mid-stream. When
the rows end, however they end, ``finish_export`` records how many were written and whether the
file is complete, in a transaction of its own. Writing the row only at the end would be simpler,
but would lose exactly the exports that went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import StaffUser
from ..events.models import AccommodationType, Event
from ..extensions import db
from ..requests.models import AccessRequest, RequestedAccommodation
from ..requests.states import RequestStatus
from ..routing.models import Team
from ..timeutil import utcnow
from ..triage import queries
from ..triage.services import record_export
from .columns import ColumnChoice
from .models import KIND_CLI, KIND_QUEUE, ExportLog

log = logging.getLogger(__name__)

# Requests read from the database at a time while a file is written (a server-side cursor on
# PostgreSQL): memory stays flat however many rows the file holds.
READ_BATCH = 500


@dataclass(frozen=True)
class StartedExport:
    """A logged export whose rows are still to be written: pass ``rows`` and ``finish`` to
    ``csvfile.csv_response`` (or ``csv_chunks``), which calls ``finish`` when the rows end."""

    log_id: int
    filename: str
    header: list[str]
    rows: Iterator[list]
    total: int | None = None  # how many rows to expect, when counted (the shell's progress)

    def finish(self, rows: int, complete: bool) -> None:
        finish_export(self.log_id, rows, complete)


def start_export(kind: str, *, staff: StaffUser | None = None, run_by: str = "",
                 description: str = "", query: str = "",
                 choice: ColumnChoice = ColumnChoice(), commit: bool = True) -> int:
    """Write the export's log row before anything is sent; returns its id. ``kind`` is one of
    models.KIND_*; a report's CSV (``KIND_REPORT``) calls this, then
    ``csv_response(..., on_finish=finisher(log_id))``."""
    entry = ExportLog(kind=kind, staff_id=staff.id if staff else None, run_by=run_by,
                      description=description, query=query, personal=choice.personal,
                      free_text=choice.free_text, started_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    if commit:
        db.session.commit()
    return entry.id


def finish_export(log_id: int, rows: int, complete: bool) -> None:
    """Record how the export's stream ended. Whatever the stream left open is rolled back
    first (a failed statement must not take this update down with it); if even this fails the
    row stays as started, which the admin log shows as not finished."""
    try:
        db.session.rollback()
        db.session.execute(update(ExportLog).where(ExportLog.id == log_id).values(
            row_count=rows, complete=complete, finished_at=utcnow()))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("export %s: how its stream ended could not be recorded", log_id)


def finisher(log_id: int):
    """``on_finish`` for ``csvfile.csv_response``: records the end of export ``log_id``."""
    return lambda rows, complete: finish_export(log_id, rows, complete)


def _requests_query(conditions: list, order: tuple):
    """The requests to write, with what the columns read, loaded per batch (many-to-one by
    join, the accommodations by one extra statement per batch)."""
    return (select(AccessRequest).where(*conditions)
            .options(joinedload(AccessRequest.event), joinedload(AccessRequest.team),
                     joinedload(AccessRequest.assignee),
                     selectinload(AccessRequest.items)
                     .joinedload(RequestedAccommodation.accommodation_type))
            .order_by(*order).execution_options(yield_per=READ_BATCH))


def _streamed(statement) -> Iterator[AccessRequest]:
    """The statement's requests, read batch by batch as the file is written (not before)."""
    result = db.session.scalars(statement)
    try:
        yield from result
    finally:
        result.close()


# --- the staff queue's current filter -----------------------------------------------------------


def queue_count(filters: queries.QueueFilters, staff: StaffUser, now: datetime) -> int:
    """How many requests the queue lists for ``filters`` (every page): the export's rows."""
    return db.session.scalar(select(func.count(AccessRequest.id)).where(
        *queries.matching_conditions(filters, staff, now))) or 0


def export_queue(filters: queries.QueueFilters, staff: StaffUser, now: datetime,
                 choice: ColumnChoice, query: str) -> StartedExport:
    """Start a CSV export of every request the queue lists for ``filters`` and ``staff`` (all
    its pages): the same conditions, team scope and order as the queue page.

    Logged before anything is sent: the export's row, and each request in the access log (one
    INSERT … SELECT with the same conditions), committed together. A request changed in the
    moment between the two reads may be logged and not written, or the reverse; the log errs
    on neither side for long."""
    conditions = queries.matching_conditions(filters, staff, now)
    log_id = start_export(KIND_QUEUE, staff=staff, description=describe_queue(filters, staff),
                          query=query, choice=choice, commit=False)
    record_export(staff.id, conditions, choice.any_personal)  # commits the log row too
    rows = choice.rows(_streamed(_requests_query(conditions, queries.queue_order(filters))))
    return StartedExport(log_id=log_id, filename=f"requests-{now:%Y-%m-%d}.csv",
                         header=choice.header, rows=rows)


def describe_queue(filters: queries.QueueFilters, staff: StaffUser) -> str:
    """The queue's filter in words, as the export page and the export log say it."""
    if filters.status == queries.STATUS_OPEN:
        words = ["Open requests"]
    elif filters.status == queries.STATUS_ALL:
        words = ["Requests with any status"]
    else:
        words = [f"Requests that are “{RequestStatus(filters.status).label}”"]
    scope = queries.team_scope(filters, staff)
    if scope == queries.TEAM_ALL:
        words.append("all teams")
    elif scope == queries.TEAM_MINE:
        words.append("my teams and requests no team holds" if staff.teams
                     else "requests no team holds")
    else:
        team = db.session.get(Team, scope)
        words.append(f"team: {team.name if team else scope}")
    if filters.waiting:
        words.append("waiting for us")
    if filters.needs_outcome:
        words.append("needs an outcome")
    if filters.event_id:
        event = db.session.get(Event, filters.event_id)
        words.append(f"event: {event.title if event else f'number {filters.event_id} (none)'}")
    if filters.type_id:
        kind = db.session.get(AccommodationType, filters.type_id)
        words.append(f"accommodation: {kind.name if kind else f'number {filters.type_id} (none)'}")
    if filters.assignee == queries.ASSIGNEE_MINE:
        words.append(f"assigned to {staff.name}")
    elif filters.assignee == queries.ASSIGNEE_UNASSIGNED:
        words.append("unassigned")
    elif filters.assignee:
        person = db.session.get(StaffUser, int(filters.assignee))
        words.append(f"assigned to {person.name if person else 'nobody who exists'}")
    if filters.q:
        words.append(f"search: “{filters.q}”")
    words.append("newest first" if filters.sort == queries.SORT_NEWEST
                 else "by due date, soonest first")
    return "; ".join(words)


# --- the shell: requests received in a period -------------------------------------------------


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def export_received(since: date, until: date | None, choice: ColumnChoice, run_by: str,
                    query: str) -> StartedExport:
    """Start a CSV export of every request received from the start of ``since`` to the end of
    ``until`` (days in UTC; without ``until``, up to now), any team and status, oldest first.
    The shell has the whole database already, so there is no team scope and no staff member
    to put in the access log: the export log keeps who ran it."""
    conditions = [AccessRequest.created_at >= day_start(since)]
    words = f"Requests received from {since.isoformat()}"
    if until is not None:
        conditions.append(AccessRequest.created_at < day_start(until + timedelta(days=1)))
        words += f" to {until.isoformat()} (UTC days)"
    else:
        words += " (UTC) to now"
    total = db.session.scalar(select(func.count(AccessRequest.id)).where(*conditions)) or 0
    log_id = start_export(KIND_CLI, run_by=run_by, description=words, query=query,
                          choice=choice)
    rows = choice.rows(_streamed(_requests_query(
        conditions, (AccessRequest.created_at.asc(), AccessRequest.id.asc()))))
    return StartedExport(log_id=log_id, filename="", header=choice.header, rows=rows,
                         total=total)
