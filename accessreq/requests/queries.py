"""Read-only questions about requests that other pages ask (the staff queue has its own, in
triage/queries.py)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.sql.expression import ColumnElement

from ..extensions import db
from .counts import NO_TEAM
from .models import AccessRequest


def in_team_keys(keys: set[int] | None) -> list[ColumnElement[bool]]:
    """The condition on ``AccessRequest.team_id`` for requests of these teams, given by their
    count keys (``NO_TEAM`` stands for the requests no team holds); none for ``None``, every
    team."""
    if keys is None:
        return []
    condition = AccessRequest.team_id.in_(sorted(keys - {NO_TEAM}))
    if NO_TEAM in keys:
        condition = or_(condition, AccessRequest.team_id.is_(None))
    return [condition]


def visible_to(user) -> list[ColumnElement[bool]]:
    """``StaffUser.can_see`` in SQL, for every reader of many requests (the queue's "my teams",
    the digest, the reports): admins see every request; others their teams' and those no team
    holds."""
    return [] if user.is_admin else in_team_keys(user.team_ids | {NO_TEAM})


def count_by_event(event_ids: list[int]) -> dict[int, int]:
    """How many requests each of these events has had (events without any are left out)."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(AccessRequest.event_id, func.count(AccessRequest.id))
        .where(AccessRequest.event_id.in_(event_ids)).group_by(AccessRequest.event_id))
    return {event_id: count for event_id, count in rows}
