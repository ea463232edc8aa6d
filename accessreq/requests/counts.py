"""The per-status request counts the queue shows, kept up to date by every status change."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import AccessRequest, StatusCount
from .states import RequestStatus

_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def bump(status: RequestStatus, delta: int) -> None:
    """Add ``delta`` to the count for ``status`` in the caller's transaction (atomic upsert)."""
    statement = _UPSERT[db.session.get_bind().dialect.name](StatusCount).values(
        status=status, count=delta)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[StatusCount.status],
        set_={"count": StatusCount.count + statement.excluded.count}))


def move(from_status: RequestStatus, to_status: RequestStatus) -> None:
    bump(from_status, -1)
    bump(to_status, +1)


def current() -> dict[RequestStatus, int]:
    return {s: n for s, n in db.session.execute(select(StatusCount.status, StatusCount.count))
            if n}


def recount() -> dict[RequestStatus, int]:
    """Rebuild the counts from the requests themselves (after a bulk load or to repair)."""
    db.session.execute(delete(StatusCount))
    db.session.execute(insert(StatusCount).from_select(
        ["status", "count"],
        select(AccessRequest.status, func.count()).group_by(AccessRequest.status)))
    db.session.commit()
    return current()
