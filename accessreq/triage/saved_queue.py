"""Saved views of the staff queue: a person's named sets of filters, and shared ones an admin
keeps for everyone. Reading them and counting their matches; saving and deleting (one service
each).

What is stored is only the queue's own query string for the filters, rebuilt from
``QueueFilters``; whenever a view is used it is parsed again through ``QueueFilters.from_args``,
so a stale or altered query falls back like any other bad query string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ..auth.models import StaffUser
from ..extensions import db
from ..requests.models import AccessRequest
from .models import SavedView
from .queries import QueueFilters, matching_conditions

# Most views one person may keep, and most shared views: the navigation stays short, and the
# counts stay one statement of bounded width.
MAX_VIEWS = 12
NAME_MAX = 80


class SavedViewError(Exception):
    """A view that cannot be saved or deleted; the message says why, for the person."""


def query_of(filters: QueueFilters) -> str:
    """The stored form of ``filters``: the queue's query string for its first page."""
    return urlencode(filters.query_args(page=1))


def filters_of(query: str) -> QueueFilters:
    """A stored query parsed again as the queue parses any query string (bad values fall back)."""
    return QueueFilters.from_args(MultiDict(parse_qsl(query or "", keep_blank_values=True)))


def views_for(user: StaffUser) -> list[SavedView]:
    """The person's own views, then the shared ones, each in the order they were saved."""
    return list(db.session.scalars(
        select(SavedView).where(or_(SavedView.owner_id == user.id, SavedView.shared.is_(True)))
        .order_by(SavedView.shared, SavedView.position, SavedView.id)))


def match_counts(views: list[SavedView], user: StaffUser, now: datetime) -> dict[int, int]:
    """How many requests each view lists for this person, in one statement whatever the number
    of views (one counted CASE per view over the requests the person may see)."""
    if not views:
        return {}
    columns = [func.count(case((and_(*matching_conditions(filters_of(v.query), user, now)), 1)))
               for v in views]
    row = db.session.execute(select(*columns).select_from(AccessRequest)).one()
    return {view.id: n for view, n in zip(views, row)}


@dataclass(frozen=True)
class ViewLink:
    """A saved view as the queue's navigation shows it."""
    view: SavedView
    query_args: dict
    count: int
    current: bool


def view_links(user: StaffUser, filters: QueueFilters, now: datetime) -> list[ViewLink]:
    views = views_for(user)
    counts = match_counts(views, user, now)
    here = query_of(filters)
    links = []
    for view in views:
        parsed = filters_of(view.query)
        links.append(ViewLink(view=view, query_args=parsed.query_args(page=1),
                              count=counts[view.id], current=query_of(parsed) == here))
    return links


def save_view(actor: StaffUser, name: str, filters: QueueFilters,
              shared: bool = False) -> SavedView:
    """Save ``filters`` under ``name`` for ``actor`` (or, for an admin asking, for everyone)."""
    name = (name or "").strip()
    if not name:
        raise SavedViewError("Give the view a name")
    if len(name) > NAME_MAX:
        raise SavedViewError(f"The name must be {NAME_MAX} characters or fewer")
    if shared and not actor.is_admin:
        raise SavedViewError("Only an admin can share a view with every staff member")
    query = query_of(filters)
    if not query:
        raise SavedViewError("This is the queue as it opens: choose some filters to save first")
    owner_id = None if shared else actor.id
    same_owner = (SavedView.shared.is_(True) if shared else SavedView.owner_id == actor.id)
    existing = list(db.session.scalars(select(SavedView.name).where(same_owner)))
    if any(n.casefold() == name.casefold() for n in existing):
        whose = "A shared view" if shared else "You already have a view"
        raise SavedViewError(f"{whose} called “{name}”: choose another name")
    if len(existing) >= MAX_VIEWS:
        if shared:
            raise SavedViewError(f"There are already {MAX_VIEWS} shared views, the most there "
                                 "can be. Delete one on Manage views to save this one")
        raise SavedViewError(f"You have {MAX_VIEWS} saved views, the most one person can "
                             "keep. Delete one on Manage views to save this one")
    view = SavedView(owner_id=owner_id, name=name, query=query, shared=shared,
                     position=len(existing) + 1)
    db.session.add(view)
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved at the same moment from another tab
        db.session.rollback()
        whose = "A shared view" if shared else "You already have a view"
        raise SavedViewError(f"{whose} called “{name}”: choose another name") from None
    return view


def can_delete(view: SavedView, actor: StaffUser) -> bool:
    return view.owner_id == actor.id or (view.shared and actor.is_admin)


def delete_view(view: SavedView, actor: StaffUser) -> None:
    """Delete a view: people delete their own; admins delete shared ones."""
    if not can_delete(view, actor):
        raise SavedViewError("You can only delete your own views")
    db.session.delete(view)
    db.session.commit()
