"""The per-(team, status) request counts the queue shows, kept up to date by every change."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import AccessRequest, StatusCount
from .states import RequestStatus

_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
NO_TEAM = 0  # the key of requests no team holds


def team_key(team_id: int | None) -> int:
    return team_id or NO_TEAM


def team_key_column():
    """``team_key`` computed from a request's team in SQL. The 0 is written inline, not bound:
    PostgreSQL only groups by an expression identical to the selected one."""
    return func.coalesce(AccessRequest.team_id, literal_column(str(NO_TEAM)))


def bump(status: RequestStatus, delta: int, team_id: int | None = None) -> None:
    """Add ``delta`` to the count for (team, status) in the caller's transaction (atomic upsert)."""
    statement = _UPSERT[db.session.get_bind().dialect.name](StatusCount).values(
        team_key=team_key(team_id), status=status, count=delta)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[StatusCount.team_key, StatusCount.status],
        set_={"count": StatusCount.count + statement.excluded.count}))


def move(from_status: RequestStatus, to_status: RequestStatus,
         team_id: int | None = None) -> None:
    bump(from_status, -1, team_id)
    bump(to_status, +1, team_id)


def by_team(team_ids: Iterable[int | None] | None = None) -> dict[tuple[int, RequestStatus], int]:
    """Counts per (team key, status), for the given teams (None: every team), in one read."""
    query = select(StatusCount.team_key, StatusCount.status, StatusCount.count).where(
        StatusCount.count != 0)
    if team_ids is not None:
        query = query.where(StatusCount.team_key.in_(sorted({team_key(t) for t in team_ids})))
    return {(key, status): n for key, status, n in db.session.execute(query)}


def current(team_ids: Iterable[int | None] | None = None) -> dict[RequestStatus, int]:
    """Counts per status, summed over the given teams (None: every team)."""
    totals: dict[RequestStatus, int] = {}
    for (_key, status), n in by_team(team_ids).items():
        totals[status] = totals.get(status, 0) + n
    return {s: n for s, n in totals.items() if n}


def recount() -> dict[RequestStatus, int]:
    """Rebuild the counts from the requests themselves (after a bulk load or to repair)."""
    key = team_key_column()
    db.session.execute(delete(StatusCount))
    db.session.execute(insert(StatusCount).from_select(
        ["team_key", "status", "count"],
        select(key, AccessRequest.status, func.count()).group_by(key, AccessRequest.status)))
    db.session.commit()
    return current()
