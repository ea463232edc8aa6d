"""Read-only queries of the API: keyset (cursor) pages, a client's team scope, and the history
a client is shown."""

from __future__ import annotations

import base64
import binascii

from flask_smorest import abort
from sqlalchemy import or_, select

from ..events.models import AccommodationType, Event
from ..extensions import db
from ..requests.models import AccessRequest, HistoryEntry
from ..requests.states import RequestStatus
from .models import ApiClient


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id after which the page starts (0: the first page); a bad cursor is a 422."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        last_id = int(value)
        if kind != "id" or last_id < 0 or last_id > 2**31 - 1:
            raise ValueError
    except (ValueError, UnicodeDecodeError, binascii.Error):
        abort(422, errors={"cursor": ["Not a cursor this API gave out."]})
    return last_id


def keyset_page(statement, model, cursor: str | None, limit: int) -> dict:
    """Rows with an id after the cursor, by id; ``next_cursor`` is None on the last page."""
    rows = list(db.session.scalars(statement.where(model.id > decode_cursor(cursor))
                                   .order_by(model.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more else None}


def events_statement():
    return select(Event)


def catalogue() -> list[AccommodationType]:
    return list(db.session.scalars(
        select(AccommodationType).where(AccommodationType.active.is_(True))
        .order_by(AccommodationType.position, AccommodationType.name)))


def team_conditions(client: ApiClient) -> list:
    """The rule staff have (``StaffUser.can_see``): a client limited to a team sees that team's
    requests and those no team holds; an unlimited client sees all."""
    if client.team_id is None:
        return []
    return [or_(AccessRequest.team_id == client.team_id, AccessRequest.team_id.is_(None))]


def can_see(client: ApiClient, access_request: AccessRequest) -> bool:
    return (client.team_id is None or access_request.team_id is None
            or access_request.team_id == client.team_id)


def requests_statement(client: ApiClient, *, status: str | None, event: int | None,
                       team: int | None, updated_since) -> object:
    statement = select(AccessRequest).where(*team_conditions(client))
    if status:
        statement = statement.where(AccessRequest.status == RequestStatus(status))
    if event:
        statement = statement.where(AccessRequest.event_id == event)
    if team:
        statement = statement.where(AccessRequest.team_id == team)
    if updated_since is not None:
        statement = statement.where(AccessRequest.updated_at >= updated_since)
    return statement


def request_for(client: ApiClient, reference: str) -> AccessRequest:
    """The request with this reference within the client's scope, else 404 (no hint that a
    request of another team exists)."""
    access_request = db.session.scalar(
        select(AccessRequest).where(AccessRequest.reference == reference.upper()[:16]))
    if access_request is None or not can_see(client, access_request):
        abort(404, message="No request with that reference.")
    return access_request


def visible_history(access_request: AccessRequest) -> list[HistoryEntry]:
    """What the attendee's status page shows: internal notes, routing and mail events stay
    with staff."""
    return [entry for entry in access_request.history if entry.is_public]
